"""The public event page stored for anonymous visitors (events/cache.py): served while the event
and its seat counts are unchanged, never to signed-in people, never with stale seats."""

import re

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import reverse

from klynge.ecosystem.tests.factories import PersonFactory
from klynge.events import services
from klynge.events.models import Event, Registration
from klynge.events.tests.factories import EventFactory

pytestmark = pytest.mark.django_db


def _free_seats(response) -> str:
    return re.search(r'<dd id="free-seats">([^<]*)</dd>', response.content.decode()).group(1)


def _csrf_tokens(response) -> set[str]:
    html = response.content.decode()
    return set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)) | set(
        re.findall(r'"X-CSRFToken": "([^"]+)"', html)
    )


def test_a_stored_page_costs_one_query_and_shows_the_same(client, django_assert_num_queries):
    event = EventFactory(capacity=10)
    url = reverse("events:detail", args=[event.slug])
    first = client.get(url)
    assert first.status_code == 200
    with django_assert_num_queries(1):  # the fingerprint only
        second = Client().get(url)
    assert second.status_code == 200
    assert _free_seats(second) == _free_seats(first) == "10"
    strip = lambda html: re.sub(r'(value="|"X-CSRFToken": ")[A-Za-z0-9]{64}', "", html)  # noqa: E731
    assert strip(second.content.decode()) == strip(first.content.decode())


def test_seat_counts_are_never_stale_after_a_registration_or_cancellation(client):
    event = EventFactory(capacity=3)
    url = reverse("events:detail", args=[event.slug])
    assert _free_seats(client.get(url)) == "3"
    assert _free_seats(client.get(url)) == "3"  # stored
    registration = services.register(actor=None, event=event, person=PersonFactory())
    assert _free_seats(client.get(url)) == "2"
    services.register(actor=None, event=event, person=PersonFactory())
    assert _free_seats(client.get(url)) == "1"
    services.cancel_registration(actor=None, registration=registration)
    assert _free_seats(client.get(url)) == "2"


def test_a_change_made_without_signals_or_timestamps_still_shows(client):
    """Another process or a bulk update: the seat counter is read from the database every time
    (a change of the registrations made outside the services shows once they are recounted)."""
    event = EventFactory(capacity=3)
    url = reverse("events:detail", args=[event.slug])
    registration = services.register(actor=None, event=event, person=PersonFactory())
    assert _free_seats(client.get(url)) == "2"
    Registration.objects.filter(pk=registration.pk).update(status="cancelled")
    services.recount_seats(event=event)
    assert _free_seats(client.get(url)) == "3"
    Event.objects.filter(pk=event.pk).update(capacity=5)  # updated_at untouched
    assert _free_seats(client.get(url)) == "5"


def test_event_changes_and_hiding_the_event_show_at_once(client, staff):
    event = EventFactory(title="Old title", capacity=5)
    url = reverse("events:detail", args=[event.slug])
    assert "Old title" in client.get(url).content.decode()
    services.update_event(actor=staff, event=event, title="New title", title_en="New title")
    assert "New title" in client.get(url).content.decode()
    # Even a change that leaves updated_at alone (visibility is part of the fingerprint).
    type(event).objects.filter(pk=event.pk).update(
        visibility="members", updated_at=event.updated_at
    )
    assert client.get(url).status_code == 404


def test_signed_in_people_never_get_the_stored_page(client, employee):
    event = EventFactory(capacity=5)
    url = reverse("events:detail", args=[event.slug])
    anonymous = Client().get(url).content.decode()
    assert "Sign in to register" in anonymous
    client.force_login(employee)
    mine = client.get(url).content.decode()
    assert "Sign in to register" not in mine
    assert 'action="/accounts/logout/"' in mine or "Sign out" in mine
    # ... and their page is not stored for anonymous visitors either.
    assert "Sign out" not in Client().get(url).content.decode()


def test_each_visitor_gets_a_working_csrf_token_of_their_own():
    event = EventFactory()
    url = reverse("events:detail", args=[event.slug])
    Client().get(url)  # stores the page
    tokens = []
    for visitor in [Client(enforce_csrf_checks=True) for _ in range(2)]:
        response = visitor.get(url)
        assert "csrftoken" in response.cookies
        (token,) = _csrf_tokens(response)  # the HTMX header and the language form
        tokens.append(token)
        changed = visitor.post(
            reverse("set_language"), {"language": "da", "next": url, "csrfmiddlewaretoken": token}
        )
        assert changed.status_code == 302
    assert tokens[0] != tokens[1]
    assert "KlyngeCsrfPlaceholder" not in Client().get(url).content.decode()


def test_languages_and_time_zones_are_stored_apart(client):
    event = EventFactory(title_da="Morgenmøde", title_en="Breakfast meeting")
    url = reverse("events:detail", args=[event.slug])
    assert (
        "Breakfast meeting" in client.get(url, headers={"Accept-Language": "en"}).content.decode()
    )
    assert "Morgenmøde" in Client().get(url, headers={"Accept-Language": "da"}).content.decode()
    assert (
        "Breakfast meeting" in Client().get(url, headers={"Accept-Language": "en"}).content.decode()
    )
    london = client.get(url, {"tz": "Europe/London"}).content.decode()
    assert "(Europe/London)" in london
    assert "(Europe/Copenhagen)" in client.get(url).content.decode()


def _visitor_with_message(text: str) -> Client:
    storage = CookieStorage(HttpRequest())
    storage.add(constants.INFO, text)
    response = HttpResponse()
    storage.update(response)
    visitor = Client()
    visitor.cookies["messages"] = response.cookies["messages"].value
    return visitor


def test_a_visitor_with_a_message_gets_a_fresh_page_that_is_not_stored(client):
    event = EventFactory()
    url = reverse("events:detail", args=[event.slug])
    client.get(url)  # stored
    assert "A one-off notice" in _visitor_with_message("A one-off notice").get(url).content.decode()
    assert "A one-off notice" not in Client().get(url).content.decode()


def test_unknown_and_hidden_events_are_404_also_when_stored(client):
    draft = EventFactory(status="draft")
    assert client.get(reverse("events:detail", args=[draft.slug])).status_code == 404
    assert client.get(reverse("events:detail", args=["no-such-event"])).status_code == 404
