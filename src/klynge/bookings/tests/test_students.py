"""Students book with a supervisor on the supervisor's organisation's hours, whichever way they
book: the booking form, the API, or an offer from the waiting list. Accepting an offer applies
the same rules as booking (who may book, the supervisor, the included hours)."""

import datetime
import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from klynge.accounts.roles import forget_roles
from klynge.accounts.tests.factories import user_with_role
from klynge.bookings import services
from klynge.bookings.models import Booking, WaitlistEntry
from klynge.bookings.tests.conftest import CPH, local
from klynge.bookings.tests.factories import ResourceFactory
from klynge.ecosystem.models import AffiliationRole
from klynge.ecosystem.tests.factories import AffiliationFactory

pytestmark = pytest.mark.django_db

NOW = local(2026, 10, 1, 9, 0)


@pytest.fixture
def lab(db):
    """A studio students may book (with a supervisor)."""
    return ResourceFactory(name="Video wall", slug="video-wall", audience="students")


def book(user, resource, start, end, **kwargs):
    return services.create_booking(
        actor=user, resource=resource, user=user, start=start, end=end, now=NOW, **kwargs
    )


def taken_then_offered(resource, holder, waiter, start, end, **join):
    """`holder` books; `waiter` joins the waiting list; `holder` cancels: the offer is made."""
    booking = book(holder, resource, start, end)
    entry = services.join_waitlist(
        actor=waiter, resource=resource, user=waiter, start=start, end=end, now=NOW, **join
    )
    services.cancel_booking(actor=holder, booking=booking, now=NOW)
    entry.refresh_from_db()
    assert entry.status == "offered"
    return entry


def test_a_student_joins_the_waiting_list_with_a_supervisor_and_books_on_their_hours(
    student, employee, member_admin, membership, lab, django_capture_on_commit_callbacks
):
    start, end = local(2026, 10, 5, 10), local(2026, 10, 5, 12)
    book(member_admin, lab, start, end)
    with pytest.raises(ValidationError) as caught:
        services.join_waitlist(
            actor=student, resource=lab, user=student, start=start, end=end, now=NOW
        )
    assert caught.value.message_dict == {
        "supervisor": ["Students book with a supervisor: choose one."]
    }
    assert WaitlistEntry.objects.count() == 0
    entry = services.join_waitlist(
        actor=student, resource=lab, user=student, start=start, end=end, supervisor=employee,
        now=NOW,
    )  # fmt: skip
    assert (entry.supervisor, entry.organisation) == (employee, membership.organisation)
    services.cancel_booking(actor=member_admin, booking=Booking.objects.get(), now=NOW)
    entry.refresh_from_db()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        booking = services.accept_offer(actor=student, entry=entry, now=NOW)
    assert (booking.status, booking.user, booking.supervisor, booking.organisation) == (
        "confirmed",
        student,
        employee,
        membership.organisation,
    )
    assert booking.tier == membership.tier
    assert sorted(m.to[0] for m in mail.outbox) == [employee.email, student.email]
    # The two hours count on the supervisor's organisation's included hours (10 a month).
    assert (
        services.counted_minutes(membership.organisation, local(2026, 10, 1), local(2026, 11, 1))
        == 120
    )


def test_an_offer_without_a_supervisor_is_not_booked(student, employee, member_admin, membership):
    """An offer made before the supervisor rule (or whose supervisor left) asks for one."""
    lab = ResourceFactory(audience="students")
    start, end = local(2026, 10, 5, 10), local(2026, 10, 5, 12)
    entry = taken_then_offered(lab, member_admin, student, start, end, supervisor=employee)
    WaitlistEntry.objects.filter(pk=entry.pk).update(supervisor=None)
    entry.refresh_from_db()
    with pytest.raises(ValidationError) as caught:
        services.accept_offer(actor=student, entry=entry, now=NOW)
    assert caught.value.message_dict == {
        "supervisor": ["Students book with a supervisor: choose one."]
    }
    held = Booking.objects.get(user=student)
    assert (held.status, held.organisation, held.supervisor) == ("offered", None, None)
    booking = services.accept_offer(actor=student, entry=entry, supervisor=employee, now=NOW)
    assert (booking.status, booking.supervisor) == ("confirmed", employee)


def test_accepting_an_offer_respects_the_included_hours(
    employee, member_org, membership, studio, staff
):
    """10 included hours a month: an offer that would pass them is refused, as a booking is."""
    colleague = user_with_role(AffiliationRole.EMPLOYEE, member_org, email="kim@fynsklyd.example")
    book(employee, studio, local(2026, 10, 12, 8), local(2026, 10, 12, 16))  # 8 h
    entry = taken_then_offered(
        studio, staff, colleague, local(2026, 10, 5, 9), local(2026, 10, 5, 12)
    )  # 3 h: 8 + 3 = 11 > 10
    with pytest.raises(services.BookingRefused) as caught:
        services.accept_offer(actor=colleague, entry=entry, now=NOW)
    assert caught.value.reason == "over_quota"
    assert caught.value.message_text == (
        "Fynsk Lyd ApS has 2 of its 10 included hours left in October 2026."
    )
    assert Booking.objects.get(user=colleague).status == "offered"


def test_accepting_an_offer_respects_who_may_book(student, employee, member_admin, membership, lab):
    start, end = local(2026, 10, 5, 10), local(2026, 10, 5, 12)
    entry = taken_then_offered(lab, member_admin, student, start, end, supervisor=employee)
    lab.audience = "members"  # the studio is for members only now
    lab.save()
    with pytest.raises(services.BookingRefused) as caught:
        services.accept_offer(actor=student, entry=entry, now=NOW)
    assert caught.value.reason == "not_allowed"


def test_a_member_of_two_organisations_accepts_on_the_hours_they_chose(
    employee, member_admin, other_org, membership, studio
):
    from klynge.membership.tests.factories import MembershipFactory

    MembershipFactory(
        organisation=other_org, tier=membership.tier, start_date=datetime.date(2026, 1, 1)
    )
    AffiliationFactory(person=employee.person, organisation=other_org, role="employee")
    forget_roles(employee)
    start, end = local(2026, 10, 5, 10), local(2026, 10, 5, 12)
    entry = taken_then_offered(studio, member_admin, employee, start, end, organisation=other_org)
    booking = services.accept_offer(actor=employee, entry=entry, now=NOW)
    assert booking.organisation == other_org


def test_the_offer_page_asks_a_student_for_a_supervisor(
    client, student, employee, member_admin, membership, django_capture_on_commit_callbacks
):
    lab = ResourceFactory(audience="students")
    today = timezone.localdate()
    day = today + datetime.timedelta(days=14 - today.weekday())
    start = datetime.datetime.combine(day, datetime.time(10), tzinfo=CPH)
    end = start + datetime.timedelta(hours=2)
    booking = services.create_booking(
        actor=member_admin, resource=lab, user=member_admin, start=start, end=end
    )
    client.force_login(student)
    url = reverse("bookings:waitlist", args=[lab.slug])
    form = client.get(url).context["form"]
    assert "supervisor" in form.fields
    missing = client.post(url, {"start": f"{day}T10:00", "end": f"{day}T12:00"})
    assert missing.status_code == 400
    assert missing.context["form"].errors == {
        "supervisor": ["Students book with a supervisor: choose one."]
    }
    unknown = client.post(
        url, {"start": f"{day}T10:00", "end": f"{day}T12:00", "supervisor": "who@nowhere.example"}
    )
    assert unknown.context["form"].errors == {
        "supervisor": ["No cluster staff member or member employee has this e-mail."]
    }
    joined = client.post(
        url, {"start": f"{day}T10:00", "end": f"{day}T12:00", "supervisor": employee.email}
    )
    assert joined.status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_booking(actor=member_admin, booking=booking, base_url="http://testserver")
    link = re.search(r"http://testserver(/studios/offers/\S+/)", mail.outbox[-1].body).group(1)
    page = client.get(link)
    assert page.context["form"]["supervisor"].value() == employee.email
    accepted = client.post(link, {"accept": "1", "supervisor": employee.email})
    assert accepted.status_code == 302
    booked = Booking.objects.get(user=student, status="confirmed")
    assert (booked.supervisor, booked.organisation) == (employee, membership.organisation)


def _post(client, body):
    return client.post("/api/v1/bookings", body, content_type="application/json")


def test_students_book_through_the_api_with_a_supervisor(
    api_client, student, employee, membership, lab
):
    today = timezone.localdate()
    day = today + datetime.timedelta(days=10)
    start = datetime.datetime.combine(day, datetime.time(10), tzinfo=CPH)
    body = {
        "resource": lab.pk,
        "start": start.isoformat(),
        "end": (start + datetime.timedelta(hours=1)).isoformat(),
    }
    client = api_client(student)
    missing = _post(client, body)
    assert (missing.status_code, missing.json()) == (
        400,
        {
            "detail": "The input is not valid.",
            "errors": {"supervisor": ["Students book with a supervisor: choose one."]},
        },
    )
    unknown = _post(client, {**body, "supervisor": "nobody@nowhere.example"})
    assert (unknown.status_code, unknown.json()["errors"]) == (
        400,
        {"supervisor": ["No cluster staff member or member employee has this e-mail."]},
    )
    created = _post(client, {**body, "supervisor": employee.email.upper()})
    assert created.status_code == 201
    booking = Booking.objects.get(pk=created.json()["id"])
    assert (booking.supervisor, booking.organisation, booking.tier) == (
        employee,
        membership.organisation,
        membership.tier,
    )
    # The supervisor sees it; a member of the staff books on no one's hours.
    assert api_client(employee).get(f"/api/v1/bookings/{booking.pk}").status_code == 200


def test_accepting_an_expired_offer_releases_it_to_the_next_in_line(
    employee, member_org, membership, studio, staff
):
    colleague = user_with_role(AffiliationRole.EMPLOYEE, member_org, email="kim@fynsklyd.example")
    start, end = local(2026, 10, 5, 10), local(2026, 10, 5, 12)
    entry = taken_then_offered(studio, staff, employee, start, end)
    later = services.join_waitlist(
        actor=colleague, resource=studio, user=colleague, start=start, end=end, now=NOW
    )
    too_late = NOW + services.OFFER_VALID + datetime.timedelta(minutes=1)
    with pytest.raises(ValidationError) as caught:
        services.accept_offer(actor=employee, entry=entry, now=too_late)
    assert caught.value.messages == ["This offer has expired."]
    entry.refresh_from_db()
    later.refresh_from_db()
    assert (entry.status, later.status) == ("expired", "offered")
    assert Booking.objects.get(user=colleague).status == "offered"
