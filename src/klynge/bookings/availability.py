"""Time arithmetic for opening hours, closures and busy periods (pure functions, no queries).

Opening hours are wall-clock times in the cluster's time zone; every period is turned into aware
datetimes day by day, so a day with a daylight-saving change has 23 or 25 hours and a booking's
length is always real elapsed time.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence

from django.utils import timezone

Interval = tuple[datetime.datetime, datetime.datetime]


def utc(moment: datetime.datetime) -> datetime.datetime:
    """The same instant in UTC. Python adds and subtracts datetimes of one time zone on the
    wall clock (01:00 + 3 h is 04:00 even on a 25-hour night), so all arithmetic here is in UTC."""
    return moment.astimezone(datetime.UTC)


def after(start: datetime.datetime, minutes: int) -> datetime.datetime:
    """`minutes` of real elapsed time after `start`, whatever the clocks do meanwhile."""
    return utc(start) + datetime.timedelta(minutes=minutes)


def local_midnight(day: datetime.date, tz=None) -> datetime.datetime:
    return at_local(day, 0, tz)


def at_local(day: datetime.date, minute: int, tz=None) -> datetime.datetime:
    """The aware instant of `minute` minutes of wall-clock time after `day`'s midnight (1440 is
    the next midnight), in `tz` (default: the current time zone; loops pass it, because
    looking it up costs more than the arithmetic). Like `timezone.make_aware`, an ambiguous
    wall-clock time is the first of the two (fold=0)."""
    naive = datetime.datetime.combine(day, datetime.time()) + datetime.timedelta(minutes=minute)
    return utc(naive.replace(tzinfo=tz or timezone.get_current_timezone()))


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    result: list[Interval] = []
    for start, end in sorted(intervals):
        if result and start <= result[-1][1]:
            if end > result[-1][1]:
                result[-1] = (result[-1][0], end)
        else:
            result.append((start, end))
    return result


def subtract(intervals: Sequence[Interval], holes: Iterable[Interval]) -> list[Interval]:
    result = list(intervals)
    for hole_start, hole_end in holes:
        pieces: list[Interval] = []
        for start, end in result:
            if hole_end <= start or hole_start >= end:
                pieces.append((start, end))
                continue
            if start < hole_start:
                pieces.append((start, hole_start))
            if hole_end < end:
                pieces.append((hole_end, end))
        result = pieces
    return result


def open_intervals(
    hours: Sequence, start: datetime.datetime, end: datetime.datetime
) -> list[Interval]:
    """The resource's open periods (from its OpeningHours rows `hours`) within [start, end),
    merged, so periods meeting at midnight form one. No rows: open all the time."""
    if not hours:
        return [(start, end)]
    tz = timezone.get_current_timezone()
    by_weekday: dict[int, list] = {}
    for period in hours:
        by_weekday.setdefault(period.weekday, []).append(period)
    day = start.astimezone(tz).date() - datetime.timedelta(days=1)
    last = end.astimezone(tz).date()
    periods: list[Interval] = []
    while day <= last:
        for period in by_weekday.get(day.weekday(), ()):
            periods.append(
                (at_local(day, period.opens_minute, tz), at_local(day, period.closes_minute, tz))
            )
        day += datetime.timedelta(days=1)
    clipped = [(max(s, start), min(e, end)) for s, e in merge(periods)]
    return [(s, e) for s, e in clipped if s < e]


def covers(intervals: Sequence[Interval], start: datetime.datetime, end: datetime.datetime) -> bool:
    return any(s <= start and end <= e for s, e in intervals)


def overlaps(
    intervals: Iterable[Interval], start: datetime.datetime, end: datetime.datetime
) -> bool:
    return any(s < end and start < e for s, e in intervals)


def add_local_weeks(moment: datetime.datetime, weeks: int) -> datetime.datetime:
    """The same wall-clock time `weeks` weeks later (a weekly booking stays at 10:00 across a
    daylight-saving change)."""
    local = timezone.localtime(moment).replace(tzinfo=None)
    return utc(timezone.make_aware(local + datetime.timedelta(weeks=weeks)))


def month_bounds(moment: datetime.datetime) -> tuple[datetime.datetime, datetime.datetime]:
    """The local calendar month containing `moment`, as aware [first midnight, next first)."""
    local = timezone.localtime(moment).date()
    first = local.replace(day=1)
    following = (first + datetime.timedelta(days=32)).replace(day=1)
    return local_midnight(first), local_midnight(following)


def overlap_lookup(resource, start: datetime.datetime, end: datetime.datetime) -> dict:
    """Filter arguments for the bookings of `resource` whose blocked period overlaps [start,
    end). The lower bound on blocked_start (no booking blocks longer than
    `resource.longest_blocked`) keeps the (resource, blocked_start) index range short however
    many bookings lie in the past: without it, the look-up reads every earlier booking."""
    return {
        "resource": resource,
        "blocked_start__lt": end,
        "blocked_start__gt": start - resource.longest_blocked,
        "blocked_end__gt": start,
    }
