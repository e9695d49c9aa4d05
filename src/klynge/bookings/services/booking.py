"""Booking: create (single or weekly series), change, cancel, approve or reject, check-in and
no-shows."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from klynge.accounts.roles import Role, roles_for
from klynge.bookings import availability
from klynge.bookings.models import (
    ADD_ON_OVERLAP_CONSTRAINT,
    HOLDING_STATUSES,
    OVERLAP_CONSTRAINT,
    AddOn,
    Booking,
    BookingAddOn,
    BookingSeries,
    BookingStatus,
    Resource,
)
from klynge.bookings.services.billing import billable_minutes, quota_for, recount_month
from klynge.bookings.services.notifications import notify_person, notify_supervisor
from klynge.bookings.services.policy import (
    BookingRefused,
    add_on_refused,
    add_ons_for,
    blocked_period,
    booking_party,
    check_add_ons,
    check_rules,
    hold_add_ons,
    holders_of,
    insert_holding,
    is_taken,
    note_blocked_length,
    refuse,
    release_add_ons,
    taken,
    validate_period,
)
from klynge.bookings.services.waitlist import decline_offer, expire_offers, offer_freed
from klynge.core import audit
from klynge.core.emails import queue_email
from klynge.ecosystem.models import Organisation

MAX_SERIES_WEEKS = 52


def create_booking(
    *,
    actor,
    resource: Resource,
    user,
    start,
    end,
    add_ons: Iterable[AddOn | int] = (),
    note: str = "",
    supervisor=None,
    organisation: Organisation | None = None,
    series: BookingSeries | None = None,
    notify: bool = True,
    now=None,
    base_url: str = "",
) -> Booking:
    """Books `resource` for `user` from `start` to `end` (aware datetimes).

    Confirmed at once, or pending when the resource needs approval. Raises BookingRefused
    (taken, add_on_taken, outside_hours, closed, too_short, too_long, off_grid, too_late,
    too_far_ahead, over_quota, unavailable, not_allowed) or ValidationError for malformed input
    (a student without a supervisor, an add-on not offered with the resource). Records the
    membership tier whose hours it uses and the minutes past them. Sends the confirmation (with
    the .ics) after commit, and tells a student's supervisor.
    """
    start, end = validate_period(start, end)
    now = availability.utc(now or timezone.now())
    supervisor, org = booking_party(
        user=user, resource=resource, supervisor=supervisor, organisation=organisation
    )
    add_ons = add_ons_for(resource, add_ons)
    # Everything that only reads runs before the write transaction, so the write lock (SQLite)
    # or the organisation's row lock (PostgreSQL) is held for as little as possible: the
    # rules, the tier's included hours, and a first look at the slot (a plainly taken slot is
    # refused without taking the lock at all). Inside, the slot is checked again.
    check_rules(resource, start, end, now)
    blocked_start, blocked_end = blocked_period(resource, start, end)
    holders = holders_of(resource, blocked_start, blocked_end)
    if holders and all(
        status == BookingStatus.OFFERED and expires is not None and expires <= now
        for status, expires in holders
    ):
        # Only offers nobody took in time hold the slot: they free it first (the release and
        # the next offer in their own transaction), then the slot is looked at again.
        expire_offers(now=now, resource=resource, base_url=base_url)
        holders = holders_of(resource, blocked_start, blocked_end)
    if holders:
        raise taken()
    check_add_ons(add_ons, start, end)
    quota = quota_for(resource, org, start)
    with transaction.atomic():
        # SQLite: this transaction holds the write lock, so the look again is the guarantee.
        # PostgreSQL: the exclusion constraint is (a concurrent overlap fails the insert), so
        # the round trip is saved.
        if connection.vendor != "postgresql" and is_taken(resource, blocked_start, blocked_end):
            raise taken()
        billable = billable_minutes(resource, org, start, end, quota=quota)
        booking = insert_holding(
            Booking(
                resource=resource,
                user=user,
                organisation=org,
                supervisor=supervisor,
                start=start,
                end=end,
                blocked_start=blocked_start,
                blocked_end=blocked_end,
                status=BookingStatus.PENDING
                if resource.requires_approval
                else BookingStatus.CONFIRMED,
                series=series,
                note=note.strip()[:300],
                tier=quota.tier if quota else None,
                billable_minutes=billable,
                created_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
        )
        hold_add_ons(booking, add_ons)
        audit.record(
            actor=actor,
            action="bookings.booking.create",
            target=booking,
            data={
                "start": start.isoformat(),
                "end": end.isoformat(),
                "status": booking.status,
                **({"add_ons": [a.pk for a in add_ons]} if add_ons else {}),
            },
        )
        # Queued in the transaction (an outbox row; the worker renders them), so they go if
        # and only if the booking commits.
        if notify:
            notify_person(
                booking,
                "confirmation" if booking.status == BookingStatus.CONFIRMED else "pending",
                base_url,
            )
        notify_supervisor(booking, base_url)
    return booking


@dataclass
class Occurrence:
    start: datetime.datetime
    end: datetime.datetime
    booking: Booking | None = None
    reason: str = ""
    message: str = ""


def create_series(
    *,
    actor,
    resource: Resource,
    user,
    start,
    end,
    weeks: int,
    now=None,
    base_url: str = "",
    **kwargs,
) -> tuple[BookingSeries | None, list[Occurrence]]:
    """Books the same wall-clock time weekly for `weeks` weeks. Each occurrence is booked or
    refused on its own; the result says which and why. One summary e-mail."""
    start, end = validate_period(start, end)
    if not 1 <= weeks <= MAX_SERIES_WEEKS:
        raise ValidationError(
            {"weeks": [_("Repeat for 1 to %(max)s weeks.") % {"max": MAX_SERIES_WEEKS}]}
        )
    length = end - start
    occurrences = []
    with transaction.atomic():
        series = BookingSeries.objects.create(
            created_by=actor if getattr(actor, "is_authenticated", False) else None, weeks=weeks
        )
        for week in range(weeks):
            occurrence_start = availability.add_local_weeks(start, week)
            occurrence = Occurrence(
                start=occurrence_start, end=availability.utc(occurrence_start) + length
            )
            try:
                occurrence.booking = create_booking(
                    actor=actor,
                    resource=resource,
                    user=user,
                    start=occurrence.start,
                    end=occurrence.end,
                    series=series,
                    notify=False,
                    now=now,
                    **kwargs,
                )
            except BookingRefused as refused:
                occurrence.reason, occurrence.message = refused.reason, refused.message_text
            occurrences.append(occurrence)
        booked = [o for o in occurrences if o.booking is not None]
        if not booked:
            series.delete()
            series = None
        elif user.email:
            queue_email(
                to=user.email,
                template="bookings/emails/series",
                context={"resource": resource, "occurrences": occurrences, "user": user},
            )
    return series, occurrences


def _editable(actor, booking: Booking, now) -> bool:
    deadline = booking.start - datetime.timedelta(hours=booking.resource.free_cancellation_hours)
    return now < deadline or roles_for(actor).has(Role.STAFF)


@transaction.atomic
def change_booking(*, actor, booking: Booking, start, end, now=None, base_url: str = "") -> Booking:
    """Moves a booking (free until the cancellation deadline; staff at any time). The new time
    passes the same rules; the old one is offered to the waiting list."""
    start, end = validate_period(start, end)
    now = availability.utc(now or timezone.now())
    booking = (
        Booking.objects.select_for_update(of=("self",))
        .select_related("resource")
        .get(pk=booking.pk)
    )
    if booking.status not in (BookingStatus.PENDING, BookingStatus.CONFIRMED):
        raise ValidationError({"__all__": [_("Only a current booking can be changed.")]})
    if not _editable(actor, booking, now):
        raise refuse(
            "too_late",
            _("Changes are free until %(hours)s hours before the start; cancel instead.")
            % {"hours": booking.resource.free_cancellation_hours},
        )
    resource = booking.resource
    check_rules(resource, start, end, now)
    blocked_start, blocked_end = blocked_period(resource, start, end)
    if is_taken(resource, blocked_start, blocked_end, exclude=booking.pk):
        raise taken()
    add_ons = [row.add_on for row in booking.booked_add_ons.select_related("add_on")]
    check_add_ons(add_ons, start, end, exclude_booking=booking.pk)
    old = (booking.blocked_start, booking.blocked_end)
    old_start = booking.start
    booking.billable_minutes = billable_minutes(
        resource, booking.organisation, start, end, exclude=booking.pk
    )
    booking.start, booking.end = start, end
    booking.blocked_start, booking.blocked_end = blocked_start, blocked_end
    try:
        # No savepoint: a refusal ends the whole change anyway.
        with transaction.atomic(savepoint=False):
            booking.save()
            BookingAddOn.objects.filter(booking=booking).update(start=start, end=end)
        note_blocked_length(booking)
    except IntegrityError as error:
        if OVERLAP_CONSTRAINT in str(error):
            raise taken() from None
        if ADD_ON_OVERLAP_CONSTRAINT in str(error):
            raise add_on_refused(next(a for a in add_ons if a.exclusive)) from None
        raise
    if availability.month_bounds(old_start) != availability.month_bounds(start):
        recount_month(booking.organisation, old_start)
    audit.record(
        actor=actor,
        action="bookings.booking.change",
        target=booking,
        data={"start": start.isoformat(), "end": end.isoformat()},
    )
    notify_person(booking, "changed", base_url)
    offer_freed(resource, *old, now=now, base_url=base_url)
    return booking


@transaction.atomic
def cancel_booking(
    *,
    actor,
    booking: Booking,
    now=None,
    base_url: str = "",
    free: bool = False,
    notify: bool = True,
) -> Booking:
    """Cancels; free until `free_cancellation_hours` before the start, a late cancellation
    after that (its hours still count towards the quota and its add-ons are billed). `free`
    (staff cancelling for the cluster's reasons, an erasure) is never late. Frees the slot and
    the add-ons; offers the slot to the waiting list; the organisation's month is recounted."""
    now = availability.utc(now or timezone.now())
    booking = (
        Booking.objects.select_for_update(of=("self",))
        .select_related("resource")
        .get(pk=booking.pk)
    )
    if booking.status not in HOLDING_STATUSES:
        raise ValidationError({"__all__": [_("This booking is not current.")]})
    if booking.status == BookingStatus.OFFERED:
        return decline_offer(actor=actor, booking=booking, now=now, base_url=base_url)
    deadline = booking.start - datetime.timedelta(hours=booking.resource.free_cancellation_hours)
    booking.late_cancellation = (
        not free and booking.status == BookingStatus.CONFIRMED and now >= deadline
    )
    if not booking.late_cancellation:
        booking.billable_minutes = 0
    booking.status = BookingStatus.CANCELLED
    booking.cancelled_at = now
    booking.save(
        update_fields=[
            "status",
            "cancelled_at",
            "late_cancellation",
            "billable_minutes",
            "updated_at",
        ]
    )
    release_add_ons(booking)
    if not booking.late_cancellation:
        recount_month(booking.organisation, booking.start)
    audit.record(
        actor=actor,
        action="bookings.booking.cancel",
        target=booking,
        data={"late": booking.late_cancellation, **({"free": True} if free else {})},
    )
    if notify:
        notify_person(booking, "cancelled", base_url)
    if booking.end > now:
        offer_freed(
            booking.resource, booking.blocked_start, booking.blocked_end, now=now, base_url=base_url
        )
    return booking


@transaction.atomic
def decide_booking(
    *, actor, booking: Booking, approve: bool, now=None, base_url: str = ""
) -> Booking:
    """Staff approve (confirmed) or reject a pending booking; a rejection frees the slot."""
    now = availability.utc(now or timezone.now())
    booking = (
        Booking.objects.select_for_update(of=("self",))
        .select_related("resource")
        .get(pk=booking.pk)
    )
    if booking.status != BookingStatus.PENDING:
        raise ValidationError({"__all__": [_("This booking is not awaiting approval.")]})
    booking.status = BookingStatus.CONFIRMED if approve else BookingStatus.REJECTED
    booking.decided_by = actor
    if not approve:
        booking.billable_minutes = 0
    booking.save(update_fields=["status", "decided_by", "billable_minutes", "updated_at"])
    if not approve:
        release_add_ons(booking)
        recount_month(booking.organisation, booking.start)
    audit.record(
        actor=actor,
        action="bookings.booking.approve" if approve else "bookings.booking.reject",
        target=booking,
    )
    notify_person(booking, "approved" if approve else "rejected", base_url)
    if not approve:
        offer_freed(
            booking.resource, booking.blocked_start, booking.blocked_end, now=now, base_url=base_url
        )
    return booking


@transaction.atomic
def check_in(*, actor, booking: Booking, now=None) -> Booking:
    now = availability.utc(now or timezone.now())
    if booking.status != BookingStatus.CONFIRMED:
        raise ValidationError({"__all__": [_("Only a confirmed booking can be checked in.")]})
    if timezone.localtime(booking.start).date() > timezone.localtime(now).date():
        raise ValidationError({"__all__": [_("Check-in opens on the day of the booking.")]})
    booking.checked_in_at, booking.no_show = now, False
    booking.save(update_fields=["checked_in_at", "no_show", "updated_at"])
    audit.record(actor=actor, action="bookings.booking.check_in", target=booking)
    return booking


@transaction.atomic
def mark_no_show(*, actor, booking: Booking, now=None) -> Booking:
    now = availability.utc(now or timezone.now())
    if booking.status != BookingStatus.CONFIRMED or booking.start > now:
        raise ValidationError(
            {"__all__": [_("A no-show can be marked once a confirmed booking has begun.")]}
        )
    booking.no_show, booking.checked_in_at = True, None
    booking.save(update_fields=["no_show", "checked_in_at", "updated_at"])
    audit.record(actor=actor, action="bookings.booking.no_show", target=booking)
    return booking


@transaction.atomic
def remove_add_on(*, actor, booking: Booking, add_on: AddOn, now=None) -> Booking:
    """Takes an add-on off a booking (it is free for others at once). Its person may, until the
    free cancellation deadline; staff at any time, unless the add-on is already invoiced."""
    now = availability.utc(now or timezone.now())
    booking = (
        Booking.objects.select_for_update(of=("self",))
        .select_related("resource")
        .get(pk=booking.pk)
    )
    row = BookingAddOn.objects.filter(booking=booking, add_on=add_on).first()
    if row is None:
        raise ValidationError({"add_on": [_("This booking does not have this add-on.")]})
    if booking.status not in (BookingStatus.PENDING, BookingStatus.CONFIRMED):
        raise ValidationError({"__all__": [_("Only a current booking can be changed.")]})
    if row.invoice_id is not None:
        raise ValidationError(
            {"__all__": [_("This add-on is already invoiced: issue a credit note instead.")]}
        )
    if not _editable(actor, booking, now):
        raise refuse(
            "too_late",
            _("Add-ons can be removed until %(hours)s hours before the start.")
            % {"hours": booking.resource.free_cancellation_hours},
        )
    row.delete()
    audit.record(
        actor=actor,
        action="bookings.booking.remove_add_on",
        target=booking,
        data={"add_on": add_on.pk, "name": add_on.name, "price": str(row.price)},
    )
    return booking
