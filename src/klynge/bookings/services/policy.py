"""The rules every booking passes: who may book what, when, and whether the slot is free.

`insert_holding` is the one place a booking that holds its slot is written: on PostgreSQL the
exclusion constraint `bookings_booking_no_overlap` may refuse it (a concurrent transaction got
there first), which becomes `BookingRefused(reason="taken")`. `hold_add_ons` does the same for
exclusive add-ons (`bookings_addon_no_overlap`, reason "add_on_taken").
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from klynge.accounts.models import User
from klynge.accounts.roles import Role, roles_for
from klynge.bookings import availability
from klynge.bookings.models import (
    ADD_ON_OVERLAP_CONSTRAINT,
    HOLDING_STATUSES,
    OVERLAP_CONSTRAINT,
    AddOn,
    Audience,
    Booking,
    BookingAddOn,
    Closure,
    Resource,
)
from klynge.ecosystem.models import AffiliationRole, MembershipStatus, Organisation


class BookingRefused(ValidationError):
    """The slot cannot be booked; `reason` is a stable code for scripts (the API's 409)."""

    def __init__(self, reason: str, message: str):
        super().__init__({"__all__": [message]}, code=reason)
        self.reason = reason
        self.message_text = message


def refuse(reason: str, message: str) -> BookingRefused:
    return BookingRefused(reason, message)


def member_organisations(user) -> list[Organisation]:
    """The member organisations the user books for (not as a student)."""
    return [
        a.organisation
        for a in roles_for(user).affiliations
        if a.organisation.membership_status == MembershipStatus.MEMBER
        and a.role != AffiliationRole.STUDENT
    ]


def may_supervise(user) -> bool:
    roles = roles_for(user)
    return roles.has(Role.STAFF) or roles.has(Role.MEMBER_EMPLOYEE)


def may_book(user, resource: Resource) -> bool:
    roles = roles_for(user)
    if roles.has(Role.STAFF):
        return True
    if resource.audience == Audience.STAFF:
        return False
    if roles.has(Role.MEMBER_EMPLOYEE):
        return True
    return resource.audience == Audience.STUDENTS and roles.has(Role.STUDENT)


def books_as_student(user) -> bool:
    """Students (and anyone else without a member organisation who is not staff) book with a
    supervisor, on the supervisor's organisation's hours."""
    return not member_organisations(user) and not roles_for(user).has(Role.STAFF)


def supervisor_with_email(email: str):
    """The active login with this e-mail who may supervise; ValidationError on `supervisor`
    otherwise (the booking form and the API ask for the supervisor by e-mail)."""
    supervisor = User.objects.filter(email__iexact=(email or "").strip(), is_active=True).first()
    if supervisor is None or not may_supervise(supervisor):
        raise ValidationError(
            {"supervisor": [_("No cluster staff member or member employee has this e-mail.")]}
        )
    return supervisor


def booking_party(*, user, resource: Resource, supervisor=None, organisation=None):
    """Checks who books: may `user` book `resource`, has a student a supervisor who may
    supervise, may the booking use `organisation`'s hours. Returns (supervisor or None, the
    organisation whose included hours the booking uses or None). Every path to a booking (the
    booking form, the API, joining the waiting list and accepting an offer) goes through it."""
    if not may_book(user, resource):
        raise refuse("not_allowed", _("You may not book this resource."))
    if books_as_student(user):
        if supervisor is None:
            raise ValidationError(
                {"supervisor": [_("Students book with a supervisor: choose one.")]}
            )
        if not may_supervise(supervisor) or supervisor == user or not supervisor.is_active:
            raise ValidationError(
                {"supervisor": [_("The supervisor must be cluster staff or work for a member.")]}
            )
    else:
        supervisor = None
    return supervisor, organisation_for(user, supervisor, organisation)


def organisation_for(user, supervisor, organisation) -> Organisation | None:
    """Whose included hours a booking uses. A member books for one of their member
    organisations (the first unless they chose); a student for their supervisor's; staff
    bookings (no member organisation) use no quota."""
    options = member_organisations(user)
    if not options and supervisor is not None:
        options = member_organisations(supervisor)
    if organisation is not None:
        if organisation not in options:
            raise ValidationError({"organisation": [_("You cannot book for this organisation.")]})
        return organisation
    return options[0] if options else None


def check_rules(resource: Resource, start, end, now) -> None:
    """Everything but overlap and quota; raises BookingRefused with a distinct reason."""
    if not resource.is_active:
        raise refuse("unavailable", _("This resource cannot be booked at the moment."))
    minutes = (end - start).total_seconds() / 60
    if minutes < resource.min_minutes:
        raise refuse(
            "too_short",
            _("A booking must last at least %(minutes)s minutes.")
            % {"minutes": resource.min_minutes},
        )
    if minutes > resource.max_minutes:
        raise refuse(
            "too_long",
            _("A booking may last at most %(minutes)s minutes.")
            % {"minutes": resource.max_minutes},
        )
    step = resource.granularity_minutes
    local = timezone.localtime(start)
    if (
        (local.hour * 60 + local.minute) % step
        or local.second
        or local.microsecond
        or minutes % step
    ):
        raise refuse(
            "off_grid",
            _("Bookings start and last in whole steps of %(minutes)s minutes.") % {"minutes": step},
        )
    if start < now + datetime.timedelta(minutes=resource.notice_minutes):
        if resource.notice_minutes:
            message = _(
                "It is too late to book this time: book at least %(minutes)s minutes ahead."
            ) % {"minutes": resource.notice_minutes}
        else:
            message = _("It is too late to book this time: it has already begun.")
        raise refuse("too_late", message)
    if start > now + datetime.timedelta(days=resource.horizon_days):
        raise refuse(
            "too_far_ahead",
            _("Bookings can be made at most %(days)s days ahead.")
            % {"days": resource.horizon_days},
        )
    closure = (
        Closure.objects.filter(resource=resource, start__lt=end, end__gt=start)
        .order_by("start")
        .first()
    )
    if closure is not None:
        if closure.reason:
            message = _("The resource is closed then: %(reason)s.") % {"reason": closure.reason}
        else:
            message = _("The resource is closed then.")
        raise refuse("closed", message)
    hours = list(resource.opening_hours.all())
    if not availability.covers(availability.open_intervals(hours, start, end), start, end):
        raise refuse("outside_hours", _("The resource is not open for all of this time."))


def blocked_period(resource: Resource, start, end):
    return start - resource.buffer_before, end + resource.buffer_after


def note_blocked_length(booking: Booking) -> None:
    """Raises the resource's `longest_blocked_minutes` if this booking blocks longer (inside
    the booking's transaction; an UPDATE that matches no row, and so locks none, almost
    always)."""
    seconds = (booking.blocked_end - booking.blocked_start).total_seconds()
    minutes = -(-int(seconds) // 60) + (1 if seconds % 1 else 0)  # rounded up
    if minutes > booking.resource.longest_blocked_minutes:
        Resource.objects.filter(pk=booking.resource_id, longest_blocked_minutes__lt=minutes).update(
            longest_blocked_minutes=minutes
        )
        booking.resource.longest_blocked_minutes = minutes


def holders_of(resource: Resource, blocked_start, blocked_end) -> list[tuple]:
    """(status, offer_expires_at) of up to 3 bookings holding part of the blocked period."""
    return list(
        Booking.objects.filter(
            status__in=HOLDING_STATUSES,
            **availability.overlap_lookup(resource, blocked_start, blocked_end),
        )
        .order_by()
        .values_list("status", "offer_expires_at")[:3]
    )


def is_taken(resource: Resource, blocked_start, blocked_end, exclude: int | None = None) -> bool:
    return (
        Booking.objects.filter(
            status__in=HOLDING_STATUSES,
            **availability.overlap_lookup(resource, blocked_start, blocked_end),
        )
        .exclude(pk=exclude)
        .exists()
    )


def taken() -> BookingRefused:
    return refuse("taken", _("This time is already booked."))


def validate_period(start, end) -> tuple[datetime.datetime, datetime.datetime]:
    """Both aware and in order; returned in UTC so lengths are real elapsed time."""
    if start is None or end is None:
        raise ValidationError({"start": [_("Enter a start and an end.")]})
    if timezone.is_naive(start) or timezone.is_naive(end):
        raise ValidationError({"start": [_("Give the time with its time zone offset.")]})
    start, end = availability.utc(start), availability.utc(end)
    if end <= start:
        raise ValidationError({"end": [_("The end must be after the start.")]})
    return start, end


def insert_holding(booking: Booking) -> Booking:
    """Inserts; on PostgreSQL the exclusion constraint's refusal becomes 'taken' (SQLite has no
    such constraint: the caller checked under the write lock). Call inside the caller's atomic
    block: a refusal ends it (no savepoint of its own, one round trip fewer each way)."""
    try:
        with transaction.atomic(savepoint=False):
            booking.save(force_insert=True)
    except IntegrityError as error:
        if OVERLAP_CONSTRAINT in str(error):
            raise taken() from None
        raise
    note_blocked_length(booking)
    return booking


# --- Add-ons ----------------------------------------------------------------------------------


def add_ons_for(resource: Resource, chosen) -> list[AddOn]:
    """The add-ons `chosen` (instances or ids) if all are offered with `resource` now;
    ValidationError on `add_ons` otherwise."""
    ids = {getattr(a, "pk", a) for a in chosen or ()}
    if not ids:
        return []
    found = list(resource.add_ons.filter(pk__in=ids, is_active=True).order_by("name", "id"))
    if len(found) != len(ids):
        raise ValidationError({"add_ons": [_("Choose add-ons offered with this resource.")]})
    return found


def add_on_taken(add_on: AddOn, start, end, exclude_booking: int | None = None) -> bool:
    return (
        add_on.exclusive
        and BookingAddOn.objects.filter(
            add_on=add_on, exclusive=True, holding=True, start__lt=end, end__gt=start
        )
        .exclude(booking_id=exclude_booking)
        .exists()
    )


def add_on_refused(add_on: AddOn) -> BookingRefused:
    return refuse(
        "add_on_taken",
        _("%(add_on)s is booked for another booking then.") % {"add_on": add_on.name},
    )


def check_add_ons(add_ons, start, end, exclude_booking: int | None = None) -> None:
    for add_on in add_ons:
        if add_on_taken(add_on, start, end, exclude_booking):
            raise add_on_refused(add_on)


def hold_add_ons(booking: Booking, add_ons) -> None:
    """Books `add_ons` with `booking` at today's prices, for the booking's period. Call inside
    the booking's write transaction: the check and the insert are atomic on SQLite (the write
    lock), and on PostgreSQL the exclusion constraint refuses an exclusive add-on that a
    concurrent transaction booked meanwhile."""
    if not add_ons:
        return
    check_add_ons(add_ons, booking.start, booking.end, exclude_booking=booking.pk)
    try:
        with transaction.atomic(savepoint=False):
            BookingAddOn.objects.bulk_create(
                BookingAddOn(
                    booking=booking,
                    add_on=add_on,
                    price=add_on.price,
                    exclusive=add_on.exclusive,
                    start=booking.start,
                    end=booking.end,
                    holding=booking.status in HOLDING_STATUSES,
                )
                for add_on in add_ons
            )
    except IntegrityError as error:
        if ADD_ON_OVERLAP_CONSTRAINT in str(error):
            taken_one = next((a for a in add_ons if a.exclusive), add_ons[0])
            raise add_on_refused(taken_one) from None
        raise


def release_add_ons(booking: Booking) -> None:
    """The booking no longer holds its slot: nor do its add-ons (they stay on it, for billing
    a late cancellation and for the record)."""
    BookingAddOn.objects.filter(booking=booking, holding=True).update(holding=False)
