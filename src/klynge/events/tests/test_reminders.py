"""Reminders before the event, the follow-up after it and the feedback form."""

import datetime
import re
import threading
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from klynge.core import periodic
from klynge.ecosystem.models import Person
from klynge.ecosystem.tests.factories import AffiliationFactory, OrganisationFactory
from klynge.events import services
from klynge.events.models import Feedback, Notification, Recording, Registration, Reminder
from klynge.events.tests.factories import EventFactory
from klynge.schedule.tests.factories import SessionFactory

START = datetime.datetime(2030, 3, 30, 9, 0, tzinfo=datetime.UTC)


def _event(**kwargs):
    return EventFactory(
        starts_at=START, ends_at=START + datetime.timedelta(hours=2), title="Summit", **kwargs
    )


def _confirmed(event, person, *, created=START - datetime.timedelta(days=10)):
    registration = Registration.objects.create(
        event=event, person=person, status="confirmed", code=f"C{event.pk}X{person.pk}"
    )
    Registration.objects.filter(pk=registration.pk).update(created_at=created)
    return registration


def _at(minutes_before: int, seconds: int = 30) -> datetime.datetime:
    return START - datetime.timedelta(minutes=minutes_before) + datetime.timedelta(seconds=seconds)


@pytest.mark.django_db
def test_each_reminder_goes_once_to_each_confirmed_registrant(
    people, staff, django_capture_on_commit_callbacks
):
    event = _event(format="hybrid", online_url="https://stream.example/summit")
    services.add_reminder(actor=staff, event=event, minutes_before=1440)
    services.add_reminder(actor=staff, event=event, minutes_before=60)
    a, b, c = people(3)
    _confirmed(event, a)
    Registration.objects.create(event=event, person=b, status="waitlisted")
    Registration.objects.create(event=event, person=c, status="cancelled")
    capture = django_capture_on_commit_callbacks
    with capture(execute=True):
        assert services.send_due_reminders(now=_at(1441)) == 0
        assert services.send_due_reminders(now=_at(1440), base_url="https://k.example") == 1
        assert services.send_due_reminders(now=_at(1440, 90)) == 0
        assert services.send_due_reminders(now=_at(60)) == 1
        assert services.send_due_reminders(now=_at(30)) == 0
        assert services.send_due_reminders(now=START + datetime.timedelta(minutes=1)) == 0
    assert [(m.to, m.subject) for m in mail.outbox] == [
        ([a.email], "Reminder: Summit"),
        ([a.email], "Reminder: Summit"),
    ]
    body = mail.outbox[0].body
    assert "Ticket code: C" in body
    assert f"https://k.example/events/{event.slug}/watch/" in body
    assert "https://stream.example" not in body  # the link itself only on the watch page
    assert sorted(Notification.objects.values_list("kind", "minutes_before")) == [
        ("reminder", 60),
        ("reminder", 1440),
    ]


@pytest.mark.django_db
def test_late_registrants_and_a_stopped_job_get_one_reminder(
    people, staff, django_capture_on_commit_callbacks
):
    event = _event()
    for minutes in (1440, 60):
        services.add_reminder(actor=staff, event=event, minutes_before=minutes)
    early, late = people(2)
    _confirmed(event, early)
    _confirmed(event, late, created=START - datetime.timedelta(hours=3))
    with django_capture_on_commit_callbacks(execute=True):
        # The job did not run for a day: both reminders are due at once.
        assert services.send_due_reminders(now=_at(59)) == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted([early.email, late.email])
    assert sorted(
        Notification.objects.values_list("registration__person__email", "minutes_before")
    ) == sorted([(early.email, 60), (early.email, 1440), (late.email, 60)])


@pytest.mark.django_db
def test_no_reminder_when_the_transaction_rolls_back(people, staff):
    event = _event()
    services.add_reminder(actor=staff, event=event, minutes_before=60)
    (a,) = people(1)
    _confirmed(event, a)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.send_due_reminders(now=_at(60))
        raise RuntimeError
    assert (mail.outbox, Notification.objects.count()) == ([], 0)


@pytest.mark.django_db
def test_reminder_offsets_are_checked(staff):
    event = _event()
    services.add_reminder(actor=staff, event=event, minutes_before=60)
    for minutes, message in ((60, "This reminder is already set."), (0, "before the start")):
        with pytest.raises(services.ValidationError, match=message):
            services.add_reminder(actor=staff, event=event, minutes_before=minutes)
    assert list(Reminder.objects.values_list("minutes_before", flat=True)) == [60]


@pytest.mark.django_db(transaction=True)
def test_two_servers_running_the_job_at_once_send_each_reminder_once():
    event = _event()
    Reminder.objects.create(event=event, minutes_before=60)
    people = Person.objects.bulk_create(
        Person(first_name=f"P{i}", last_name="Race", email=f"p{i}@example.org") for i in range(20)
    )
    for person in people:
        _confirmed(event, person)
    barrier = threading.Barrier(4)
    counts, errors = [], []

    def run():
        try:
            barrier.wait()
            counts.append(services.send_due_reminders(now=_at(60)))
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(counts) == 20
    assert Notification.objects.count() == 20
    assert sorted(m.to[0] for m in mail.outbox) == sorted(p.email for p in people)


@pytest.mark.django_db
def test_the_job_is_registered_and_runs_from_the_command(people, staff):
    assert "send_event_reminders" in [job.command for job in periodic.registered()]
    out = StringIO()
    call_command("send_event_reminders", stdout=out)
    assert out.getvalue() == "Sent 0 reminders.\nSent 0 follow-ups.\n"


# --- Follow-up and feedback -----------------------------------------------------------------


def _ended_event(hours_ago=1, **kwargs):
    start = timezone.now() - datetime.timedelta(hours=hours_ago + 2)
    return EventFactory(
        starts_at=start, ends_at=start + datetime.timedelta(hours=2), title="Seminar", **kwargs
    )


def _link(body: str) -> str:
    return re.search(r"https://k\.example(/events/feedback/[^/\s]+/)", body).group(1)


@pytest.mark.django_db
def test_the_follow_up_goes_once_with_the_recordings_and_a_feedback_link(
    people, django_capture_on_commit_callbacks
):
    event = _ended_event()
    Recording.objects.create(event=event, url="https://video.example/seminar", access="public")
    old = _ended_event(hours_ago=24 * 8)
    quiet = _ended_event(send_follow_up=False)
    a, b, c, d = people(4)
    _confirmed(event, a, created=event.starts_at)
    Registration.objects.create(event=event, person=b, status="cancelled")
    _confirmed(old, c, created=old.starts_at)
    _confirmed(quiet, d, created=quiet.starts_at)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_follow_ups(base_url="https://k.example") == 1
        assert services.send_follow_ups(base_url="https://k.example") == 0
    (message,) = mail.outbox
    assert (message.to, message.subject) == ([a.email], "Thank you for coming: Seminar")
    assert "Seminar: https://video.example/seminar" in message.body
    assert _link(message.body).startswith("/events/feedback/")


@pytest.mark.django_db
def test_the_follow_up_sends_only_the_recordings_each_registrant_may_watch(
    people, django_capture_on_commit_callbacks
):
    """Members' recordings go only to people of member organisations; a session recording
    whose speakers withdrew consent goes to nobody; registrants' ones to every registrant."""
    event = _ended_event()
    refused = SessionFactory(event=event, title="Off the record", recording_allowed=True)
    for title, access, session in [
        ("Everyone's cut", "public", None),
        ("Members' cut", "members", None),
        ("Registrants' cut", "registrants", None),
        ("Off the record", "public", refused),
    ]:
        Recording.objects.create(
            event=event, url=f"https://v.example/{slugify(title)}", title=title, access=access,
            session=session,
        )  # fmt: skip
    refused.recording_allowed = False  # consent withdrawn after the recording was added
    refused.save(update_fields=["recording_allowed"])
    member, outsider, student = people(3)
    AffiliationFactory(person=member, organisation=OrganisationFactory(membership_status="member"))
    AffiliationFactory(person=outsider, organisation=OrganisationFactory(membership_status="none"))
    AffiliationFactory(
        person=student, organisation=OrganisationFactory(membership_status="member"), role="student"
    )
    for person in (member, outsider, student):
        _confirmed(event, person, created=event.starts_at)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_follow_ups(base_url="https://k.example") == 3
    links = {
        message.to[0]: re.findall(r"^(.+): https://v\.example/", message.body, re.MULTILINE)
        for message in mail.outbox
    }
    assert links == {
        member.email: ["Everyone's cut", "Members' cut", "Registrants' cut"],
        outsider.email: ["Everyone's cut", "Registrants' cut"],
        student.email: ["Everyone's cut", "Registrants' cut"],
    }


@pytest.mark.django_db
def test_feedback_through_the_signed_link_without_signing_in(
    client, people, django_capture_on_commit_callbacks
):
    event = _ended_event()
    (a,) = people(1)
    registration = _confirmed(event, a, created=event.starts_at)
    with django_capture_on_commit_callbacks(execute=True):
        services.send_follow_ups(base_url="https://k.example")
    url = _link(mail.outbox[0].body)
    response = client.get(url)
    assert (response.status_code, response["Cache-Control"]) == (
        200,
        "max-age=0, no-cache, no-store, must-revalidate, private",
    )
    assert 'name="rating"' in response.content.decode()
    assert client.post(url, {"rating": "9"}).status_code == 400
    response = client.post(url, {"rating": "4", "comment": " Great panel "})
    assert (response.status_code, response["Location"]) == (302, url)
    assert Feedback.objects.get().comment == "Great panel"
    assert 'id="feedback-done"' in client.get(url).content.decode()
    assert client.post(url, {"rating": "1"}).status_code == 200  # already given: no change
    feedback = Feedback.objects.get()
    assert (feedback.registration, feedback.rating) == (registration, 4)
    # A forged or changed link is not found.
    assert client.get(url.replace("/feedback/", "/feedback/x")).status_code == 404


@pytest.mark.django_db
def test_feedback_rules(people):
    upcoming = EventFactory()
    event = _ended_event()
    a, b = people(2)
    waiting = Registration.objects.create(event=event, person=a, status="waitlisted")
    with pytest.raises(services.ValidationError, match="Only people who had a seat"):
        services.submit_feedback(actor=None, registration=waiting, rating=5)
    early = _confirmed(upcoming, b, created=timezone.now())
    with pytest.raises(services.ValidationError, match="Feedback opens when the event"):
        services.submit_feedback(actor=None, registration=early, rating=5)
    confirmed = _confirmed(event, b, created=event.starts_at)
    services.submit_feedback(actor=None, registration=confirmed, rating="5")
    with pytest.raises(services.ValidationError, match="already recorded"):
        services.submit_feedback(actor=None, registration=confirmed, rating=3)


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [1, 3])
def test_staff_see_the_feedback_summary(client, staff, rows, django_assert_num_queries):
    event = _ended_event()
    people = Person.objects.bulk_create(
        Person(first_name=f"P{i}", last_name="F", email=f"f{i}@example.org") for i in range(rows)
    )
    for n, person in enumerate(people):
        registration = _confirmed(event, person, created=event.starts_at)
        Feedback.objects.create(registration=registration, rating=5 - n, comment=f"Comment {n}")
    client.force_login(staff)
    url = reverse("events:feedback_summary", args=[event.slug])
    client.get(url)
    # session, user, event, roles, figures, seat figures, comments
    with django_assert_num_queries(7):
        response = client.get(url)
    html = response.content.decode()
    average = {1: "5.0", 3: "4.0"}[rows]
    assert f"{rows} of {rows} registrants answered; average rating {average} of 5." in html
    assert re.findall(r'<blockquote data-feedback="\d+">([^<]+)<', html) == [
        f"Comment {n}" for n in reversed(range(rows))
    ]
    assert re.findall(r'<tr data-rating="5"><th scope="row">5</th><td>(\d+)</td>', html) == ["1"]


@pytest.mark.django_db
def test_staff_set_reminders_and_recordings_on_the_page(client, staff, employee):
    event = _event()
    url = reverse("events:communication", args=[event.slug])
    client.force_login(employee)
    assert client.get(url).status_code == 403
    client.force_login(staff)
    response = client.post(
        url, {"add": "reminder", "reminder-amount": "1", "reminder-unit": "days"}
    )
    assert (response.status_code, response["Location"]) == (302, url)
    client.post(url, {"add": "reminder", "reminder-amount": "2", "reminder-unit": "hours"})
    response = client.post(
        url, {"add": "reminder", "reminder-amount": "120", "reminder-unit": "minutes"}
    )
    assert response.status_code == 400
    assert "This reminder is already set." in response.content.decode()
    assert list(event.reminders.values_list("minutes_before", flat=True)) == [1440, 120]
    reminder = event.reminders.get(minutes_before=120)
    client.post(reverse("events:reminder_remove", args=[event.slug, reminder.pk]))
    assert list(event.reminders.values_list("minutes_before", flat=True)) == [1440]
    response = client.post(
        url,
        {
            "add": "recording",
            "recording-url": "https://video.example/a",
            "recording-access": "members",
        },
    )
    assert response.status_code == 302
    recording = event.recordings.get()
    assert (recording.url, recording.access, recording.session) == (
        "https://video.example/a",
        "members",
        None,
    )
    assert 'data-recording="' in client.get(url).content.decode()
    client.post(reverse("events:recording_remove", args=[event.slug, recording.pk]))
    assert not event.recordings.exists()
