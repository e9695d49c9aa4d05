"""iCalendar (RFC 5545) agendas: the .ics feed behind a participant's secret link and the
attachments of the acceptance and agenda e-mails. Times are written in UTC."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

import icalendar
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from klynge.meetings.models import Meeting, Venue


def _entry(meeting: Meeting, base_url: str) -> icalendar.Event:
    session = meeting.session
    request = meeting.request
    entry = icalendar.Event()
    entry.add("uid", f"meeting-{meeting.pk}@klynge")
    entry.add("dtstamp", timezone.now().astimezone(datetime.UTC))
    entry.add("dtstart", meeting.slot.starts_at.astimezone(datetime.UTC))
    entry.add("dtend", meeting.slot.ends_at.astimezone(datetime.UTC))
    entry.add(
        "summary",
        _("Meeting: %(a)s and %(b)s")
        % {"a": request.sender.person.full_name, "b": request.recipient.person.full_name},
    )
    if session.venue == Venue.ONLINE:
        location = session.online_url or _("Online")
    else:
        location = f"{session.table_word} {meeting.table}"
        venue = session.event.venue
        if venue:
            location = f"{location}, {venue}"
    entry.add("location", location)
    entry.add("description", request.note)
    entry.add("url", base_url + reverse("meetings:agenda", args=[session.pk]))
    return entry


def agenda_ics(meetings: Iterable[Meeting], *, base_url: str = "", name: str = "") -> str:
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Klynge//Meetings//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", name or settings.KLYNGE_CLUSTER_NAME)
    for meeting in meetings:
        cal.add_component(_entry(meeting, base_url))
    return cal.to_ical().decode()
