"""iCalendar (RFC 5545) for a resource, a person and a single booking."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from klynge.bookings.models import Booking, BookingStatus


def calendar_for(bookings: Iterable[Booking], *, name: str, with_names: bool = True) -> bytes:
    """One VEVENT per booking. `with_names=False` (the resource's public feed) shows only that
    the time is booked, not who booked it."""
    calendar = Calendar()
    calendar.add("prodid", "-//Klynge//bookings//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", settings.TIME_ZONE)
    stamp = timezone.now()
    for booking in bookings:
        event = Event()
        event.add("uid", f"booking-{booking.pk}@klynge")
        event.add("dtstamp", stamp)
        event.add("dtstart", booking.start)
        event.add("dtend", booking.end)
        if with_names:
            event.add("summary", f"{booking.resource.name}: {booking.user}")
        else:
            event.add("summary", _("%(resource)s: booked") % {"resource": booking.resource.name})
        if booking.resource.location:
            event.add("location", booking.resource.location)
        event.add("status", "TENTATIVE" if booking.status == BookingStatus.PENDING else "CONFIRMED")
        calendar.add_component(event)
    return calendar.to_ical()
