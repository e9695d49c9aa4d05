"""E-mails to the person a booking is for, and the secret of their calendar feed."""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse

from klynge.bookings import feeds
from klynge.bookings.models import Booking, CalendarToken
from klynge.core import audit
from klynge.core.emails import queue_email


@transaction.atomic
def calendar_token_for(*, user, renew: bool = False) -> CalendarToken:
    token, created = CalendarToken.objects.get_or_create(user=user)
    if renew and not created:
        token.delete()
        token = CalendarToken.objects.create(user=user)
        audit.record(actor=user, action="bookings.calendar_token.renew", target=None)
    return token


def mail_context(booking: Booking, base: str) -> dict:
    return {
        "booking_url": base + reverse("bookings:booking", args=[booking.pk]),
        "ics_url": base + reverse("bookings:booking_ics", args=[booking.pk]),
    }


def notify_person(booking: Booking, kind: str, base_url: str) -> None:
    """E-mails the booking's person; a booking they hold comes with its .ics attached."""
    if not booking.user.email:
        return
    attachments = ()
    if kind in ("confirmation", "approved", "changed", "pending"):
        ics = feeds.calendar_for([booking], name=booking.resource.name).decode()
        attachments = ((f"booking-{booking.pk}.ics", ics, "text/calendar"),)
    queue_email(
        to=booking.user.email,
        template=f"bookings/emails/{kind}",
        context={
            "booking": booking,
            "resource": booking.resource,
            **mail_context(booking, base_url),
        },
        attachments=attachments,
    )
