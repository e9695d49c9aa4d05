"""Every write to resources and bookings; import from here (`from klynge.bookings import
services`), the modules are split by concern:

- `resources`: resources, opening hours, closures, photos, add-ons;
- `policy`: who may book what and when, the free-slot check and the guarded inserts (the
  booking, its exclusive add-ons);
- `booking`: create (single, series), change, cancel, approve, check-in, no-shows, removing an
  add-on;
- `waitlist`: the waiting list and its offers;
- `billing`: included hours per month, and the monthly invoices for the hours past them and
  the priced add-ons;
- `notifications`: e-mails and the calendar feed token.

The guarantee: two bookings that hold their slot (pending, confirmed, offered) never overlap on
one resource, buffers included, and an exclusive add-on (a technician, a single kit) is never
held by two overlapping bookings. `create_booking` checks inside a write transaction (SQLite
begins IMMEDIATE, so only one writer checks at a time) and, on PostgreSQL, the exclusion
constraint `bookings_booking_no_overlap` refuses the insert if a concurrent transaction got there
first; both end as `BookingRefused(reason="taken")`, which the API answers with 409.

Pending bookings (awaiting staff approval) hold their slot: otherwise approving one could collide
with a booking made meanwhile, and the person who asked first would lose it.
"""

from klynge.bookings.services.billing import (
    BillingReport,
    bill_completed_months,
    bill_overage,
    billable_minutes,
    counted_minutes,
    recount_month,
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
    remove_add_on,
)
from klynge.bookings.services.notifications import calendar_token_for
from klynge.bookings.services.policy import (
    BookingRefused,
    books_as_student,
    may_book,
    may_supervise,
    member_organisations,
    supervisor_with_email,
)
from klynge.bookings.services.resources import (
    MAX_PHOTOS,
    RESERVED_SLUGS,
    RESOURCE_FIELDS,
    add_add_on,
    add_closure,
    add_photo,
    create_resource,
    move_photo,
    remove_closure,
    remove_photo,
    set_opening_hours,
    update_add_on,
    update_photo,
    update_resource,
    withdraw_add_on,
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
    "MAX_PHOTOS",
    "MAX_SERIES_WEEKS",
    "OFFER_VALID",
    "RESERVED_SLUGS",
    "RESOURCE_FIELDS",
    "BillingReport",
    "BookingRefused",
    "Occurrence",
    "accept_offer",
    "add_add_on",
    "add_closure",
    "add_photo",
    "bill_completed_months",
    "bill_overage",
    "billable_minutes",
    "books_as_student",
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
    "move_photo",
    "recount_month",
    "remove_add_on",
    "remove_closure",
    "remove_photo",
    "set_opening_hours",
    "supervisor_with_email",
    "update_add_on",
    "update_photo",
    "update_resource",
    "waive_late_cancellation",
    "withdraw_add_on",
]
