"""The personal agenda: starring sessions with HTMX and the private iCalendar feed."""

import datetime

import icalendar
import pytest
from django.urls import reverse

from klynge.schedule.models import AgendaEntry, AgendaFeed
from klynge.schedule.tests.factories import COPENHAGEN, EventFactory, SessionFactory, SpeakerFactory

pytestmark = pytest.mark.django_db


def _star(client, session, starred, **headers):
    return client.post(
        reverse("schedule:star", args=[session.event.slug, session.guid]),
        {"starred": "1" if starred else "0"},
        headers=headers,
    )


def test_star_and_unstar_with_htmx(client, employee):
    session = SessionFactory()
    client.force_login(employee)
    response = _star(client, session, True, **{"HX-Request": "true"})
    assert response.status_code == 200
    assert 'aria-pressed="true"' in response.content.decode()
    assert "<html" not in response.content.decode()
    assert AgendaEntry.objects.filter(user=employee, session=session).count() == 1
    _star(client, session, True)  # twice is still once
    assert AgendaEntry.objects.filter(user=employee).count() == 1
    response = _star(client, session, False)
    assert response.status_code == 302 and response["Location"] == session.get_absolute_url()
    assert AgendaEntry.objects.count() == 0


def test_starring_needs_a_login_a_post_and_csrf(client, employee):
    session = SessionFactory()
    response = _star(client, session, True)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(employee)
    url = reverse("schedule:star", args=[session.event.slug, session.guid])
    assert client.get(url).status_code == 405
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(employee)
    assert strict.post(url, {"starred": "1"}).status_code == 403
    assert AgendaEntry.objects.count() == 0


def test_an_invisible_session_cannot_be_starred(client, employee):
    session = SessionFactory(event=EventFactory(status="draft"))
    client.force_login(employee)
    assert _star(client, session, True).status_code == 404


def test_agenda_page_and_private_feed(client, employee, student):
    event = EventFactory(slug="fest")
    speaker = SpeakerFactory(event=event, name="Ida Holm")
    mine = SessionFactory(
        event=event,
        title="Mine",
        starts_at=datetime.datetime(2026, 3, 29, 1, 30, tzinfo=COPENHAGEN),
        speakers=[speaker],
    )
    SessionFactory(event=event, title="Not mine")
    client.force_login(employee)
    _star(client, mine, True)
    html = client.get(reverse("schedule:agenda", args=["fest"])).content.decode()
    assert "Mine" in html and "Not mine" not in html

    client.post(reverse("schedule:agenda_feed_create", args=["fest"]))
    feed = AgendaFeed.objects.get(user=employee, event=event)
    url = reverse("schedule:agenda_feed", args=["fest", feed.token])
    client.logout()
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = icalendar.Calendar.from_ical(response.content)
    events = list(calendar.walk("VEVENT"))
    assert [str(e["summary"]) for e in events] == ["Mine"]
    assert events[0].decoded("dtstart") == datetime.datetime(
        2026, 3, 29, 0, 30, tzinfo=datetime.UTC
    )
    assert events[0].decoded("dtend") - events[0].decoded("dtstart") == datetime.timedelta(
        minutes=45
    )
    assert "Ida Holm" in str(events[0]["description"])

    # Another person's session list is not reachable with a guessed or an old token.
    assert client.get(reverse("schedule:agenda_feed", args=["fest", "guess"])).status_code == 404
    client.force_login(employee)
    client.post(reverse("schedule:agenda_feed_create", args=["fest"]), {"reset": "1"})
    assert client.get(url).status_code == 404
    feed.refresh_from_db()
    assert client.get(reverse("schedule:agenda_feed", args=["fest", feed.token])).status_code == 200
    client.force_login(student)
    html = client.get(reverse("schedule:agenda", args=["fest"])).content.decode()
    assert "Mine" not in html
