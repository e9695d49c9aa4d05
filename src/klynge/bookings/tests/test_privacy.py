"""A person's bookings in their data download; erasure clears what they wrote and what only
served them, while the reports (hours per organisation and tier, utilisation) stay the same."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from klynge.accounts.tests.factories import user_with_role
from klynge.bookings import reports, services
from klynge.bookings.models import BookingAddOn, CalendarToken, WaitlistEntry
from klynge.bookings.tests.conftest import CPH
from klynge.bookings.tests.factories import BookingFactory
from klynge.ecosystem.models import AffiliationRole
from klynge.ecosystem.privacy import erase_person, personal_data

pytestmark = pytest.mark.django_db


def at(day, hour):
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=CPH)


@pytest.fixture
def history(employee, member_org, membership, studio, staff):
    today = timezone.localdate()
    past_day = today - datetime.timedelta(days=10)
    ahead = today - datetime.timedelta(days=today.weekday()) + datetime.timedelta(weeks=2)
    past = BookingFactory(
        resource=studio,
        user=employee,
        organisation=member_org,
        tier=membership.tier,
        start=at(past_day, 10),
        end=at(past_day, 12),
        note="Bring the red XLR cable",
        checked_in_at=at(past_day, 10),
    )
    technician = services.add_add_on(
        actor=staff, resource=studio, name="Sound technician", price=Decimal("450.00")
    )
    future = services.create_booking(
        actor=employee,
        resource=studio,
        user=employee,
        start=at(ahead, 10),
        end=at(ahead, 13),
        note="Interview with the mayor",
        add_ons=[technician],
    )
    other = services.create_booking(
        actor=staff, resource=studio, user=staff, start=at(ahead, 14), end=at(ahead, 15)
    )
    waiting = services.join_waitlist(
        actor=employee, resource=studio, user=employee, start=other.start, end=other.end
    )
    services.calendar_token_for(user=employee)
    return past, future, waiting


def test_the_download_holds_the_persons_bookings(employee, history):
    past, future, waiting = history
    data = personal_data(employee)["bookings"]
    assert data["bookings"] == [
        {
            "resource": "Podcast studio",
            "start": past.start,
            "end": past.end,
            "status": "confirmed",
            "organisation": "Fynsk Lyd ApS",
            "supervisor": None,
            "note": "Bring the red XLR cable",
            "add_ons": [],
            "late_cancellation": False,
            "checked_in_at": past.checked_in_at,
            "no_show": False,
            "minutes_past_included_hours": 0,
            "made_at": past.created_at,
            "cancelled_at": None,
        },
        {
            "resource": "Podcast studio",
            "start": future.start,
            "end": future.end,
            "status": "confirmed",
            "organisation": "Fynsk Lyd ApS",
            "supervisor": None,
            "note": "Interview with the mayor",
            "add_ons": [{"name": "Sound technician", "price": Decimal("450.00")}],
            "late_cancellation": False,
            "checked_in_at": None,
            "no_show": False,
            "minutes_past_included_hours": 0,
            "made_at": future.created_at,
            "cancelled_at": None,
        },
    ]
    assert data["waiting_list"] == [
        {
            "resource": "Podcast studio",
            "start": waiting.start,
            "end": waiting.end,
            "status": "waiting",
            "joined_at": waiting.created_at,
        }
    ]
    assert (data["supervised_bookings"], data["calendar_feed"]) == ([], True)


def test_a_supervisor_sees_the_bookings_they_supervise(student, employee, membership):
    from klynge.bookings.tests.factories import ResourceFactory

    lab = ResourceFactory(name="Video wall", audience="students")
    today = timezone.localdate()
    day = today + datetime.timedelta(days=10)
    booking = services.create_booking(
        actor=student,
        resource=lab,
        user=student,
        start=at(day, 10),
        end=at(day, 11),
        supervisor=employee,
    )
    assert personal_data(employee)["bookings"]["supervised_bookings"] == [
        {
            "resource": "Video wall",
            "start": booking.start,
            "end": booking.end,
            "student": "Sofie Studerende",
            "status": "confirmed",
        }
    ]


def test_erasure_clears_notes_and_frees_what_is_ahead_but_keeps_the_figures(
    employee, member_org, membership, staff, history, django_capture_on_commit_callbacks
):
    past, future, waiting = history
    colleague = user_with_role(AffiliationRole.EMPLOYEE, member_org, email="kim@fynsklyd.example")
    next_in_line = services.join_waitlist(
        actor=colleague, resource=future.resource, user=colleague, start=future.start,
        end=future.end,
    )  # fmt: skip
    period = (past.start.date() - datetime.timedelta(days=1), timezone.localdate())
    before = [
        (r.organisation, r.tier, r.bookings, r.hours)
        for r in reports.hours_by_organisation(*period)
    ]
    assert before == [("Fynsk Lyd ApS", "Studio tier", 1, 2.0)]

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        erase_person(actor=staff, person=employee.person)

    past.refresh_from_db()
    future.refresh_from_db()
    waiting.refresh_from_db()
    next_in_line.refresh_from_db()
    # The past booking stays as it was, without the note: the reports do not change.
    assert (past.note, past.status, past.organisation, past.tier, past.checked_in_at) == (
        "",
        "confirmed",
        member_org,
        membership.tier,
        past.checked_in_at,
    )
    after = [
        (r.organisation, r.tier, r.bookings, r.hours)
        for r in reports.hours_by_organisation(*period)
    ]
    assert after == before
    # What lay ahead is cancelled free of charge, the studio and the technician freed for others.
    assert (future.note, future.status, future.late_cancellation) == ("", "cancelled", False)
    assert BookingAddOn.objects.get(booking=future).holding is False
    assert next_in_line.status == "offered"
    assert waiting.status == "withdrawn"
    assert not CalendarToken.objects.filter(user=employee).exists()
    # Nothing is sent to the erased address; the colleague is offered the time.
    assert sorted(m.to[0] for m in mail.outbox) == ["emp@fynsklyd.example", colleague.email]
    (offer,) = [m for m in mail.outbox if m.to == [colleague.email]]
    when = f"{future.start.astimezone(CPH).day} {future.start.astimezone(CPH):%B} 10:00"
    assert offer.subject == f"A time you waited for is free: Podcast studio, {when}"
    assert WaitlistEntry.objects.filter(user=employee, status="waiting").count() == 0
