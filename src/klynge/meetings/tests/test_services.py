import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from klynge.core.models import AuditEntry
from klynge.ecosystem.tests.factories import PersonFactory
from klynge.meetings import selectors, services
from klynge.meetings.models import Meeting, MeetingSeat, RequestStatus, SchedulingMode
from klynge.meetings.services import RequestRefused
from klynge.meetings.tests.factories import held_meeting, join, make_session

pytestmark = pytest.mark.django_db


def _slots(session):
    return list(session.slots.order_by("starts_at"))


def test_slots_are_generated_around_breaks():
    session = make_session(slots=6)
    first = session.slots.order_by("starts_at").first().starts_at
    services.set_slots(
        actor=None,
        session=session,
        starts_at=first,
        ends_at=first + datetime.timedelta(minutes=120),
        breaks=[(first + datetime.timedelta(minutes=40), first + datetime.timedelta(minutes=70))],
    )
    minutes = [int((s.starts_at - first).total_seconds() // 60) for s in _slots(session)]
    assert minutes == [0, 20, 70, 90]
    assert session.tables.count() == 2


def test_tables_cannot_shrink_below_meetings_and_slots_freeze_once_placed():
    session = make_session(slots=2, tables=2)
    a, b = join(session), join(session)
    request = services.send_request(
        actor=None, session=session, sender=a.person, recipient=b.person
    )
    services.accept_request(actor=None, request=request)
    services.set_tables(actor=None, session=session, count=3)
    assert session.tables.count() == 3
    with pytest.raises(ValidationError) as error:
        services.set_slots(actor=None, session=session, times=[(timezone.now(), timezone.now())])
    assert error.value.messages == ["Meetings are already placed; the time slots cannot change."]


def test_a_request_accepted_in_mode_a_takes_the_first_common_free_slot_and_table(
    django_capture_on_commit_callbacks,
):
    session = make_session(slots=4, tables=2)
    slots = _slots(session)
    a = join(session, slots=slots[1:], email="a@example.org")
    b = join(session, slots=slots[2:], email="b@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        request = services.send_request(
            actor=None, session=session, sender=a.person, recipient=b.person, note="Podcasts?"
        )
    assert request.status == RequestStatus.PENDING
    assert request.expires_at == request.created_at + datetime.timedelta(hours=48) or (
        abs((request.expires_at - request.created_at) - datetime.timedelta(hours=48))
        < datetime.timedelta(seconds=1)
    )
    assert mail.outbox[-1].to == ["b@example.org"]
    assert "Podcasts?" in mail.outbox[-1].body
    with django_capture_on_commit_callbacks(execute=True):
        services.accept_request(actor=None, request=request)
    meeting = Meeting.objects.get()
    assert (meeting.slot, meeting.table.number, meeting.status) == (slots[2], 1, "confirmed")
    assert sorted(MeetingSeat.objects.values_list("participant_id", "slot_id")) == sorted(
        [(a.pk, slots[2].pk), (b.pk, slots[2].pk)]
    )
    # Both get the meeting with an .ics: the sender the answer, the acceptor the booking.
    answered, booked = mail.outbox[-2:]
    assert (answered.to, booked.to) == (["a@example.org"], ["b@example.org"])
    for message in (answered, booked):
        assert message.attachments[0][0] == "meeting.ics"
        assert "Table 1" in message.attachments[0][1]
    zone = session.event.zone
    start = slots[2].starts_at.astimezone(zone)
    end = slots[2].ends_at.astimezone(zone)
    assert f"{start:%H:%M}–{end:%H:%M} at Table 1" in answered.body
    assert f"{start:%H:%M}–{end:%H:%M} at Table 1" in booked.body
    assert AuditEntry.objects.filter(action="meetings.request.accept").count() == 1


def test_a_person_already_busy_is_placed_in_the_next_slot_and_tables_fill_in_order():
    session = make_session(slots=3, tables=2)
    a, b, c, d = (join(session) for _ in range(4))
    first = services.send_request(actor=None, session=session, sender=a.person, recipient=b.person)
    services.accept_request(actor=None, request=first)
    second = services.send_request(actor=None, session=session, sender=a.person, recipient=c.person)
    services.accept_request(actor=None, request=second)
    third = services.send_request(actor=None, session=session, sender=d.person, recipient=b.person)
    services.accept_request(actor=None, request=third)
    fourth = services.send_request(actor=None, session=session, sender=d.person, recipient=c.person)
    services.accept_request(actor=None, request=fourth)
    slots = _slots(session)
    placed = {
        m.request_id: (slots.index(m.slot), m.table.number)
        for m in Meeting.objects.select_related("slot", "table")
    }
    assert placed == {first.pk: (0, 1), second.pk: (1, 1), third.pk: (1, 2), fourth.pk: (0, 2)}


def test_accepting_when_no_common_slot_is_left_is_refused_and_changes_nothing():
    session = make_session(slots=1, tables=1)
    a, b, c = join(session), join(session), join(session)
    first = services.send_request(actor=None, session=session, sender=a.person, recipient=b.person)
    second = services.send_request(actor=None, session=session, sender=c.person, recipient=b.person)
    services.accept_request(actor=None, request=first)
    with pytest.raises(RequestRefused) as refusal:
        services.accept_request(actor=None, request=second)
    assert refusal.value.reason == "no_free_slot"
    second.refresh_from_db()
    assert second.status == RequestStatus.PENDING
    assert Meeting.objects.count() == 1


@pytest.mark.parametrize(
    "case, reason, message",
    [
        ("self", "self", "You cannot request a meeting with yourself."),
        (
            "not_opted_in",
            "not_participating",
            "Nora Outsider has not opted in to this matchmaking session.",
        ),
        (
            "sender_not_opted_in",
            "sender_not_participating",
            "Opt in to the matchmaking before you send requests.",
        ),
        ("duplicate", "duplicate", "There is already a request between you and Bo Busy."),
        ("reverse_duplicate", "duplicate", "There is already a request between you and Ane Asker."),
        (
            "no_common",
            "no_common_availability",
            "You and Bo Busy have no time slot in common.",
        ),
        ("cap", "cap_reached", "Ane Asker already has the most meetings allowed (1)."),
        (
            "recipient_cap",
            "recipient_cap_reached",
            "Bo Busy already has the most meetings allowed (1).",
        ),
        ("closed", "closed", "This matchmaking session is closed."),
    ],
)
def test_refusals_name_their_reason(case, reason, message):
    session = make_session(slots=3, tables=2, max_meetings=1)
    slots = _slots(session)
    asker = join(session, first_name="Ane", last_name="Asker", slots=slots[:2])
    busy = join(
        session,
        first_name="Bo",
        last_name="Busy",
        slots=slots[2:] if case == "no_common" else slots,
    )
    outsider = PersonFactory(first_name="Nora", last_name="Outsider")
    sender, recipient = asker.person, busy.person
    if case == "self":
        recipient = sender
    elif case == "not_opted_in":
        recipient = outsider
    elif case == "sender_not_opted_in":
        sender = outsider
    elif case in ("duplicate", "reverse_duplicate"):
        services.send_request(actor=None, session=session, sender=sender, recipient=recipient)
        if case == "reverse_duplicate":
            sender, recipient = recipient, sender
    elif case in ("cap", "recipient_cap"):
        other = join(session)
        busy_one = asker if case == "cap" else busy
        req = services.send_request(
            actor=None, session=session, sender=busy_one.person, recipient=other.person
        )
        services.accept_request(actor=None, request=req)
    elif case == "closed":
        services.update_session(actor=None, session=session, open=False)
    with pytest.raises(RequestRefused) as refusal:
        services.send_request(actor=None, session=session, sender=sender, recipient=recipient)
    assert (refusal.value.reason, refusal.value.messages) == (reason, [message])


def test_accepting_past_a_cap_is_refused():
    session = make_session(slots=3, tables=2, max_meetings=1)
    a, b, c = join(session), join(session), join(session)
    first = services.send_request(actor=None, session=session, sender=a.person, recipient=b.person)
    second = services.send_request(actor=None, session=session, sender=c.person, recipient=b.person)
    services.accept_request(actor=None, request=first)
    with pytest.raises(RequestRefused) as refusal:
        services.accept_request(actor=None, request=second)
    assert refusal.value.reason == "cap_reached"


def test_decline_and_answering_twice():
    session = make_session()
    a, b = join(session), join(session)
    request = services.send_request(
        actor=None, session=session, sender=a.person, recipient=b.person
    )
    services.decline_request(actor=None, request=request)
    request.refresh_from_db()
    assert request.status == RequestStatus.DECLINED
    with pytest.raises(RequestRefused) as refusal:
        services.accept_request(actor=None, request=request)
    assert (refusal.value.reason, refusal.value.messages) == (
        "not_pending",
        ["This request is no longer waiting for an answer (Declined)."],
    )
    # After a decline a new request between the two is possible again.
    again = services.send_request(actor=None, session=session, sender=b.person, recipient=a.person)
    assert again.status == RequestStatus.PENDING


def test_unanswered_requests_expire_through_the_periodic_command():
    session = make_session(request_expiry_hours=2)
    a, b, c = join(session), join(session), join(session)
    old = services.send_request(actor=None, session=session, sender=a.person, recipient=b.person)
    fresh = services.send_request(actor=None, session=session, sender=a.person, recipient=c.person)
    old.expires_at = timezone.now() - datetime.timedelta(minutes=1)
    old.save(update_fields=["expires_at"])
    call_command("expire_meeting_requests")
    call_command("expire_meeting_requests")  # idempotent
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert (old.status, fresh.status) == (RequestStatus.EXPIRED, RequestStatus.PENDING)
    assert AuditEntry.objects.filter(action="meetings.request.expire").count() == 1
    with pytest.raises(RequestRefused):
        services.accept_request(actor=None, request=old)


def test_expiry_job_is_registered():
    from klynge.core.periodic import registered

    assert "expire_meeting_requests" in [job.command for job in registered()]


def test_opt_in_updates_profile_and_checks_slots():
    session = make_session(slots=3)
    other = make_session(slots=1)
    person = PersonFactory()
    participant = services.opt_in(
        actor=None, session=session, person=person, offers="Sound", slots=_slots(session)[:1]
    )
    again = services.opt_in(
        actor=None, session=session, person=person, looking_for="Funding", slots=_slots(session)
    )
    assert (again.pk, again.offers, again.looking_for, again.available_slots.count()) == (
        participant.pk,
        "",
        "Funding",
        3,
    )
    with pytest.raises(ValidationError) as error:
        services.opt_in(actor=None, session=session, person=person, slots=_slots(other))
    assert error.value.message_dict == {"slots": ["Choose slots of this session."]}
    with pytest.raises(ValidationError) as error:
        services.opt_in(actor=None, session=session, person=person, slots=[])
    assert error.value.message_dict == {"slots": ["Choose at least one time slot you are free in."]}


def test_mode_b_scheduler_drafts_then_publishes_with_agenda_mails(
    django_capture_on_commit_callbacks,
):
    session = make_session(slots=2, tables=1, mode=SchedulingMode.ORGANISER)
    a = join(session, email="a@example.org")
    b = join(session, email="b@example.org")
    c = join(session, email="c@example.org")
    requests = []
    for sender, recipient, priority in [(a, b, 3), (a, c, 1), (b, c, 2)]:
        request = services.send_request(
            actor=None,
            session=session,
            sender=sender.person,
            recipient=recipient.person,
            priority=priority,
        )
        services.accept_request(actor=None, request=request)
        requests.append(request)
    assert Meeting.objects.count() == 0
    result = services.run_scheduler(actor=None, session=session, time_limit=2)
    # Two slots, one table: two meetings at most; the best are priorities 3 and 2.
    assert (result.weight, result.bound, result.placed) == (5, 5.0, 2)
    drafts = Meeting.objects.order_by("slot__starts_at")
    assert sorted(m.request_id for m in drafts) == sorted([requests[0].pk, requests[2].pk])
    assert {m.status for m in drafts} == {"draft"}
    # Rerunning replaces the drafts.
    services.run_scheduler(actor=None, session=session, time_limit=2)
    assert Meeting.objects.count() == 2
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.publish_schedule(actor=None, session=session) == 2
    assert {m.status for m in Meeting.objects.all()} == {"confirmed"}
    assert sorted(m.to[0] for m in mail.outbox) == [
        "a@example.org",
        "b@example.org",
        "c@example.org",
    ]
    assert all(m.attachments[0][0] == "agenda.ics" for m in mail.outbox)


def test_follow_up_token_and_answer():
    session = make_session()
    a, b = join(session), join(session)
    request = services.send_request(
        actor=None, session=session, sender=a.person, recipient=b.person
    )
    services.accept_request(actor=None, request=request)
    meeting = Meeting.objects.get()
    with pytest.raises(ValidationError) as error:  # the meeting has not happened yet
        services.record_follow_up(
            actor=None, meeting=meeting, participant=b, happened=True, follow_up=True
        )
    assert error.value.messages == ["You can answer once the meeting is over."]
    meeting = held_meeting(session, join(session), b)
    token = services.follow_up_token(meeting, b)
    assert services.read_follow_up_token(token) == (meeting, b)
    assert services.read_follow_up_token(token + "x") is None
    answer = services.record_follow_up(
        actor=None, meeting=meeting, participant=b, happened=True, follow_up=True
    )
    changed = services.record_follow_up(
        actor=None, meeting=meeting, participant=b, happened=False, follow_up=True
    )
    assert (changed.pk, changed.happened, changed.follow_up) == (answer.pk, False, False)


def test_follow_up_answers_feed_the_outcome_funnel_through_record_outcome():
    from klynge.ecosystem.tests.factories import OrganisationFactory
    from klynge.matchmaking.models import Match, MatchStep
    from klynge.matchmaking.selectors import funnel

    session = make_session()
    studio = OrganisationFactory(name="Fyn Studio", slug="fyn-studio")
    lab = OrganisationFactory(name="Media Lab", slug="media-lab")
    a = join(session, organisation=studio)
    b = join(session, organisation=lab)
    meeting = held_meeting(session, a, b)
    day = timezone.localdate(meeting.slot.starts_at, session.event.zone)

    services.record_follow_up(
        actor=None, meeting=meeting, participant=b, happened=True, follow_up=False
    )
    match = Match.objects.get()
    assert (match.origin, match.event, match.stage, match.stage_on) == (
        "meeting",
        session.event,
        "met",
        day,
    )
    services.record_follow_up(
        actor=None, meeting=meeting, participant=a, happened=True, follow_up=True
    )
    match.refresh_from_db()
    assert match.stage == "follow_up"
    assert list(MatchStep.objects.values_list("stage", flat=True)) == ["met", "follow_up"]
    assert funnel(event=session.event)["total"] == [1, 1, 1, 0, 0, 0]
    assert funnel(year=day.year, event=session.event.pk)["by_event"] == [
        {"event": session.event.title, "event_id": session.event.pk, "counts": [1, 1, 1, 0, 0, 0]}
    ]

    # "It did not happen" is a no-show: stored, shown to the organiser, no stage recorded.
    c = join(session, organisation=OrganisationFactory(name="Third", slug="third"))
    missed = held_meeting(session, c, b)
    services.record_follow_up(
        actor=None, meeting=missed, participant=c, happened=False, follow_up=False
    )
    assert Match.objects.count() == 1
    overview = selectors.schedule_overview(session)
    outcomes = {m.pk: m.outcome for slot in overview["slots"] for m in slot.meetings.all()}
    assert outcomes == {meeting.pk: "follow_up", missed.pk: "not_met"}


def test_a_side_without_an_organisation_records_no_match():
    from klynge.ecosystem.tests.factories import OrganisationFactory
    from klynge.matchmaking.models import Match

    session = make_session()
    a = join(session, organisation=OrganisationFactory(name="Solo", slug="solo"))
    b = join(session)  # takes part for themselves
    meeting = held_meeting(session, a, b)
    answer = services.record_follow_up(
        actor=None, meeting=meeting, participant=a, happened=True, follow_up=True
    )
    assert (answer.happened, answer.follow_up, Match.objects.count()) == (True, True, 0)


def test_demo_loads_idempotently():
    from klynge.accounts.tests.factories import UserFactory
    from klynge.events.tests.factories import EventFactory
    from klynge.meetings import demo

    EventFactory()
    for email in demo.PROFILES:
        PersonFactory(email=email, user=UserFactory(email=email))
    session = demo.load()
    assert demo.load() == session
    assert session.participants.count() == 3
    assert sorted(session.requests.values_list("status", flat=True)) == ["accepted", "pending"]
    assert Meeting.objects.filter(session=session).count() == 1


def test_reminders_and_follow_up_mails_go_once(django_capture_on_commit_callbacks):
    import re

    from django.test import Client

    session = make_session(slots=2)
    a = join(session, email="a@example.org", first_name="Ane", last_name="Asker")
    b = join(session, email="b@example.org", first_name="Bo", last_name="Host")
    request = services.send_request(
        actor=None, session=session, sender=a.person, recipient=b.person
    )
    services.accept_request(actor=None, request=request)
    meeting = Meeting.objects.select_related("slot").get()
    mail.outbox.clear()
    before = meeting.slot.starts_at - datetime.timedelta(minutes=20)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_meeting_notices(now=before, base_url="https://k.example") == {
            "reminders": 2,
            "follow_ups": 0,
        }
        assert services.send_meeting_notices(now=before) == {"reminders": 0, "follow_ups": 0}
    assert sorted(m.subject for m in mail.outbox) == [
        "Soon: your meeting with Ane Asker",
        "Soon: your meeting with Bo Host",
    ]
    mail.outbox.clear()
    after = meeting.slot.ends_at + datetime.timedelta(minutes=5)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_meeting_notices", "--base-url", "https://k.example")  # not yet over
        assert services.send_meeting_notices(now=after, base_url="https://k.example") == {
            "reminders": 0,
            "follow_ups": 2,
        }
        assert services.send_meeting_notices(now=after)["follow_ups"] == 0
    to_bo = next(m for m in mail.outbox if m.to == ["b@example.org"])
    link = re.search(r"https://k\.example(/meetings/follow-up/\S+answer=follow_up)", to_bo.body)
    client = Client()
    response = client.get(link.group(1))  # opening the link (or a mail scanner) records nothing
    assert response.status_code == 200
    assert not meeting.follow_ups.exists()
    meeting.slot.starts_at = timezone.now() - datetime.timedelta(minutes=21)
    meeting.slot.ends_at = timezone.now() - datetime.timedelta(minutes=1)
    meeting.slot.save()
    response = client.post(link.group(1).split("?")[0], {"answer": "follow_up"})
    assert response.status_code == 200
    answer = meeting.follow_ups.get()
    assert (answer.participant, answer.happened, answer.follow_up) == (b, True, True)
