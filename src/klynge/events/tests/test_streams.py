"""The stream link for online registrants, the recordings library and name badges."""

import datetime
import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from django.utils import timezone

from klynge.ecosystem.models import Person
from klynge.events import services
from klynge.events.models import Recording, Registration
from klynge.events.selectors import stream_for
from klynge.events.tests.factories import EventFactory, TicketCategoryFactory
from klynge.schedule.tests.factories import SessionFactory

pytestmark = pytest.mark.django_db


def _person(user):
    return Person.objects.get(user=user)


def _online(**kwargs):
    start = timezone.now() + datetime.timedelta(hours=1)
    defaults = {
        "format": "online",
        "online_url": "https://stream.example/live",
        "starts_at": start,
        "ends_at": start + datetime.timedelta(hours=1),
    }
    return EventFactory(**{**defaults, **kwargs})


def test_the_stream_opens_to_confirmed_registrants_shortly_before_the_start(employee, student):
    event = _online(stream_opens_minutes=15)
    Registration.objects.create(event=event, person=_person(employee), status="confirmed")
    Registration.objects.create(event=event, person=_person(student), status="waitlisted")
    start = event.starts_at
    at = {
        "early": start - datetime.timedelta(minutes=16),
        "open": start - datetime.timedelta(minutes=15),
        "during": start + datetime.timedelta(minutes=30),
        "after": event.ends_at + datetime.timedelta(seconds=1),
    }
    assert {name: stream_for(employee, event, now).state for name, now in at.items()} == {
        "early": "not_yet",
        "open": "open",
        "during": "open",
        "after": "ended",
    }
    assert stream_for(employee, event, at["open"]).url == "https://stream.example/live"
    assert stream_for(student, event, at["open"]).state == "not_registered"
    assert stream_for(AnonymousUser(), event, at["open"]).state == "not_registered"
    onsite = _online(format="onsite")
    assert stream_for(employee, onsite, at["open"]).state == "not_online"
    nolink = _online(format="hybrid", online_url="")
    assert stream_for(employee, nolink, at["open"]).state == "no_link"


def test_the_watch_page_shows_the_link_only_when_open(client, employee, student):
    event = _online(
        starts_at=timezone.now() + datetime.timedelta(minutes=10),
        ends_at=timezone.now() + datetime.timedelta(hours=1),
    )
    Registration.objects.create(event=event, person=_person(employee), status="confirmed")
    url = reverse("events:watch", args=[event.slug])
    client.force_login(employee)
    html = client.get(url).content.decode()
    assert 'data-state="open"' in html
    assert 'href="https://stream.example/live"' in html
    client.force_login(student)
    html = client.get(url).content.decode()
    assert 'data-state="not_registered"' in html
    assert "stream.example" not in html
    later = _online(starts_at=timezone.now() + datetime.timedelta(hours=2))
    Registration.objects.create(event=later, person=_person(employee), status="confirmed")
    client.force_login(employee)
    html = client.get(reverse("events:watch", args=[later.slug])).content.decode()
    assert 'data-state="not_yet"' in html
    assert "stream.example" not in html


# --- Recordings -----------------------------------------------------------------------------


@pytest.fixture
def library(employee, student):
    past = timezone.now() - datetime.timedelta(days=3)
    event = EventFactory(title="Summit", starts_at=past, ends_at=past + datetime.timedelta(hours=8))
    other = EventFactory(title="Other", starts_at=past, ends_at=past + datetime.timedelta(hours=1))
    draft = EventFactory(title="Draft", status="draft")
    consented = SessionFactory(event=event, title="Keynote", recording_allowed=True)
    refused = SessionFactory(event=event, title="Off the record", recording_allowed=False)
    rows = {
        "public": Recording.objects.create(event=event, url="https://v.example/1", access="public"),
        "members": Recording.objects.create(
            event=event, url="https://v.example/2", access="members", title="Members cut"
        ),
        "registrants": Recording.objects.create(
            event=event, session=consented, url="https://v.example/3", access="registrants"
        ),
        "no consent": Recording.objects.create(
            event=event, session=refused, url="https://v.example/4", access="public"
        ),
        "other registrants": Recording.objects.create(
            event=other, url="https://v.example/5", access="registrants", title="Other talk"
        ),
        "draft": Recording.objects.create(
            event=draft, url="https://v.example/6", access="public", title="Draft talk"
        ),
    }
    # The student attended the summit.
    Registration.objects.create(event=event, person=_person(student), status="confirmed")
    return rows


def _titles(html: str) -> list[str]:
    return re.findall(r'<tr data-recording="\d+"><td><a href="[^"]+" rel="noopener">([^<]+)<', html)


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", ["Summit"]),
        ("employee", ["Summit", "Members cut"]),
        ("student", ["Summit", "Keynote"]),
        ("founder", ["Summit"]),
        ("staff", ["Summit", "Members cut", "Keynote", "Other talk", "Draft talk"]),
    ],
)
def test_the_library_lists_what_the_viewer_may_watch(client, library, request, who, expected):
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    response = client.get(reverse("events:recordings"))
    assert response.status_code == 200
    assert sorted(_titles(response.content.decode())) == sorted(expected)
    assert "Off the record" not in response.content.decode()


def test_the_library_filters_by_event(client, staff, library):
    client.force_login(staff)
    other = library["other registrants"].event
    response = client.get(reverse("events:recordings"), {"event": other.slug})
    assert _titles(response.content.decode()) == ["Other talk"]


@pytest.mark.parametrize("rows", [1, 3])
def test_the_library_has_a_constant_query_count(client, rows, django_assert_num_queries):
    for n in range(rows):
        event = EventFactory(title=f"Event {n}")
        session = SessionFactory(event=event, title=f"Talk {n}")
        Recording.objects.create(event=event, session=session, url=f"https://v.example/{n}")
    with django_assert_num_queries(2):  # count + page
        response = client.get(reverse("events:recordings"))
    assert sorted(_titles(response.content.decode())) == [f"Talk {n}" for n in range(rows)]


def test_a_session_without_recording_consent_cannot_get_a_recording(staff):
    event = EventFactory()
    refused = SessionFactory(event=event, recording_allowed=False)
    elsewhere = SessionFactory()
    with pytest.raises(services.ValidationError, match="did not consent"):
        services.add_recording(actor=staff, event=event, url="https://v.example/x", session=refused)
    with pytest.raises(services.ValidationError, match="Choose a session of this event"):
        services.add_recording(
            actor=staff, event=event, url="https://v.example/x", session=elsewhere
        )
    assert not Recording.objects.exists()


# --- Badges ---------------------------------------------------------------------------------


def test_badges_pdf_has_a_badge_per_confirmed_registration(client, staff, employee, member_org):
    event = EventFactory(title="Badge day")
    category = TicketCategoryFactory(event=event, name="Speaker pass")
    names = []
    for n in range(5):
        person = Person.objects.create(
            first_name=f"Ada{n}", last_name="Lovelace", email=f"a{n}@x.dk"
        )
        Registration.objects.create(
            event=event,
            person=person,
            status="confirmed",
            category=category,
            organisation=member_org,
            code=f"CODE{n}",
        )
        names.append(f"Ada{n} Lovelace")
    waiting = Person.objects.create(first_name="Wanda", last_name="Waiting", email="w@x.dk")
    Registration.objects.create(event=event, person=waiting, status="waitlisted")
    url = reverse("events:badges", args=[event.slug])
    client.force_login(employee)
    assert client.get(url).status_code == 403
    client.force_login(staff)
    response = client.get(url)
    assert (response.status_code, response["Content-Type"]) == (200, "application/pdf")
    pdf = response.content
    assert pdf.startswith(b"%PDF-")
    assert len(re.findall(rb"/Type /Page[^s]", pdf)) == 2  # 5 badges, 4 per page
    for name in names:
        assert f"({name})".encode() in pdf
    assert pdf.count(b"(Fynsk Lyd ApS)") == 5
    assert pdf.count(b"(Speaker pass)") == 5
    assert b"(CODE3)" in pdf
    assert pdf.count(b"/Subtype /Image") == 5  # a QR code each
    assert b"Wanda" not in pdf
