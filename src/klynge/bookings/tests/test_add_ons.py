"""Add-ons: shared between resources, booked at the day's price, removable, in the API; an
exclusive one (a technician, a single kit) never serves two overlapping bookings."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from klynge.bookings import services
from klynge.bookings.models import AddOn, Booking, BookingAddOn
from klynge.bookings.tests.conftest import CPH, local
from klynge.bookings.tests.factories import ResourceFactory
from klynge.core.models import AuditEntry

pytestmark = pytest.mark.django_db

NOW = local(2026, 10, 1, 9, 0)


@pytest.fixture
def video(db):
    return ResourceFactory(name="Video studio", slug="video-studio")


@pytest.fixture
def technician(studio, video, staff):
    """One sound technician, offered with both studios."""
    return services.add_add_on(
        actor=staff,
        name="Sound technician",
        price=Decimal("450.00"),
        exclusive=True,
        resources=[studio, video],
    )


def book(user, resource, start, end, **kwargs):
    kwargs.setdefault("now", NOW)
    return services.create_booking(
        actor=user, resource=resource, user=user, start=start, end=end, **kwargs
    )


def refusal(user, resource, start, end, **kwargs):
    with pytest.raises(services.BookingRefused) as caught:
        book(user, resource, start, end, **kwargs)
    return caught.value.reason, caught.value.message_text


def test_an_add_on_is_booked_at_the_price_of_the_day(employee, membership, studio, technician):
    booking = book(
        employee,
        studio,
        local(2026, 10, 5, 10),
        local(2026, 10, 5, 12),
        add_ons=[technician],
    )
    services.update_add_on(
        actor=None,
        add_on=technician,
        name="Sound technician",
        price=Decimal("500.00"),
        exclusive=True,
        resources=technician.resources.all(),
    )
    row = BookingAddOn.objects.get(booking=booking)
    assert (row.add_on, row.price, row.start, row.end, row.holding) == (
        technician,
        Decimal("450.00"),
        booking.start,
        booking.end,
        True,
    )
    assert list(booking.add_ons.all()) == [technician]


def test_an_exclusive_add_on_serves_one_booking_at_a_time_across_resources(
    employee, member_admin, membership, studio, video, technician
):
    book(employee, studio, local(2026, 10, 5, 10), local(2026, 10, 5, 12), add_ons=[technician])
    # The other studio is free, but the technician is not.
    assert refusal(
        member_admin, video, local(2026, 10, 5, 11), local(2026, 10, 5, 13), add_ons=[technician]
    ) == ("add_on_taken", "Sound technician is booked for another booking then.")
    assert Booking.objects.filter(resource=video).count() == 0
    # Right after, or without the technician, is fine.
    after = book(
        member_admin,
        video,
        local(2026, 10, 5, 12),
        local(2026, 10, 5, 13),
        add_ons=[technician.pk],
    )
    book(member_admin, video, local(2026, 10, 5, 10), local(2026, 10, 5, 11))
    # A non-exclusive add-on (make-up) may serve any number of bookings at once.
    makeup = services.add_add_on(actor=None, name="Make-up", price=Decimal(300), resources=[video])
    makeup.resources.add(studio)
    book(member_admin, video, local(2026, 10, 6, 10), local(2026, 10, 6, 11), add_ons=[makeup])
    book(employee, studio, local(2026, 10, 6, 10), local(2026, 10, 6, 11), add_ons=[makeup])
    # Moving a booking onto the technician's busy time is refused too.
    with pytest.raises(services.BookingRefused) as caught:
        services.change_booking(
            actor=member_admin,
            booking=after,
            start=local(2026, 10, 5, 11),
            end=local(2026, 10, 5, 12),
            now=NOW,
        )
    # The video studio is free 11–12 (its other booking ends at 11), the technician is not.
    assert caught.value.reason == "add_on_taken"
    after.refresh_from_db()
    assert after.start == local(2026, 10, 5, 12)


def test_cancelling_frees_the_add_on(employee, member_admin, membership, studio, video, technician):
    first = book(
        employee, studio, local(2026, 10, 5, 10), local(2026, 10, 5, 12), add_ons=[technician]
    )
    services.cancel_booking(actor=employee, booking=first, now=NOW)
    assert BookingAddOn.objects.get(booking=first).holding is False
    second = book(
        member_admin, video, local(2026, 10, 5, 10), local(2026, 10, 5, 12), add_ons=[technician]
    )
    # Moving it keeps the technician with it.
    services.change_booking(
        actor=member_admin,
        booking=second,
        start=local(2026, 10, 5, 14),
        end=local(2026, 10, 5, 15),
        now=NOW,
    )
    row = BookingAddOn.objects.get(booking=second)
    assert (row.start, row.end) == (local(2026, 10, 5, 14), local(2026, 10, 5, 15))
    book(employee, studio, local(2026, 10, 5, 10), local(2026, 10, 5, 12), add_ons=[technician])


def test_only_add_ons_offered_with_the_resource_can_be_booked(
    employee, membership, studio, technician
):
    elsewhere = ResourceFactory(name="Room")
    lights = services.add_add_on(actor=None, resource=elsewhere, name="Lights", price=Decimal(10))
    for chosen in ([lights], [999999]):
        with pytest.raises(ValidationError) as caught:
            book(employee, studio, local(2026, 10, 5, 10), local(2026, 10, 5, 11), add_ons=chosen)
        assert caught.value.message_dict == {
            "add_ons": ["Choose add-ons offered with this resource."]
        }
    services.withdraw_add_on(actor=None, add_on=technician, resource=studio)
    with pytest.raises(ValidationError):
        book(employee, studio, local(2026, 10, 5, 10), local(2026, 10, 5, 11), add_ons=[technician])
    assert Booking.objects.count() == 0


def test_removing_an_add_on_from_a_booking(employee, staff, membership, studio, technician):
    booking = book(
        employee, studio, local(2026, 10, 5, 10), local(2026, 10, 5, 12), add_ons=[technician]
    )
    # 23 hours before: too late for the person (free until 24 hours before), not for staff.
    late = local(2026, 10, 4, 11)
    with pytest.raises(services.BookingRefused) as caught:
        services.remove_add_on(actor=employee, booking=booking, add_on=technician, now=late)
    assert caught.value.reason == "too_late"
    services.remove_add_on(actor=staff, booking=booking, add_on=technician, now=late)
    assert BookingAddOn.objects.count() == 0
    assert AuditEntry.objects.filter(action="bookings.booking.remove_add_on").count() == 1
    with pytest.raises(ValidationError) as missing:
        services.remove_add_on(actor=staff, booking=booking, add_on=technician, now=late)
    assert missing.value.message_dict == {"add_on": ["This booking does not have this add-on."]}


def next_monday() -> datetime.date:
    today = timezone.localdate()
    return today - datetime.timedelta(days=today.weekday()) + datetime.timedelta(weeks=2)


def test_add_ons_through_the_pages(client, employee, membership, studio, technician):
    monday = next_monday()
    client.force_login(employee)
    book_url = reverse("bookings:book", args=[studio.slug])
    form = client.get(book_url).context["form"]
    assert [label for _value, label in form.fields["add_ons"].choices] == [
        "Sound technician (DKK450.00)"
    ]
    response = client.post(
        book_url,
        {
            "start": f"{monday}T10:00",
            "minutes": "60",
            "weeks": "1",
            "add_ons": [technician.pk],
        },
    )
    assert response.status_code == 302
    booking = Booking.objects.get()
    detail = client.get(booking.get_absolute_url()).content.decode()
    assert "Sound technician (DKK450.00, on the monthly invoice)" in detail
    removed = client.post(
        reverse("bookings:remove_add_on", args=[booking.pk]), {"add_on": technician.pk}
    )
    assert removed.status_code == 302
    assert BookingAddOn.objects.count() == 0


def test_add_ons_through_the_api(
    api_client, employee, member_admin, membership, studio, technician
):
    monday = next_monday()
    start = datetime.datetime.combine(monday, datetime.time(10), tzinfo=CPH)
    client = api_client(employee)
    resource = client.get(f"/api/v1/resources/{studio.pk}").json()
    assert resource["add_ons"] == [
        {"id": technician.pk, "name": "Sound technician", "price": "450.00", "exclusive": True}
    ]
    body = {
        "resource": studio.pk,
        "start": start.isoformat(),
        "end": (start + datetime.timedelta(hours=2)).isoformat(),
        "add_ons": [technician.pk],
    }
    created = client.post("/api/v1/bookings", body, content_type="application/json")
    assert created.status_code == 201
    booking_id = created.json()["id"]
    assert client.get(f"/api/v1/bookings/{booking_id}").json()["add_ons"] == [
        {"id": technician.pk, "name": "Sound technician", "price": "450.00"}
    ]
    other = ResourceFactory(name="Video studio")
    technician.resources.add(other)
    busy = api_client(member_admin).post(
        "/api/v1/bookings", {**body, "resource": other.pk}, content_type="application/json"
    )
    assert (busy.status_code, busy.json()) == (
        409,
        {
            "detail": "Sound technician is booked for another booking then.",
            "reason": "add_on_taken",
        },
    )
    unknown = client.post(
        "/api/v1/bookings",
        {**body, "resource": other.pk, "add_ons": [technician.pk + 1000]},
        content_type="application/json",
    )
    assert (unknown.status_code, unknown.json()["errors"]) == (
        400,
        {"add_ons": ["Choose add-ons offered with this resource."]},
    )
    assert (
        api_client(member_admin)
        .delete(f"/api/v1/bookings/{booking_id}/add-ons/{technician.pk}")
        .status_code
        == 403
    )
    removed = client.delete(f"/api/v1/bookings/{booking_id}/add-ons/{technician.pk}")
    assert (removed.status_code, removed.json()["add_ons"]) == (200, [])


def test_staff_manage_add_ons_across_resources(client, staff, studio, video):
    client.force_login(staff)
    edit = reverse("bookings:resource_edit", args=[studio.slug])
    bad = client.post(edit, {"section": "add_on", "name": "", "price": "-1"})
    assert bad.status_code == 400
    assert set(bad.context["add_on_form"].errors) == {"name", "price"}
    created = client.post(
        edit,
        {
            "section": "add_on",
            "name": "Camera operator",
            "price": "650",
            "exclusive": "on",
            "resources": [video.pk],
        },
    )
    assert created.status_code == 302
    operator = AddOn.objects.get()
    assert (operator.exclusive, sorted(r.name for r in operator.resources.all())) == (
        True,
        ["Podcast studio", "Video studio"],
    )
    client.post(edit, {"section": "withdraw_add_on", "add_on": operator.pk})
    assert [r.name for r in operator.resources.all()] == ["Video studio"]
    listing = client.get(reverse("bookings:add_ons"))
    assert [a.name for a in listing.context["add_ons"]] == ["Camera operator"]
    page = reverse("bookings:add_on", args=[operator.pk])
    client.post(page, {"withdraw": "1"})
    operator.refresh_from_db()
    assert operator.is_active is False
    saved = client.post(page, {"name": "Camera operator", "price": "700", "resources": [video.pk]})
    assert saved.status_code == 302
    operator.refresh_from_db()
    assert (operator.price, operator.exclusive, operator.is_active) == (
        Decimal("700.00"),
        False,
        True,
    )
