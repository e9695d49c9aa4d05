"""B2B meeting requests and agendas under /api/v1/matchmaking/.

Refusals (to oneself, to someone not opted in, duplicates, past a cap, without a common slot,
no free slot left on acceptance) answer 409 with `reason`, like the events API.
"""

import datetime

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from klynge.core.permissions import ensure_api_permission
from klynge.ecosystem.models import Person
from klynge.meetings import selectors, services
from klynge.meetings.models import Meeting, MeetingRequest, Participant

router = Router(tags=["meetings"])
_REQUESTS = MeetingRequest.objects.select_related(
    "sender__person", "recipient__person", "meeting__slot", "meeting__table"
)


class ProblemOut(Schema):
    detail: str
    reason: str = ""


class SlotMeetingOut(Schema):
    id: int
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    table: int
    table_name: str
    status: str


class RequestOut(Schema):
    id: int
    session: int
    sender: int
    sender_name: str
    recipient: int
    recipient_name: str
    note: str
    priority: int
    status: str
    expires_at: datetime.datetime | None
    meeting: SlotMeetingOut | None


class RequestIn(Schema):
    recipient: int = Field(..., description="The person (directory id) to meet.")
    note: str = Field("", max_length=1000)
    priority: int = Field(2, ge=1, le=3, description="1 nice to meet, 2 want to meet, 3 must meet")


class AgendaItemOut(Schema):
    id: int
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    table: int
    table_name: str
    location: str
    with_person: int
    with_name: str
    with_organisation: str
    note: str


class AgendaOut(Schema):
    session: int
    person: int
    published: bool
    items: list[AgendaItemOut]


def _meeting_out(meeting: Meeting | None) -> dict | None:
    if meeting is None:
        return None
    return {
        "id": meeting.pk,
        "starts_at": meeting.slot.starts_at,
        "ends_at": meeting.slot.ends_at,
        "table": meeting.table.number,
        "table_name": str(meeting.table),
        "status": meeting.status,
    }


def _meeting_of(request: MeetingRequest) -> Meeting | None:
    try:
        return request.meeting
    except Meeting.DoesNotExist:
        return None


def _request_out(request: MeetingRequest) -> dict:
    meeting = _meeting_of(request)
    return {
        "id": request.pk,
        "session": request.session_id,
        "sender": request.sender.person_id,
        "sender_name": request.sender.person.full_name,
        "recipient": request.recipient.person_id,
        "recipient_name": request.recipient.person.full_name,
        "note": request.note,
        "priority": request.priority,
        "status": request.status,
        "expires_at": request.expires_at,
        "meeting": _meeting_out(meeting),
    }


def _caller(request) -> Person | None:
    return selectors.current_person(request.auth)


@router.get(
    "/matchmaking/sessions/{session_id}/requests",
    response=list[RequestOut],
    summary="The caller's meeting requests (sent and received) in a session",
)
def list_requests(request, session_id: int):
    session = selectors.get_session_for_user(request.auth, session_id)
    ensure_api_permission(request, "meetings.participate", session)
    me = selectors.participant_for(request.auth, session)
    mine = selectors.requests_of(me)
    return sorted(
        (_request_out(item) for item in mine["incoming"] + mine["outgoing"]),
        key=lambda item: item["id"],
    )


@router.post(
    "/matchmaking/sessions/{session_id}/requests",
    response={201: RequestOut, 409: ProblemOut, 400: ProblemOut},
    summary="Send a meeting request",
    description="201 with the pending request; 409 with `reason` self, not_participating, "
    "sender_not_participating, duplicate, cap_reached, recipient_cap_reached, "
    "no_common_availability or closed.",
)
def create_request(request, session_id: int, payload: RequestIn):
    session = selectors.get_session_for_user(request.auth, session_id)
    ensure_api_permission(request, "meetings.view_session", session)
    me = _caller(request)
    if me is None:
        return Status(
            400,
            {
                "detail": _("Your login is not linked to a person in the directory."),
                "reason": "no_person",
            },
        )
    recipient = get_object_or_404(Person, pk=payload.recipient)
    try:
        created = services.send_request(
            actor=request.auth,
            session=session,
            sender=me,
            recipient=recipient,
            note=payload.note,
            priority=payload.priority,
            base_url=request.build_absolute_uri("/")[:-1],
        )
    except services.RequestRefused as refusal:
        return Status(409, {"detail": refusal.messages[0], "reason": refusal.reason})
    created = _REQUESTS.get(pk=created.pk)
    return Status(201, _request_out(created))


def _answer(request, request_id: int, action: str):
    found = selectors.get_request_for_user(request.auth, request_id)
    ensure_api_permission(request, "meetings.answer_request", found)
    base_url = request.build_absolute_uri("/")[:-1]
    try:
        if action == "accept":
            services.accept_request(actor=request.auth, request=found, base_url=base_url)
        else:
            services.decline_request(actor=request.auth, request=found, base_url=base_url)
    except services.RequestRefused as refusal:
        return Status(409, {"detail": refusal.messages[0], "reason": refusal.reason})
    answered = _REQUESTS.get(pk=found.pk)
    return _request_out(answered)


@router.post(
    "/matchmaking/requests/{request_id}/accept",
    response={200: RequestOut, 409: ProblemOut},
    summary="Accept a request sent to the caller",
    description="When the time is picked on acceptance, the answer carries the meeting (slot "
    "and table); 409 with `reason` not_pending, cap_reached or no_free_slot.",
)
def accept_request(request, request_id: int):
    return _answer(request, request_id, "accept")


@router.post(
    "/matchmaking/requests/{request_id}/decline",
    response={200: RequestOut, 409: ProblemOut},
    summary="Decline a request sent to the caller",
)
def decline_request(request, request_id: int):
    return _answer(request, request_id, "decline")


class CancelIn(Schema):
    reason: str = Field("", max_length=300)


@router.post(
    "/matchmaking/requests/{request_id}/cancel",
    response={200: RequestOut, 409: ProblemOut},
    summary="Cancel an accepted meeting (either participant, or staff)",
    description="Frees the slot, both seats and the table; both participants are told by "
    "e-mail. 409 with `reason` not_accepted when the request is not accepted.",
)
def cancel_request(request, request_id: int, payload: CancelIn):
    found = selectors.get_request_for_user(request.auth, request_id)
    ensure_api_permission(request, "meetings.cancel_request", found)
    try:
        services.cancel_request(
            actor=request.auth,
            request=found,
            reason=payload.reason,
            base_url=request.build_absolute_uri("/")[:-1],
        )
    except services.RequestRefused as refusal:
        return Status(409, {"detail": refusal.messages[0], "reason": refusal.reason})
    return _request_out(_REQUESTS.get(pk=found.pk))


class AgendaQuery(Schema):
    person: int | None = Field(None, description="Staff: another participant's agenda.")


@router.get(
    "/matchmaking/sessions/{session_id}/agenda",
    response=AgendaOut,
    summary="The published agenda of the caller (or, for staff, of a person)",
)
def agenda(request, session_id: int, query: Query[AgendaQuery]):
    session = selectors.get_session_for_user(request.auth, session_id)
    ensure_api_permission(request, "meetings.view_agenda", session)
    if query.person is not None:
        ensure_api_permission(request, "meetings.manage_session", session)
        participant = get_object_or_404(
            Participant.objects.select_related("person"), session=session, person_id=query.person
        )
    else:
        ensure_api_permission(request, "meetings.participate", session)
        participant = selectors.participant_for(request.auth, session)
    items = []
    for meeting in selectors.agenda_of(participant):
        mine = meeting.request.sender_id == participant.pk
        other = meeting.request.recipient if mine else meeting.request.sender
        items.append(
            {
                "id": meeting.pk,
                "starts_at": meeting.slot.starts_at,
                "ends_at": meeting.slot.ends_at,
                "table": meeting.table.number,
                "table_name": str(meeting.table),
                "location": session.online_url
                if session.venue == "online"
                else f"{session.table_word} {meeting.table}",
                "with_person": other.person_id,
                "with_name": other.person.full_name,
                "with_organisation": other.organisation.name if other.organisation_id else "",
                "note": meeting.request.note,
            }
        )
    return {
        "session": session.pk,
        "person": participant.person_id,
        "published": session.mode == "on_accept" or session.published_at is not None,
        "items": items,
    }
