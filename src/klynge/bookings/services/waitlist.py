"""The waiting list: joining it for a taken slot, offers when the slot frees up, accepting,
declining and expiring them."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from klynge.bookings import availability
from klynge.bookings.models import (
    Booking,
    BookingStatus,
    Resource,
    WaitlistEntry,
    WaitStatus,
)
from klynge.bookings.services.billing import billable_minutes, quota_for
from klynge.bookings.services.notifications import (
    notify_offer,
    notify_person,
    notify_supervisor,
)
from klynge.bookings.services.policy import (
    BookingRefused,
    blocked_period,
    booking_party,
    check_rules,
    insert_holding,
    is_taken,
    refuse,
    validate_period,
)
from klynge.core import audit

OFFER_VALID = datetime.timedelta(hours=4)


@transaction.atomic
def join_waitlist(
    *,
    actor,
    resource: Resource,
    user,
    start,
    end,
    supervisor=None,
    organisation=None,
    now=None,
) -> WaitlistEntry:
    """Puts the user on the waiting list for a taken slot (they are offered it when it frees).
    Who may book is checked as for a booking: a student names their supervisor here, and the
    entry keeps the supervisor and the organisation whose hours the booking will use."""
    start, end = validate_period(start, end)
    now = availability.utc(now or timezone.now())
    supervisor, organisation = booking_party(
        user=user, resource=resource, supervisor=supervisor, organisation=organisation
    )
    if start <= now:
        raise refuse("too_late", _("It is too late to book this time: it has already begun."))
    if not is_taken(resource, *blocked_period(resource, start, end)):
        raise ValidationError({"__all__": [_("This time is free: book it instead.")]})
    if WaitlistEntry.objects.filter(
        resource=resource, user=user, start=start, end=end, status=WaitStatus.WAITING
    ).exists():
        raise ValidationError(
            {"__all__": [_("You are already on the waiting list for this time.")]}
        )
    entry = WaitlistEntry.objects.create(
        resource=resource,
        user=user,
        start=start,
        end=end,
        supervisor=supervisor,
        organisation=organisation,
    )
    audit.record(
        actor=actor,
        action="bookings.waitlist.join",
        target=resource,
        data={"start": start.isoformat(), "end": end.isoformat(), "user": user.pk},
    )
    return entry


@transaction.atomic
def leave_waitlist(*, actor, entry: WaitlistEntry) -> None:
    if entry.status == WaitStatus.WAITING:
        entry.status = WaitStatus.WITHDRAWN
        entry.save(update_fields=["status"])
        audit.record(actor=actor, action="bookings.waitlist.leave", target=entry.resource)


def offer_freed(
    resource: Resource, freed_start, freed_end, *, now, base_url: str = ""
) -> list[WaitlistEntry]:
    """Offers the freed period to the waiting list, first come first served: each entry whose
    slot is now free gets it held (status 'offered') until it accepts or the offer expires."""
    offered = []
    entries = WaitlistEntry.objects.filter(
        resource=resource,
        status=WaitStatus.WAITING,
        start__lt=freed_end + resource.buffer_before,
        end__gt=freed_start - resource.buffer_after,
        start__gt=now,
    ).select_related("user")
    for entry in entries:
        blocked_start, blocked_end = blocked_period(resource, entry.start, entry.end)
        if is_taken(resource, blocked_start, blocked_end):
            continue
        try:
            with transaction.atomic():  # a savepoint: after a refusal the loop goes on
                hold = insert_holding(
                    Booking(
                        resource=resource,
                        user=entry.user,
                        start=entry.start,
                        end=entry.end,
                        blocked_start=blocked_start,
                        blocked_end=blocked_end,
                        status=BookingStatus.OFFERED,
                        offer_expires_at=min(now + OFFER_VALID, entry.start),
                    )
                )
        except BookingRefused:
            continue
        entry.status, entry.booking = WaitStatus.OFFERED, hold
        entry.save(update_fields=["status", "booking"])
        audit.record(
            actor=None, action="bookings.waitlist.offer", target=hold, data={"user": entry.user_id}
        )
        notify_offer(entry, base_url)
        offered.append(entry)
    return offered


def accept_offer(
    *, actor, entry: WaitlistEntry, organisation=None, supervisor=None, now=None, base_url: str = ""
) -> Booking:
    """Turns a held offer into a booking (confirmed, or pending approval) after the same rules
    as any booking: who may book (a student needs a supervisor: the one given when joining, or
    `supervisor`), the opening hours and closures, and the included hours of the organisation
    (the one chosen when joining, or `organisation`). Raises BookingRefused or ValidationError
    when they fail and leaves the hold until it expires or is declined. An offer past its time
    is released (and offered onwards) before the refusal."""
    now = availability.utc(now or timezone.now())
    try:
        return _accept_offer(
            actor=actor,
            entry=entry,
            organisation=organisation,
            supervisor=supervisor,
            now=now,
            base_url=base_url,
        )
    except _Expired:
        # Outside the refused transaction, so the release is kept.
        expire_offers(now=now, resource=entry.resource, base_url=base_url)
        raise ValidationError({"__all__": [_("This offer has expired.")]}) from None


class _Expired(Exception):
    pass


@transaction.atomic
def _accept_offer(*, actor, entry, organisation, supervisor, now, base_url) -> Booking:
    entry = (
        WaitlistEntry.objects.select_for_update(of=("self",))
        .select_related("booking__resource")
        .get(pk=entry.pk)
    )
    booking = entry.booking
    if (
        entry.status != WaitStatus.OFFERED
        or booking is None
        or booking.status != BookingStatus.OFFERED
    ):
        raise ValidationError({"__all__": [_("This offer is no longer open.")]})
    if booking.offer_expires_at and booking.offer_expires_at <= now:
        raise _Expired
    resource = booking.resource
    supervisor, org = booking_party(
        user=booking.user,
        resource=resource,
        supervisor=supervisor or entry.supervisor,
        organisation=organisation or entry.organisation,
    )
    check_rules(resource, booking.start, booking.end, now)
    quota = quota_for(resource, org, booking.start)
    booking.billable_minutes = billable_minutes(
        resource, org, booking.start, booking.end, exclude=booking.pk, quota=quota
    )
    booking.organisation = org
    booking.supervisor = supervisor
    booking.tier = quota.tier if quota else None
    booking.status = (
        BookingStatus.PENDING if resource.requires_approval else BookingStatus.CONFIRMED
    )
    booking.offer_expires_at = None
    booking.created_by = actor
    booking.save()
    entry.status = WaitStatus.BOOKED
    entry.supervisor, entry.organisation = supervisor, org
    entry.save(update_fields=["status", "supervisor", "organisation"])
    audit.record(actor=actor, action="bookings.waitlist.accept", target=booking)
    notify_person(
        booking,
        "confirmation" if booking.status == BookingStatus.CONFIRMED else "pending",
        base_url,
    )
    notify_supervisor(booking, base_url)
    return booking


@transaction.atomic
def decline_offer(*, actor, booking: Booking, now=None, base_url: str = "") -> Booking:
    now = availability.utc(now or timezone.now())
    booking.status = BookingStatus.EXPIRED
    booking.offer_expires_at = None
    booking.save(update_fields=["status", "offer_expires_at", "updated_at"])
    WaitlistEntry.objects.filter(booking=booking, status=WaitStatus.OFFERED).update(
        status=WaitStatus.WITHDRAWN
    )
    audit.record(actor=actor, action="bookings.waitlist.decline", target=booking)
    offer_freed(
        booking.resource, booking.blocked_start, booking.blocked_end, now=now, base_url=base_url
    )
    return booking


@transaction.atomic
def expire_offers(*, now=None, resource: Resource | None = None, base_url: str = "") -> int:
    """Releases offers nobody accepted in time and offers the slot to the next in line. Runs
    inside every booking on the resource, and for all resources from `klynge expire_booking_offers`."""
    now = availability.utc(now or timezone.now())
    stale = Booking.objects.filter(status=BookingStatus.OFFERED, offer_expires_at__lte=now)
    if resource is not None:
        stale = stale.filter(resource=resource)
    stale = list(stale.select_related("resource"))
    for booking in stale:
        booking.status = BookingStatus.EXPIRED
        booking.save(update_fields=["status", "updated_at"])
        WaitlistEntry.objects.filter(booking=booking, status=WaitStatus.OFFERED).update(
            status=WaitStatus.EXPIRED
        )
        audit.record(actor=None, action="bookings.waitlist.expire", target=booking)
        if booking.end > now:
            offer_freed(
                booking.resource,
                booking.blocked_start,
                booking.blocked_end,
                now=now,
                base_url=base_url,
            )
    return len(stale)
