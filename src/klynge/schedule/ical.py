"""A person's agenda as an iCalendar feed (read by calendar clients through a secret URL)."""

from __future__ import annotations

import icalendar
from django.utils import timezone


def agenda_calendar(*, event, sessions, name: str, session_url) -> bytes:
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Klynge//Programme//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    stamp = timezone.now()
    for session in sessions:
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
        item.add("url", session_url(session))
        calendar.add_component(item)
    return calendar.to_ical()
