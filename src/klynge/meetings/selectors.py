"""Reads of the meetings app, each in a constant number of queries."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from klynge.accounts.roles import Role, roles_for
from klynge.events.selectors import events_visible_to, person_for
from klynge.meetings.models import (
    MatchmakingSession,
    Meeting,
    MeetingRequest,
    MeetingStatus,
    Participant,
    RequestStatus,
    TimeSlot,
)


def sessions_visible_to(user) -> QuerySet[MatchmakingSession]:
    sessions = MatchmakingSession.objects.select_related("event")
    if roles_for(user).has(Role.STAFF):
        return sessions
    return sessions.filter(event__in=events_visible_to(user))


def get_session_for_user(user, pk: int) -> MatchmakingSession:
    return get_object_or_404(sessions_visible_to(user), pk=pk)


def sessions_of_event(user, event) -> list[MatchmakingSession]:
    return list(sessions_visible_to(user).filter(event=event))


def participant_for(user, session: MatchmakingSession) -> Participant | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        Participant.objects.select_related("person", "organisation")
        .prefetch_related("available_slots")
        .filter(session=session, person__user=user)
        .first()
    )


def get_request_for_user(user, pk: int) -> MeetingRequest:
    """A request the user sent or received (any, for staff)."""
    requests = MeetingRequest.objects.select_related(
        "session__event", "sender__person", "recipient__person"
    )
    if not roles_for(user).has(Role.STAFF):
        requests = requests.filter(Q(sender__person__user=user) | Q(recipient__person__user=user))
    return get_object_or_404(requests, pk=pk)


def browse_participants(
    session: MatchmakingSession, *, q: str = "", exclude: Participant | None = None
) -> QuerySet[Participant]:
    participants = session.participants.select_related("person", "organisation")
    if exclude is not None:
        participants = participants.exclude(pk=exclude.pk)
    for word in q.split():
        participants = participants.filter(
            Q(person__first_name__icontains=word)
            | Q(person__last_name__icontains=word)
            | Q(organisation__name__icontains=word)
            | Q(offers__icontains=word)
            | Q(looking_for__icontains=word)
        )
    return participants


def requests_of(participant: Participant) -> dict[str, list[MeetingRequest]]:
    requests = (
        MeetingRequest.objects.filter(Q(sender=participant) | Q(recipient=participant))
        .select_related(
            "sender__person",
            "sender__organisation",
            "recipient__person",
            "recipient__organisation",
            "meeting__slot",
            "meeting__table",
        )
        .order_by("-created_at", "-id")
    )
    incoming, outgoing = [], []
    for request in requests:
        (incoming if request.recipient_id == participant.pk else outgoing).append(request)
    return {"incoming": incoming, "outgoing": outgoing}


def agenda_of(participant: Participant, *, include_drafts: bool = False) -> list[Meeting]:
    """The participant's confirmed meetings (and drafts for the organiser), by time."""
    meetings = Meeting.objects.filter(
        Q(request__sender=participant) | Q(request__recipient=participant)
    )
    if not include_drafts:
        meetings = meetings.filter(status=MeetingStatus.CONFIRMED)
    return list(
        meetings.select_related(
            "slot",
            "table",
            "session__event",
            "request__sender__person",
            "request__sender__organisation",
            "request__recipient__person",
            "request__recipient__organisation",
        ).order_by("slot__starts_at")
    )


def participant_by_token(token: str) -> Participant | None:
    return (
        Participant.objects.select_related("session", "person").filter(agenda_token=token).first()
    )


def schedule_overview(session: MatchmakingSession) -> dict:
    """The organiser's review: per slot its meetings (draft and confirmed, each with the
    participants' follow-up answers as `answers`), and the accepted requests without a
    meeting."""
    meetings = (
        Meeting.objects.select_related(
            "table", "request__sender__person", "request__recipient__person"
        )
        .prefetch_related("follow_ups")
        .order_by("table__number")
    )
    slots = list(
        TimeSlot.objects.filter(session=session)
        .prefetch_related(Prefetch("meetings", queryset=meetings))
        .order_by("starts_at")
    )
    unplaced = list(
        MeetingRequest.objects.filter(
            session=session, status=RequestStatus.ACCEPTED, meeting__isnull=True
        )
        .select_related("sender__person", "recipient__person")
        .order_by("-priority", "id")
    )
    placed = [m for slot in slots for m in slot.meetings.all()]
    for meeting in placed:
        answers = list(meeting.follow_ups.all())
        if any(not a.happened for a in answers):
            meeting.outcome = "not_met"
        elif any(a.follow_up for a in answers):
            meeting.outcome = "follow_up"
        elif answers:
            meeting.outcome = "met"
        else:
            meeting.outcome = ""
    return {
        "slots": slots,
        "unplaced": unplaced,
        "placed": len(placed),
        "drafts": sum(1 for m in placed if m.status == MeetingStatus.DRAFT),
        "tables": session.tables.count(),
    }


def table_plan(session: MatchmakingSession) -> dict:
    """The printable plan: per slot, each table with its meeting (or empty). Published
    (confirmed) meetings only once the schedule is published; drafts are marked."""
    tables = list(session.tables.order_by("number"))
    meetings = Meeting.objects.select_related(
        "request__sender__person",
        "request__sender__organisation",
        "request__recipient__person",
        "request__recipient__organisation",
    )
    slots = list(
        TimeSlot.objects.filter(session=session)
        .prefetch_related(Prefetch("meetings", queryset=meetings))
        .order_by("starts_at")
    )
    rows = []
    for slot in slots:
        at = {m.table_id: m for m in slot.meetings.all()}
        rows.append({"slot": slot, "tables": [(table, at.get(table.pk)) for table in tables]})
    return {"plan": rows}


def recommended_participants(participant: Participant, *, k: int = 5) -> list[dict]:
    """Participants to meet, best first, scored with the matchmaking engine's signals: what
    this one looks for against what the other offers and the other way round (character
    n-gram TF-IDF, so it works across Danish, Norwegian, Swedish and English and word forms),
    and, when both take part for an organisation, the partner score of the two organisations
    (offers and needs, competences, sectors, complementarity, the collaboration graph) with its
    reasons. Participants already asked (or asking) are left out."""
    from klynge.matchmaking.engine import profile_similarity
    from klynge.matchmaking.selectors import organisation_pair_scores

    others = list(browse_participants(participant.session, exclude=participant))
    asked = set()
    for sender, recipient in MeetingRequest.objects.filter(
        Q(sender=participant) | Q(recipient=participant),
        status__in=[RequestStatus.PENDING, RequestStatus.ACCEPTED],
    ).values_list("sender_id", "recipient_id"):
        asked.update((sender, recipient))
    others = [o for o in others if o.pk not in asked]
    if not others:
        return []
    gives = profile_similarity(participant.looking_for, [o.offers for o in others])
    takes = profile_similarity(participant.offers, [o.looking_for for o in others])
    pairs = organisation_pair_scores(
        participant.organisation_id, [o.organisation_id for o in others]
    )
    ranked = []
    for n, other in enumerate(others):
        score, reasons = pairs.get(other.organisation_id, (0.0, []))
        profile = float(gives[n] + takes[n])
        total = profile + 0.5 * score
        if total <= 0.05:
            continue
        ranked.append(
            {
                "participant": other,
                "score": round(total, 3),
                "offers_match": bool(gives[n] >= 0.1),
                "needs_match": bool(takes[n] >= 0.1),
                "reasons": reasons[:3],
            }
        )
    ranked.sort(key=lambda item: (-item["score"], item["participant"].pk))
    return ranked[:k]


def current_person(user):
    return person_for(user)
