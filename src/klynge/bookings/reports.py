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


def _range(start: datetime.date, end: datetime.date):
    return availability.local_midnight(start), availability.local_midnight(
        end + datetime.timedelta(days=1)
    )


def _confirmed(start: datetime.date, end: datetime.date):
    since, until = _range(start, end)
    return (
        Booking.objects.filter(status=BookingStatus.CONFIRMED, start__lt=until, end__gt=since)
        .select_related("resource", "organisation", "tier")
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
    """Per resource and whole week (Monday to Sunday, local time) from the week of `start` to
    the week of `end`: the open hours (opening hours less closures) and the hours of confirmed
    bookings within them; a booking across midnight on Sunday counts in both weeks."""
    monday = start - datetime.timedelta(days=start.weekday())
    last_sunday = end + datetime.timedelta(days=6 - end.weekday())
    resources = list(
        Resource.objects.prefetch_related("opening_hours", "closures").order_by("name")
    )
    weeks = []
    week = monday
    while week <= end:
        weeks.append(
            (
                week,
                availability.local_midnight(week),
                availability.local_midnight(week + datetime.timedelta(days=7)),
            )
        )
        week += datetime.timedelta(days=7)
    booked: dict[tuple[int, datetime.date], list] = defaultdict(list)
    for booking in _confirmed(monday, last_sunday):
        for week, since, until in weeks:
            if booking.start < until and booking.end > since:
                booked[(booking.resource_id, week)].append(
                    (max(booking.start, since), min(booking.end, until))
                )
    rows = []
    for week, since, until in weeks:
        iso = week.isocalendar()
        for resource in resources:
            open_ = availability.open_intervals(list(resource.opening_hours.all()), since, until)
            open_ = availability.subtract(
                open_, [(c.start, c.end) for c in resource.closures.all()]
            )
            used = availability.subtract(
                availability.merge(booked[(resource.pk, week)]),
                availability.subtract([(since, until)], open_),
            )
            rows.append(
                UtilisationRow(
                    resource=resource,
                    week=f"{iso.year}-W{iso.week:02d}",
                    open_hours=round(sum(_hours(s, e) for s, e in open_), 2),
                    booked_hours=round(sum(_hours(s, e) for s, e in used), 2),
                )
            )
    return rows


@dataclass
class OrganisationRow:
    organisation_id: int | None
    organisation: str
    tier: str
    bookings: int
    hours: float
    billable_hours: float


def _tier_name(booking) -> str:
    return booking.tier.name if booking.tier else ""


def hours_by_organisation(start: datetime.date, end: datetime.date) -> list[OrganisationRow]:
    """Confirmed bookings per member organisation and the tier each booking used (the
    organisation's tier when it was booked: one row per tier if it changed tier). Bookings
    without an organisation (staff) are one row named "–"."""
    totals: dict[tuple[int | None, str], list] = {}
    for booking in _confirmed(start, end):
        key = (booking.organisation_id, _tier_name(booking))
        name = booking.organisation.name if booking.organisation else ""
        row = totals.setdefault(key, [name, 0, 0.0, 0.0])
        row[1] += 1
        row[2] += _hours(booking.start, booking.end)
        row[3] += booking.billable_minutes / 60
    return sorted(
        (
            OrganisationRow(
                organisation_id=organisation_id,
                organisation=name or "–",
                tier=tier,
                bookings=count,
                hours=round(hours, 2),
                billable_hours=round(billable, 2),
            )
            for (organisation_id, tier), (name, count, hours, billable) in totals.items()
        ),
        key=lambda r: (-r.hours, r.organisation, r.tier),
    )


@dataclass
class TierRow:
    tier: str
    organisations: int
    bookings: int
    hours: float
    billable_hours: float


def hours_by_tier(start: datetime.date, end: datetime.date) -> list[TierRow]:
    """Confirmed bookings per membership tier (the tier each booking used when it was made);
    "–" for bookings that used no member organisation's hours."""
    totals: dict[str, list] = {}
    for booking in _confirmed(start, end):
        row = totals.setdefault(_tier_name(booking), [set(), 0, 0.0, 0.0])
        if booking.organisation_id:
            row[0].add(booking.organisation_id)
        row[1] += 1
        row[2] += _hours(booking.start, booking.end)
        row[3] += booking.billable_minutes / 60
    return sorted(
        (
            TierRow(
                tier=tier or "–",
                organisations=len(organisations),
                bookings=count,
                hours=round(hours, 2),
                billable_hours=round(billable, 2),
            )
            for tier, (organisations, count, hours, billable) in totals.items()
        ),
        key=lambda r: (-r.hours, r.tier),
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
