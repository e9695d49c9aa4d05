"""Reads: resources, availability (the week grid and the API), bookings by who may see them."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from klynge.accounts.roles import Role, roles_for
from klynge.bookings import availability
from klynge.bookings.models import (
    HOLDING_STATUSES,
    AddOn,
    Booking,
    BookingStatus,
    Closure,
    Resource,
    WaitlistEntry,
    WaitStatus,
)

# --- Resources ------------------------------------------------------------------------------


def resources_visible_to(user) -> QuerySet[Resource]:
    resources = Resource.objects.prefetch_related("opening_hours")
    if not roles_for(user).has(Role.STAFF):
        resources = resources.filter(is_active=True)
    return resources


def get_resource_for_user(
    user, slug: str | None = None, pk: int | None = None, *, page: bool = True
) -> Resource:
    """The resource, if the user may see it; `page` prefetches what its page shows (add-ons
    on offer, closures, photos), which the HTMX week swap does not need."""
    lookup = {"slug": slug} if slug is not None else {"pk": pk}
    resources = resources_visible_to(user)
    if page:
        resources = resources.prefetch_related(
            Prefetch("add_ons", queryset=AddOn.objects.filter(is_active=True)),
            "closures",
            "photos",
        )
    return get_object_or_404(resources, **lookup)


# --- Availability ---------------------------------------------------------------------------


@dataclass
class Availability:
    resource: Resource
    start: datetime.datetime
    end: datetime.datetime
    open: list = field(default_factory=list)
    busy: list = field(default_factory=list)  # (start, end, booking or None) blocked periods
    closures: list = field(default_factory=list)

    @property
    def free(self) -> list:
        holes = [(s, e) for s, e, _b in self.busy] + [(c.start, c.end) for c in self.closures]
        return availability.subtract(self.open, availability.merge(holes))


def availability_for(resource: Resource, start, end) -> Availability:
    """Open periods, closures and held bookings of one resource in [start, end): two queries
    (opening hours are usually prefetched)."""
    margin = datetime.timedelta(
        minutes=resource.buffer_before_minutes + resource.buffer_after_minutes
    )
    bookings = list(
        Booking.objects.filter(
            status__in=HOLDING_STATUSES,
            **availability.overlap_lookup(resource, start - margin, end + margin),
        )
        .only("id", "start", "end", "blocked_start", "blocked_end", "status", "user_id")
        .order_by("blocked_start")
    )
    closures = list(Closure.objects.filter(resource=resource, start__lt=end, end__gt=start))
    return Availability(
        resource=resource,
        start=start,
        end=end,
        open=availability.open_intervals(list(resource.opening_hours.all()), start, end),
        busy=[(b.blocked_start, b.blocked_end, b) for b in bookings],
        closures=closures,
    )


@dataclass
class Cell:
    start: datetime.datetime
    state: str  # free, taken, mine, closed, past
    booking: Booking | None = None


@dataclass
class Week:
    monday: datetime.date
    days: list[datetime.date]
    rows: list[tuple[str, list[Cell]]]

    @property
    def previous(self) -> datetime.date:
        return self.monday - datetime.timedelta(days=7)

    @property
    def next(self) -> datetime.date:
        return self.monday + datetime.timedelta(days=7)

    @property
    def sunday(self) -> datetime.date:
        return self.monday + datetime.timedelta(days=6)


def week_grid(resource: Resource, day: datetime.date, user=None, now=None) -> Week:
    """The week (Monday to Sunday) containing `day` as rows of wall-clock times and a cell per
    day: free to book one step, taken (by someone, or by the user), closed, or past. Rows span
    the earliest opening to the latest closing of the week (07:00–22:00 if open all day).

    Computed a day (column) at a time against only that day's bookings, closures and open
    periods, so a cell costs a few comparisons whatever the week holds."""
    now = now or timezone.now()
    tz = timezone.get_current_timezone()
    monday = day - datetime.timedelta(days=day.weekday())
    days = [monday + datetime.timedelta(days=i) for i in range(7)]
    start = availability.local_midnight(monday, tz)
    end = availability.local_midnight(monday + datetime.timedelta(days=7), tz)
    avail = availability_for(resource, start, end)
    hours = list(resource.opening_hours.all())
    if hours:
        first = min(h.opens_minute for h in hours)
        last = max(h.closes_minute for h in hours)
    else:
        first, last = 7 * 60, 22 * 60
    step = resource.granularity_minutes
    step = max(step, 30) if step < 30 and (last - first) > 12 * 60 else step
    minutes = list(range(first - first % step, last, step))
    length = datetime.timedelta(minutes=step)
    notice = now + datetime.timedelta(minutes=resource.notice_minutes)
    before, after = resource.buffer_before, resource.buffer_after
    user_id = getattr(user, "pk", None)
    columns = []
    for d in days:
        cells = []
        day_start = availability.at_local(d, minutes[0], tz) if minutes else start
        day_end = availability.at_local(d, last, tz) + length
        bookings = [b for _s, _e, b in avail.busy if b.start < day_end and day_start < b.end]
        blocked = [
            (s, e) for s, e, _b in avail.busy if s < day_end + after and day_start - before < e
        ]
        closed = [
            (c.start, c.end) for c in avail.closures if c.start < day_end and day_start < c.end
        ]
        open_ = [(s, e) for s, e in avail.open if s < day_end and day_start < e]
        for minute in minutes:
            cell_start = availability.at_local(d, minute, tz)
            cell_end = cell_start + length
            booking = next((b for b in bookings if b.start < cell_end and cell_start < b.end), None)
            if booking is not None:
                state = "mine" if user_id and booking.user_id == user_id else "taken"
            elif cell_start < now:
                state = "past"
            elif (
                cell_start >= notice
                and availability.covers(open_, cell_start, cell_end)
                and not availability.overlaps(closed, cell_start, cell_end)
                and not availability.overlaps(blocked, cell_start - before, cell_end + after)
            ):
                state = "free"
            else:
                state = "closed"
            cells.append(Cell(start=cell_start, state=state, booking=booking))
        columns.append(cells)
    rows = [
        (f"{minute // 60:02d}:{minute % 60:02d}", [column[i] for column in columns])
        for i, minute in enumerate(minutes)
    ]
    return Week(monday=monday, days=days, rows=rows)


# --- Bookings -------------------------------------------------------------------------------


def _bookings() -> QuerySet[Booking]:
    return Booking.objects.select_related("resource", "user", "organisation")


def bookings_of(user) -> QuerySet[Booking]:
    return _bookings().filter(user=user).order_by("-start", "-id")


def bookings_of_organisations(user) -> QuerySet[Booking]:
    """Bookings of the organisations the user administers."""
    return (
        _bookings()
        .filter(organisation_id__in=roles_for(user).administered_ids)
        .order_by("-start", "-id")
    )


def bookings_visible_to(user) -> QuerySet[Booking]:
    if roles_for(user).has(Role.STAFF):
        return _bookings()
    roles = roles_for(user)
    return _bookings().filter(
        Q(user=user) | Q(organisation_id__in=roles.administered_ids) | Q(supervisor=user)
    )


def get_booking_for_user(user, pk: int) -> Booking:
    return get_object_or_404(
        bookings_visible_to(user)
        .prefetch_related("booked_add_ons__add_on")
        .select_related("supervisor", "tier"),
        pk=pk,
    )


def pending_bookings() -> QuerySet[Booking]:
    return _bookings().filter(status=BookingStatus.PENDING).order_by("start", "id")


def bookings_on(day: datetime.date) -> QuerySet[Booking]:
    start = availability.local_midnight(day)
    end = availability.local_midnight(day + datetime.timedelta(days=1))
    return (
        _bookings()
        .filter(status=BookingStatus.CONFIRMED, start__lt=end, end__gt=start)
        .order_by("start", "resource__name")
    )


def waitlist_of(user) -> QuerySet[WaitlistEntry]:
    return (
        WaitlistEntry.objects.filter(user=user, status__in=(WaitStatus.WAITING, WaitStatus.OFFERED))
        .select_related("resource", "booking")
        .order_by("start")
    )


def get_offer_for_user(user, token: str) -> WaitlistEntry:
    return get_object_or_404(
        WaitlistEntry.objects.select_related("resource", "booking"), token=token, user=user
    )


def feed_bookings(*, resource: Resource | None = None, user=None) -> QuerySet[Booking]:
    """Held bookings for a calendar feed: from 30 days back on."""
    since = timezone.now() - datetime.timedelta(days=30)
    bookings = _bookings().filter(
        status__in=(BookingStatus.CONFIRMED, BookingStatus.PENDING), end__gte=since
    )
    if resource is not None:
        bookings = bookings.filter(resource=resource)
    if user is not None:
        bookings = bookings.filter(user=user)
    return bookings.order_by("start")


def resources_with_bookings() -> QuerySet[Resource]:
    return Resource.objects.prefetch_related(
        Prefetch("bookings", queryset=Booking.objects.filter(status=BookingStatus.CONFIRMED))
    )
