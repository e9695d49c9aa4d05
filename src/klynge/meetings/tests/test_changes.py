"""Cancelling, expiry e-mails, opt-in rules, editing the draft schedule, the table plan and the
scheduler's short write."""

import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from klynge.core.models import AuditEntry
from klynge.ecosystem.tests.factories import PersonFactory
from klynge.events.models import Registration, RegistrationStatus
from klynge.meetings import selectors, services
from klynge.meetings.models import (
    Meeting,
    MeetingSeat,
    MeetingStatus,
    RequestStatus,
    SchedulingMode,
)
from klynge.meetings.services import RequestRefused
from klynge.meetings.tests.factories import join, make_session

pytestmark = pytest.mark.django_db


def _accepted(session, a, b):
    request = services.send_request(
        actor=None, session=session, sender=a.person, recipient=b.person
    )
    return services.accept_request(actor=None, request=request)


def test_cancelling_an_accepted_meeting_frees_slot_seats_and_table_and_tells_both(
    django_capture_on_commit_callbacks,
):
    session = make_session(slots=1, tables=1)
    a = join(session, email="a@example.org", first_name="Ane", last_name="Asker")
    b = join(session, email="b@example.org", first_name="Bo", last_name="Host")
    c = join(session, email="c@example.org")
    request = _accepted(session, a, b)
    slot = session.slots.get()
    start = timezone.localtime(slot.starts_at, session.event.zone).strftime("%H:%M")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_request(actor=None, request=request, reason="My flight is late")
    request.refresh_from_db()
    assert (request.status, request.cancelled_reason) == ("cancelled", "My flight is late")
    assert (Meeting.objects.count(), MeetingSeat.objects.count()) == (0, 0)
    assert sorted((m.to[0], m.subject) for m in mail.outbox) == [
        ("a@example.org", "Cancelled: your meeting with Bo Host"),
        ("b@example.org", "Cancelled: your meeting with Ane Asker"),
    ]
    assert f"at {start} is cancelled" in mail.outbox[0].body
    assert "My flight is late" in mail.outbox[0].body
    # The only table of the only slot is free again, and the pair may ask again.
    _accepted(session, a, c)
    assert Meeting.objects.get().request.recipient == c
    with pytest.raises(RequestRefused) as refusal:
        services.cancel_request(actor=None, request=request)
    assert refusal.value.reason == "not_accepted"
    assert AuditEntry.objects.filter(action="meetings.request.cancel").count() == 1


def test_cancel_through_the_page_and_the_api(client, api_client):
    from klynge.accounts.tests.factories import UserFactory

    session = make_session(slots=2)
    user = UserFactory(email="me@example.org")
    me = join(session, PersonFactory(email="me@example.org", user=user))
    other = join(session)
    request = _accepted(session, other, me)
    client.force_login(user)
    page = client.get(reverse("meetings:session", args=[session.pk])).content.decode()
    assert page.count("Cancel the meeting") == 1
    response = client.post(reverse("meetings:cancel", args=[request.pk]), {"reason": "Ill"})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == RequestStatus.CANCELLED
    response = client.post(reverse("meetings:cancel", args=[request.pk]))
    assert response.status_code == 400
    second = _accepted(session, me, other)
    answer = api_client(user).post(
        f"/api/v1/matchmaking/requests/{second.pk}/cancel",
        data={"reason": "Sorry"},
        content_type="application/json",
    )
    assert answer.status_code == 200
    assert (answer.json()["status"], answer.json()["meeting"]) == ("cancelled", None)
    again = api_client(user).post(
        f"/api/v1/matchmaking/requests/{second.pk}/cancel",
        data={},
        content_type="application/json",
    )
    assert (again.status_code, again.json()["reason"]) == (409, "not_accepted")


def test_an_expired_request_is_mailed_to_its_sender(django_capture_on_commit_callbacks):
    session = make_session()
    a = join(session, email="a@example.org")
    b = join(session, email="b@example.org", first_name="Bo", last_name="Host")
    request = services.send_request(
        actor=None, session=session, sender=a.person, recipient=b.person
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.expire_requests(now=request.expires_at, base_url="https://k.example") == 1
        assert services.expire_requests(now=request.expires_at) == 0
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["a@example.org"], "No answer from Bo Host")
    ]
    assert f"https://k.example/meetings/{session.pk}/participants/" in mail.outbox[0].body


def test_opting_in_requires_a_confirmed_registration_when_the_session_says_so():
    session = make_session(requires_registration=True)
    person = PersonFactory()
    with pytest.raises(ValidationError) as error:
        join(session, person)
    assert error.value.messages == [
        f"Register for {session.event.display_title} first: the B2B meetings are for its "
        "participants."
    ]
    Registration.objects.create(
        event=session.event, person=person, status=RegistrationStatus.CONFIRMED
    )
    assert join(session, person).person == person


def test_a_slot_holding_a_meeting_cannot_be_removed_from_the_availability():
    session = make_session(slots=3)
    slots = list(session.slots.order_by("starts_at"))
    a, b = join(session), join(session)
    _accepted(session, a, b)  # first common slot: slots[0]
    start = timezone.localtime(slots[0].starts_at, session.event.zone).strftime("%H:%M")
    with pytest.raises(ValidationError) as error:
        services.opt_in(actor=None, session=session, person=a.person, slots=slots[1:])
    assert error.value.message_dict == {
        "slots": [f"You have a meeting at {start}: keep that slot, or cancel the meeting first."]
    }
    assert set(a.available_slots.all()) == set(slots)
    services.opt_in(actor=None, session=session, person=a.person, slots=slots[:2])
    assert set(a.available_slots.all()) == set(slots[:2])


def _organiser_session(people=3, slots=2, tables=2):
    session = make_session(slots=slots, tables=tables, mode=SchedulingMode.ORGANISER)
    members = [join(session, email=f"p{i}@example.org") for i in range(people)]
    return session, members


def test_the_scheduler_writes_drafts_in_one_short_transaction_and_organisers_edit_them(
    client, staff
):
    session, (a, b, c) = _organiser_session()
    for sender, recipient in [(a, b), (b, c)]:
        _accepted(session, sender, recipient)
    result = services.run_scheduler(actor=staff, session=session, time_limit=5)
    assert (result.placed, result.stats["dropped"]) == (2, 0)
    drafts = list(Meeting.objects.select_related("slot", "table").order_by("slot__starts_at"))
    assert [m.status for m in drafts] == [MeetingStatus.DRAFT, MeetingStatus.DRAFT]
    slots = list(session.slots.order_by("starts_at"))
    tables = list(session.tables.order_by("number"))
    # b is in both meetings, so they are in different slots.
    assert {drafts[0].slot, drafts[1].slot} == set(slots)

    client.force_login(staff)
    first, second = drafts
    first_slot = first.slot
    # Moving into the slot where b already meets someone is refused.
    response = client.post(
        reverse("meetings:move", args=[first.pk]), {"slot": second.slot.pk, "table": tables[1].pk}
    )
    assert response.status_code == 302
    first.refresh_from_db()
    assert (first.slot, first.table) == (first_slot, drafts[0].table)
    messages = [m.message for m in response.wsgi_request._messages]
    assert messages == ["One of the two already has a meeting in that slot."]
    # Moving to another table in its own slot works; the seats follow.
    response = client.post(
        reverse("meetings:move", args=[first.pk]), {"slot": first.slot.pk, "table": tables[1].pk}
    )
    first.refresh_from_db()
    assert first.table == tables[1]
    assert set(MeetingSeat.objects.filter(meeting=first).values_list("slot", flat=True)) == {
        first.slot.pk
    }
    # Taking one out leaves the request accepted and unplaced.
    client.post(reverse("meetings:unplace", args=[second.pk]))
    assert Meeting.objects.count() == 1
    assert [r.pk for r in selectors.schedule_overview(session)["unplaced"]] == [second.request_id]
    # Published meetings cannot be moved here.
    services.publish_schedule(actor=staff, session=session)
    with pytest.raises(ValidationError):
        services.move_meeting(actor=staff, meeting=first, slot=slots[0], table=tables[0])


def test_a_run_does_not_place_a_request_cancelled_while_it_solved(monkeypatch, staff):
    """The solve happens outside the write transaction: what changed meanwhile is respected."""
    from klynge.meetings import scheduler

    session, (a, b, c) = _organiser_session()
    kept = _accepted(session, a, b)
    gone = _accepted(session, b, c)
    solve = scheduler.solve

    def solve_while_someone_cancels(instance, **kwargs):
        result = solve(instance, **kwargs)
        services.cancel_request(actor=None, request=gone)
        return result

    monkeypatch.setattr(scheduler, "solve", solve_while_someone_cancels)
    result = services.run_scheduler(actor=staff, session=session, time_limit=5)
    assert (result.placed, result.stats["dropped"]) == (2, 1)
    assert list(Meeting.objects.values_list("request_id", flat=True)) == [kept.pk]


@pytest.mark.parametrize("rows", [1, 3])
def test_the_printable_table_plan_lists_every_table_per_slot(
    client, staff, rows, django_assert_num_queries
):
    session, people = _organiser_session(people=2 * rows, slots=2, tables=rows + 1)
    for n in range(rows):
        _accepted(session, people[2 * n], people[2 * n + 1])
    services.run_scheduler(actor=staff, session=session, time_limit=5)
    client.force_login(staff)
    with django_assert_num_queries(7):
        response = client.get(reverse("meetings:plan", args=[session.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert len(re.findall(r'<section class="table-plan-slot">', page)) == 2
    assert page.count('<th scope="row">') == 2 * (rows + 1)
    assert page.count("Draft (not published)") == rows
