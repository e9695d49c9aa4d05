import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from klynge.accounts.tests.factories import UserFactory, user_with_role
from klynge.bookings import availability, services
from klynge.bookings.forms import BookingForm
from klynge.bookings.models import Booking, BookingStatus, WaitlistEntry, WaitStatus
from klynge.bookings.tests.conftest import CPH, local
from klynge.bookings.tests.factories import ResourceFactory
from klynge.core.models import AuditEntry
from klynge.ecosystem.models import AffiliationRole
from klynge.membership.models import Invoice

pytestmark = pytest.mark.django_db

NOW = local(2026, 10, 1, 9, 0)
H = datetime.timedelta(hours=1)


def book(user, resource, start, end, **kwargs):
    kwargs.setdefault("now", NOW)
    return services.create_booking(
        actor=user, resource=resource, user=user, start=start, end=end, **kwargs
    )


def refusal(user, resource, start, end, **kwargs) -> str:
    with pytest.raises(services.BookingRefused) as caught:
        book(user, resource, start, end, **kwargs)
    return caught.value.reason


def test_a_member_books_and_gets_the_confirmation(
    employee, membership, studio, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        booking = book(employee, studio, local(2026, 10, 5, 10), local(2026, 10, 5, 12))
    assert (booking.status, booking.organisation, booking.minutes) == (
        "confirmed",
        membership.organisation,
        120,
    )
    assert (booking.blocked_start, booking.blocked_end) == (booking.start, booking.end)
    assert [m.subject for m in mail.outbox] == ["Booked: Podcast studio, 5 October 10:00"]
    assert f"/studios/bookings/{booking.pk}/booking.ics" in mail.outbox[0].body
    ((name, ics, mimetype),) = mail.outbox[0].attachments
    assert (name, mimetype) == (f"booking-{booking.pk}.ics", "text/calendar")
    assert "DTSTART:20261005T080000Z" in ics
    assert "SUMMARY:Podcast studio: Emil Ansat" in ics
    assert AuditEntry.objects.filter(action="bookings.booking.create").count() == 1


def test_overlaps_are_refused_with_buffers_included(employee, membership):
    resource = ResourceFactory(buffer_before_minutes=15, buffer_after_minutes=30)
    first = book(employee, resource, local(2026, 10, 5, 10), local(2026, 10, 5, 12))
    assert (first.blocked_start, first.blocked_end) == (
        local(2026, 10, 5, 9, 45),
        local(2026, 10, 5, 12, 30),
    )
    # Ends exactly when the other starts, but the buffers collide.
    assert refusal(employee, resource, local(2026, 10, 5, 8), local(2026, 10, 5, 10)) == "taken"
    assert refusal(employee, resource, local(2026, 10, 5, 12), local(2026, 10, 5, 13)) == "taken"
    # 12:30 + 15 min set-up would start at 12:30: right after the cleaning.
    assert refusal(employee, resource, local(2026, 10, 5, 12, 30), local(2026, 10, 5, 13)) == (
        "taken"
    )
    later = book(employee, resource, local(2026, 10, 5, 13), local(2026, 10, 5, 14))
    assert later.blocked_start == local(2026, 10, 5, 12, 45)


def test_each_refusal_has_its_own_reason(employee, membership):
    resource = ResourceFactory(min_minutes=60, max_minutes=240, horizon_days=30, notice_minutes=120)
    services.set_opening_hours(
        actor=None, resource=resource, periods=[(d, 8 * 60, 18 * 60) for d in range(5)]
    )
    services.add_closure(
        actor=None,
        resource=resource,
        start=local(2026, 10, 7, 0),
        end=local(2026, 10, 8, 0),
        reason="Maintenance",
    )
    day = (2026, 10, 6)
    cases = {
        "too_short": (local(*day, 10), local(*day, 10, 30)),
        "too_long": (local(*day, 8), local(*day, 13)),
        "off_grid": (local(*day, 10, 10), local(*day, 11, 10)),
        "outside_hours": (local(*day, 17), local(*day, 19)),
        "closed": (local(2026, 10, 7, 10), local(2026, 10, 7, 11)),
        "too_late": (local(2026, 10, 1, 10), local(2026, 10, 1, 11)),
        "too_far_ahead": (local(2026, 11, 3, 10), local(2026, 11, 3, 11)),
    }
    messages = set()
    for reason, (start, end) in cases.items():
        with pytest.raises(services.BookingRefused) as caught:
            book(employee, resource, start, end)
        assert caught.value.reason == reason
        messages.add(caught.value.message_text)
    assert len(messages) == len(cases)
    with pytest.raises(services.BookingRefused) as caught:
        book(employee, resource, local(2026, 10, 7, 10), local(2026, 10, 7, 11))
    assert caught.value.message_text == "The resource is closed then: Maintenance."
    resource.is_active = False
    resource.save()
    assert refusal(employee, resource, local(*day, 10), local(*day, 11)) == "unavailable"
    assert Booking.objects.count() == 0


def test_a_new_resource_is_open_around_the_clock(employee, membership):
    resource = services.create_resource(actor=None, name="Video wall", kind="video_wall")
    assert (resource.slug, resource.min_minutes) == ("video-wall", 30)
    night = book(employee, resource, local(2026, 10, 5, 23), local(2026, 10, 6, 1))
    assert night.minutes == 120


def test_opening_hours_ending_at_midnight_join_the_next_day(employee, membership):
    resource = ResourceFactory()
    services.set_opening_hours(
        actor=None, resource=resource, periods=[(0, 18 * 60, 1440), (1, 0, 2 * 60)]
    )
    booking = book(employee, resource, local(2026, 10, 5, 23), local(2026, 10, 6, 1))
    assert booking.minutes == 120


def test_malformed_input_is_a_validation_error(employee, membership, studio):
    with pytest.raises(ValidationError) as caught:
        book(employee, studio, local(2026, 10, 5, 12), local(2026, 10, 5, 10))
    assert not isinstance(caught.value, services.BookingRefused)
    with pytest.raises(ValidationError):
        book(
            employee, studio, datetime.datetime(2026, 10, 5, 10), datetime.datetime(2026, 10, 5, 11)
        )


def test_a_booking_across_the_autumn_dst_change_has_the_chosen_length(employee, membership, studio):
    # 2026-10-25 03:00 CEST becomes 02:00 CET: the night has 25 hours. The booking form adds
    # the chosen length as real time (Python's own `+` would add wall-clock time: 4 hours).
    form = BookingForm(
        {"start": "2026-10-25T01:00", "minutes": "180", "weeks": "1"},
        resource=studio,
        user=employee,
    )
    assert form.is_valid(), form.errors
    start = form.cleaned_data["start"]
    booking = book(employee, studio, start, form.end)
    booking.refresh_from_db()
    assert booking.end - booking.start == 3 * H
    assert booking.minutes == 180
    assert booking.end.astimezone(CPH).strftime("%H:%M %Z") == "03:00 CET"
    # The quota counts the real three hours.
    assert (
        services.counted_minutes(membership.organisation, local(2026, 10, 1), local(2026, 11, 1))
        == 180
    )


def test_a_booking_across_the_spring_dst_change_has_the_chosen_length(employee, membership, studio):
    start = local(2027, 3, 28, 1, 0)
    booking = book(
        employee, studio, start, availability.after(start, 120), now=local(2027, 3, 1, 9)
    )
    assert booking.end - booking.start == 2 * H
    assert booking.end.astimezone(CPH).strftime("%H:%M %Z") == "04:00 CEST"


def test_weekly_series_keep_the_wall_clock_time_across_dst(employee, membership, studio):
    _series, occurrences = services.create_series(
        actor=employee,
        resource=studio,
        user=employee,
        start=local(2026, 10, 19, 10),
        end=local(2026, 10, 19, 12),
        weeks=2,
        now=NOW,
    )
    assert [o.booking.start for o in occurrences] == [
        local(2026, 10, 19, 10),
        local(2026, 10, 26, 10),
    ]
    assert [o.booking.minutes for o in occurrences] == [120, 120]


def test_the_quota_counts_at_the_local_month_boundary(employee, membership, studio):
    # 10 included hours a month. 00:30 on 1 November, Copenhagen, is still 31 October in UTC:
    # it belongs to November.
    book(employee, studio, local(2026, 10, 31, 16), local(2026, 10, 31, 23, 30))  # 7.5 h
    book(employee, studio, local(2026, 11, 1, 0, 30), local(2026, 11, 1, 8, 30))  # 8 h
    assert refusal(employee, studio, local(2026, 10, 30, 10), local(2026, 10, 30, 13)) == (
        "over_quota"
    )
    book(employee, studio, local(2026, 10, 30, 10), local(2026, 10, 30, 12, 30))  # 10 h exactly
    assert refusal(employee, studio, local(2026, 10, 30, 14), local(2026, 10, 30, 14, 30)) == (
        "over_quota"
    )
    book(employee, studio, local(2026, 11, 2, 10), local(2026, 11, 2, 12))  # 8 + 2 = 10 h
    with pytest.raises(services.BookingRefused) as caught:
        book(employee, studio, local(2026, 11, 30, 23), local(2026, 11, 30, 23, 30))
    assert caught.value.message_text == (
        "Fynsk Lyd ApS has 0 of its 10 included hours left in November 2026."
    )
    # 23:30 on 30 November is December in no time zone: but 23:30 on 31 Dec UTC... December is free.
    book(employee, studio, local(2026, 12, 1, 0), local(2026, 12, 1, 4))


def test_the_quota_after_cancellations_free_and_late(employee, membership, studio):
    first = book(employee, studio, local(2026, 10, 10, 10), local(2026, 10, 10, 16))  # 6 h
    second = book(employee, studio, local(2026, 10, 2, 10), local(2026, 10, 2, 14))  # 4 h
    assert refusal(employee, studio, local(2026, 10, 12, 10), local(2026, 10, 12, 11)) == (
        "over_quota"
    )
    # Cancelled a week ahead: free, the 6 hours come back.
    services.cancel_booking(actor=employee, booking=first, now=NOW)
    # Cancelled 23 hours ahead (the policy says 24): late, the 4 hours still count.
    late = services.cancel_booking(actor=employee, booking=second, now=local(2026, 10, 1, 11))
    assert (late.status, late.late_cancellation) == ("cancelled", True)
    book(employee, studio, local(2026, 10, 12, 10), local(2026, 10, 12, 16))  # 4 + 6 = 10 h
    assert refusal(employee, studio, local(2026, 10, 13, 10), local(2026, 10, 13, 10, 30)) == (
        "over_quota"
    )


def test_past_the_quota_hours_are_billed_when_the_resource_says_so(employee, membership, staff):
    wall = ResourceFactory(name="Video wall", over_quota="bill", hourly_rate=Decimal("400.00"))
    book(employee, wall, local(2026, 10, 5, 8), local(2026, 10, 5, 16))  # 8 h, included
    extra = book(employee, wall, local(2026, 10, 6, 8), local(2026, 10, 6, 12))  # 2 h past
    assert extra.billable_minutes == 120
    invoice = services.bill_overage(
        actor=staff,
        organisation=membership.organisation,
        year=2026,
        month=10,
        now=local(2026, 11, 1),
    )
    assert invoice.status == "draft"
    assert [(line.description, line.quantity, line.unit_price) for line in invoice.lines.all()] == [
        (
            "Video wall: hours past the included hours, October 2026",
            Decimal("2.00"),
            Decimal("400.00"),
        )
    ]
    assert (
        services.bill_overage(
            actor=staff,
            organisation=membership.organisation,
            year=2026,
            month=10,
            now=local(2026, 11, 1),
        )
        is None
    )
    assert Invoice.objects.count() == 1


def test_pending_bookings_hold_the_slot_until_staff_decide(employee, membership, staff):
    resource = ResourceFactory(requires_approval=True)
    pending = book(employee, resource, local(2026, 10, 5, 10), local(2026, 10, 5, 12))
    assert pending.status == "pending"
    assert refusal(staff, resource, local(2026, 10, 5, 11), local(2026, 10, 5, 13)) == "taken"
    services.decide_booking(actor=staff, booking=pending, approve=False, now=NOW)
    again = book(staff, resource, local(2026, 10, 5, 11), local(2026, 10, 5, 13))
    services.decide_booking(actor=staff, booking=again, approve=True, now=NOW)
    again.refresh_from_db()
    assert (again.status, again.organisation) == ("confirmed", None)


def test_changes_are_free_until_the_deadline(employee, membership, studio):
    booking = book(employee, studio, local(2026, 10, 5, 10), local(2026, 10, 5, 12))
    other = book(employee, studio, local(2026, 10, 5, 14), local(2026, 10, 5, 15))
    with pytest.raises(services.BookingRefused) as caught:
        services.change_booking(
            actor=employee,
            booking=booking,
            start=local(2026, 10, 5, 13),
            end=local(2026, 10, 5, 15),
            now=NOW,
        )
    assert caught.value.reason == "taken"
    moved = services.change_booking(
        actor=employee,
        booking=booking,
        start=local(2026, 10, 5, 11),
        end=local(2026, 10, 5, 14),
        now=NOW,
    )
    assert (moved.start, moved.end) == (local(2026, 10, 5, 11), local(2026, 10, 5, 14))
    with pytest.raises(services.BookingRefused) as caught:
        services.change_booking(
            actor=employee,
            booking=other,
            start=local(2026, 10, 5, 16),
            end=local(2026, 10, 5, 17),
            now=local(2026, 10, 5, 8),
        )
    assert caught.value.reason == "too_late"


def test_a_series_reports_each_colliding_occurrence(employee, membership, studio, founder):
    book(employee, studio, local(2026, 10, 12, 11), local(2026, 10, 12, 12))
    _series, occurrences = services.create_series(
        actor=employee,
        resource=studio,
        user=employee,
        start=local(2026, 10, 5, 10),
        end=local(2026, 10, 5, 12),
        weeks=3,
        now=NOW,
    )
    assert [(o.start.date().isoformat(), o.reason) for o in occurrences] == [
        ("2026-10-05", ""),
        ("2026-10-12", "taken"),
        ("2026-10-19", ""),
    ]
    assert Booking.objects.filter(series__isnull=False).count() == 2


def test_the_waiting_list_offers_a_freed_slot_to_the_first_in_line(
    employee, membership, member_org, studio, django_capture_on_commit_callbacks
):
    second = user_with_role(AffiliationRole.EMPLOYEE, member_org, email="second@fynsklyd.example")
    third = user_with_role(AffiliationRole.EMPLOYEE, member_org, email="third@fynsklyd.example")
    booking = book(employee, studio, local(2026, 10, 5, 10), local(2026, 10, 5, 12))
    with pytest.raises(ValidationError):
        services.join_waitlist(
            actor=second,
            resource=studio,
            user=second,
            start=local(2026, 10, 5, 14),
            end=local(2026, 10, 5, 15),
            now=NOW,
        )
    entry = services.join_waitlist(
        actor=second,
        resource=studio,
        user=second,
        start=local(2026, 10, 5, 10),
        end=local(2026, 10, 5, 12),
        now=NOW,
    )
    later = services.join_waitlist(
        actor=third,
        resource=studio,
        user=third,
        start=local(2026, 10, 5, 11),
        end=local(2026, 10, 5, 12),
        now=NOW,
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_booking(
            actor=employee, booking=booking, now=NOW, base_url="https://k.example"
        )
    entry.refresh_from_db()
    later.refresh_from_db()
    assert (entry.status, entry.booking.status) == ("offered", "offered")
    assert later.status == "waiting"
    offer = next(m for m in mail.outbox if m.to == ["second@fynsklyd.example"])
    assert f"https://k.example/studios/offers/{entry.token}/" in offer.body
    # The held slot is nobody else's.
    assert refusal(third, studio, local(2026, 10, 5, 11), local(2026, 10, 5, 12)) == "taken"
    confirmed = services.accept_offer(actor=second, entry=entry, now=NOW)
    assert (confirmed.status, confirmed.user, confirmed.organisation) == (
        "confirmed",
        second,
        member_org,
    )
    entry.refresh_from_db()
    assert entry.status == WaitStatus.BOOKED


def test_an_unanswered_offer_expires_and_moves_on(employee, membership, member_org, studio):
    second = user_with_role(AffiliationRole.EMPLOYEE, member_org, email="second@fynsklyd.example")
    third = user_with_role(AffiliationRole.EMPLOYEE, member_org, email="third@fynsklyd.example")
    booking = book(employee, studio, local(2026, 10, 5, 10), local(2026, 10, 5, 12))
    for user in (second, third):
        services.join_waitlist(
            actor=user,
            resource=studio,
            user=user,
            start=local(2026, 10, 5, 10),
            end=local(2026, 10, 5, 12),
            now=NOW,
        )
    services.cancel_booking(actor=employee, booking=booking, now=NOW)
    assert services.expire_offers(now=NOW + 3 * H) == 0
    assert services.expire_offers(now=NOW + 5 * H) == 1
    statuses = dict(WaitlistEntry.objects.values_list("user__email", "status"))
    assert statuses == {"second@fynsklyd.example": "expired", "third@fynsklyd.example": "offered"}
    held = Booking.objects.get(status=BookingStatus.OFFERED)
    assert held.user == third


def test_students_book_with_a_supervisor_on_the_supervisors_hours(
    student, employee, membership, django_capture_on_commit_callbacks
):
    lab = ResourceFactory(audience="students")
    studio = ResourceFactory(audience="members")
    assert not services.may_book(student, studio)
    with pytest.raises(ValidationError) as caught:
        book(student, lab, local(2026, 10, 5, 10), local(2026, 10, 5, 11))
    assert caught.value.message_dict == {
        "supervisor": ["Students book with a supervisor: choose one."]
    }
    with django_capture_on_commit_callbacks(execute=True):
        booking = book(
            student, lab, local(2026, 10, 5, 10), local(2026, 10, 5, 11), supervisor=employee
        )
    assert (booking.supervisor, booking.organisation) == (employee, membership.organisation)
    assert any(m.to == [employee.email] for m in mail.outbox)


def test_staff_only_resources(employee, staff, membership):
    kit = ResourceFactory(audience="staff")
    assert refusal(employee, kit, local(2026, 10, 5, 10), local(2026, 10, 5, 11)) == "not_allowed"
    assert book(staff, kit, local(2026, 10, 5, 10), local(2026, 10, 5, 11)).organisation is None


def test_check_in_and_no_show(employee, membership, studio, staff):
    booking = book(employee, studio, local(2026, 10, 5, 10), local(2026, 10, 5, 12))
    with pytest.raises(ValidationError):
        services.mark_no_show(actor=staff, booking=booking, now=local(2026, 10, 5, 9))
    with pytest.raises(ValidationError):
        services.check_in(actor=staff, booking=booking, now=local(2026, 10, 4, 9))
    services.check_in(actor=staff, booking=booking, now=local(2026, 10, 5, 9, 55))
    services.mark_no_show(actor=staff, booking=booking, now=local(2026, 10, 5, 10, 30))
    booking.refresh_from_db()
    assert (booking.no_show, booking.checked_in_at) == (True, None)


def test_resource_settings_are_validated(staff):
    with pytest.raises(ValidationError) as caught:
        services.create_resource(actor=staff, name="Odd", kind="room", granularity_minutes=7)
    assert list(caught.value.message_dict) == ["granularity_minutes"]
    manage = services.create_resource(actor=staff, name="Manage", kind="room")
    assert manage.slug == "manage-2"
    staff_user = UserFactory()
    assert not services.may_book(staff_user, manage)
