import datetime
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from klynge.bookings import services
from klynge.bookings.models import Booking, WaitlistEntry
from klynge.bookings.tests.conftest import CPH
from klynge.bookings.tests.factories import BookingFactory, ResourceFactory

pytestmark = pytest.mark.django_db


def next_monday(weeks=2) -> datetime.date:
    """A Monday one to two weeks ahead: far enough that a cancellation is never late (the free
    cancellation window is 24 hours) whatever weekday the tests run on."""
    today = timezone.localdate()
    return today - datetime.timedelta(days=today.weekday()) + datetime.timedelta(weeks=weeks)


def at(day, hour, minute=0):
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=CPH)


def test_the_resource_list_is_public_with_a_constant_query_count(client, django_assert_num_queries):
    ResourceFactory(name="Podcast studio")
    with django_assert_num_queries(2):
        response = client.get(reverse("bookings:resources"))
    assert [r.name for r in response.context["resources"]] == ["Podcast studio"]
    ResourceFactory(name="Video studio")
    ResourceFactory(name="Camera kit", is_active=False)
    ResourceFactory(name="Video wall")
    with django_assert_num_queries(2):
        response = client.get(reverse("bookings:resources"))
    assert [r.name for r in response.context["resources"]] == [
        "Podcast studio",
        "Video studio",
        "Video wall",
    ]


def test_the_week_view_and_its_htmx_swap(client, employee, membership, studio):
    monday = next_monday()
    BookingFactory(resource=studio, start=at(monday, 10), end=at(monday, 12))
    mine = BookingFactory(resource=studio, user=employee, start=at(monday, 14), end=at(monday, 15))
    client.force_login(employee)
    url = reverse("bookings:resource", args=[studio.slug])
    response = client.get(url, {"week": monday.isoformat()})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('data-state="taken"') == 4
    assert html.count('data-state="mine"') == 2
    assert f'href="/studios/podcast-studio/book/?start={monday.isoformat()}T09:00"' in html
    assert f"/studios/bookings/{mine.pk}/" in html
    partial = client.get(
        url,
        {"week": (monday + datetime.timedelta(days=7)).isoformat()},
        headers={"HX-Request": "true"},
    )
    body = partial.content.decode()
    assert body.startswith('<section id="week-grid"')
    assert "<html" not in body
    assert 'data-state="taken"' not in body
    assert 'hx-push-url="true"' in body


def test_the_week_view_has_a_constant_query_count(
    client, employee, membership, studio, django_assert_num_queries
):
    monday = next_monday()
    client.force_login(employee)
    url = reverse("bookings:resource", args=[studio.slug])
    BookingFactory(resource=studio, start=at(monday, 10), end=at(monday, 12))
    client.get(url, {"week": monday.isoformat()})
    # The swap needs only the resource, its hours, the bookings and closures of the week, and
    # the session and roles: no add-ons, photos or closure list of the whole page.
    with django_assert_num_queries(7):
        client.get(url, {"week": monday.isoformat()}, headers={"HX-Request": "true"})
    for day in range(1, 4):
        BookingFactory(
            resource=studio,
            start=at(monday, 10) + datetime.timedelta(days=day),
            end=at(monday, 12) + datetime.timedelta(days=day),
        )
    with django_assert_num_queries(7):
        client.get(url, {"week": monday.isoformat()}, headers={"HX-Request": "true"})


def test_book_confirm_and_cancel_through_the_pages(
    client, employee, membership, studio, django_capture_on_commit_callbacks
):
    monday = next_monday()
    client.force_login(employee)
    book_url = reverse("bookings:book", args=[studio.slug])
    form = client.get(book_url, {"start": f"{monday.isoformat()}T10:00"})
    assert form.context["form"].initial["start"] == datetime.datetime.combine(
        monday, datetime.time(10)
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            book_url, {"start": f"{monday.isoformat()}T10:00", "minutes": "120", "weeks": "1"}
        )
    booking = Booking.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("bookings:booking", args=[booking.pk])
    assert (booking.start, booking.minutes, booking.status) == (at(monday, 10), 120, "confirmed")
    assert [m.to for m in mail.outbox] == [[employee.email]]
    assert "http://testserver/studios/bookings/" in mail.outbox[0].body
    ics = client.get(reverse("bookings:booking_ics", args=[booking.pk]))
    assert ics["Content-Type"] == "text/calendar; charset=utf-8"
    assert b"BEGIN:VEVENT" in ics.content
    taken = client.post(
        book_url, {"start": f"{monday.isoformat()}T11:00", "minutes": "60", "weeks": "1"}
    )
    assert taken.status_code == 400
    assert taken.context["form"].non_field_errors() == ["This time is already booked."]
    assert taken.context["form"].offer_waitlist is True
    with django_capture_on_commit_callbacks(execute=True):
        cancel = client.post(reverse("bookings:cancel", args=[booking.pk]))
    assert cancel.status_code == 302
    booking.refresh_from_db()
    assert (booking.status, booking.late_cancellation) == ("cancelled", False)


def test_a_weekly_booking_reports_each_week(client, employee, membership, studio):
    monday = next_monday()
    BookingFactory(
        resource=studio,
        start=at(monday + datetime.timedelta(weeks=1), 10),
        end=at(monday + datetime.timedelta(weeks=1), 11),
    )
    client.force_login(employee)
    response = client.post(
        reverse("bookings:book", args=[studio.slug]),
        {"start": f"{monday.isoformat()}T10:00", "minutes": "60", "weeks": "3"},
    )
    assert response.status_code == 200
    assert [o.reason for o in response.context["occurrences"]] == ["", "taken", ""]
    assert 'data-reason="taken"' in response.content.decode()


def test_bad_booking_form_input_is_a_400(client, employee, membership, studio):
    client.force_login(employee)
    response = client.post(
        reverse("bookings:book", args=[studio.slug]),
        {"start": "soon", "minutes": "7", "weeks": "0"},
    )
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"start", "minutes", "weeks"}
    assert Booking.objects.count() == 0


def test_who_may_book(client, student, founder, studio):
    url = reverse("bookings:book", args=[studio.slug])
    assert client.get(url).status_code == 302  # anonymous: to the login page
    client.force_login(founder)
    assert client.get(url).status_code == 403
    client.force_login(student)
    assert client.get(url).status_code == 403
    studio.audience = "students"
    studio.save()
    form = client.get(url).context["form"]
    assert "supervisor" in form.fields


def test_my_bookings_and_the_organisations(
    client, employee, member_admin, membership, studio, django_assert_num_queries
):
    monday = next_monday()
    services.create_booking(
        actor=employee, resource=studio, user=employee, start=at(monday, 10), end=at(monday, 11)
    )
    client.force_login(employee)
    mine = client.get(reverse("bookings:mine"))
    assert [b.resource.name for b in mine.context["page"]] == ["Podcast studio"]
    assert "/studios/feeds/person/" in mine.context["feed_url"]
    assert client.get(reverse("bookings:organisation")).status_code == 403
    client.force_login(member_admin)
    with django_assert_num_queries(5):
        org = client.get(reverse("bookings:organisation"))
    assert [b.user for b in org.context["page"]] == [employee]
    for hour in (12, 13):
        services.create_booking(
            actor=employee,
            resource=studio,
            user=employee,
            start=at(monday, hour),
            end=at(monday, hour + 1),
        )
    with django_assert_num_queries(5):
        org = client.get(reverse("bookings:organisation"))
    assert len(org.context["page"]) == 3
    booking = Booking.objects.first()
    assert client.get(reverse("bookings:booking", args=[booking.pk])).status_code == 200
    assert client.post(reverse("bookings:cancel", args=[booking.pk])).status_code == 403


def test_the_person_feed_needs_only_the_secret(client, employee, membership, studio):
    monday = next_monday()
    services.create_booking(
        actor=employee, resource=studio, user=employee, start=at(monday, 10), end=at(monday, 11)
    )
    token = services.calendar_token_for(user=employee).token
    feed = client.get(reverse("bookings:person_feed", args=[token]))
    assert feed.status_code == 200
    assert feed.content.count(b"BEGIN:VEVENT") == 1
    assert b"Emil Ansat" in feed.content
    assert client.get(reverse("bookings:person_feed", args=["wrong"])).status_code == 404
    public = client.get(reverse("bookings:resource_feed", args=[studio.slug]))
    assert public.content.count(b"BEGIN:VEVENT") == 1
    assert b"Emil Ansat" not in public.content
    client.force_login(employee)
    client.post(reverse("bookings:renew_feed"))
    assert client.get(reverse("bookings:person_feed", args=[token])).status_code == 404


def test_waiting_list_through_the_pages(
    client, employee, member_org, membership, studio, django_capture_on_commit_callbacks
):
    from klynge.accounts.tests.factories import user_with_role
    from klynge.ecosystem.models import AffiliationRole

    second = user_with_role(AffiliationRole.EMPLOYEE, member_org, email="second@fynsklyd.example")
    monday = next_monday()
    booking = services.create_booking(
        actor=employee, resource=studio, user=employee, start=at(monday, 10), end=at(monday, 12)
    )
    client.force_login(second)
    response = client.post(
        reverse("bookings:waitlist", args=[studio.slug]),
        {"start": f"{monday.isoformat()}T10:00", "end": f"{monday.isoformat()}T12:00"},
    )
    assert response.status_code == 302
    assert WaitlistEntry.objects.get().user == second
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_booking(actor=employee, booking=booking, base_url="http://testserver")
    link = re.search(r"http://testserver(/studios/offers/\S+/)", mail.outbox[-1].body).group(1)
    client.force_login(employee)
    assert client.get(link).status_code == 404
    client.force_login(second)
    assert client.get(link).status_code == 200
    accepted = client.post(link, {"accept": "1"})
    assert accepted.status_code == 302
    assert Booking.objects.get(status="confirmed").user == second


def test_staff_approve_check_in_and_manage_resources(client, staff, employee, membership):
    resource = ResourceFactory(name="Video studio", slug="video-studio", requires_approval=True)
    monday = next_monday()
    booking = services.create_booking(
        actor=employee, resource=resource, user=employee, start=at(monday, 10), end=at(monday, 11)
    )
    client.force_login(employee)
    assert client.get(reverse("bookings:manage")).status_code == 403
    client.force_login(staff)
    manage = client.get(reverse("bookings:manage"))
    assert list(manage.context["pending"]) == [booking]
    client.post(reverse("bookings:decide", args=[booking.pk]), {"decision": "approve"})
    booking.refresh_from_db()
    assert (booking.status, booking.decided_by) == ("confirmed", staff)
    early = client.post(reverse("bookings:attendance", args=[booking.pk]), {"mark": "no_show"})
    assert early.status_code == 302
    booking.refresh_from_db()
    assert booking.no_show is False
    created = client.post(
        reverse("bookings:resource_create"),
        {
            "name": "Camera kit",
            "kind": "equipment",
            "granularity_minutes": "60",
            "min_minutes": "60",
            "max_minutes": "1440",
            "horizon_days": "60",
            "notice_minutes": "0",
            "buffer_before_minutes": "0",
            "buffer_after_minutes": "30",
            "audience": "members",
            "over_quota": "block",
            "hourly_rate": "0",
            "free_cancellation_hours": "24",
            "counts_towards_quota": "on",
            "is_active": "on",
        },
    )
    assert created.status_code == 302
    edit = reverse("bookings:resource_edit", args=["camera-kit"])
    hours = client.post(
        edit, {"section": "hours", "day0": "08:00-12:00, 13:00-17:00", "day4": "08:00-16:00"}
    )
    assert hours.status_code == 302
    assert [
        str(p)
        for p in ResourceFactory._meta.model.objects.get(slug="camera-kit").opening_hours.all()
    ] == [
        "Monday 08:00–12:00",
        "Monday 13:00–17:00",
        "Friday 08:00–16:00",
    ]
    bad = client.post(edit, {"section": "hours", "day1": "17:00-08:00"})
    assert bad.status_code == 400
    closure = client.post(
        edit,
        {
            "section": "closure",
            "start": "2027-01-01T00:00",
            "end": "2027-01-02T00:00",
            "reason": "New Year",
        },
    )
    assert closure.status_code == 302
    add_on = client.post(edit, {"section": "add_on", "name": "Technician", "price": "450"})
    assert add_on.status_code == 302
