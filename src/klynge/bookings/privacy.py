"""Bookings' part of a person's data download and of an erasure (see ecosystem/privacy.py).

The download holds the person's bookings (with their notes and add-ons), the bookings they
supervise, their waiting-list entries and whether they have a calendar feed address.

Erasure keeps what the reports count: every booking stays with its resource, times, status,
organisation, tier, hours and billing, so utilisation, hours per organisation and tier, no-shows
and invoices are unchanged. What the person wrote goes (the notes), as does what only served
them: the calendar feed address, the waiting-list entries (withdrawn, their offers released)
and the bookings still ahead, which are cancelled free of charge so the studio is not held for
nobody (the waiting list gets the slot as after any cancellation).
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from klynge.bookings.models import (
    Booking,
    BookingStatus,
    CalendarToken,
    WaitlistEntry,
    WaitStatus,
)
from klynge.core import audit
from klynge.ecosystem.privacy import register_erasure_step, register_personal_data


def _booking(booking: Booking) -> dict:
    return {
        "resource": booking.resource.name,
        "start": booking.start,
        "end": booking.end,
        "status": booking.status,
        "organisation": booking.organisation.name if booking.organisation else None,
        "supervisor": str(booking.supervisor) if booking.supervisor else None,
        "note": booking.note,
        "add_ons": [
            {"name": row.add_on.name, "price": row.price} for row in booking.booked_add_ons.all()
        ],
        "late_cancellation": booking.late_cancellation,
        "checked_in_at": booking.checked_in_at,
        "no_show": booking.no_show,
        "minutes_past_included_hours": booking.billable_minutes,
        "made_at": booking.created_at,
        "cancelled_at": booking.cancelled_at,
    }


def _collect(user) -> dict:
    bookings = (
        Booking.objects.filter(user=user)
        .select_related("resource", "organisation", "supervisor")
        .prefetch_related("booked_add_ons__add_on")
        .order_by("start", "id")
    )
    supervised = (
        Booking.objects.filter(supervisor=user)
        .select_related("resource", "user")
        .order_by("start", "id")
    )
    return {
        "bookings": [_booking(booking) for booking in bookings],
        "supervised_bookings": [
            {
                "resource": booking.resource.name,
                "start": booking.start,
                "end": booking.end,
                "student": str(booking.user),
                "status": booking.status,
            }
            for booking in supervised
        ],
        "waiting_list": [
            {
                "resource": resource,
                "start": start,
                "end": end,
                "status": status,
                "joined_at": joined,
            }
            for resource, start, end, status, joined in WaitlistEntry.objects.filter(user=user)
            .order_by("created_at", "id")
            .values_list("resource__name", "start", "end", "status", "created_at")
        ],
        "calendar_feed": CalendarToken.objects.filter(user=user).exists(),
    }


def _erase(*, actor, person, user=None, old_emails=frozenset()):
    if user is None:
        return
    from klynge.bookings.services import cancel_booking, decline_offer

    now = timezone.now()
    Booking.objects.filter(user=user).exclude(note="").update(note="")
    CalendarToken.objects.filter(user=user).delete()
    WaitlistEntry.objects.filter(user=user, status=WaitStatus.WAITING).update(
        status=WaitStatus.WITHDRAWN
    )
    for booking in Booking.objects.filter(user=user, status=BookingStatus.OFFERED):
        decline_offer(actor=actor, booking=booking, now=now)
    ahead = Booking.objects.filter(
        user=user,
        status__in=(BookingStatus.PENDING, BookingStatus.CONFIRMED),
        start__gt=now,
    )
    cancelled = 0
    for booking in ahead:
        # Never a late cancellation: the person did not choose to cancel, so the hours stop
        # counting as after any free cancellation.
        cancel_booking(actor=actor, booking=booking, now=now, free=True, notify=False)
        cancelled += 1
    audit.record(
        actor=actor,
        action="bookings.person.erase",
        target=person,
        data={"cancelled_bookings": cancelled},
    )


register_personal_data("bookings", _collect, label=_("Your studio and equipment bookings"))
register_erasure_step("bookings", _erase)
