import datetime

import pytest
from django.core import mail

from klynge.ecosystem.models import Person
from klynge.ecosystem.tests.factories import OrganisationFactory, PersonFactory
from klynge.events import services
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


def test_api_registrations_check_ticket_types_and_questions(api_client, staff, employee):
    """The API reads an event with whether it has ticket types and questions, and skips
    reading those it has none of: an event that has them still checks them, for staff naming
    a person and for a person registering themself."""
    event = EventFactory(capacity=10)
    services.create_category(actor=staff, event=event, name="Speakers", kind="speaker")
    question = services.create_question(
        actor=staff, event=event, label="Dietary needs", kind="yes_no", required=True
    )
    url = f"/api/v1/events/{event.pk}/registrations"
    refused = api_client(employee).post(url, {"answers": {}}, content_type=JSON)
    assert (refused.status_code, refused.json()["errors"]) == (
        400,
        {"category": ["No ticket type is open to you."]},
    )
    person = PersonFactory()
    unanswered = api_client(staff).post(url, {"person": person.pk}, content_type=JSON)
    assert (unanswered.status_code, unanswered.json()["errors"]) == (
        400,
        {"answers": ["Answer: Dietary needs"]},
    )
    assert not Registration.objects.exists()
    answered = api_client(staff).post(
        url, {"person": person.pk, "answers": {str(question.pk): "no"}}, content_type=JSON
    )
    assert answered.status_code == 201
    registration = Registration.objects.get()
    assert (registration.category.name, registration.answers) == (
        "Speakers",
        {str(question.pk): "no"},
    )


def test_an_event_without_ticket_types_or_questions_costs_two_reads_less(
    api_client, staff, django_assert_num_queries
):
    plain, asking = EventFactory(), EventFactory()
    services.create_category(actor=staff, event=asking, name="Everyone")
    question = services.create_question(actor=staff, event=asking, label="Note")
    client = api_client(staff)
    client.post(  # the token's last use is noted once a minute: not in the counts below
        f"/api/v1/events/{plain.pk}/registrations",
        {"person": PersonFactory().pk},
        content_type=JSON,
    )
    a, b = PersonFactory(), PersonFactory()
    # token, event, person, affiliations, then the transaction (a savepoint pair in the test's
    # transaction): registration, audit entry and the seat (the tests send e-mail at once)
    with django_assert_num_queries(9):
        plain_response = client.post(
            f"/api/v1/events/{plain.pk}/registrations", {"person": a.pk}, content_type=JSON
        )
    with django_assert_num_queries(12):  # its ticket types, questions, and the type's seat
        asking_response = client.post(
            f"/api/v1/events/{asking.pk}/registrations",
            {"person": b.pk, "answers": {str(question.pk): "Late"}},
            content_type=JSON,
        )
    assert (plain_response.status_code, asking_response.status_code) == (201, 201)


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
    client.get("/api/v1/events")  # the token's first use is recorded once
    # token, roles, count, page: the same whatever the number of events
    with django_assert_num_queries(4):
        body = client.get("/api/v1/events").json()
    assert sorted(e["title"] for e in body["items"]) == ["Members", "W", "Web"]
    for n in range(3):
        EventFactory(title=f"More {n}", organiser=OrganisationFactory())
    with django_assert_num_queries(4):
        assert client.get("/api/v1/events").json()["count"] == 6
    body = client.get("/api/v1/events?kind=webinar").json()
    assert [e["title"] for e in body["items"]] == ["Web"]
    body = client.get("/api/v1/events?format=online").json()
    assert [e["title"] for e in body["items"]] == ["Web"]
    assert client.get("/api/v1/events?when=past").json()["count"] == 0


def test_the_event_list_pages_through_events_at_the_same_moment_each_once(api_client, employee):
    at = datetime.datetime(2030, 5, 1, 8, tzinfo=datetime.UTC)
    ids = [
        EventFactory(starts_at=at, ends_at=at + datetime.timedelta(hours=2)).pk for _ in range(60)
    ]
    client = api_client(employee)
    pages = [client.get(f"/api/v1/events?page={n}").json()["items"] for n in (1, 2)]
    assert [event["id"] for page in pages for event in page] == ids  # in id order, none twice


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


def test_staff_publish_edit_and_cancel_through_the_api(
    api_client, staff, employee, people, django_capture_on_commit_callbacks
):
    event = EventFactory(status="draft", capacity=2, title="Draft summit")
    client = api_client(staff)
    base = f"/api/v1/events/{event.pk}"
    # Others may not, whatever they send.
    other = api_client(employee)
    assert other.post(f"{base}/publish").status_code == 403
    assert other.patch(base, {"capacity": 9}, content_type=JSON).status_code == 403
    assert other.post(f"{base}/cancel", {}, content_type=JSON).status_code == 403
    # Staff register someone for the draft (the page allows it too).
    a, b = people(2)
    response = client.post(f"{base}/registrations", {"person": a.pk}, content_type=JSON)
    assert (response.status_code, response.json()["status"]) == (201, "confirmed")
    response = client.post(f"{base}/publish")
    assert (response.status_code, response.json()["status"]) == (200, "published")
    response = client.post(f"{base}/publish")
    assert (response.status_code, response.json()["errors"]) == (
        400,
        {"__all__": ["Only a draft can be published."]},
    )
    response = client.patch(
        base,
        {"title_en": "Summit", "capacity": 5, "start": "2031-05-01T10:00:00",
         "end": "2031-05-01T12:00:00"},
        content_type=JSON,
    )  # fmt: skip
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["title_en"], body["capacity"], body["start"], body["seats"]["free"]) == (
        "Summit", 5, "2031-05-01T08:00:00Z", 4,
    )  # fmt: skip
    # Fewer seats than are taken: a clear 400 on the field, and nothing changes.
    client.post(f"{base}/registrations", {"person": b.pk}, content_type=JSON)
    response = client.patch(base, {"capacity": 1}, content_type=JSON)
    assert (response.status_code, response.json()["errors"]) == (
        400,
        {
            "capacity": [
                "2 seats are already taken (confirmed or offered): the event cannot have "
                "fewer. Cancel registrations first to lower it."
            ]
        },
    )
    event.refresh_from_db()
    assert (event.capacity, event.title_en) == (5, "Summit")
    assert client.patch(base, {"capacity": -1}, content_type=JSON).status_code == 422
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"{base}/cancel", {"note": "The venue burnt down."}, content_type=JSON
        )
    assert (response.status_code, response.json()["status"]) == (200, "cancelled")
    assert sorted(m.to[0] for m in mail.outbox if "cancelled" in m.subject.lower()) == sorted(
        [a.email, b.email]
    )
    response = client.post(f"{base}/cancel", {}, content_type=JSON)
    assert (response.status_code, response.json()["errors"]) == (
        400,
        {"__all__": ["The event is already cancelled."]},
    )
    assert client.post("/api/v1/events/999999/publish").status_code == 404


def test_non_staff_cannot_probe_drafts_by_registering_someone(api_client, employee):
    draft = EventFactory(status="draft")
    person = PersonFactory()
    response = api_client(employee).post(
        f"/api/v1/events/{draft.pk}/registrations", {"person": person.pk}, content_type=JSON
    )
    assert response.status_code == 403
    assert (
        api_client(employee)
        .post(f"/api/v1/events/{draft.pk}/registrations", {}, content_type=JSON)
        .status_code
        == 404
    )


def test_check_in_through_the_api(api_client, staff, employee, people):
    event = EventFactory()
    a, b = people(2)
    mine = services.register(actor=None, event=event, person=a)
    full = EventFactory(capacity=0)
    waiting = services.register(actor=None, event=full, person=b)
    client = api_client(staff)
    url = f"/api/v1/events/{event.pk}/check-in"
    assert api_client(employee).post(url, {"code": mine.code}, content_type=JSON).status_code == 403
    response = client.post(url, {"code": f"  {mine.code.lower()} "}, content_type=JSON)
    assert response.status_code == 200
    body = response.json()
    mine.refresh_from_db()
    assert (body["id"], body["name"], body["checked_in_at"] is not None) == (
        mine.pk, a.full_name, True,
    )  # fmt: skip
    first = mine.checked_in_at
    # Again: still checked in, at the first time.
    client.post(url, {"code": mine.code}, content_type=JSON)
    mine.refresh_from_db()
    assert mine.checked_in_at == first
    # Another event's code is not found here; a waiting-list ticket does not check in.
    assert client.post(url, {"code": waiting.code}, content_type=JSON).status_code == 404
    response = client.post(
        f"/api/v1/events/{full.pk}/check-in", {"code": waiting.code}, content_type=JSON
    )
    assert (response.status_code, response.json()["errors"]) == (
        400,
        {"__all__": ["Only a confirmed registration can check in."]},
    )
    assert client.post(url, {}, content_type=JSON).status_code == 422


def test_organisers_read_the_answers_in_the_api(
    api_client, staff, employee, django_assert_num_queries
):
    event = EventFactory()
    diet = services.create_question(actor=staff, event=event, label="Dietary needs")
    shirt = services.create_question(
        actor=staff, event=event, label="T-shirt", kind="choice", choices=["S", "M", "L"]
    )
    client = api_client(employee)
    response = client.post(
        f"/api/v1/events/{event.pk}/registrations",
        {"answers": {str(diet.pk): "Vegan", str(shirt.pk): "M"}},
        content_type=JSON,
    )
    assert response.status_code == 201
    assert response.json()["answers"] == {str(diet.pk): "Vegan", str(shirt.pk): "M"}
    bad = api_client(staff).post(
        f"/api/v1/events/{event.pk}/registrations",
        {"person": PersonFactory().pk, "answers": {str(shirt.pk): "XXL"}},
        content_type=JSON,
    )
    assert (bad.status_code, bad.json()["errors"]) == (
        400,
        {"answers": ["Choose one of the answers to: T-shirt"]},
    )
    for _ in range(3):
        services.register(actor=None, event=event, person=PersonFactory())
    staff_client = api_client(staff)
    staff_client.get(f"/api/v1/events/{event.pk}/registrations")
    # token, event, count, page (people and ticket types joined); staff is read from the user
    with django_assert_num_queries(4):
        items = staff_client.get(f"/api/v1/events/{event.pk}/registrations").json()["items"]
    answered = {i["name"]: i["answers"] for i in items}
    assert len(answered) == 4
    assert answered[Person.objects.get(user=employee).full_name] == {
        str(diet.pk): "Vegan",
        str(shirt.pk): "M",
    }
