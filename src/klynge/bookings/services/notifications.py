"""E-mails to the person a booking is for (and a student's supervisor, and the next on the
waiting list), and the secret of a person's calendar feed.

`notify_person`, `notify_supervisor` and `notify_offer` queue a task in the current
transaction (see `klynge.bookings.tasks`): the e-mail goes only if the change commits, and the
worker renders it in the language of the request that caused it.
"""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse
from django.utils import translation

from klynge.bookings import feeds
from klynge.bookings.models import Booking, CalendarToken, WaitlistEntry
from klynge.core import audit
from klynge.core.emails import enqueue_on_commit, send_email_now

# Kinds whose e-mail carries the booking as an .ics (the person holds the slot).
WITH_ICS = ("confirmation", "approved", "changed", "pending")


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


def _language() -> str:
    return translation.get_language() or ""


def notify_person(booking: Booking, kind: str, base_url: str) -> None:
    """Queues the `kind` e-mail (bookings/emails/<kind>) to the booking's person."""
    from klynge.bookings.tasks import send_booking_email_task

    if booking.user.email:
        enqueue_on_commit(
            send_booking_email_task,
            booking_id=booking.pk,
            kind=kind,
            base_url=base_url,
            language=_language(),
        )


def notify_supervisor(booking: Booking, base_url: str) -> None:
    """Tells a student's supervisor that their organisation's hours are used."""
    from klynge.bookings.tasks import send_booking_email_task

    if booking.supervisor is not None and booking.supervisor.email:
        enqueue_on_commit(
            send_booking_email_task,
            booking_id=booking.pk,
            kind="supervisor",
            base_url=base_url,
            language=_language(),
            to="supervisor",
        )


def notify_offer(entry: WaitlistEntry, base_url: str) -> None:
    from klynge.bookings.tasks import send_offer_email_task

    if entry.user.email:
        enqueue_on_commit(
            send_offer_email_task, entry_id=entry.pk, base_url=base_url, language=_language()
        )


def send_booking_email(
    booking_id: int, kind: str, *, base_url: str = "", language: str = "", to: str = "person"
) -> int:
    """Renders and sends a booking's e-mail now (run by the task worker); 0 if the booking or
    the address is gone."""
    booking = (
        Booking.objects.select_related("resource", "user", "supervisor")
        .prefetch_related("booked_add_ons__add_on")
        .filter(pk=booking_id)
        .first()
    )
    if booking is None:
        return 0
    recipient = booking.supervisor if to == "supervisor" else booking.user
    if recipient is None or not recipient.email or not recipient.is_active:
        return 0
    attachments = ()
    if kind in WITH_ICS and to == "person":
        ics = feeds.calendar_for([booking], name=booking.resource.name).decode()
        attachments = ((f"booking-{booking.pk}.ics", ics, "text/calendar"),)
    return send_email_now(
        to=recipient.email,
        template=f"bookings/emails/{kind}",
        context={
            "booking": booking,
            "resource": booking.resource,
            **mail_context(booking, base_url),
        },
        language=language or None,
        attachments=attachments,
    )


def send_offer_email(entry_id: int, *, base_url: str = "", language: str = "") -> int:
    entry = (
        WaitlistEntry.objects.select_related("user", "booking__resource", "resource")
        .filter(pk=entry_id)
        .first()
    )
    if entry is None or entry.booking is None or not entry.user.email:
        return 0
    return send_email_now(
        to=entry.user.email,
        template="bookings/emails/offer",
        context={
            "booking": entry.booking,
            "entry": entry,
            "offer_url": base_url + reverse("bookings:offer", args=[entry.token]),
            **mail_context(entry.booking, base_url),
        },
        language=language or None,
    )
