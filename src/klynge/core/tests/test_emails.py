"""queue_email: rendered in the recipient's language, sent only after commit, with attachments."""

import pytest
from django.core import mail
from django.db import transaction

from klynge.core.emails import queue_email, send_email_with_attachments
from klynge.ecosystem.tests.factories import PersonFactory
from klynge.events.models import Registration
from klynge.events.tests.factories import EventFactory

pytestmark = pytest.mark.django_db


def _context():
    event = EventFactory(title="Summit")
    person = PersonFactory(first_name="Ida")
    registration = Registration(event=event, person=person, status="cancelled")
    return {"event": event, "person": person, "registration": registration, "link": "/x"}


def test_plain_email_without_attachments(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        queue_email(to="a@example.org", template="events/emails/cancelled", context=_context())
    assert [(m.to, m.subject, m.attachments) for m in mail.outbox] == [
        (["a@example.org"], "Registration cancelled: Summit", [])
    ]


def test_attachments_are_sent(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        queue_email(
            to="a@example.org",
            template="events/emails/cancelled",
            context=_context(),
            attachments=[("event.ics", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar")],
        )
    (message,) = mail.outbox
    assert message.attachments == [
        ("event.ics", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar")
    ]


def test_nothing_is_sent_when_the_transaction_rolls_back(django_capture_on_commit_callbacks):
    context = _context()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                queue_email(
                    to="a@example.org",
                    template="events/emails/cancelled",
                    context=context,
                    attachments=[("a.ics", "x", "text/calendar")],
                )
                raise RuntimeError
    assert (callbacks, mail.outbox) == ([], [])


def test_the_attachment_task_runs_on_the_database_worker(transactional_db, mailoutbox):
    import io

    from django.core.management import call_command

    from klynge.core.emails import send_email_with_attachments

    send_email_with_attachments.using(backend="database").enqueue(
        to=["b@example.org"],
        subject="Hej",
        body="Body",
        attachments=[["a.ics", "x", "text/calendar"]],
    )
    call_command(
        "db_worker", "--batch", "--backend", "database", stdout=io.StringIO(), stderr=io.StringIO()
    )
    assert [(m.subject, m.attachments) for m in mailoutbox] == [
        ("Hej", [("a.ics", "x", "text/calendar")])
    ]


DATABASE_TASKS = {
    "default": {"BACKEND": "klynge.core.task_backend.OutboxBackend", "QUEUES": ["default"]}
}


def _queued():
    from django_tasks_db.models import DBTaskResult

    return list(DBTaskResult.objects.values_list("task_path", flat=True))


def test_with_the_database_backend_the_task_row_is_written_in_the_transaction(
    transactional_db, settings, django_capture_on_commit_callbacks
):
    """A transactional outbox: the e-mail's task commits or rolls back with the change."""
    settings.TASKS = DATABASE_TASKS
    context = _context()
    with django_capture_on_commit_callbacks() as callbacks:
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                queue_email(to="a@example.org", template="events/emails/cancelled", context=context)
                assert _queued() == ["klynge.core.tasks.send_email"]  # before the commit
                raise RuntimeError
    assert (callbacks, _queued()) == ([], [])
    with transaction.atomic():
        queue_email(
            to="a@example.org",
            template="events/emails/cancelled",
            context=context,
            attachments=[("a.ics", "x", "text/calendar")],
        )
    assert _queued() == ["klynge.core.emails.send_email_with_attachments"]


def test_klynges_backend_writes_the_row_the_librarys_would_in_one_statement(
    transactional_db, settings
):
    """The prepared INSERT stores what django-tasks-db's own `create()` stores, `run_after`
    filled in by the library's pre_save receiver included."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django_tasks_db.models import DBTaskResult, get_date_max

    settings.TASKS = {
        **DATABASE_TASKS,
        "library": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]},
    }
    arguments = {"to": ["e@example.org"], "subject": "Hej", "body": "Æble", "attachments": []}
    with CaptureQueriesContext(connection) as queries:
        ours = send_email_with_attachments.enqueue(**arguments)
    theirs = send_email_with_attachments.using(backend="library").enqueue(**arguments)
    assert len(queries) == 1 and queries[0]["sql"].startswith("INSERT")
    assert ours.backend == "default" and theirs.backend == "library"
    fields = [f.attname for f in DBTaskResult._meta.concrete_fields]
    skip = {"id", "enqueued_at", "backend_name"}
    ours_row, theirs_row = (
        DBTaskResult.objects.values(*fields).get(pk=result.id) for result in (ours, theirs)
    )
    assert {k: v for k, v in ours_row.items() if k not in skip} == {
        k: v for k, v in theirs_row.items() if k not in skip
    }
    assert ours_row["run_after"] == get_date_max() and ours_row["enqueued_at"]
    assert DBTaskResult.objects.get(pk=ours.id).task_result.status == ours.status


def test_klynges_backend_announces_the_result_it_returns_once(transactional_db, settings):
    """`task_enqueued` is sent once per task, with the result `enqueue` returns, which says what
    the library's own backend says of the same task."""
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.compat import task_enqueued

    from klynge.core.task_backend import OutboxBackend

    settings.TASKS = {
        **DATABASE_TASKS,
        "library": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]},
    }
    heard = []

    def receiver(sender, task_result, **kwargs):
        heard.append((sender, task_result))

    arguments = {"to": ["e@example.org"], "subject": "Hej", "body": "Æble", "attachments": []}
    task_enqueued.connect(receiver)
    try:
        ours = send_email_with_attachments.enqueue(**arguments)
        theirs = send_email_with_attachments.using(backend="library").enqueue(**arguments)
    finally:
        task_enqueued.disconnect(receiver)
    assert [sender for sender, _ in heard] == [OutboxBackend, DatabaseBackend]
    assert heard[0][1] is ours and heard[1][1].id == theirs.id
    for attribute in ("status", "args", "kwargs", "errors", "worker_ids", "started_at"):
        assert getattr(ours, attribute) == getattr(theirs, attribute), attribute
    for attribute in ("func", "priority", "queue_name", "run_after"):
        assert getattr(ours.task, attribute) == getattr(theirs.task, attribute), attribute
    assert (ours.backend, theirs.backend) == ("default", "library")


def test_the_outbox_rows_are_sent_by_the_worker(transactional_db, settings, mailoutbox):
    import io

    from django.core.management import call_command

    settings.TASKS = DATABASE_TASKS
    with transaction.atomic():
        queue_email(to="c@example.org", template="events/emails/cancelled", context=_context())
    assert mailoutbox == []
    call_command("db_worker", "--batch", stdout=io.StringIO(), stderr=io.StringIO())
    assert [(m.to, m.subject) for m in mailoutbox] == [
        (["c@example.org"], "Registration cancelled: Summit")
    ]


def test_with_the_immediate_backend_nothing_is_sent_before_the_commit(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            queue_email(to="d@example.org", template="events/emails/cancelled", context=_context())
            assert mail.outbox == []
    assert [m.to for m in mail.outbox] == [["d@example.org"]]
