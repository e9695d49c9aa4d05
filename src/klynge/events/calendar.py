"""iCalendar (RFC 5545) for events: the public feed and the .ics attached to confirmations.

Times are written in UTC (a trailing Z), which every client converts to its own zone, so an
online event shows at the right hour in Oslo, London and New York, across DST changes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import icalendar
from django.conf import settings
from django.utils import timezone

from klynge.events.models import Event, EventFormat, EventStatus

PRODID = "-//Klynge//Events//EN"


def _calendar(name: str) -> icalendar.Calendar:
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    return cal


def _vevent(event: Event, base_url: str) -> icalendar.Event:
    entry = icalendar.Event()
    entry.add("uid", f"event-{event.pk}@klynge")
    entry.add("dtstamp", timezone.now().astimezone(datetime_utc()))
    entry.add("dtstart", event.starts_at.astimezone(datetime_utc()))
    entry.add("dtend", event.ends_at.astimezone(datetime_utc()))
    entry.add("summary", event.display_title)
    entry.add("description", event.description or event.summary)
    location = ", ".join(part for part in (event.venue, event.address) if part)
    if event.format == EventFormat.ONLINE and not location:
        location = "Online"
    if location:
        entry.add("location", location)
    entry.add("url", base_url + event.get_absolute_url())
    entry.add("status", "CANCELLED" if event.status == EventStatus.CANCELLED else "CONFIRMED")
    entry.add("categories", [event.get_kind_display()])
    return entry


def datetime_utc():
    import datetime

    return datetime.UTC


def feed(events: Iterable[Event], *, base_url: str = "", name: str = "") -> bytes:
    cal = _calendar(name or settings.KLYNGE_CLUSTER_NAME)
    for event in events:
        cal.add_component(_vevent(event, base_url))
    return cal.to_ical()


def registration_ics(registration, base_url: str = "") -> str:
    """One event as a calendar file for the confirmation e-mail."""
    cal = _calendar(registration.event.display_title)
    cal.add("method", "PUBLISH")
    cal.add_component(_vevent(registration.event, base_url))
    return cal.to_ical().decode()


# --- A person's own feed: their registrations, and what other apps add (the programme agenda)

# Each part is `part(user, base_url) -> iterable of icalendar components` (registered from the
# other apps' AppConfig.ready(), e.g. the programme's starred sessions), so this app does not
# import the apps that build on it.
_PERSONAL_PARTS: dict[str, Callable] = {}


def register_personal_part(name: str, part: Callable) -> None:
    _PERSONAL_PARTS[name] = part


# A waiting-list place or a pending registration is tentative in the person's calendar.
_REGISTRATION_STATUS = {
    "confirmed": "CONFIRMED",
    "offered": "TENTATIVE",
    "waitlisted": "TENTATIVE",
    "pending": "TENTATIVE",
}


def personal_feed(user, registrations, *, base_url: str = "", name: str = "") -> bytes:
    """The person's living registrations (a cancelled event shows as cancelled) and the parts
    other apps register, as one calendar."""
    from django.utils.translation import gettext as _

    cal = _calendar(name or _("My events"))
    for registration in registrations:
        event = registration.event
        entry = _vevent(event, base_url)
        if event.status != EventStatus.CANCELLED:
            entry["status"] = _REGISTRATION_STATUS.get(registration.status, "TENTATIVE")
        if registration.status != "confirmed":
            entry["summary"] = f"{event.display_title} ({registration.get_status_display()})"
        cal.add_component(entry)
    for part in _PERSONAL_PARTS.values():
        for component in part(user, base_url):
            cal.add_component(component)
    return cal.to_ical()
