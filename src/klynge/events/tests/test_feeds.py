"""The Atom feed of upcoming events, schema.org JSON-LD on the event page, and a person's own
calendar feed behind a secret address (registrations and starred sessions across events)."""

import datetime
import json
import re

import icalendar
import pytest
from django.urls import reverse
from django.utils import timezone
from lxml import etree

from klynge.ecosystem.models import Person
from klynge.ecosystem.tests.factories import OrganisationFactory
from klynge.events import services
from klynge.events.models import CalendarToken, Registration
from klynge.events.tests.factories import EventFactory, TicketCategoryFactory
from klynge.schedule.models import AgendaEntry
from klynge.schedule.tests.factories import SessionFactory

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
START = datetime.datetime(2031, 3, 30, 7, 0, tzinfo=datetime.UTC)  # 09:00 in Copenhagen (CEST)


def test_the_atom_feed_lists_upcoming_public_events_soonest_first(client):
    soon = timezone.now() + datetime.timedelta(days=3)
    later = EventFactory(title="Later", starts_at=soon + datetime.timedelta(days=5))
    first = EventFactory(title="Soon", starts_at=soon, kind="workshop")
    EventFactory(title="Members", visibility="members")
    EventFactory(title="Draft", status="draft")
    EventFactory(title="Cancelled", status="cancelled")
    past = timezone.now() - datetime.timedelta(days=3)
    EventFactory(title="Past", starts_at=past, ends_at=past + datetime.timedelta(hours=1))
    response = client.get(reverse("events:atom"))
    assert (response.status_code, response["Content-Type"]) == (
        200,
        "application/atom+xml; charset=utf-8",
    )
    feed = etree.fromstring(response.content, etree.XMLParser(resolve_entities=False))
    assert feed.find(f"{ATOM}title").text == "Upcoming events: Media City Odense"
    entries = feed.findall(f"{ATOM}entry")
    assert [e.find(f"{ATOM}id").text for e in entries] == [
        f"event-{first.pk}@klynge",
        f"event-{later.pk}@klynge",
    ]
    entry = entries[0]
    local = timezone.localtime(first.starts_at, first.zone)
    assert entry.find(f"{ATOM}title").text == f"Soon ({local:%d.%m.%Y %H:%M})"
    assert entry.find(f"{ATOM}link").get("href") == f"http://testserver/events/{first.slug}/"
    assert entry.find(f"{ATOM}category").get("term") == "Workshop"
    # The list and the event page announce both feeds.
    page = client.get(reverse("events:list")).content.decode()
    assert '<link rel="alternate" type="application/atom+xml" href="/events/feed.atom"' in page
    assert '<link rel="alternate" type="text/calendar" href="/events.ics"' in page


def _json_ld(html: str) -> dict:
    match = re.search(
        r'<script type="application/ld\+json" id="event-json-ld">(.*?)</script>', html, re.S
    )
    return json.loads(match.group(1))


def test_the_event_page_carries_schema_org_json_ld(client):
    organiser = OrganisationFactory(name="Media City Odense", website="https://mco.example")
    event = EventFactory(
        title="Summit <script>alert(1)</script>",
        format="hybrid",
        starts_at=START,
        ends_at=START + datetime.timedelta(hours=8),
        venue="Odense Koncerthus",
        address="Odense Koncerthus Plads 1, 5000 Odense C",
        capacity=2,
        organiser=organiser,
        online_url="https://stream.example/secret",
    )
    TicketCategoryFactory(event=event, name="Member", price="0")
    TicketCategoryFactory(event=event, name="Non-member", price="450")
    response = client.get(event.get_absolute_url())
    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "stream.example" not in html  # the stream link is for registrants only
    data = _json_ld(html)
    url = f"http://testserver/events/{event.slug}/"
    assert data == {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": "Summit <script>alert(1)</script>",
        "url": url,
        "startDate": "2031-03-30T09:00:00+02:00",
        "endDate": "2031-03-30T17:00:00+02:00",
        "eventStatus": "https://schema.org/EventScheduled",
        "eventAttendanceMode": "https://schema.org/MixedEventAttendanceMode",
        "location": [
            {
                "@type": "Place",
                "name": "Odense Koncerthus",
                "address": {
                    "@type": "PostalAddress",
                    "streetAddress": "Odense Koncerthus Plads 1, 5000 Odense C",
                },
            },
            {"@type": "VirtualLocation", "url": url},
        ],
        "organizer": {
            "@type": "Organization",
            "name": "Media City Odense",
            "url": "https://mco.example",
        },
        "maximumAttendeeCapacity": 2,
        "remainingAttendeeCapacity": 2,
        "offers": [
            {
                "@type": "Offer",
                "name": name,
                "price": price,
                "priceCurrency": "DKK",
                "availability": "https://schema.org/InStock",
                "url": url,
            }
            for name, price in (("Member", "0.00"), ("Non-member", "450.00"))
        ],
    }
    # The CSP stays strict: no inline script is allowed, the data block needs no allowance.
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp


def test_a_full_or_cancelled_event_says_so(client, people):
    event = EventFactory(capacity=1, starts_at=START, ends_at=START + datetime.timedelta(hours=1))
    services.register(actor=None, event=event, person=people(1)[0])
    data = _json_ld(client.get(event.get_absolute_url()).content.decode())
    assert (data["remainingAttendeeCapacity"], data["offers"]["availability"]) == (
        0,
        "https://schema.org/SoldOut",
    )
    services.cancel_event(actor=None, event=event)
    data = _json_ld(client.get(event.get_absolute_url()).content.decode())
    assert data["eventStatus"] == "https://schema.org/EventCancelled"


# --- The personal calendar feed ---------------------------------------------------------


def _entries(body: bytes) -> dict[str, dict]:
    calendar = icalendar.Calendar.from_ical(body)
    return {
        str(e["summary"]): {"status": str(e.get("status", "")), "start": e["dtstart"].dt}
        for e in calendar.walk("VEVENT")
    }


def test_the_personal_feed_has_every_registration_and_the_starred_sessions(client, employee):
    person = Person.objects.get(user=employee)
    confirmed = EventFactory(
        title="Summit", starts_at=START, ends_at=START + datetime.timedelta(hours=8)
    )
    full = EventFactory(title="Workshop", capacity=0)
    members = EventFactory(title="Member meeting", visibility="members")
    cancelled_later = EventFactory(title="Webinar")
    left = EventFactory(title="Left")
    for event in (confirmed, full, members, cancelled_later, left):
        services.register(actor=None, event=event, person=person)
    services.cancel_event(actor=None, event=cancelled_later)
    services.cancel_registration(
        actor=employee, registration=Registration.objects.get(event=left, person=person)
    )
    session = SessionFactory(event=confirmed, title="Keynote", starts_at=START)
    AgendaEntry.objects.create(user=employee, session=session)
    draft_session = SessionFactory(event=EventFactory(status="draft"), title="Hidden")
    AgendaEntry.objects.create(user=employee, session=draft_session)
    EventFactory(title="Not mine")

    client.force_login(employee)
    response = client.post(reverse("events:calendar_token"))
    assert response.status_code == 302
    token = CalendarToken.objects.get(user=employee).token
    page = client.get(reverse("events:mine")).content.decode()
    feed_url = f"http://testserver/events/calendar/{token}.ics"
    assert f'value="{feed_url}"' in page
    client.logout()

    response = client.get(f"/events/calendar/{token}.ics")
    assert (response.status_code, response["Content-Type"]) == (
        200,
        "text/calendar; charset=utf-8",
    )
    assert _entries(response.content) == {
        "Summit": {"status": "CONFIRMED", "start": START},
        "Workshop (On the waiting list)": {
            "status": "TENTATIVE",
            "start": full.starts_at.replace(microsecond=0),
        },
        "Member meeting": {
            "status": "CONFIRMED",
            "start": members.starts_at.replace(microsecond=0),
        },
        "Webinar": {
            "status": "CANCELLED",
            "start": cancelled_later.starts_at.replace(microsecond=0),
        },
        "Keynote (Summit)": {"status": "", "start": START},
    }

    # A new address: the old one stops working at once.
    client.force_login(employee)
    client.post(reverse("events:calendar_token"), {"reset": "yes"})
    new = CalendarToken.objects.get(user=employee).token
    assert new != token
    client.logout()
    assert client.get(f"/events/calendar/{token}.ics").status_code == 404
    assert client.get(f"/events/calendar/{new}.ics").status_code == 200
    # A deactivated login's feed is gone too.
    employee.is_active = False
    employee.save(update_fields=["is_active"])
    assert client.get(f"/events/calendar/{new}.ics").status_code == 404


def test_the_personal_feed_is_a_constant_number_of_queries(
    client, employee, django_assert_num_queries
):
    person = Person.objects.get(user=employee)
    token = services.ensure_calendar_token(actor=employee, user=employee).token
    url = f"/events/calendar/{token}.ics"

    def add(n):
        for _ in range(n):
            event = EventFactory()
            services.register(actor=None, event=event, person=person)
            AgendaEntry.objects.create(user=employee, session=SessionFactory(event=event))

    add(1)
    client.get(url)
    # token, registrations, roles (what the user may see), starred sessions, their speakers
    with django_assert_num_queries(5):
        assert client.get(url).content.count(b"BEGIN:VEVENT") == 2
    add(3)
    with django_assert_num_queries(5):
        assert client.get(url).content.count(b"BEGIN:VEVENT") == 8
