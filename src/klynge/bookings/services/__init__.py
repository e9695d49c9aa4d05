"""Every write to resources and bookings; import from here (`from klynge.bookings import
services`), the modules are split by concern:

- `resources`: resources, opening hours, closures, add-ons;
- `policy`: who may book what and when, the free-slot check and the guarded insert;
- `booking`: create (single, series), change, cancel, approve, check-in, no-shows;
- `waitlist`: the waiting list and its offers;
- `billing`: included hours per month and the invoice for the hours past them;
- `notifications`: e-mails and the calendar feed token.

The guarantee: two bookings that hold their slot (pending, confirmed, offered) never overlap on
one resource, buffers included. `create_booking` checks inside a write transaction (SQLite
begins IMMEDIATE, so only one writer checks at a time) and, on PostgreSQL, the exclusion
constraint `bookings_booking_no_overlap` refuses the insert if a concurrent transaction got there
first; both end as `BookingRefused(reason="taken")`, which the API answers with 409.

Pending bookings (awaiting staff approval) hold their slot: otherwise approving one could collide
with a booking made meanwhile, and the person who asked first would lose it.
"""

from klynge.bookings.services.billing import (
    bill_overage,
    billable_minutes,
    counted_minutes,
    waive_late_cancellation,
)
from klynge.bookings.services.booking import (
    MAX_SERIES_WEEKS,
    Occurrence,
    cancel_booking,
    change_booking,
    check_in,
    create_booking,
    create_series,
    decide_booking,
    mark_no_show,
)
from klynge.bookings.services.notifications import calendar_token_for
from klynge.bookings.services.policy import (
    BookingRefused,
    may_book,
    may_supervise,
    member_organisations,
)
from klynge.bookings.services.resources import (
    RESERVED_SLUGS,
    RESOURCE_FIELDS,
    add_add_on,
    add_closure,
    create_resource,
    remove_closure,
    set_opening_hours,
    update_resource,
)
from klynge.bookings.services.waitlist import (
    OFFER_VALID,
    accept_offer,
    decline_offer,
    expire_offers,
    join_waitlist,
    leave_waitlist,
)

__all__ = [
    "MAX_SERIES_WEEKS",
    "OFFER_VALID",
    "RESERVED_SLUGS",
    "RESOURCE_FIELDS",
    "BookingRefused",
    "Occurrence",
    "accept_offer",
    "add_add_on",
    "add_closure",
    "bill_overage",
    "billable_minutes",
    "calendar_token_for",
    "cancel_booking",
    "change_booking",
    "check_in",
    "counted_minutes",
    "create_booking",
    "create_resource",
    "create_series",
    "decide_booking",
    "decline_offer",
    "expire_offers",
    "join_waitlist",
    "leave_waitlist",
    "mark_no_show",
    "may_book",
    "may_supervise",
    "member_organisations",
    "remove_closure",
    "set_opening_hours",
    "update_resource",
    "waive_late_cancellation",
]
