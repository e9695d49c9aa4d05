"""A person's agenda as an iCalendar feed (read by calendar clients through a secret URL).

`agenda_calendar` is the feed of one event's starred sessions; `agenda_components` gives the
starred sessions of every event the person may see, for their own feed across all events
(events/calendar.py `personal_feed`, registered in apps.py).
"""

from __future__ import annotations

import icalendar
from django.urls import reverse
from django.utils import timezone


def _session_component(session, stamp, url: str) -> icalendar.Event:
    item = icalendar.Event()
    item.add("uid", f"{session.guid}@klynge")
    item.add("dtstamp", stamp)
    item.add("dtstart", session.starts_at)
    item.add("dtend", session.ends_at)
    item.add("summary", session.title)
    if session.room is not None:
        item.add("location", session.room.name)
    description = session.abstract or session.description
    speakers = ", ".join(speaker.name for speaker in session.speaker_list)
    if speakers:
        description = f"{speakers}\n\n{description}".strip()
    if description:
        item.add("description", description)
    item.add("url", url)
    return item


def agenda_calendar(*, event, sessions, name: str, session_url) -> bytes:
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Klynge//Programme//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    stamp = timezone.now()
    for session in sessions:
        calendar.add_component(_session_component(session, stamp, session_url(session)))
    return calendar.to_ical()


def agenda_components(user, base_url: str = "") -> list[icalendar.Event]:
    """The user's starred sessions of the published events they may see, as calendar entries
    titled "session (event)"."""
    from klynge.schedule.selectors import all_agenda_sessions

    stamp = timezone.now()
    components = []
    for session in all_agenda_sessions(user):
        url = base_url + reverse(
            "schedule:session", kwargs={"slug": session.event.slug, "guid": session.guid}
        )
        item = _session_component(session, stamp, url)
        item["summary"] = f"{session.title} ({session.event.display_title})"
        components.append(item)
    return components
