import datetime

import pytest
from django.core import mail

from klynge.ecosystem.models import Person
from klynge.ecosystem.tests.factories import PersonFactory
from klynge.events.models import Event, Registration
from klynge.events.tests.factories import EventFactory

pytestmark = pytest.mark.django_db

JSON = "application/json"


def test_staff_create_an_event_as_the_contract_says(api_client, staff):
    client = api_client(staff)
    response = client.post(
        "/api/v1/events",
        {
            "title": "MediaTech Summit",
            "start": "2027-03-26T09:00:00+01:00",
            "end": "2027-03-26T17:00:00+01:00",
            "capacity": 120,
            "visibility": "public",
            "status": "published",
        },
        content_type=JSON,
    )
    assert response.status_code == 201
    body = response.json()
    event = Event.objects.get(pk=body["id"])
    assert (event.title, event.capacity, event.status, event.visibility, event.waitlist) == (
        "MediaTech Summit",
        120,
        "published",
        "public",
        True,
    )
    assert event.starts_at == datetime.datetime(2027, 3, 26, 8, 0, tzinfo=datetime.UTC)
    assert (body["slug"], body["start"], body["seats"]["free"]) == (
        "mediatech-summit",
        "2027-03-26T08:00:00Z",
        120,
    )


def test_naive_times_are_read_in_the_events_time_zone(api_client, staff):
    response = api_client(staff).post(
        "/api/v1/events",
        {
            "title": "Webinar",
            "start": "2027-07-01T10:00:00",
            "end": "2027-07-01T11:00:00",
            "time_zone": "America/New_York",
            "waitlist": False,
        },
        content_type=JSON,
    )
    assert response.status_code == 201
    event = Event.objects.get()
    assert event.starts_at == datetime.datetime(2027, 7, 1, 14, 0, tzinfo=datetime.UTC)
    assert (event.waitlist, event.status) == (False, "draft")


def test_non_staff_cannot_create_and_bad_input_is_a_4xx(api_client, employee, staff):
    data = {"title": "X", "start": "2027-01-01T10:00:00Z", "end": "2027-01-01T11:00:00Z"}
    response = api_client(employee).post("/api/v1/events", data, content_type=JSON)
    assert response.status_code == 403
    backwards = {**data, "end": "2027-01-01T09:00:00Z"}
    response = api_client(staff).post("/api/v1/events", backwards, content_type=JSON)
    assert (response.status_code, response.json()["errors"]) == (
        400,
        {"ends_at": ["The event cannot end before it starts."]},
    )
    response = api_client(staff).post(
        "/api/v1/events", {**data, "status": "cancelled"}, content_type=JSON
    )
    assert response.status_code == 422


def test_register_self_then_409_when_registered_again(api_client, employee):
    event = EventFactory(capacity=1)
    client = api_client(employee)
    url = f"/api/v1/events/{event.pk}/registrations"
    response = client.post(url, {}, content_type=JSON)
    assert response.status_code == 201
    registration = Registration.objects.get()
    assert response.json()["id"] == registration.pk
    assert response.json()["status"] == "confirmed"
    assert registration.person == Person.objects.get(user=employee)
    again = client.post(url, {}, content_type=JSON)
    assert again.status_code == 409
    person = registration.person
    assert again.json() == {
        "detail": f"{person.full_name} is already registered for this event.",
        "reason": "already_registered",
    }


def test_staff_register_people_waitlisted_and_full(api_client, staff):
    with_list = EventFactory(capacity=1)
    without = EventFactory(capacity=1, waitlist=False)
    a, b = PersonFactory(), PersonFactory()
    client = api_client(staff)
    statuses = [
        client.post(
            f"/api/v1/events/{with_list.pk}/registrations", {"person": p.pk}, content_type=JSON
        ).json()["status"]
        for p in (a, b)
    ]
    assert statuses == ["confirmed", "waitlisted"]
    client.post(f"/api/v1/events/{without.pk}/registrations", {"person": a.pk}, content_type=JSON)
    full = client.post(
        f"/api/v1/events/{without.pk}/registrations", {"person": b.pk}, content_type=JSON
    )
    assert (full.status_code, full.json()) == (
        409,
        {"detail": "This event is full.", "reason": "full"},
    )


def test_only_staff_name_a_person(api_client, employee):
    event = EventFactory()
    other = PersonFactory()
    response = api_client(employee).post(
        f"/api/v1/events/{event.pk}/registrations", {"person": other.pk}, content_type=JSON
    )
    assert response.status_code == 403
    assert not Registration.objects.exists()


def test_cancel_by_delete_promotes_the_next(api_client, employee, staff):
    event = EventFactory(capacity=1, offer_hours=0)
    client = api_client(employee)
    url = f"/api/v1/events/{event.pk}/registrations"
    mine = client.post(url, {}, content_type=JSON).json()
    waiting = PersonFactory()
    api_client(staff).post(url, {"person": waiting.pk}, content_type=JSON)
    response = client.delete(f"{url}/{mine['id']}")
    assert (response.status_code, response.json()["status"]) == (200, "cancelled")
    assert Registration.objects.get(person=waiting).status == "confirmed"
    # Someone else's registration is not found for an employee.
    other = Registration.objects.get(person=waiting)
    assert client.delete(f"{url}/{other.pk}").status_code == 404


def test_list_and_filter_events(api_client, employee, django_assert_num_queries):
    EventFactory(kind="workshop", title="W")
    EventFactory(kind="webinar", title="Web", format="online")
    EventFactory(status="draft", title="Draft")
    EventFactory(visibility="members", title="Members")
    client = api_client(employee)
    body = client.get("/api/v1/events").json()
    assert sorted(e["title"] for e in body["items"]) == ["Members", "W", "Web"]
    body = client.get("/api/v1/events?kind=webinar").json()
    assert [e["title"] for e in body["items"]] == ["Web"]
    body = client.get("/api/v1/events?format=online").json()
    assert [e["title"] for e in body["items"]] == ["Web"]
    assert client.get("/api/v1/events?when=past").json()["count"] == 0


def test_people_endpoint_contract(api_client, staff):
    """The issue's contract: POST /api/v1/people (staff) answers 201 with the person's id."""
    response = api_client(staff).post(
        "/api/v1/people",
        {"first_name": "Ida", "last_name": "Holm", "email": "ida@example.org"},
        content_type=JSON,
    )
    assert response.status_code == 201
    assert Person.objects.get(pk=response.json()["id"]).email == "ida@example.org"


def test_emails_go_out_for_api_registrations(
    api_client, employee, django_capture_on_commit_callbacks
):
    event = EventFactory()
    with django_capture_on_commit_callbacks(execute=True):
        api_client(employee).post(f"/api/v1/events/{event.pk}/registrations", {}, content_type=JSON)
    assert [m.to for m in mail.outbox] == [["emp@fynsklyd.example"]]
    assert mail.outbox[0].attachments[0][2] == "text/calendar"
