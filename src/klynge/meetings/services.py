"""Every write of the meetings app: sessions, opt-in, requests, acceptance, scheduling, follow-ups.

Concurrency: an acceptance locks both participants' rows (in primary-key order, so two
acceptances never deadlock) and places the meeting in a savepoint; the database's unique
constraints (slot, table) and (slot, participant) make a double booking impossible even if the
locks were bypassed, and a lost race for a table simply tries the next one.
"""

from __future__ import annotations

import datetime
import logging

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from klynge.core import audit
from klynge.core.emails import queue_email
from klynge.ecosystem.models import Organisation, Person
from klynge.events.models import Event
from klynge.meetings import scheduler
from klynge.meetings.models import (
    FollowUp,
    MatchmakingSession,
    Meeting,
    MeetingRequest,
    MeetingSeat,
    MeetingStatus,
    Participant,
    Priority,
    RequestStatus,
    SchedulingMode,
    Table,
    TimeSlot,
)

logger = logging.getLogger(__name__)

FOLLOW_UP_SALT = "klynge.meetings.follow-up"
FOLLOW_UP_MAX_AGE = 60 * 60 * 24 * 120


class RequestRefused(ValidationError):
    """A meeting request cannot be sent or accepted (the API answers 409 with the reason).

    `reason`: self, not_participating, sender_not_participating, duplicate, cap_reached,
    recipient_cap_reached, no_common_availability, closed, not_pending, no_free_slot.
    """

    def __init__(self, message: str, reason: str):
        super().__init__(message, code=reason)
        self.reason = reason


# --- Sessions -------------------------------------------------------------------------------


def _slot_times(
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    minutes: int,
    breaks: list[tuple[datetime.datetime, datetime.datetime]],
) -> list[tuple[datetime.datetime, datetime.datetime]]:
    length = datetime.timedelta(minutes=minutes)
    times, start = [], starts_at
    while start + length <= ends_at:
        end = start + length
        overlapping = [b for b in breaks if b[0] < end and start < b[1]]
        if overlapping:
            start = max(b[1] for b in overlapping)
            continue
        times.append((start, end))
        start = end
    return times


@transaction.atomic
def create_session(
    *,
    actor,
    event: Event,
    title: str,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    tables: int,
    breaks: list[tuple[datetime.datetime, datetime.datetime]] = (),
    **fields,
) -> MatchmakingSession:
    """Creates a session for `event` with its slots (from start, end and breaks) and tables."""
    session = MatchmakingSession(event=event, title=title.strip(), **fields)
    if not session.title:
        raise ValidationError({"title": [_("Give the session a title.")]})
    session.full_clean(exclude=["event"])
    session.save()
    set_slots(actor=actor, session=session, starts_at=starts_at, ends_at=ends_at, breaks=breaks)
    set_tables(actor=actor, session=session, count=tables)
    audit.record(
        actor=actor, action="meetings.session.create", target=session, data={"event": event.pk}
    )
    return session


@transaction.atomic
def update_session(*, actor, session: MatchmakingSession, **fields) -> MatchmakingSession:
    for name, value in fields.items():
        setattr(session, name, value)
    session.full_clean(exclude=["event"])
    session.save()
    audit.record(
        actor=actor,
        action="meetings.session.update",
        target=session,
        data={k: str(v) for k, v in fields.items()},
    )
    return session


@transaction.atomic
def set_slots(
    *,
    actor,
    session: MatchmakingSession,
    starts_at: datetime.datetime | None = None,
    ends_at: datetime.datetime | None = None,
    breaks: list[tuple[datetime.datetime, datetime.datetime]] = (),
    times: list[tuple[datetime.datetime, datetime.datetime]] | None = None,
) -> list[TimeSlot]:
    """Replaces the session's slots: generated from start/end/breaks, or the listed `times`.
    Refused once meetings are placed (their slots would disappear)."""
    if session.meetings.exists():
        raise ValidationError(_("Meetings are already placed; the time slots cannot change."))
    if times is None:
        if starts_at is None or ends_at is None or ends_at <= starts_at:
            raise ValidationError({"ends_at": [_("The end must be after the start.")]})
        times = _slot_times(starts_at, ends_at, session.slot_minutes, list(breaks))
    if not times:
        raise ValidationError({"ends_at": [_("No time slot fits between the start and the end.")]})
    if any(end <= start for start, end in times):
        raise ValidationError({"slots": [_("Every slot must end after it starts.")]})
    session.slots.all().delete()
    slots = TimeSlot.objects.bulk_create(
        TimeSlot(session=session, starts_at=start, ends_at=end) for start, end in sorted(times)
    )
    audit.record(
        actor=actor, action="meetings.session.slots", target=session, data={"slots": len(slots)}
    )
    return slots


@transaction.atomic
def set_tables(*, actor, session: MatchmakingSession, count: int) -> None:
    """Sets how many tables (or rooms, or parallel online rooms) there are, numbered 1..count.
    Tables that hold meetings cannot be removed."""
    if count < 1:
        raise ValidationError({"tables": [_("At least one table is needed.")]})
    in_use = session.meetings.filter(table__number__gt=count).exists()
    if in_use:
        raise ValidationError({"tables": [_("Tables with meetings cannot be removed.")]})
    session.tables.filter(number__gt=count).delete()
    existing = set(session.tables.values_list("number", flat=True))
    Table.objects.bulk_create(
        Table(session=session, number=n) for n in range(1, count + 1) if n not in existing
    )
    audit.record(
        actor=actor, action="meetings.session.tables", target=session, data={"tables": count}
    )


# --- Participants ---------------------------------------------------------------------------


@transaction.atomic
def opt_in(
    *,
    actor,
    session: MatchmakingSession,
    person: Person,
    organisation: Organisation | None = None,
    offers: str = "",
    looking_for: str = "",
    slots: list[TimeSlot] | None = None,
) -> Participant:
    """Adds `person` to the session (or updates their profile and availability).
    `slots` default to all of the session's slots."""
    if not session.open:
        raise ValidationError(_("This matchmaking session is closed."))
    slots = list(session.slots.all()) if slots is None else list(slots)
    if any(slot.session_id != session.pk for slot in slots):
        raise ValidationError({"slots": [_("Choose slots of this session.")]})
    if not slots:
        raise ValidationError({"slots": [_("Choose at least one time slot you are free in.")]})
    participant, created = Participant.objects.get_or_create(session=session, person=person)
    participant.organisation = organisation
    participant.offers = offers.strip()
    participant.looking_for = looking_for.strip()
    participant.save()
    participant.available_slots.set(slots)
    audit.record(
        actor=actor,
        action="meetings.participant.opt_in" if created else "meetings.participant.update",
        target=participant,
        data={"slots": len(slots)},
    )
    return participant


# --- Requests -------------------------------------------------------------------------------


def _commitments(participant: Participant) -> int:
    """Meetings the participant has or will have: accepted requests (placed or to be)."""
    return MeetingRequest.objects.filter(
        Q(sender=participant) | Q(recipient=participant), status=RequestStatus.ACCEPTED
    ).count()


def _check_caps(session: MatchmakingSession, sender: Participant, recipient: Participant):
    if _commitments(sender) >= session.max_meetings:
        raise RequestRefused(
            _("%(name)s already has the most meetings allowed (%(cap)s).")
            % {"name": sender.person.full_name, "cap": session.max_meetings},
            "cap_reached",
        )
    if _commitments(recipient) >= session.max_meetings:
        raise RequestRefused(
            _("%(name)s already has the most meetings allowed (%(cap)s).")
            % {"name": recipient.person.full_name, "cap": session.max_meetings},
            "recipient_cap_reached",
        )


@transaction.atomic
def send_request(
    *,
    actor,
    session: MatchmakingSession,
    sender: Person,
    recipient: Person,
    note: str = "",
    priority: int = Priority.NORMAL,
    base_url: str = "",
) -> MeetingRequest:
    """Sends a meeting request from `sender` to `recipient` (both must have opted in), expiring
    after the session's `request_expiry_hours`. E-mails the recipient. Refused with a reason
    (`RequestRefused`) to oneself, to someone not opted in, twice for one pair, past a cap, or
    without a slot both are free in."""
    if not session.open:
        raise RequestRefused(_("This matchmaking session is closed."), "closed")
    if sender.pk == recipient.pk:
        raise RequestRefused(_("You cannot request a meeting with yourself."), "self")
    if priority not in Priority.values:
        raise ValidationError({"priority": [_("Choose a priority.")]})
    participants = {
        p.person_id: p
        for p in Participant.objects.select_related("person").filter(
            session=session, person__in=[sender, recipient]
        )
    }
    if sender.pk not in participants:
        raise RequestRefused(
            _("Opt in to the matchmaking before you send requests."), "sender_not_participating"
        )
    if recipient.pk not in participants:
        raise RequestRefused(
            _("%(name)s has not opted in to this matchmaking session.")
            % {"name": recipient.full_name},
            "not_participating",
        )
    source, target = participants[sender.pk], participants[recipient.pk]
    # Lock both (in id order) so a duplicate sent at the same moment waits and is refused.
    list(
        Participant.objects.select_for_update().filter(pk__in=[source.pk, target.pk]).order_by("pk")
    )
    pair = Q(sender=source, recipient=target) | Q(sender=target, recipient=source)
    if MeetingRequest.objects.filter(pair, status__in=["pending", "accepted"]).exists():
        raise RequestRefused(
            _("There is already a request between you and %(name)s.")
            % {"name": recipient.full_name},
            "duplicate",
        )
    _check_caps(session, source, target)
    common = set(source.available_slots.values_list("pk", flat=True)) & set(
        target.available_slots.values_list("pk", flat=True)
    )
    if not common:
        raise RequestRefused(
            _("You and %(name)s have no time slot in common.") % {"name": recipient.full_name},
            "no_common_availability",
        )
    now = timezone.now()
    request = MeetingRequest(
        session=session,
        sender=source,
        recipient=target,
        note=note.strip()[:1000],
        priority=priority,
        expires_at=now + datetime.timedelta(hours=session.request_expiry_hours),
    )
    try:
        with transaction.atomic():
            request.save()
    except IntegrityError:
        raise RequestRefused(
            _("There is already a request between you and %(name)s.")
            % {"name": recipient.full_name},
            "duplicate",
        ) from None
    if recipient.email:
        queue_email(
            to=recipient.email,
            template="meetings/emails/request_received",
            context={"request": request, "session": session, "base_url": base_url},
        )
    audit.record(
        actor=actor,
        action="meetings.request.create",
        target=request,
        data={"to": recipient.pk, "priority": priority},
    )
    return request


def _locked_request(request: MeetingRequest) -> MeetingRequest:
    locked = (
        MeetingRequest.objects.select_related("session", "sender__person", "recipient__person")
        .select_for_update(of=("self",))
        .get(pk=request.pk)
    )
    if locked.status != RequestStatus.PENDING:
        raise RequestRefused(
            _("This request is no longer waiting for an answer (%(status)s).")
            % {"status": locked.get_status_display()},
            "not_pending",
        )
    return locked


def _place(request: MeetingRequest, now: datetime.datetime) -> Meeting:
    """Mode A: the first common free slot (not yet started) and a free table, atomically."""
    a, b = request.sender, request.recipient
    busy = set(MeetingSeat.objects.filter(participant__in=[a, b]).values_list("slot_id", flat=True))
    slots = (
        TimeSlot.objects.filter(session=request.session, starts_at__gt=now, available=a)
        .filter(available=b)
        .exclude(pk__in=busy)
        .order_by("starts_at")
    )
    for slot in slots:
        for _attempt in range(5):
            table = (
                Table.objects.filter(session=request.session)
                .exclude(meetings__slot=slot)
                .order_by("number")
                .first()
            )
            if table is None:
                break
            try:
                with transaction.atomic():
                    meeting = Meeting.objects.create(
                        session=request.session, request=request, slot=slot, table=table
                    )
                    MeetingSeat.objects.bulk_create(
                        [
                            MeetingSeat(meeting=meeting, participant=a, slot=slot),
                            MeetingSeat(meeting=meeting, participant=b, slot=slot),
                        ]
                    )
                return meeting
            except IntegrityError:
                continue  # another acceptance took this table (or seat) first: look again
    raise RequestRefused(
        _("No time slot is left that you are both free in with a free table."), "no_free_slot"
    )


@transaction.atomic
def accept_request(*, actor, request: MeetingRequest, base_url: str = "") -> MeetingRequest:
    """Accepts a pending request. When the time is picked on acceptance, places the meeting in
    the first common free slot at a free table (refused with `no_free_slot` if none); when the
    organiser schedules, it waits for the scheduler. E-mails the sender."""
    request = _locked_request(request)
    session = request.session
    list(
        Participant.objects.select_for_update()
        .filter(pk__in=[request.sender_id, request.recipient_id])
        .order_by("pk")
    )
    now = timezone.now()
    if request.expires_at and request.expires_at <= now:
        raise RequestRefused(_("This request has expired."), "not_pending")
    _check_caps(session, request.recipient, request.sender)
    meeting = None
    if session.mode == SchedulingMode.ON_ACCEPT:
        meeting = _place(request, now)
    request.status = RequestStatus.ACCEPTED
    request.answered_at = now
    request.save(update_fields=["status", "answered_at", "updated_at"])
    _notify_answer(request, meeting, base_url)
    audit.record(
        actor=actor,
        action="meetings.request.accept",
        target=request,
        data={"slot": meeting.slot_id, "table": meeting.table.number} if meeting else {},
    )
    return request


def _notify_answer(request: MeetingRequest, meeting: Meeting | None, base_url: str) -> None:
    email = request.sender.person.email
    if not email:
        return
    attachments = []
    if meeting is not None:
        from klynge.meetings.calendar import agenda_ics

        attachments = [("meeting.ics", agenda_ics([meeting], base_url=base_url), "text/calendar")]
    queue_email(
        to=email,
        template="meetings/emails/request_answered",
        context={"request": request, "meeting": meeting, "base_url": base_url},
        attachments=attachments,
    )


@transaction.atomic
def decline_request(*, actor, request: MeetingRequest, base_url: str = "") -> MeetingRequest:
    request = _locked_request(request)
    request.status = RequestStatus.DECLINED
    request.answered_at = timezone.now()
    request.save(update_fields=["status", "answered_at", "updated_at"])
    _notify_answer(request, None, base_url)
    audit.record(actor=actor, action="meetings.request.decline", target=request)
    return request


@transaction.atomic
def withdraw_request(*, actor, request: MeetingRequest) -> MeetingRequest:
    request = _locked_request(request)
    request.status = RequestStatus.WITHDRAWN
    request.save(update_fields=["status", "updated_at"])
    audit.record(actor=actor, action="meetings.request.withdraw", target=request)
    return request


def expire_requests(*, now: datetime.datetime | None = None) -> int:
    """Marks pending requests past their expiry as expired (idempotent); returns how many."""
    now = now or timezone.now()
    with transaction.atomic():
        due = list(
            MeetingRequest.objects.select_for_update(skip_locked=True)
            .filter(status=RequestStatus.PENDING, expires_at__lte=now)
            .values_list("pk", flat=True)
        )
        count = MeetingRequest.objects.filter(pk__in=due, status=RequestStatus.PENDING).update(
            status=RequestStatus.EXPIRED, updated_at=now
        )
        if count:
            audit.record(
                actor=None, action="meetings.request.expire", data={"requests": sorted(due)}
            )
    return count


# --- The organiser's scheduler --------------------------------------------------------------


@transaction.atomic
def run_scheduler(
    *, actor, session: MatchmakingSession, time_limit: float = 10.0
) -> scheduler.Result:
    """Replaces the draft schedule: places the accepted requests without a confirmed meeting in
    the slots and tables confirmed meetings leave free, maximising the priority-weighted number
    of meetings (see `scheduler`). Drafts are seen by the organiser only, until published."""
    session = MatchmakingSession.objects.select_for_update().get(pk=session.pk)
    Meeting.objects.filter(session=session, status=MeetingStatus.DRAFT).delete()
    slots = list(session.slots.order_by("starts_at"))
    index = {slot.pk: i for i, slot in enumerate(slots)}
    tables = list(session.tables.order_by("number"))
    used: dict[int, set[int]] = {}
    for slot_id, table_id in Meeting.objects.filter(session=session).values_list(
        "slot_id", "table_id"
    ):
        used.setdefault(slot_id, set()).add(table_id)
    participants = list(
        session.participants.annotate(
            placed=Count("seats", distinct=True),
        )
    )
    person_index = {p.pk: i for i, p in enumerate(participants)}
    availability: dict[int, set[int]] = {p.pk: set() for p in participants}
    for pid, slot_id in Participant.available_slots.through.objects.filter(
        participant__session=session
    ).values_list("participant_id", "timeslot_id"):
        availability[pid].add(index[slot_id])
    for pid, slot_id in MeetingSeat.objects.filter(participant__session=session).values_list(
        "participant_id", "slot_id"
    ):
        availability[pid].discard(index[slot_id])
    pending = list(
        MeetingRequest.objects.filter(
            session=session, status=RequestStatus.ACCEPTED, meeting__isnull=True
        ).order_by("answered_at", "id")
    )
    instance = scheduler.Instance(
        n_people=len(participants),
        slot_tables=[len(tables) - len(used.get(slot.pk, ())) for slot in slots],
        requests=[
            (person_index[r.sender_id], person_index[r.recipient_id], r.priority) for r in pending
        ],
        available=[frozenset(availability[p.pk]) for p in participants],
        caps=[max(0, session.max_meetings - p.placed) for p in participants],
    )
    result = scheduler.solve(instance, time_limit=time_limit)
    free_tables = [[t for t in tables if t.pk not in used.get(slot.pk, ())] for slot in slots]
    table_of = scheduler.assign_tables(result.slot_of, len(slots))
    meetings, seats = [], []
    for request, s, t in zip(pending, result.slot_of, table_of, strict=True):
        if s == scheduler.UNPLACED:
            continue
        meeting = Meeting(
            session=session,
            request=request,
            slot=slots[s],
            table=free_tables[s][t],
            status=MeetingStatus.DRAFT,
        )
        meetings.append(meeting)
    Meeting.objects.bulk_create(meetings)
    for meeting in meetings:
        for participant_id in (meeting.request.sender_id, meeting.request.recipient_id):
            seats.append(
                MeetingSeat(meeting=meeting, participant_id=participant_id, slot=meeting.slot)
            )
    MeetingSeat.objects.bulk_create(seats)
    audit.record(
        actor=actor,
        action="meetings.schedule.run",
        target=session,
        data={
            "requests": len(pending),
            "placed": result.placed,
            "weight": result.weight,
            "bound": result.bound,
        },
    )
    return result


@transaction.atomic
def publish_schedule(*, actor, session: MatchmakingSession, base_url: str = "") -> int:
    """Confirms the draft meetings and e-mails every participant with a meeting their agenda
    (with an .ics). Returns how many meetings were published."""
    from klynge.meetings.calendar import agenda_ics

    session = MatchmakingSession.objects.select_for_update().get(pk=session.pk)
    count = Meeting.objects.filter(session=session, status=MeetingStatus.DRAFT).update(
        status=MeetingStatus.CONFIRMED, updated_at=timezone.now()
    )
    session.published_at = timezone.now()
    session.save(update_fields=["published_at", "updated_at"])
    meetings = list(
        Meeting.objects.filter(session=session)
        .select_related(
            "slot",
            "table",
            "session__event",
            "request__sender__person",
            "request__recipient__person",
        )
        .order_by("slot__starts_at")
    )
    by_participant: dict[int, list[Meeting]] = {}
    people: dict[int, Person] = {}
    for meeting in meetings:
        for participant in (meeting.request.sender, meeting.request.recipient):
            by_participant.setdefault(participant.pk, []).append(meeting)
            people[participant.pk] = participant.person
    for pid, own in by_participant.items():
        person = people[pid]
        if not person.email:
            continue
        queue_email(
            to=person.email,
            template="meetings/emails/agenda",
            context={"session": session, "person": person, "meetings": own, "base_url": base_url},
            attachments=[("agenda.ics", agenda_ics(own, base_url=base_url), "text/calendar")],
        )
    audit.record(
        actor=actor, action="meetings.schedule.publish", target=session, data={"meetings": count}
    )
    return count


# --- After the meeting ----------------------------------------------------------------------


def follow_up_token(meeting: Meeting, participant: Participant) -> str:
    return signing.dumps([meeting.pk, participant.pk], salt=FOLLOW_UP_SALT, compress=True)


def read_follow_up_token(token: str) -> tuple[Meeting, Participant] | None:
    try:
        meeting_id, participant_id = signing.loads(
            token, salt=FOLLOW_UP_SALT, max_age=FOLLOW_UP_MAX_AGE
        )
    except (signing.BadSignature, ValueError, TypeError):
        return None
    meeting = (
        Meeting.objects.select_related("slot", "table", "session", "request")
        .filter(pk=meeting_id)
        .first()
    )
    participant = Participant.objects.filter(pk=participant_id).first()
    if meeting is None or participant is None:
        return None
    if participant.pk not in (meeting.request.sender_id, meeting.request.recipient_id):
        return None
    return meeting, participant


@transaction.atomic
def record_follow_up(
    *, actor, meeting: Meeting, participant: Participant, happened: bool, follow_up: bool
) -> FollowUp:
    """Stores the participant's answer (changeable) and passes it to the matchmaking outcome
    tracking when that app offers `record_outcome`."""
    answer, _created = FollowUp.objects.update_or_create(
        meeting=meeting,
        participant=participant,
        defaults={"happened": happened, "follow_up": happened and follow_up},
    )
    audit.record(
        actor=actor,
        action="meetings.follow_up.record",
        target=meeting,
        data={"participant": participant.pk, "happened": happened, "follow_up": follow_up},
    )
    _pass_to_outcomes(actor, meeting, participant, answer)
    return answer


def _pass_to_outcomes(actor, meeting: Meeting, participant: Participant, answer: FollowUp) -> bool:
    """Hands the answer to the matchmaking app's outcome tracking, if it offers
    `record_outcome` with these keyword arguments (checked, so a different signature never
    breaks the one-click link: the answer stays stored here either way)."""
    import inspect

    try:
        from klynge.matchmaking.services import record_outcome
    except ImportError:
        return False
    other = (
        meeting.request.recipient
        if participant.pk == meeting.request.sender_id
        else meeting.request.sender
    )
    kwargs = {
        "actor": actor,
        "source": meeting,
        "person": participant.person,
        "partner": other.person,
        "stage": "follow_up" if answer.follow_up else ("met" if answer.happened else "not_met"),
    }
    try:
        inspect.signature(record_outcome).bind(**kwargs)
    except TypeError:
        logger.warning("klynge.matchmaking.services.record_outcome has another signature")
        return False
    record_outcome(**kwargs)
    return True


REMINDER_MINUTES = 30
FOLLOW_UP_WITHIN = datetime.timedelta(days=2)


def _claim(meetings, field: str, now: datetime.datetime) -> list[Meeting]:
    """Marks the meetings' e-mail as sent, one UPDATE per meeting that only one server wins."""
    won = []
    for meeting in meetings:
        if Meeting.objects.filter(pk=meeting.pk, **{f"{field}__isnull": True}).update(
            **{field: now}
        ):
            won.append(meeting)
    return won


def send_meeting_notices(*, now: datetime.datetime | None = None, base_url: str = "") -> dict:
    """The periodic job: a reminder to both participants of every confirmed meeting starting in
    the next REMINDER_MINUTES, and after a meeting the one-click "did it happen / follow up?"
    e-mail. Each goes once (claimed by an UPDATE in the same transaction as the e-mail)."""
    now = now or timezone.now()
    related = (
        "slot",
        "table",
        "session__event",
        "request__sender__person",
        "request__recipient__person",
    )
    confirmed = Meeting.objects.filter(status=MeetingStatus.CONFIRMED).select_related(*related)
    counts = {"reminders": 0, "follow_ups": 0}
    with transaction.atomic():
        due = confirmed.filter(
            reminder_sent_at__isnull=True,
            slot__starts_at__gt=now,
            slot__starts_at__lte=now + datetime.timedelta(minutes=REMINDER_MINUTES),
        )
        for meeting in _claim(list(due), "reminder_sent_at", now):
            for me, other in _pairs(meeting):
                if me.person.email:
                    queue_email(
                        to=me.person.email,
                        template="meetings/emails/reminder",
                        context={"meeting": meeting, "other": other, "base_url": base_url},
                    )
                    counts["reminders"] += 1
        ended = confirmed.filter(
            follow_up_sent_at__isnull=True,
            slot__ends_at__lte=now,
            slot__ends_at__gt=now - FOLLOW_UP_WITHIN,
        )
        for meeting in _claim(list(ended), "follow_up_sent_at", now):
            for me, other in _pairs(meeting):
                if me.person.email:
                    queue_email(
                        to=me.person.email,
                        template="meetings/emails/follow_up",
                        context={
                            "meeting": meeting,
                            "other": other,
                            "base_url": base_url,
                            "token": follow_up_token(meeting, me),
                        },
                    )
                    counts["follow_ups"] += 1
    return counts


def _pairs(meeting: Meeting) -> list[tuple[Participant, Participant]]:
    a, b = meeting.request.sender, meeting.request.recipient
    return [(a, b), (b, a)]
