"""Every write of the meetings app: sessions, opt-in, requests, acceptance, scheduling, follow-ups.

Concurrency: an acceptance locks both participants' rows (in primary-key order, so two
acceptances never deadlock) and places the meeting in a savepoint; the database's unique
constraints (slot, table) and (slot, participant) make a double booking impossible even if the
locks were bypassed, and a lost race for a table simply tries the next one.
"""

from __future__ import annotations

import datetime

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
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
    `slots` default to all of the session's slots. Refused when the session is closed, when the
    session requires registration and the person has no confirmed registration for the event,
    and when the new availability leaves out a slot in which the person has a meeting."""
    if not session.open:
        raise ValidationError(_("This matchmaking session is closed."))
    slots = list(session.slots.all()) if slots is None else list(slots)
    if any(slot.session_id != session.pk for slot in slots):
        raise ValidationError({"slots": [_("Choose slots of this session.")]})
    if not slots:
        raise ValidationError({"slots": [_("Choose at least one time slot you are free in.")]})
    if session.requires_registration and not _registered(session, person):
        raise ValidationError(
            _("Register for %(event)s first: the B2B meetings are for its participants.")
            % {"event": session.event.display_title}
        )
    participant, created = Participant.objects.get_or_create(session=session, person=person)
    held = (
        MeetingSeat.objects.filter(participant=participant)
        .exclude(slot__in=slots)
        .select_related("slot")
        .order_by("slot__starts_at")
        .first()
    )
    if held is not None:
        raise ValidationError(
            {
                "slots": [
                    _(
                        "You have a meeting at %(time)s: keep that slot, or cancel the meeting first."
                    )
                    % {"time": _local_time(held.slot.starts_at, session)}
                ]
            }
        )
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


def _registered(session: MatchmakingSession, person: Person) -> bool:
    from klynge.events.models import Registration, RegistrationStatus

    return Registration.objects.filter(
        event=session.event, person=person, status=RegistrationStatus.CONFIRMED
    ).exists()


def _local_time(value: datetime.datetime, session: MatchmakingSession) -> str:
    return timezone.localtime(value, session.event.zone).strftime("%H:%M")


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
    organiser schedules, it waits for the scheduler. E-mails the sender the answer, and both
    the meeting with an .ics when it is placed."""
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
    """The sender learns the answer; when the meeting is placed, both get it with an .ics."""
    from klynge.meetings.calendar import agenda_ics

    attachments = []
    if meeting is not None:
        attachments = [("meeting.ics", agenda_ics([meeting], base_url=base_url), "text/calendar")]
    context = {
        "request": request,
        "meeting": meeting,
        "base_url": base_url,
        "session": request.session,
    }
    if request.sender.person.email:
        queue_email(
            to=request.sender.person.email,
            template="meetings/emails/request_answered",
            context=context,
            attachments=attachments,
        )
    if meeting is not None and request.recipient.person.email:
        queue_email(
            to=request.recipient.person.email,
            template="meetings/emails/meeting_booked",
            context={**context, "other": request.sender},
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


@transaction.atomic
def cancel_request(
    *, actor, request: MeetingRequest, reason: str = "", base_url: str = ""
) -> MeetingRequest:
    """Cancels an accepted request: its meeting (placed or draft) is deleted, which frees the
    slot, both seats and the table, and the pair may ask again. Both participants are told by
    e-mail (the one cancelling too, as a receipt). Refused unless the request is accepted."""
    request = (
        MeetingRequest.objects.select_related(
            "session__event", "sender__person", "recipient__person"
        )
        .select_for_update(of=("self",))
        .get(pk=request.pk)
    )
    if request.status != RequestStatus.ACCEPTED:
        raise RequestRefused(
            _("Only an accepted meeting can be cancelled (this one is: %(status)s).")
            % {"status": request.get_status_display()},
            "not_accepted",
        )
    meeting = Meeting.objects.select_related("slot", "table").filter(request=request).first()
    when = _local_time(meeting.slot.starts_at, request.session) if meeting else ""
    if meeting is not None:
        meeting.delete()  # its seats go with it (cascade)
    request.status = RequestStatus.CANCELLED
    request.cancelled_reason = reason.strip()[:300]
    request.save(update_fields=["status", "cancelled_reason", "updated_at"])
    cancelled_by = getattr(actor, "name", "") or getattr(actor, "email", "")
    for me, other in ((request.sender, request.recipient), (request.recipient, request.sender)):
        if me.person.email:
            queue_email(
                to=me.person.email,
                template="meetings/emails/meeting_cancelled",
                context={
                    "request": request,
                    "session": request.session,
                    "other": other,
                    "when": when,
                    "reason": request.cancelled_reason,
                    "cancelled_by": cancelled_by,
                    "base_url": base_url,
                },
            )
    audit.record(
        actor=actor,
        action="meetings.request.cancel",
        target=request,
        data={"reason": request.cancelled_reason, "had_meeting": meeting is not None},
    )
    return request


def expire_requests(*, now: datetime.datetime | None = None, base_url: str = "") -> int:
    """Marks pending requests past their expiry as expired (idempotent) and tells each sender
    by e-mail, so they can ask someone else; returns how many expired."""
    now = now or timezone.now()
    with transaction.atomic():
        due = list(
            MeetingRequest.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(status=RequestStatus.PENDING, expires_at__lte=now)
            .select_related("session__event", "sender__person", "recipient__person")
        )
        expired = MeetingRequest.objects.filter(
            pk__in=[r.pk for r in due], status=RequestStatus.PENDING
        ).update(status=RequestStatus.EXPIRED, updated_at=now)
        for request in due:
            if request.sender.person.email:
                queue_email(
                    to=request.sender.person.email,
                    template="meetings/emails/request_expired",
                    context={"request": request, "session": request.session, "base_url": base_url},
                )
        if expired:
            audit.record(
                actor=None,
                action="meetings.request.expire",
                data={"requests": sorted(r.pk for r in due)},
            )
    return expired


# --- The organiser's scheduler --------------------------------------------------------------


def _scheduling_snapshot(session: MatchmakingSession):
    """What the scheduler needs, read outside any write transaction. Draft meetings are left
    out: the run replaces them."""
    slots = list(session.slots.order_by("starts_at"))
    index = {slot.pk: i for i, slot in enumerate(slots)}
    tables = list(session.tables.order_by("number"))
    kept = Meeting.objects.filter(session=session).exclude(status=MeetingStatus.DRAFT)
    used: dict[int, set[int]] = {}
    for slot_id, table_id in kept.values_list("slot_id", "table_id"):
        used.setdefault(slot_id, set()).add(table_id)
    participants = list(session.participants.order_by("pk"))
    placed: dict[int, int] = {p.pk: 0 for p in participants}
    availability: dict[int, set[int]] = {p.pk: set() for p in participants}
    for pid, slot_id in Participant.available_slots.through.objects.filter(
        participant__session=session
    ).values_list("participant_id", "timeslot_id"):
        availability[pid].add(index[slot_id])
    for pid, slot_id in MeetingSeat.objects.filter(meeting__in=kept).values_list(
        "participant_id", "slot_id"
    ):
        availability[pid].discard(index[slot_id])
        placed[pid] += 1
    pending = list(
        MeetingRequest.objects.filter(session=session, status=RequestStatus.ACCEPTED)
        .exclude(meeting__in=kept)
        .order_by("answered_at", "id")
    )
    person_index = {p.pk: i for i, p in enumerate(participants)}
    instance = scheduler.Instance(
        n_people=len(participants),
        slot_tables=[len(tables) - len(used.get(slot.pk, ())) for slot in slots],
        requests=[
            (person_index[r.sender_id], person_index[r.recipient_id], r.priority) for r in pending
        ],
        available=[frozenset(availability[p.pk]) for p in participants],
        caps=[max(0, session.max_meetings - placed[p.pk]) for p in participants],
    )
    free_tables = [[t for t in tables if t.pk not in used.get(slot.pk, ())] for slot in slots]
    return slots, free_tables, pending, instance


def run_scheduler(
    *, actor, session: MatchmakingSession, time_limit: float = 10.0
) -> scheduler.Result:
    """Replaces the draft schedule: places the accepted requests without a confirmed meeting in
    the slots and tables confirmed meetings leave free, maximising the priority-weighted number
    of meetings (see `scheduler`). Drafts are seen by the organiser only, until published.

    The solver (up to `time_limit` seconds) runs on a snapshot read outside any transaction, so
    it holds no lock; the result is then written in one short transaction, in which the
    database's unique constraints (slot, table) and (slot, participant) refuse any placement a
    concurrent change made impossible (such a meeting is left unplaced and counted in
    `result.stats["dropped"]`)."""
    slots, free_tables, pending, instance = _scheduling_snapshot(session)
    result = scheduler.solve(instance, time_limit=time_limit)
    table_of = scheduler.assign_tables(result.slot_of, len(slots))
    placements = [
        (request, slots[s], free_tables[s][t])
        for request, s, t in zip(pending, result.slot_of, table_of, strict=True)
        if s != scheduler.UNPLACED
    ]
    dropped = 0
    with transaction.atomic():
        session = MatchmakingSession.objects.select_for_update().get(pk=session.pk)
        Meeting.objects.filter(session=session, status=MeetingStatus.DRAFT).delete()
        still_accepted = set(
            MeetingRequest.objects.filter(
                pk__in=[r.pk for r, _s, _t in placements],
                status=RequestStatus.ACCEPTED,
                meeting__isnull=True,
            ).values_list("pk", flat=True)
        )
        wanted = [(r, slot, table) for r, slot, table in placements if r.pk in still_accepted]
        dropped = len(placements) - len(wanted)
        try:  # the usual case: nothing changed meanwhile, two INSERTs
            with transaction.atomic():
                _create_drafts(session, wanted)
        except IntegrityError:  # something did: place them one by one, skip the conflicts
            for placement in wanted:
                try:
                    with transaction.atomic():
                        _create_drafts(session, [placement])
                except IntegrityError:
                    dropped += 1
        result.stats["dropped"] = dropped
        audit.record(
            actor=actor,
            action="meetings.schedule.run",
            target=session,
            data={
                "requests": len(pending),
                "placed": result.placed - dropped,
                "weight": result.weight,
                "bound": result.bound,
                "dropped": dropped,
            },
        )
    return result


def _create_drafts(session: MatchmakingSession, placements) -> None:
    meetings = Meeting.objects.bulk_create(
        Meeting(session=session, request=r, slot=slot, table=table, status=MeetingStatus.DRAFT)
        for r, slot, table in placements
    )
    if meetings and meetings[0].pk is None:  # backends that return no keys: read them back
        ids = dict(
            Meeting.objects.filter(request__in=[m.request_id for m in meetings]).values_list(
                "request_id", "pk"
            )
        )
        for meeting in meetings:
            meeting.pk = ids[meeting.request_id]
    MeetingSeat.objects.bulk_create(
        MeetingSeat(meeting=m, participant_id=pid, slot=m.slot)
        for m in meetings
        for pid in (m.request.sender_id, m.request.recipient_id)
    )


def _draft(meeting: Meeting) -> Meeting:
    meeting = (
        Meeting.objects.select_for_update(of=("self",))
        .select_related("request", "slot", "table", "session__event")
        .get(pk=meeting.pk)
    )
    if meeting.status != MeetingStatus.DRAFT:
        raise ValidationError(_("Only a meeting of the draft schedule can be changed here."))
    return meeting


@transaction.atomic
def move_meeting(*, actor, meeting: Meeting, slot: TimeSlot, table: Table) -> Meeting:
    """Moves a draft meeting to another slot and table (the organiser's edit before
    publishing). Refused when the slot or table is of another session, when one of the two is
    not free in that slot or already meets someone then, or when the table is taken."""
    meeting = _draft(meeting)
    session = meeting.session
    if slot.session_id != session.pk or table.session_id != session.pk:
        raise ValidationError(_("Choose a slot and a table of this session."))
    request = meeting.request
    people = [request.sender_id, request.recipient_id]
    free = Participant.available_slots.through.objects.filter(
        participant_id__in=people, timeslot=slot
    ).count()
    if free < 2:
        raise ValidationError({"slot": [_("One of the two is not free in that slot.")]})
    if (
        MeetingSeat.objects.filter(participant_id__in=people, slot=slot)
        .exclude(meeting=meeting)
        .exists()
    ):
        raise ValidationError({"slot": [_("One of the two already has a meeting in that slot.")]})
    if Meeting.objects.filter(slot=slot, table=table).exclude(pk=meeting.pk).exists():
        raise ValidationError(
            {
                "table": [
                    _("%(word)s %(table)s is taken in that slot.")
                    % {"word": session.table_word, "table": table}
                ]
            }
        )
    before = (meeting.slot_id, meeting.table_id)
    try:
        with transaction.atomic():
            meeting.slot, meeting.table = slot, table
            meeting.save(update_fields=["slot", "table", "updated_at"])
            MeetingSeat.objects.filter(meeting=meeting).update(slot=slot)
    except IntegrityError as error:  # a concurrent edit took the seat or the table
        raise ValidationError(_("That slot or table was just taken; try another.")) from error
    audit.record(
        actor=actor,
        action="meetings.schedule.move",
        target=meeting,
        data={"from": list(before), "to": [slot.pk, table.pk]},
    )
    return meeting


@transaction.atomic
def unplace_meeting(*, actor, meeting: Meeting) -> MeetingRequest:
    """Takes a meeting out of the draft schedule: the request stays accepted, unplaced."""
    meeting = _draft(meeting)
    request = meeting.request
    meeting.delete()
    audit.record(actor=actor, action="meetings.schedule.unplace", target=request)
    return request


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
    """Stores the participant's answer after the meeting (they may change it) and feeds the
    outcome funnel (`klynge.matchmaking.services.record_outcome`) when both sides took part for
    an organisation: "we met" records the stage met, "we met and follow up" the stage
    follow-up agreed, for the pair at the session's event (origin: B2B meeting). "It did not
    happen" records a no-show: the organiser's schedule shows the meeting as not held and no
    stage is recorded (a stage already reached stays, since the funnel only moves forward).
    Refused before the meeting has ended and for a meeting that is not confirmed."""
    if meeting.status != MeetingStatus.CONFIRMED:
        raise ValidationError(_("This meeting was not confirmed."))
    if meeting.slot.ends_at > timezone.now():
        raise ValidationError(_("You can answer once the meeting is over."))
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


def _pass_to_outcomes(actor, meeting: Meeting, participant: Participant, answer: FollowUp):
    """The match between the two organisations, or None when there is nothing to record (the
    meeting did not happen, or a side took part for no organisation, or both for the same)."""
    from klynge.matchmaking.models import MatchOrigin, MatchStage
    from klynge.matchmaking.services import record_outcome

    if not answer.happened:
        return None
    request = meeting.request
    if participant.pk not in (request.sender_id, request.recipient_id):
        return None
    other_id = request.recipient_id if participant.pk == request.sender_id else request.sender_id
    ours = participant.organisation_id
    theirs = Participant.objects.filter(pk=other_id).values_list("organisation_id", flat=True)[0]
    if not ours or not theirs or ours == theirs:
        return None
    organisations = Organisation.objects.in_bulk([ours, theirs])
    return record_outcome(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        organisation_a=organisations[ours],
        organisation_b=organisations[theirs],
        stage=MatchStage.FOLLOW_UP if answer.follow_up else MatchStage.MET,
        origin=MatchOrigin.MEETING,
        event=meeting.session.event,
        reached_on=timezone.localdate(meeting.slot.starts_at, meeting.session.event.zone),
    )


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
