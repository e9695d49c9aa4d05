import datetime

import pytest
from django.utils import timezone

from klynge.bookings.models import Booking, Resource
from klynge.bookings.tests.conftest import CPH
from klynge.bookings.tests.factories import BookingFactory, ResourceFactory
from klynge.ecosystem.models import Person

pytestmark = pytest.mark.django_db


def a_day_ahead(days=10) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def at(day, hour, minute=0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=CPH)


DANISH_MONTHS = [
    "januar",
    "februar",
    "marts",
    "april",
    "maj",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "december",
]


def post(client, path, data):
    return client.post(path, data, content_type="application/json")


def test_staff_create_a_resource_open_around_the_clock(api_client, staff, employee, membership):
    response = post(
        api_client(staff), "/api/v1/resources", {"name": "Podcast studio", "kind": "studio"}
    )
    assert response.status_code == 201
    resource = Resource.objects.get(pk=response.json()["id"])
    assert (resource.name, resource.kind, resource.slug) == (
        "Podcast studio",
        "studio",
        "podcast-studio",
    )
    assert response.json()["opening_hours"] == []
    day = a_day_ahead()
    availability = api_client(employee).get(
        f"/api/v1/resources/{resource.pk}/availability",
        {
            "start": at(day, 0).isoformat(),
            "end": at(day + datetime.timedelta(days=1), 0).isoformat(),
        },
    )
    assert availability.status_code == 200
    assert [
        (datetime.datetime.fromisoformat(p["start"]), datetime.datetime.fromisoformat(p["end"]))
        for p in availability.json()["open"]
    ] == [(at(day, 0), at(day + datetime.timedelta(days=1), 0))]


def test_only_staff_create_resources(api_client, employee, client):
    assert (
        post(api_client(employee), "/api/v1/resources", {"name": "X", "kind": "studio"}).status_code
        == 403
    )
    assert post(client, "/api/v1/resources", {"name": "X", "kind": "studio"}).status_code == 401
    bad = post(api_client(employee), "/api/v1/resources", {"name": "X", "kind": "castle"})
    assert bad.status_code == 422
    assert Resource.objects.count() == 0


def test_booking_answers_201_then_409_taken(api_client, employee, membership, studio):
    day = a_day_ahead()
    body = {"resource": studio.pk, "start": at(day, 10).isoformat(), "end": at(day, 12).isoformat()}
    created = post(api_client(employee), "/api/v1/bookings", body)
    assert created.status_code == 201
    booking = Booking.objects.get()
    assert created.json() == {"id": booking.pk, "status": "confirmed"}
    taken = post(
        api_client(employee), "/api/v1/bookings", {**body, "start": at(day, 11).isoformat()}
    )
    assert taken.status_code == 409
    assert taken.json() == {"detail": "This time is already booked.", "reason": "taken"}


@pytest.mark.parametrize(
    ("hours", "reason"),
    [((7, 8), "outside_hours"), ((9, 18), "too_long"), ((10, 10.5), "too_short")],
)
def test_409_reasons(api_client, employee, membership, hours, reason):
    resource = ResourceFactory(min_minutes=60, max_minutes=480)
    from klynge.bookings import services

    services.set_opening_hours(
        actor=None, resource=resource, periods=[(d, 480, 1080) for d in range(7)]
    )
    day = a_day_ahead()
    start = at(day, int(hours[0]), int(hours[0] % 1 * 60))
    end = at(day, int(hours[1]), int(hours[1] % 1 * 60))
    response = post(
        api_client(employee),
        "/api/v1/bookings",
        {"resource": resource.pk, "start": start.isoformat(), "end": end.isoformat()},
    )
    assert response.status_code == 409
    assert response.json()["reason"] == reason


def test_over_quota_is_a_409_in_the_callers_language(api_client, employee, membership, studio):
    day = a_day_ahead(days=40)
    first = post(
        api_client(employee),
        "/api/v1/bookings",
        {"resource": studio.pk, "start": at(day, 8).isoformat(), "end": at(day, 16).isoformat()},
    )
    assert first.status_code == 201
    response = post(
        api_client(employee, **{"Accept-Language": "da"}),
        "/api/v1/bookings",
        {"resource": studio.pk, "start": at(day, 17).isoformat(), "end": at(day, 20).isoformat()},
    )
    assert response.status_code == 409
    month = DANISH_MONTHS[day.month - 1]
    assert response.json() == {
        "detail": f"Fynsk Lyd ApS har 2 af sine 10 inkluderede timer tilbage i {month} {day.year}.",
        "reason": "over_quota",
    }
    # The same refusal in English for a caller who asks for English.
    english = post(
        api_client(employee, **{"Accept-Language": "en"}),
        "/api/v1/bookings",
        {"resource": studio.pk, "start": at(day, 17).isoformat(), "end": at(day, 20).isoformat()},
    )
    assert english.json()["detail"] == (
        f"Fynsk Lyd ApS has 2 of its 10 included hours left in {day:%B} {day.year}."
    )


def test_staff_book_for_a_person_and_others_may_not(
    api_client, staff, employee, member_admin, membership, studio
):
    day = a_day_ahead()
    person = Person.objects.get(user=employee)
    body = {
        "resource": studio.pk,
        "start": at(day, 10).isoformat(),
        "end": at(day, 11).isoformat(),
        "person": person.pk,
    }
    assert post(api_client(member_admin), "/api/v1/bookings", body).status_code == 403
    response = post(api_client(staff), "/api/v1/bookings", body)
    assert response.status_code == 201
    booking = Booking.objects.get()
    assert (booking.user, booking.organisation, booking.created_by) == (
        employee,
        membership.organisation,
        staff,
    )


def test_bad_booking_input(api_client, employee, membership, studio):
    client = api_client(employee)
    day = a_day_ahead()
    backwards = post(
        client,
        "/api/v1/bookings",
        {"resource": studio.pk, "start": at(day, 12).isoformat(), "end": at(day, 10).isoformat()},
    )
    assert backwards.status_code == 400
    missing = post(client, "/api/v1/bookings", {"resource": studio.pk, "start": "tomorrow"})
    assert missing.status_code == 422
    huge = post(
        client,
        "/api/v1/bookings",
        {"resource": 2**70, "start": at(day, 10).isoformat(), "end": at(day, 11).isoformat()},
    )
    assert huge.status_code == 422
    unknown = post(
        client,
        "/api/v1/bookings",
        {"resource": 999999, "start": at(day, 10).isoformat(), "end": at(day, 11).isoformat()},
    )
    assert unknown.status_code == 404
    assert client.get(f"/api/v1/resources/{2**70}").status_code == 422


def test_availability_shows_busy_periods_with_buffers_and_free_time(api_client, employee, studio):
    studio.buffer_after_minutes = 30
    studio.save()
    day = a_day_ahead()
    BookingFactory(resource=studio, start=at(day, 10), end=at(day, 12))
    response = api_client(employee).get(
        f"/api/v1/resources/{studio.pk}/availability",
        {"start": at(day, 8).isoformat(), "end": at(day, 14).isoformat()},
    )
    data = response.json()

    def as_local(value):
        return datetime.datetime.fromisoformat(value).astimezone(CPH).strftime("%H:%M")

    assert [(as_local(b["start"]), as_local(b["end"]), b["kind"]) for b in data["busy"]] == [
        ("10:00", "12:30", "booked")
    ]
    assert [(as_local(f["start"]), as_local(f["end"])) for f in data["free"]] == [
        ("08:00", "10:00"),
        ("12:30", "14:00"),
    ]
    too_wide = api_client(employee).get(
        f"/api/v1/resources/{studio.pk}/availability",
        {
            "start": at(day, 8).isoformat(),
            "end": at(day + datetime.timedelta(days=90), 8).isoformat(),
        },
    )
    assert too_wide.status_code == 400


def test_list_and_cancel_my_bookings(api_client, employee, member_admin, membership, studio):
    day = a_day_ahead()
    client = api_client(employee)
    booking_id = post(
        client,
        "/api/v1/bookings",
        {"resource": studio.pk, "start": at(day, 10).isoformat(), "end": at(day, 11).isoformat()},
    ).json()["id"]
    assert [b["id"] for b in client.get("/api/v1/bookings").json()] == [booking_id]
    # The organisation's admin sees it; another person does not.
    assert api_client(member_admin).get(f"/api/v1/bookings/{booking_id}").status_code == 200
    assert api_client(member_admin).post(f"/api/v1/bookings/{booking_id}/cancel").status_code == 403
    cancelled = client.post(f"/api/v1/bookings/{booking_id}/cancel")
    assert (
        cancelled.status_code,
        cancelled.json()["status"],
        cancelled.json()["late_cancellation"],
    ) == (
        200,
        "cancelled",
        False,
    )
