"""Partner calendars: a partner cluster's public iCalendar feed imported into our calendar.

Each event of the feed becomes an `Event` marked as external (`source` set): it is shown in the
calendar, the lists and the feeds like our own public events, with the partner's page as the
place to register. Recurring events (RRULE, RDATE, EXDATE, moved occurrences) are expanded with
`recurring-ical-events` between `since` and `until` (by default a year back and a year ahead),
one event per occurrence; floating times are read in the feed's X-WR-TIMEZONE (else ours).

Re-importing the same feed changes nothing: every occurrence is matched on its UID (and, for a
recurring event, the occurrence's original start), changed ones are updated, and those of the
window that have left the feed are removed.
"""

from __future__ import annotations

import datetime
import urllib.error
import urllib.request
import zoneinfo
from dataclasses import dataclass, field

import icalendar
import recurring_ical_events
import x_wr_timezone
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from klynge.core import audit
from klynge.events.models import (
    CalendarSource,
    Event,
    EventFormat,
    EventStatus,
    Visibility,
)

MAX_BYTES = 5 * 1024 * 1024
FETCH_TIMEOUT = 20
# What an imported event's row holds from the feed (compared to tell whether it changed).
SYNCED = (
    "title", "summary", "venue", "address", "starts_at", "ends_at", "time_zone", "status",
    "external_url", "kind", "organiser_id",
)  # fmt: skip


@dataclass
class CalendarImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    skipped: int = 0
    titles: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "removed": self.removed,
            "skipped": self.skipped,
        }


def fetch_calendar(url: str) -> bytes:
    """Downloads a partner's public .ics (http or https, at most 5 MB, 20 s)."""
    if not url.lower().startswith(("https://", "http://")):
        raise ValidationError({"url": [_("Give an http or https address.")]})
    request = urllib.request.Request(url, headers={"User-Agent": "Klynge"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT) as response:  # noqa: S310
            data = response.read(MAX_BYTES + 1)
    except (urllib.error.URLError, TimeoutError, ValueError) as error:
        raise ValidationError(
            {"url": [_("The calendar could not be fetched: %(error)s") % {"error": error}]}
        ) from None
    if len(data) > MAX_BYTES:
        raise ValidationError({"url": [_("The calendar is larger than 5 MB.")]})
    return data


def _parse(data: bytes) -> icalendar.Calendar:
    if len(data) > MAX_BYTES:
        raise ValidationError({"file": [_("The calendar is larger than 5 MB.")]})
    try:
        calendar = icalendar.Calendar.from_ical(data)
    except (ValueError, IndexError, KeyError, TypeError) as error:
        raise ValidationError(
            {"file": [_("This is not an iCalendar file: %(error)s") % {"error": error}]}
        ) from None
    if not isinstance(calendar, icalendar.Calendar) or calendar.name != "VCALENDAR":
        raise ValidationError({"file": [_("This is not an iCalendar file.")]})
    return calendar


def _zone_of(calendar: icalendar.Calendar) -> zoneinfo.ZoneInfo:
    name = str(calendar.get("X-WR-TIMEZONE", "") or settings.TIME_ZONE)
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def _aware(value, zone: zoneinfo.ZoneInfo) -> datetime.datetime:
    if not isinstance(value, datetime.datetime):  # an all-day date: local midnight
        value = datetime.datetime.combine(value, datetime.time())
    if timezone.is_naive(value):
        value = value.replace(tzinfo=zone)
    return value.astimezone(datetime.UTC)


def _text(component, name: str, limit: int | None = None) -> str:
    value = component.get(name)
    if value is None:
        return ""
    text = str(value).strip() if name == "DESCRIPTION" else " ".join(str(value).split())
    return text[:limit] if limit else text


def _url(component) -> str:
    url = _text(component, "URL", 500)
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        return ""
    return url


def _recurring_uids(calendar: icalendar.Calendar) -> set[str]:
    return {
        str(component.get("UID", ""))
        for component in calendar.walk("VEVENT")
        if any(name in component for name in ("RRULE", "RDATE", "RECURRENCE-ID"))
    }


def _occurrences(calendar, since, until, zone) -> list[dict]:
    """The feed's public events between `since` and `until`, one dict per occurrence."""
    recurring = _recurring_uids(calendar)
    rows = []
    for component in recurring_ical_events.of(calendar).between(since, until):
        uid = str(component.get("UID", "")).strip()
        summary = _text(component, "SUMMARY", 200)
        if not uid or not summary or "DTSTART" not in component:
            continue
        if str(component.get("CLASS", "PUBLIC")).upper() in ("PRIVATE", "CONFIDENTIAL"):
            continue
        starts_at = _aware(component["DTSTART"].dt, zone)
        if "DTEND" in component:
            ends_at = _aware(component["DTEND"].dt, zone)
        elif "DURATION" in component:
            ends_at = starts_at + component["DURATION"].dt
        else:
            ends_at = starts_at
        key = uid
        if uid in recurring:
            original = component.get("RECURRENCE-ID")
            original = _aware(original.dt, zone) if original is not None else starts_at
            key = f"{uid}#{original:%Y%m%dT%H%M%SZ}"
        location = _text(component, "LOCATION", 500)
        venue, _sep, address = location.partition(" @ ")
        if not address and ", " in location:
            venue, _sep, address = location.partition(", ")
        cancelled = str(component.get("STATUS", "")).upper() == "CANCELLED"
        rows.append(
            {
                "external_uid": key[:400],
                "title": summary,
                "summary": _text(component, "DESCRIPTION"),
                "venue": venue.strip()[:200],
                "address": address.strip()[:300],
                "starts_at": starts_at,
                "ends_at": max(ends_at, starts_at),
                "time_zone": str(zone),
                "external_url": _url(component),
                "status": EventStatus.CANCELLED if cancelled else EventStatus.PUBLISHED,
            }
        )
    return rows


def _slug(title: str, starts_at: datetime.datetime, taken: set[str]) -> str:
    base = f"{(slugify(title) or 'event')[:90]}-{starts_at:%Y-%m-%d}"
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    taken.add(slug)
    return slug


def import_calendar(
    *,
    actor,
    source: CalendarSource,
    data: bytes,
    since: datetime.datetime | None = None,
    until: datetime.datetime | None = None,
    dry_run: bool = False,
) -> CalendarImportResult:
    """Imports the events of `data` (an .ics file) as external events of `source`: creates the
    new occurrences, updates the changed ones and removes those no longer in the feed, of the
    window from `since` to `until` (an event is in it when it overlaps it). All or nothing;
    `dry_run` reports without changing."""
    now = timezone.now()
    since = since or now - datetime.timedelta(days=365)
    until = until or now + datetime.timedelta(days=365)
    calendar = _parse(data)
    zone = _zone_of(calendar)
    try:
        calendar = x_wr_timezone.to_standard(calendar)
        rows = _occurrences(calendar, since, until, zone)
    except (ValueError, TypeError, KeyError, AttributeError) as error:
        raise ValidationError(
            {"file": [_("The calendar could not be read: %(error)s") % {"error": error}]}
        ) from None
    result = CalendarImportResult()
    with transaction.atomic():
        source = CalendarSource.objects.select_for_update().get(pk=source.pk)
        existing = {event.external_uid: event for event in Event.objects.filter(source=source)}
        seen: set[str] = set()
        new: list[Event] = []
        changed: list[Event] = []
        taken = set(
            Event.objects.filter(
                slug__in=[_slug(r["title"], r["starts_at"], set()) for r in rows]
            ).values_list("slug", flat=True)
        )
        for row in rows:
            if row["external_uid"] in seen:
                result.skipped += 1
                continue
            seen.add(row["external_uid"])
            row.update(kind=source.kind, organiser_id=source.organiser_id)
            event = existing.get(row["external_uid"])
            if event is None:
                event = Event(
                    source=source,
                    slug=_slug(row["title"], row["starts_at"], taken),
                    format=EventFormat.ONSITE,
                    visibility=Visibility.PUBLIC,
                    waitlist=False,
                    send_follow_up=False,
                    **row,
                )
                new.append(event)
                result.titles.append(row["title"])
            elif any(getattr(event, name) != row[name] for name in SYNCED):
                for name in SYNCED:
                    setattr(event, name, row[name])
                changed.append(event)
            else:
                result.unchanged += 1
        gone = [
            event.pk
            for uid, event in existing.items()
            if uid not in seen and event.ends_at > since and event.starts_at < until
        ]
        result.created, result.updated, result.removed = len(new), len(changed), len(gone)
        if dry_run:
            transaction.set_rollback(True)
            return result
        Event.objects.bulk_create(new, batch_size=500)
        for event in changed:
            event.save(update_fields=[*SYNCED, "updated_at"])
        Event.objects.filter(pk__in=gone).delete()
        source.last_imported_at = now
        source.last_result = result.as_dict()
        source.save(update_fields=["last_imported_at", "last_result", "updated_at"])
        audit.record(
            actor=actor,
            action="events.calendar_source.import",
            target=source,
            data=result.as_dict(),
        )
    return result


@transaction.atomic
def save_calendar_source(
    *, actor, source: CalendarSource | None = None, name: str, url: str = "", organiser=None,
    kind: str = "networking",
) -> CalendarSource:  # fmt: skip
    """Adds or changes a partner calendar (its name, address, partner and kind of events)."""
    creating = source is None
    source = source or CalendarSource()
    source.name, source.url, source.organiser, source.kind = (
        name.strip(),
        url.strip(),
        organiser,
        kind,
    )
    source.full_clean()
    source.save()
    if not creating:
        Event.objects.filter(source=source).update(kind=kind, organiser=organiser)
    audit.record(
        actor=actor,
        action="events.calendar_source.create" if creating else "events.calendar_source.update",
        target=source,
    )
    return source


@transaction.atomic
def delete_calendar_source(*, actor, source: CalendarSource) -> None:
    """Removes a partner calendar and every event imported from it."""
    audit.record(
        actor=actor,
        action="events.calendar_source.delete",
        target=source,
        data={"name": source.name, "events": source.events.count()},
    )
    source.delete()
