"""Events and registrations under /api/v1/ (the issue's contract: POST /events, POST
/events/{id}/registrations answering 201 confirmed|waitlisted or 409 with a reason)."""

import datetime
import zoneinfo
from decimal import Decimal
from typing import Literal

from django.conf import settings
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from klynge.core.permissions import ensure_api_permission
from klynge.core.prepared import Prepared
from klynge.ecosystem.models import Person
from klynge.events import services
from klynge.events.models import (
    Event,
    EventFormat,
    EventKind,
    Registration,
    TicketCategory,
    Visibility,
)
from klynge.events.selectors import (
    event_registrations,
    event_to_register_for,
    filter_events,
    for_registration,
    get_event_by_id_for_user,
    get_registration_for_user,
    person_for,
    seat_figures,
)

router = Router(tags=["events"])


class ProblemOut(Schema):
    detail: str
    reason: str = ""


class EventOut(Schema):
    id: int
    slug: str
    title: str
    title_da: str
    title_en: str
    kind: str
    format: str
    visibility: str
    status: str
    start: datetime.datetime = Field(..., alias="starts_at")
    end: datetime.datetime = Field(..., alias="ends_at")
    time_zone: str
    venue: str
    address: str
    capacity: int | None
    waitlist: bool
    requires_approval: bool
    url: str

    @staticmethod
    def resolve_url(event) -> str:
        return event.get_absolute_url()


class EventDetailOut(EventOut):
    description_da: str
    description_en: str
    seats: dict

    @staticmethod
    def resolve_seats(event) -> dict:
        return seat_figures(event)


class EventIn(Schema):
    title: str = Field("", max_length=200)
    title_da: str = Field("", max_length=200)
    title_en: str = Field("", max_length=200)
    start: datetime.datetime
    end: datetime.datetime
    time_zone: str = ""
    kind: EventKind = EventKind.WORKSHOP
    format: EventFormat = EventFormat.ONSITE
    capacity: int | None = Field(None, ge=0)
    visibility: Visibility = Visibility.PUBLIC
    status: Literal["draft", "published"] = "draft"
    waitlist: bool = True
    requires_approval: bool = False
    venue: str = Field("", max_length=200)
    address: str = Field("", max_length=300)
    description_da: str = ""
    description_en: str = ""


class EventPatch(Schema):
    title: str | None = Field(None, max_length=200)
    title_da: str | None = Field(None, max_length=200)
    title_en: str | None = Field(None, max_length=200)
    start: datetime.datetime | None = None
    end: datetime.datetime | None = None
    capacity: int | None = Field(None, ge=0)
    visibility: Visibility | None = None
    waitlist: bool | None = None
    venue: str | None = Field(None, max_length=200)
    description_da: str | None = None
    description_en: str | None = None


class EventFilters(Schema):
    kind: EventKind | None = None
    format: EventFormat | None = None
    when: Literal["upcoming", "past"] = "upcoming"
    q: str = ""


class RegistrationIn(Schema):
    person: int | None = None
    category: int | None = None
    answers: dict[str, str] = {}


class RegistrationOut(Schema):
    id: int
    status: str
    event: int = Field(..., alias="event_id")
    person: int = Field(..., alias="person_id")
    name: str = Field(..., alias="person.full_name")
    category: int | None = Field(None, alias="category_id")
    price: Decimal
    code: str
    offered_until: datetime.datetime | None
    checked_in_at: datetime.datetime | None
    answers: dict[str, str] = Field(
        ..., description="The answers to the event's questions, by question id."
    )


class CancelEventIn(Schema):
    note: str = ""


class CheckInIn(Schema):
    code: str


def _aware(value: datetime.datetime, zone_name: str) -> datetime.datetime:
    """ISO times without an offset are wall-clock times in the event's zone."""
    if timezone.is_naive(value):
        return timezone.make_aware(value, zoneinfo.ZoneInfo(zone_name))
    return value


def _zone(name: str) -> str:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        from django.core.exceptions import ValidationError

        raise ValidationError({"time_zone": [_("Choose an IANA time zone.")]}) from None
    return name


def _base_url(request) -> str:
    return request.build_absolute_uri("/")[:-1]


@router.get("/events", response=list[EventOut], summary="Events the caller may see")
@paginate(PageNumberPagination, page_size=50)
def list_events(request, filters: Query[EventFilters]):
    ensure_api_permission(request, "events.view_event_list")
    return filter_events(
        request.auth,
        kind=filters.kind.value if filters.kind else "",
        format=filters.format.value if filters.format else "",
        when=filters.when,
        q=filters.q.strip(),
    )


@router.post("/events", response={201: EventDetailOut}, summary="Create an event (staff)")
def create_event(request, payload: EventIn):
    ensure_api_permission(request, "events.manage_event")
    zone = _zone(payload.time_zone or settings.TIME_ZONE)
    data = payload.dict(exclude={"start", "end", "kind", "format", "visibility"})
    data.update(
        time_zone=zone,
        starts_at=_aware(payload.start, zone),
        ends_at=_aware(payload.end, zone),
        kind=payload.kind.value,
        format=payload.format.value,
        visibility=payload.visibility.value,
    )
    event = services.create_event(actor=request.auth, **data)
    return Status(201, Event.objects.get(pk=event.pk))  # times as stored (UTC)


def _event(request, event_id: int) -> Event:
    return get_event_by_id_for_user(request.auth, event_id)


@router.get("/events/{event_id}", response=EventDetailOut, summary="One event")
def get_event(request, event_id: int):
    event = _event(request, event_id)
    ensure_api_permission(request, "events.view_event", event)
    return event


@router.patch("/events/{event_id}", response=EventDetailOut, summary="Change an event (staff)")
def update_event(request, event_id: int, payload: EventPatch):
    ensure_api_permission(request, "events.manage_event")
    event = get_object_or_404(Event, pk=event_id)
    data = payload.dict(exclude_unset=True)
    if "visibility" in data:
        data["visibility"] = payload.visibility.value
    if "start" in data:
        data["starts_at"] = _aware(data.pop("start"), event.time_zone)
    if "end" in data:
        data["ends_at"] = _aware(data.pop("end"), event.time_zone)
    services.update_event(actor=request.auth, event=event, **data)
    return Event.objects.get(pk=event.pk)  # times as stored (UTC), as POST answers


@router.post("/events/{event_id}/publish", response=EventDetailOut, summary="Publish (staff)")
def publish_event(request, event_id: int):
    ensure_api_permission(request, "events.manage_event")
    event = get_object_or_404(Event, pk=event_id)
    return services.publish_event(actor=request.auth, event=event)


@router.post("/events/{event_id}/cancel", response=EventDetailOut, summary="Cancel (staff)")
def cancel_event(request, event_id: int, payload: CancelEventIn):
    ensure_api_permission(request, "events.manage_event")
    event = get_object_or_404(Event, pk=event_id)
    return services.cancel_event(
        actor=request.auth, event=event, note=payload.note, base_url=_base_url(request)
    )


@router.get(
    "/events/{event_id}/registrations",
    response=list[RegistrationOut],
    summary="An event's registrations (staff)",
)
@paginate(PageNumberPagination, page_size=100)
def list_registrations(request, event_id: int):
    ensure_api_permission(request, "events.manage_event")
    return event_registrations(get_object_or_404(Event, pk=event_id))


# The reads of a staff registration, compiled once (see `klynge.core.prepared`): a rush of
# registrations is mostly these.
_our_event = Prepared(
    lambda pk: for_registration(Event.objects.filter(pk=pk, source__isnull=True)),
    name="an event of ours",
)
_living_person = Prepared(
    lambda pk: Person.objects.filter(pk=pk, erased_at__isnull=True), name="a person not erased"
)


def _found(instance):
    if instance is None:
        raise Http404
    return instance


@router.post(
    "/events/{event_id}/registrations",
    response={201: RegistrationOut, 409: ProblemOut, 400: ProblemOut},
    summary="Register the caller, or (staff) a named person",
    description='`{}` registers the token\'s person; staff may send `{"person": ID}`. 201 with '
    "`status` confirmed, waitlisted or pending; 409 with `reason` full or already_registered.",
)
def register(request, event_id: int, payload: RegistrationIn):
    if payload.person is not None:
        # Staff register people for any event of ours, drafts included (as on the page);
        # the permission is checked first, so others cannot probe for drafts.
        ensure_api_permission(request, "events.register_someone")
        event = _found(_our_event.first(event_id))
        person = _found(_living_person.first(payload.person))
    else:
        event = event_to_register_for(request.auth, event_id)
        ensure_api_permission(request, "events.register", event)
        person = person_for(request.auth)
        if person is None:
            return Status(
                400,
                {
                    "detail": _("Your login is not linked to a person in the directory."),
                    "reason": "no_person",
                },
            )
    category = None
    if payload.category is not None:
        category = get_object_or_404(TicketCategory, pk=payload.category, event=event)
    try:
        registration = services.register(
            actor=request.auth,
            event=event,
            person=person,
            category=category,
            answers=payload.answers,
            base_url=_base_url(request),
        )
    except services.RegistrationRefused as refusal:
        return Status(409, {"detail": refusal.messages[0], "reason": refusal.reason})
    return Status(201, registration)


def _registration(request, event_id: int, registration_id: int) -> Registration:
    registration = get_registration_for_user(request.auth, registration_id)
    if registration.event_id != event_id:
        raise Http404
    return registration


@router.delete(
    "/events/{event_id}/registrations/{registration_id}",
    response=RegistrationOut,
    summary="Cancel a registration or waiting-list place",
)
def cancel_registration(request, event_id: int, registration_id: int):
    registration = _registration(request, event_id, registration_id)
    ensure_api_permission(request, "events.change_registration", registration)
    return services.cancel_registration(
        actor=request.auth, registration=registration, base_url=_base_url(request)
    )


@router.post(
    "/events/{event_id}/registrations/{registration_id}/accept",
    response=RegistrationOut,
    summary="Accept a seat offered from the waiting list",
)
def accept_offer(request, event_id: int, registration_id: int):
    registration = _registration(request, event_id, registration_id)
    ensure_api_permission(request, "events.change_registration", registration)
    return services.accept_offer(
        actor=request.auth, registration=registration, base_url=_base_url(request)
    )


@router.post(
    "/events/{event_id}/check-in", response=RegistrationOut, summary="Check a ticket in (staff)"
)
def check_in(request, event_id: int, payload: CheckInIn):
    ensure_api_permission(request, "events.manage_event")
    registration = get_object_or_404(
        Registration, event_id=event_id, code=payload.code.strip().upper()
    )
    return services.check_in(actor=request.auth, registration=registration)
