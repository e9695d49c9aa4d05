"""Reports for staff: utilisation, hours per organisation and tier, no-shows, busiest hours.

All read the bookings of a local date range once and aggregate in Python (a few thousand rows a
year), so each report costs a constant number of queries.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.utils import timezone

from klynge.bookings import availability
from klynge.bookings.models import Booking, BookingStatus, Resource
from klynge.membership.models import CURRENT_STATUSES, Membership


def _range(start: datetime.date, end: datetime.date):
    return availability.local_midnight(start), availability.local_midnight(
        end + datetime.timedelta(days=1)
    )


def _confirmed(start: datetime.date, end: datetime.date):
    since, until = _range(start, end)
    return (
        Booking.objects.filter(status=BookingStatus.CONFIRMED, start__lt=until, end__gt=since)
        .select_related("resource", "organisation")
        .order_by("start")
    )


def _hours(a, b) -> float:
    return max(0.0, (b - a).total_seconds() / 3600)


@dataclass
class UtilisationRow:
    resource: Resource
    week: str  # ISO week, e.g. 2026-W45
    open_hours: float
    booked_hours: float

    @property
    def percent(self) -> float:
        return round(100 * self.booked_hours / self.open_hours, 1) if self.open_hours else 0.0


def utilisation(start: datetime.date, end: datetime.date) -> list[UtilisationRow]:
    monday = start - datetime.timedelta(days=start.weekday())
    resources = list(
        Resource.objects.prefetch_related("opening_hours", "closures").order_by("name")
    )
    booked: dict[tuple[int, datetime.date], float] = defaultdict(float)
    for booking in _confirmed(monday, end):
        week = timezone.localtime(booking.start).date()
        week -= datetime.timedelta(days=week.weekday())
        booked[(booking.resource_id, week)] += _hours(booking.start, booking.end)
    rows = []
    week = monday
    while week <= end:
        since = availability.local_midnight(week)
        until = availability.local_midnight(week + datetime.timedelta(days=7))
        for resource in resources:
            open_ = availability.open_intervals(list(resource.opening_hours.all()), since, until)
            open_ = availability.subtract(
                open_, [(c.start, c.end) for c in resource.closures.all()]
            )
            iso = week.isocalendar()
            rows.append(
                UtilisationRow(
                    resource=resource,
                    week=f"{iso.year}-W{iso.week:02d}",
                    open_hours=round(sum(_hours(s, e) for s, e in open_), 2),
                    booked_hours=round(booked[(resource.pk, week)], 2),
                )
            )
        week += datetime.timedelta(days=7)
    return rows


@dataclass
class OrganisationRow:
    organisation_id: int | None
    organisation: str
    tier: str
    bookings: int
    hours: float
    billable_hours: float


def hours_by_organisation(start: datetime.date, end: datetime.date) -> list[OrganisationRow]:
    totals: dict[int | None, list] = {}
    for booking in _confirmed(start, end):
        key = booking.organisation_id
        name = booking.organisation.name if booking.organisation else ""
        row = totals.setdefault(key, [name, 0, 0.0, 0.0])
        row[1] += 1
        row[2] += _hours(booking.start, booking.end)
        row[3] += booking.billable_minutes / 60
    tiers = dict(
        Membership.objects.filter(
            organisation_id__in=[k for k in totals if k], status__in=CURRENT_STATUSES
        ).values_list("organisation_id", "tier__name")
    )
    return sorted(
        (
            OrganisationRow(
                organisation_id=key,
                organisation=name or "–",
                tier=tiers.get(key, "") if key else "",
                bookings=count,
                hours=round(hours, 2),
                billable_hours=round(billable, 2),
            )
            for key, (name, count, hours, billable) in totals.items()
        ),
        key=lambda r: (-r.hours, r.organisation),
    )


@dataclass
class NoShowRow:
    resource: str
    bookings: int
    no_shows: int
    late_cancellations: int

    @property
    def rate(self) -> float:
        return round(100 * self.no_shows / self.bookings, 1) if self.bookings else 0.0


def no_shows(start: datetime.date, end: datetime.date) -> list[NoShowRow]:
    since, until = _range(start, end)
    until = min(until, timezone.now())
    rows: dict[str, NoShowRow] = {}
    for booking in (
        Booking.objects.filter(
            status__in=(BookingStatus.CONFIRMED, BookingStatus.CANCELLED),
            start__gte=since,
            start__lt=until,
        )
        .select_related("resource")
        .only("status", "no_show", "late_cancellation", "resource__name")
    ):
        row = rows.setdefault(booking.resource.name, NoShowRow(booking.resource.name, 0, 0, 0))
        if booking.status == BookingStatus.CONFIRMED:
            row.bookings += 1
            row.no_shows += booking.no_show
        elif booking.late_cancellation:
            row.late_cancellations += 1
    return sorted(rows.values(), key=lambda r: r.resource)


def busiest_hours(start: datetime.date, end: datetime.date) -> list[list[float]]:
    """Booked hours per local weekday (rows, Monday first) and hour of the day (24 columns)."""
    grid = [[0.0] * 24 for _ in range(7)]
    for booking in _confirmed(start, end):
        moment = booking.start
        while moment < booking.end:
            local = timezone.localtime(moment)
            top = local.replace(minute=0, second=0, microsecond=0)
            next_hour = top + datetime.timedelta(hours=1)
            piece_end = min(booking.end, next_hour)
            grid[local.weekday()][local.hour] += _hours(moment, piece_end)
            moment = piece_end
    return [[round(v, 2) for v in row] for row in grid]
