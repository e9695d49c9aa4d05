"""Staff waive a late cancellation: its hours stop counting, the audit log records it."""

import pytest
from django.core.exceptions import ValidationError

from klynge.bookings import services
from klynge.bookings.models import Booking
from klynge.bookings.tests.conftest import local
from klynge.core.models import AuditEntry

pytestmark = pytest.mark.django_db

NOW = local(2026, 10, 1, 9, 0)


def book(user, resource, start, end):
    return services.create_booking(
        actor=user, resource=resource, user=user, start=start, end=end, now=NOW
    )


def test_a_waived_late_cancellation_stops_counting(employee, membership, studio, staff):
    late = book(employee, studio, local(2026, 10, 2, 10), local(2026, 10, 2, 16))  # 6 h
    late = services.cancel_booking(actor=employee, booking=late, now=local(2026, 10, 1, 11))
    assert late.late_cancellation is True
    organisation = membership.organisation
    october = (local(2026, 10, 1), local(2026, 11, 1))
    assert services.counted_minutes(organisation, *october) == 360
    with pytest.raises(services.BookingRefused):  # 6 + 5 > 10 included hours
        book(employee, studio, local(2026, 10, 5, 10), local(2026, 10, 5, 15))

    services.waive_late_cancellation(actor=staff, booking=late)

    late = Booking.objects.get(pk=late.pk)
    assert (late.status, late.late_cancellation, late.billable_minutes) == ("cancelled", False, 0)
    assert services.counted_minutes(organisation, *october) == 0
    assert book(employee, studio, local(2026, 10, 5, 10), local(2026, 10, 5, 15)).status == (
        "confirmed"
    )
    entry = AuditEntry.objects.get(action="bookings.booking.waive")
    assert (entry.actor, entry.target_id, entry.data) == (
        staff,
        str(late.pk),
        {"minutes": 360, "billable_minutes": 0},
    )


def test_only_a_late_cancellation_can_be_waived(employee, membership, studio, staff):
    booking = book(employee, studio, local(2026, 10, 9, 10), local(2026, 10, 9, 12))
    with pytest.raises(ValidationError) as caught:
        services.waive_late_cancellation(actor=staff, booking=booking)
    assert caught.value.messages == ["Only a late cancellation can be waived."]
    early = services.cancel_booking(actor=employee, booking=booking, now=NOW)  # free
    with pytest.raises(ValidationError):
        services.waive_late_cancellation(actor=staff, booking=early)
    assert not AuditEntry.objects.filter(action="bookings.booking.waive").exists()
