"""Resources, availability and bookings under /api/v1/.

Contract: `POST /resources` (staff) answers 201 with the id; `POST /bookings` answers 201 with
`{id, status}` or 409 with `{detail, reason}` where reason is one of taken, add_on_taken,
outside_hours, closed, too_short, too_long, off_grid, too_late, too_far_ahead, over_quota,
unavailable, not_allowed. A student books with `supervisor` (the supervisor's e-mail); bad input
(a missing supervisor, an add-on not offered with the resource) is a 400 per field.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import Field

from klynge.bookings import selectors, services
from klynge.bookings.models import AddOn, Audience, BookingStatus, OverQuota, ResourceKind
from klynge.core.permissions import ensure_api_permission
from klynge.ecosystem.models import Organisation, Person

MAX_ID = 2**63 - 1
MAX_RANGE = datetime.timedelta(days=62)

router = Router(tags=["bookings"])


class ResourceIn(Schema):
    name: str = Field(min_length=1, max_length=120)
    kind: ResourceKind
    location: str = Field("", max_length=200)
    capacity: int | None = Field(None, ge=0, le=32767)
    description: str = ""
    included: str = ""
    granularity_minutes: int | None = Field(None, ge=5, le=1440)
    min_minutes: int | None = Field(None, ge=1, le=100000)
    max_minutes: int | None = Field(None, ge=1, le=100000)
    horizon_days: int | None = Field(None, ge=1, le=3650)
    notice_minutes: int | None = Field(None, ge=0, le=100000)
    buffer_before_minutes: int | None = Field(None, ge=0, le=1440)
    buffer_after_minutes: int | None = Field(None, ge=0, le=1440)
    requires_approval: bool | None = None
    audience: Audience | None = None
    counts_towards_quota: bool | None = None
    over_quota: OverQuota | None = None
    hourly_rate: Decimal | None = Field(None, ge=0, max_digits=10, decimal_places=2)
    free_cancellation_hours: int | None = Field(None, ge=0, le=32767)


class AddOnOut(Schema):
    id: int
    name: str
    price: Decimal
    exclusive: bool


class PhotoOut(Schema):
    url: str
    alt_text: str

    @staticmethod
    def resolve_url(photo) -> str:
        return photo.image.url


class OpeningOut(Schema):
    weekday: int
    opens: str
    closes: str

    @staticmethod
    def resolve_opens(period) -> str:
        return period.opens_label

    @staticmethod
    def resolve_closes(period) -> str:
        return period.closes_label


class ResourceOut(Schema):
    id: int
    slug: str
    name: str
    kind: str
    location: str
    capacity: int | None
    description: str
    granularity_minutes: int
    min_minutes: int
    max_minutes: int
    horizon_days: int
    buffer_before_minutes: int
    buffer_after_minutes: int
    requires_approval: bool
    audience: str
    is_active: bool
    included: str
    opening_hours: list[OpeningOut]
    add_ons: list[AddOnOut]
    photos: list[PhotoOut]

    @staticmethod
    def resolve_opening_hours(resource) -> list:
        return list(resource.opening_hours.all())

    @staticmethod
    def resolve_add_ons(resource) -> list:
        return [a for a in resource.add_ons.all() if a.is_active]

    @staticmethod
    def resolve_photos(resource) -> list:
        return list(resource.photos.all())


class Period(Schema):
    start: datetime.datetime
    end: datetime.datetime


class BusyPeriod(Period):
    kind: str


class AvailabilityOut(Schema):
    resource: int
    start: datetime.datetime
    end: datetime.datetime
    open: list[Period]
    busy: list[BusyPeriod]
    free: list[Period]


class AvailabilityQuery(Schema):
    start: datetime.datetime
    end: datetime.datetime


class BookingIn(Schema):
    resource: int = Field(ge=1, le=MAX_ID)
    start: datetime.datetime
    end: datetime.datetime
    person: int | None = Field(None, ge=1, le=MAX_ID)
    note: str = Field("", max_length=300)
    add_ons: list[int] = Field(
        default_factory=list, max_length=20, description="ids of add-ons offered with the resource"
    )
    supervisor: str | None = Field(
        None, max_length=254, description="students: the e-mail of their supervisor"
    )
    organisation: int | None = Field(
        None, ge=1, le=MAX_ID, description="whose included hours (a member of several)"
    )


class BookingCreated(Schema):
    id: int
    status: str


class BookedAddOnOut(Schema):
    id: int = Field(alias="add_on_id")
    name: str
    price: Decimal

    @staticmethod
    def resolve_name(row) -> str:
        return row.add_on.name


class BookingOut(Schema):
    id: int
    resource: int = Field(alias="resource_id")
    start: datetime.datetime
    end: datetime.datetime
    status: BookingStatus
    organisation: int | None = Field(None, alias="organisation_id")
    late_cancellation: bool
    no_show: bool
    add_ons: list[BookedAddOnOut]

    @staticmethod
    def resolve_add_ons(booking) -> list:
        return list(booking.booked_add_ons.all())


class Refusal(Schema):
    detail: str
    reason: str


def _period(query) -> tuple[datetime.datetime, datetime.datetime]:
    start, end = query.start, query.end
    if timezone.is_naive(start):
        start = timezone.make_aware(start)
    if timezone.is_naive(end):
        end = timezone.make_aware(end)
    if end <= start:
        raise HttpError(400, _("The end must be after the start."))
    if end - start > MAX_RANGE:
        raise HttpError(400, _("Ask for at most 62 days at a time."))
    return start, end


@router.get("/resources", response=list[ResourceOut], summary="Bookable studios, rooms and kits")
def list_resources(request):
    ensure_api_permission(request, "bookings.view_resource")
    return selectors.resources_visible_to(request.auth).prefetch_related("add_ons", "photos")


@router.post(
    "/resources",
    response={201: ResourceOut},
    summary="Create a resource (staff); open 00:00–24:00 every day until hours are set",
)
def create_resource(request, payload: ResourceIn):
    ensure_api_permission(request, "bookings.manage_resources")
    data = payload.dict()
    resource = services.create_resource(
        actor=request.auth, name=data.pop("name"), kind=data.pop("kind"), **data
    )
    return Status(201, resource)


@router.get("/resources/{resource_id}", response=ResourceOut, summary="One resource")
def get_resource(request, resource_id: int = Path(..., ge=1, le=MAX_ID)):
    resource = selectors.get_resource_for_user(request.auth, pk=resource_id)
    ensure_api_permission(request, "bookings.view_resource", resource)
    return resource


@router.get(
    "/resources/{resource_id}/availability",
    response=AvailabilityOut,
    summary="Open, busy (buffers included) and free periods in [start, end)",
)
def resource_availability(
    request, query: Query[AvailabilityQuery], resource_id: int = Path(..., ge=1, le=MAX_ID)
):
    resource = selectors.get_resource_for_user(request.auth, pk=resource_id, page=False)
    ensure_api_permission(request, "bookings.view_resource", resource)
    start, end = _period(query)
    avail = selectors.availability_for(resource, start, end)
    busy = [
        {"start": max(s, start), "end": min(e, end), "kind": "booked"}
        for s, e, _b in avail.busy
        if s < end and e > start
    ] + [
        {"start": max(c.start, start), "end": min(c.end, end), "kind": "closed"}
        for c in avail.closures
    ]
    return {
        "resource": resource.pk,
        "start": start,
        "end": end,
        "open": [{"start": s, "end": e} for s, e in avail.open],
        "busy": sorted(busy, key=lambda b: b["start"]),
        "free": [{"start": s, "end": e} for s, e in avail.free],
    }


@router.post(
    "/bookings",
    response={201: BookingCreated, 409: Refusal},
    summary="Book a resource for yourself (staff: for `person`); 409 with the reason if refused",
)
def create_booking(request, payload: BookingIn):
    resource = get_object_or_404(selectors.resources_visible_to(request.auth), pk=payload.resource)
    user = request.auth
    if payload.person is not None:
        ensure_api_permission(request, "bookings.manage_resources")
        person = get_object_or_404(Person, pk=payload.person)
        if person.user is None:
            raise HttpError(400, _("This person has no login to book for."))
        user = person.user
    ensure_api_permission(request, "bookings.book_resource", resource)
    start, end = _period(payload)
    supervisor = organisation = None
    if payload.supervisor:
        supervisor = services.supervisor_with_email(payload.supervisor)
    if payload.organisation is not None:
        organisation = Organisation.objects.filter(pk=payload.organisation).first()
        if organisation is None:
            raise ValidationError({"organisation": [_("You cannot book for this organisation.")]})
    try:
        booking = services.create_booking(
            actor=request.auth,
            resource=resource,
            user=user,
            start=start,
            end=end,
            note=payload.note,
            add_ons=payload.add_ons,
            supervisor=supervisor,
            organisation=organisation,
            base_url=request.build_absolute_uri("/")[:-1],
        )
    except services.BookingRefused as refused:
        return Status(409, {"detail": refused.message_text, "reason": refused.reason})
    return Status(201, {"id": booking.pk, "status": booking.status})


@router.get("/bookings", response=list[BookingOut], summary="Your bookings, newest first")
def list_bookings(request):
    ensure_api_permission(request, "bookings.view_own_bookings")
    return selectors.bookings_of(request.auth).prefetch_related("booked_add_ons__add_on")[:500]


@router.get("/bookings/{booking_id}", response=BookingOut, summary="One booking")
def get_booking(request, booking_id: int = Path(..., ge=1, le=MAX_ID)):
    booking = selectors.get_booking_for_user(request.auth, booking_id)
    ensure_api_permission(request, "bookings.view_booking", booking)
    return booking


@router.post("/bookings/{booking_id}/cancel", response=BookingOut, summary="Cancel a booking")
def cancel_booking(request, booking_id: int = Path(..., ge=1, le=MAX_ID)):
    booking = selectors.get_booking_for_user(request.auth, booking_id)
    ensure_api_permission(request, "bookings.change_booking", booking)
    return services.cancel_booking(
        actor=request.auth, booking=booking, base_url=request.build_absolute_uri("/")[:-1]
    )


@router.delete(
    "/bookings/{booking_id}/add-ons/{add_on_id}",
    response=BookingOut,
    summary="Remove an add-on from a booking (until the free cancellation deadline; staff always)",
)
def remove_add_on(
    request,
    booking_id: int = Path(..., ge=1, le=MAX_ID),
    add_on_id: int = Path(..., ge=1, le=MAX_ID),
):
    booking = selectors.get_booking_for_user(request.auth, booking_id)
    ensure_api_permission(request, "bookings.change_booking", booking)
    add_on = get_object_or_404(AddOn, pk=add_on_id)
    services.remove_add_on(actor=request.auth, booking=booking, add_on=add_on)
    return selectors.get_booking_for_user(request.auth, booking_id)
