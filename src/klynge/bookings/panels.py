"""Dashboard panels: a member's next bookings; staff's approval queue and today's bookings."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from klynge.bookings.models import Booking, BookingStatus
from klynge.bookings.selectors import bookings_on, pending_bookings
from klynge.core.dashboard import Panel, register


def _upcoming(user, roles):
    return {
        "bookings": list(
            Booking.objects.filter(
                user=user,
                status__in=(BookingStatus.CONFIRMED, BookingStatus.PENDING),
                end__gte=timezone.now(),
            )
            .select_related("resource")
            .order_by("start")[:5]
        )
    }


def _staff(user, roles):
    return {
        "pending": list(pending_bookings()[:5]),
        "pending_count": pending_bookings().count(),
        "today": list(bookings_on(timezone.localdate())[:8]),
    }


register(
    Panel(
        key="bookings_mine",
        title=_("Your studio bookings"),
        template="bookings/panels/mine.html",
        roles=frozenset({"member_employee", "student"}),
        context=_upcoming,
        order=40,
    )
)
register(
    Panel(
        key="bookings_staff",
        title=_("Studio bookings"),
        template="bookings/panels/staff.html",
        roles=frozenset({"staff"}),
        context=_staff,
        order=45,
    )
)
