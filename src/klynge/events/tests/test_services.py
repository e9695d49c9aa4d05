import datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from klynge.core.models import AuditEntry
from klynge.ecosystem.tests.factories import AffiliationFactory, OrganisationFactory
from klynge.events import services
from klynge.events.models import Question, Registration, RegistrationStatus
from klynge.events.tests.factories import EventFactory, TicketCategoryFactory
from klynge.membership.models import Invoice, Membership, Tier

pytestmark = pytest.mark.django_db

S = RegistrationStatus


def _register(event, person, capture, actor=None, **kwargs):
    with capture(execute=True):
        return services.register(actor=actor, event=event, person=person, **kwargs)


def test_seats_then_waiting_list_then_promotion_with_an_offer(
    people, django_capture_on_commit_callbacks
):
    event = EventFactory(capacity=2, offer_hours=24)
    a, b, c, d = people(4)
    capture = django_capture_on_commit_callbacks
    statuses = [_register(event, p, capture).status for p in (a, b, c, d)]
    assert statuses == [S.CONFIRMED, S.CONFIRMED, S.WAITLISTED, S.WAITLISTED]
    assert [m.subject for m in mail.outbox] == [
        f"You are registered: {event.title}",
        f"You are registered: {event.title}",
        f"On the waiting list: {event.title}",
        f"On the waiting list: {event.title}",
    ]
    mail.outbox.clear()

    first = Registration.objects.get(person=a)
    with capture(execute=True):
        services.cancel_registration(actor=None, registration=first)
    offered = Registration.objects.get(person=c)
    assert offered.status == S.OFFERED
    assert offered.offered_until > timezone.now() + datetime.timedelta(hours=23)
    assert Registration.objects.get(person=d).status == S.WAITLISTED
    assert [(m.to, m.subject) for m in mail.outbox] == [
        ([a.email], f"Registration cancelled: {event.title}"),
        ([c.email], f"A seat is free for you: {event.title}"),
    ]
    with capture(execute=True):
        services.accept_offer(actor=None, registration=offered)
    offered.refresh_from_db()
    assert offered.status == S.CONFIRMED
    assert mail.outbox[-1].subject == f"You are registered: {event.title}"
    assert mail.outbox[-1].attachments[0][0] == "event.ics"
    assert AuditEntry.objects.filter(action="events.registration.promote").count() == 1


def test_an_unaccepted_offer_expires_and_goes_to_the_next_person(
    people, django_capture_on_commit_callbacks
):
    event = EventFactory(capacity=1, offer_hours=2)
    a, b, c = people(3)
    capture = django_capture_on_commit_callbacks
    for person in (a, b, c):
        _register(event, person, capture)
    with capture(execute=True):
        services.cancel_registration(actor=None, registration=Registration.objects.get(person=a))
    assert Registration.objects.get(person=b).status == S.OFFERED
    # Not yet expired: nothing happens.
    assert services.expire_offers() == 0
    later = timezone.now() + datetime.timedelta(hours=3)
    with capture(execute=True):
        assert services.expire_offers(now=later) == 1
    assert Registration.objects.get(person=b).status == S.EXPIRED
    assert Registration.objects.get(person=c).status == S.OFFERED
    with pytest.raises(ValidationError):
        services.accept_offer(actor=None, registration=Registration.objects.get(person=b))


def test_the_command_expires_offers(people, django_capture_on_commit_callbacks):
    event = EventFactory(capacity=1, offer_hours=1)
    a, b = people(2)
    capture = django_capture_on_commit_callbacks
    for person in (a, b):
        _register(event, person, capture)
    with capture(execute=True):
        services.cancel_registration(actor=None, registration=Registration.objects.get(person=a))
    Registration.objects.filter(person=b).update(
        offered_until=timezone.now() - datetime.timedelta(minutes=1)
    )
    out = StringIO()
    call_command("expire_event_offers", stdout=out)
    assert out.getvalue().strip() == "Expired 1 offers."
    assert Registration.objects.get(person=b).status == S.EXPIRED


def test_without_time_to_accept_the_next_person_is_confirmed_at_once(
    people, django_capture_on_commit_callbacks
):
    event = EventFactory(capacity=1, offer_hours=0)
    a, b = people(2)
    capture = django_capture_on_commit_callbacks
    _register(event, a, capture)
    _register(event, b, capture)
    with capture(execute=True):
        services.cancel_registration(actor=None, registration=Registration.objects.get(person=a))
    assert Registration.objects.get(person=b).status == S.CONFIRMED


def test_more_seats_promote_the_waiting_list(people, django_capture_on_commit_callbacks, staff):
    event = EventFactory(capacity=1, offer_hours=0)
    a, b, c = people(3)
    for person in (a, b, c):
        _register(event, person, django_capture_on_commit_callbacks)
    services.update_event(actor=staff, event=event, capacity=2)
    assert list(Registration.objects.order_by("id").values_list("status", flat=True)) == [
        S.CONFIRMED,
        S.CONFIRMED,
        S.WAITLISTED,
    ]


def test_full_without_waiting_list_and_double_registration_are_refused(people):
    event = EventFactory(capacity=1, waitlist=False)
    a, b = people(2)
    services.register(actor=None, event=event, person=a)
    with pytest.raises(services.RegistrationRefused) as full:
        services.register(actor=None, event=event, person=b)
    assert (full.value.reason, full.value.messages) == ("full", ["This event is full."])
    with pytest.raises(services.RegistrationRefused) as twice:
        services.register(actor=None, event=event, person=a)
    assert twice.value.reason == "already_registered"
    assert Registration.objects.count() == 1


def test_a_cancelled_registrant_may_register_again(people):
    event = EventFactory(capacity=5)
    (a,) = people(1)
    first = services.register(actor=None, event=event, person=a)
    services.cancel_registration(actor=None, registration=first)
    again = services.register(actor=None, event=event, person=a)
    assert (again.status, Registration.objects.count()) == (S.CONFIRMED, 2)


def test_the_registration_window_and_status_are_enforced(people, employee, staff):
    (a,) = people(1)
    now = timezone.now()
    closed = EventFactory(registration_closes_at=now - datetime.timedelta(hours=1))
    with pytest.raises(ValidationError, match="Registration has closed"):
        services.register(actor=employee, event=closed, person=a)
    not_yet = EventFactory(registration_opens_at=now + datetime.timedelta(days=1))
    with pytest.raises(ValidationError, match="Registration has not opened yet"):
        services.register(actor=employee, event=not_yet, person=a)
    draft = EventFactory(status="draft")
    with pytest.raises(ValidationError, match="not open for registration"):
        services.register(actor=employee, event=draft, person=a)
    # Staff registering someone on their behalf pass the window.
    assert services.register(actor=staff, event=closed, person=a).status == S.CONFIRMED


def test_rolled_back_registration_sends_no_email(people, django_capture_on_commit_callbacks):
    event = EventFactory(capacity=5)
    (a,) = people(1)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                services.register(actor=None, event=event, person=a)
                raise RuntimeError("the request failed after registering")
    assert callbacks == []
    assert mail.outbox == []
    assert Registration.objects.count() == 0


def test_approval_required_events(people, staff, employee, django_capture_on_commit_callbacks):
    event = EventFactory(capacity=1, requires_approval=True)
    a, b = people(2)
    capture = django_capture_on_commit_callbacks
    first = _register(event, a, capture, actor=employee)
    second = _register(event, b, capture, actor=employee)
    assert (first.status, second.status) == (S.PENDING, S.PENDING)
    assert mail.outbox[0].subject == f"Registration received: {event.title}"
    with capture(execute=True):
        services.decide_registration(actor=staff, registration=first, approve=True)
        services.decide_registration(actor=staff, registration=second, approve=True)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (S.CONFIRMED, S.WAITLISTED)


def test_required_questions_and_answers(people):
    event = EventFactory()
    diet = Question.objects.create(event=event, label="Dietary needs", required=True)
    (a,) = people(1)
    with pytest.raises(ValidationError) as error:
        services.register(actor=None, event=event, person=a, answers={})
    assert error.value.message_dict == {"answers": ["Answer: Dietary needs"]}
    registration = services.register(
        actor=None, event=event, person=a, answers={str(diet.pk): "Vegan", "999": "ignored"}
    )
    assert registration.answers == {str(diet.pk): "Vegan"}


def test_category_capacity_and_eligibility(people, staff, employee):
    event = EventFactory(capacity=10)
    students = TicketCategoryFactory(event=event, name="Student", kind="student", capacity=1)
    speakers = TicketCategoryFactory(event=event, name="Speaker", kind="speaker")
    a, b = people(2)
    with pytest.raises(ValidationError, match="not open to you"):
        services.register(actor=employee, event=event, person=a, category=speakers)
    # Staff on someone's behalf may give any category.
    assert services.register(actor=staff, event=event, person=a, category=students).status == (
        S.CONFIRMED
    )
    assert services.register(actor=staff, event=event, person=b, category=students).status == (
        S.WAITLISTED
    )


def _member(org, *, seats=0, discount=0):
    tier = Tier.objects.create(name="Gold", free_event_seats=seats, event_discount_percent=discount)
    Membership.objects.create(
        organisation=org,
        tier=tier,
        status="active",
        start_date=datetime.date(2020, 1, 1),
        end_date=datetime.date(2099, 12, 31),
    )


def test_paid_tickets_are_invoiced_with_member_benefits(
    member_org, django_capture_on_commit_callbacks
):
    _member(member_org, seats=1, discount=20)
    event = EventFactory(capacity=10)
    paid = TicketCategoryFactory(event=event, name="Member", kind="member", price=Decimal("500"))
    a, b = (
        AffiliationFactory(organisation=member_org, person__email=f"c{i}@fynsk.example").person
        for i in range(2)
    )
    first = services.register(actor=None, event=event, person=a, category=paid)
    assert (first.price, first.free_seat, first.invoice) == (Decimal("0.00"), True, None)
    second = services.register(actor=None, event=event, person=b, category=paid)
    assert (second.price, second.free_seat) == (Decimal("400.00"), False)
    invoice = Invoice.objects.get()
    assert (invoice.organisation, invoice.status, second.invoice) == (member_org, "sent", invoice)
    assert invoice.subtotal == Decimal("400.00")


def test_a_person_without_an_organisation_cannot_take_a_paid_ticket(people):
    event = EventFactory()
    paid = TicketCategoryFactory(event=event, price=Decimal("250"))
    (a,) = people(1)
    with pytest.raises(ValidationError, match="invoiced to an organisation"):
        services.register(actor=None, event=event, person=a, category=paid)
    assert not Invoice.objects.exists()


def test_group_registration_by_a_member_admin(member_admin, member_org):
    event = EventFactory(capacity=2)
    colleagues = [
        AffiliationFactory(organisation=member_org, person__email=f"col{i}@fynsk.example").person
        for i in range(3)
    ]
    registrations = services.register_group(
        actor=member_admin, event=event, organisation=member_org, people=colleagues
    )
    assert [r.status for r in registrations] == [S.CONFIRMED, S.CONFIRMED, S.WAITLISTED]
    assert {r.organisation for r in registrations} == {member_org}
    stranger = OrganisationFactory()
    outsider = AffiliationFactory(organisation=stranger).person
    with pytest.raises(ValidationError, match="people of your organisation"):
        services.register_group(
            actor=member_admin, event=event, organisation=member_org, people=[outsider]
        )


def test_cancelling_an_event_notifies_everyone_registered(
    people, staff, django_capture_on_commit_callbacks
):
    event = EventFactory(capacity=1)
    a, b, c = people(3)
    for person in (a, b):
        services.register(actor=None, event=event, person=person)
    cancelled = services.register(actor=None, event=event, person=c)
    services.cancel_registration(actor=None, registration=cancelled)
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_event(actor=staff, event=event, note="The speaker is ill.")
    assert sorted(m.to[0] for m in mail.outbox) == sorted([a.email, b.email])
    assert "The speaker is ill." in mail.outbox[0].body
    event.refresh_from_db()
    assert event.status == "cancelled"
    with pytest.raises(ValidationError, match="cancelled"):
        services.register(actor=staff, event=event, person=c)


def test_create_event_derives_a_free_slug_and_checks_times(staff):
    start = timezone.now() + datetime.timedelta(days=3)
    common = {"kind": "workshop", "format": "online", "starts_at": start}
    first = services.create_event(
        actor=staff, title="AI Day", ends_at=start + datetime.timedelta(hours=1), **common
    )
    second = services.create_event(
        actor=staff, title="AI Day", ends_at=start + datetime.timedelta(hours=1), **common
    )
    assert (first.slug, second.slug, first.status) == ("ai-day", "ai-day-2", "draft")
    with pytest.raises(ValidationError) as error:
        services.create_event(
            actor=staff, title="Backwards", ends_at=start - datetime.timedelta(hours=1), **common
        )
    assert error.value.message_dict == {"ends_at": ["The event cannot end before it starts."]}
    with pytest.raises(ValidationError, match="reserved"):
        services.create_event(actor=staff, title="x", slug="mine", ends_at=start, **common)


def test_titles_follow_the_language_with_a_fallback():
    from django.utils import translation

    event = EventFactory(title="Fallback", title_da="Morgenmøde", title_en="")
    with translation.override("en"):
        assert event.display_title == "Morgenmøde"
    event.title_en = "Breakfast meeting"
    with translation.override("en"):
        assert event.display_title == "Breakfast meeting"
    with translation.override("da"):
        assert event.display_title == "Morgenmøde"
    assert EventFactory(title="Only this").display_title == "Only this"


def test_check_in_only_confirmed(people, staff):
    event = EventFactory(capacity=1)
    a, b = people(2)
    confirmed = services.register(actor=None, event=event, person=a)
    waiting = services.register(actor=None, event=event, person=b)
    assert services.check_in(actor=staff, registration=confirmed).checked_in_at is not None
    with pytest.raises(ValidationError):
        services.check_in(actor=staff, registration=waiting)


def test_the_confirmation_shows_the_time_in_the_events_zone(
    people, django_capture_on_commit_callbacks
):
    start = datetime.datetime(2027, 3, 29, 13, 0, tzinfo=datetime.UTC)  # 15:00 in Oslo (CEST)
    event = EventFactory(
        time_zone="Europe/Oslo", starts_at=start, ends_at=start + datetime.timedelta(hours=1)
    )
    (a,) = people(1)
    _register(event, a, django_capture_on_commit_callbacks)
    assert "When: 29 March 2027, 15:00 – 29 March 2027, 16:00 (Europe/Oslo)" in mail.outbox[0].body


def test_the_confirmation_is_queued_in_the_registrations_transaction(
    transactional_db, settings, people, mailoutbox
):
    """With the database task backend the e-mail's task row commits with the registration (a
    kill right after the commit cannot lose it) and rolls back with it; the worker renders it."""

    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {
        "default": {"BACKEND": "klynge.core.task_backend.OutboxBackend", "QUEUES": ["default"]}
    }
    event = EventFactory(capacity=5)
    a, b = people(2)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.register(actor=None, event=event, person=a)
        raise RuntimeError
    assert DBTaskResult.objects.count() == 0
    registration = services.register(actor=None, event=event, person=b)
    (queued,) = DBTaskResult.objects.all()
    assert queued.args_kwargs["kwargs"]["registration_id"] == registration.pk
    assert mailoutbox == []
    call_command("db_worker", "--batch", stdout=StringIO(), stderr=StringIO())
    (message,) = mailoutbox
    assert (message.to, message.subject) == ([b.email], f"You are registered: {event.title}")
    assert [name for name, _content, _type in message.attachments] == [
        "event.ics",
        f"ticket-{registration.code}.svg",
    ]


def test_a_first_try_that_finds_no_seat_leaves_nothing_behind(transactional_db, settings, people):
    """A free registration writes its row, its queued e-mail and its audit entry before it
    takes the seat; when there is none (the event or its ticket type is full) all of that is
    rolled back and the registration made again, waitlisted: one row, one e-mail, one entry."""
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {
        "default": {"BACKEND": "klynge.core.task_backend.OutboxBackend", "QUEUES": ["default"]}
    }
    full_event = EventFactory(capacity=1)
    event = EventFactory(capacity=10)
    students = TicketCategoryFactory(event=event, name="Student", kind="student", capacity=1)
    a, b, c, d = people(4)
    for person, on, category in ((a, full_event, None), (c, event, students)):
        services.register(actor=None, event=on, person=person, category=category)
    for person, on, category in ((b, full_event, None), (d, event, students)):
        waiting = services.register(actor=None, event=on, person=person, category=category)
        assert waiting.status == S.WAITLISTED
        assert Registration.objects.filter(person=person).count() == 1
        (queued,) = [
            task.args_kwargs["kwargs"]
            for task in DBTaskResult.objects.all()
            if task.args_kwargs["kwargs"]["registration_id"] == waiting.pk
        ]
        assert queued["template"] == S.WAITLISTED
        entries = AuditEntry.objects.filter(
            action="events.registration.create", target_id=str(waiting.pk)
        )
        assert [entry.data["status"] for entry in entries] == [S.WAITLISTED]
    assert (
        DBTaskResult.objects.count()
        == 4
        == AuditEntry.objects.filter(action="events.registration.create").count()
    )
    full_event.refresh_from_db()
    event.refresh_from_db()
    students.refresh_from_db()
    assert (full_event.seats_taken, event.seats_taken, students.seats_taken) == (1, 1, 1)
