import datetime

import icalendar
import pytest

from klynge.ecosystem.tests.factories import PersonFactory
from klynge.events import calendar, services
from klynge.events.tests.factories import EventFactory

pytestmark = pytest.mark.django_db


def test_the_ics_of_an_online_event_is_right_in_every_zone_across_dst():
    # Oslo 15:00 on the day after Europe's DST change (28 March 2027) is 13:00 UTC.
    start = datetime.datetime(2027, 3, 29, 13, 0, tzinfo=datetime.UTC)
    event = EventFactory(
        title="Webinar", format="online", time_zone="Europe/Oslo", starts_at=start,
        ends_at=start + datetime.timedelta(hours=1), venue="",
    )  # fmt: skip
    registration = services.register(actor=None, event=event, person=PersonFactory())
    parsed = icalendar.Calendar.from_ical(
        calendar.registration_ics(registration, "https://k.example")
    )
    (entry,) = parsed.walk("VEVENT")
    begins = entry["dtstart"].dt
    assert begins == start
    local = {
        zone: begins.astimezone(__import__("zoneinfo").ZoneInfo(zone)).strftime("%H:%M")
        for zone in ("Europe/Oslo", "Europe/London", "America/New_York")
    }
    assert local == {"Europe/Oslo": "15:00", "Europe/London": "14:00", "America/New_York": "09:00"}
    assert str(entry["location"]) == "Online"
    assert str(entry["url"]) == f"https://k.example/events/{event.slug}/"
    assert str(entry["uid"]) == f"event-{event.pk}@klynge"
    assert parsed["method"] == "PUBLISH"


def test_a_cancelled_event_is_marked_in_the_feed(staff):
    event = EventFactory(title="Off")
    services.cancel_event(actor=staff, event=event)
    event.refresh_from_db()
    (entry,) = icalendar.Calendar.from_ical(calendar.feed([event])).walk("VEVENT")
    assert str(entry["status"]) == "CANCELLED"


def test_the_ticket_qr_code_is_a_standalone_svg():
    from xml.etree import ElementTree

    from klynge.events.tickets import qr_file

    root = ElementTree.fromstring(qr_file("ABCDE12345").split("\n", 1)[1])  # noqa: S314 - our own output
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.find("{http://www.w3.org/2000/svg}title").text == "Ticket ABCDE12345"
    assert root.find("{http://www.w3.org/2000/svg}path") is not None
