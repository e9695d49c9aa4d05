"""Included hours (quota) per member organisation and month, and the invoice for hours past them."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from klynge.bookings import availability
from klynge.bookings.models import Booking, BookingStatus, OverQuota, Resource
from klynge.bookings.services.policy import refuse
from klynge.core import audit
from klynge.ecosystem.models import Organisation
from klynge.membership.selectors import benefits_for


def counted_minutes(
    organisation: Organisation, month_start, month_end, exclude: int | None = None
) -> int:
    """Minutes of the organisation's bookings that count towards its included hours in the
    local month [month_start, month_end): held bookings and late cancellations, by start."""
    rows = (
        Booking.objects.filter(
            organisation=organisation,
            resource__counts_towards_quota=True,
            start__gte=month_start,
            start__lt=month_end,
        )
        .filter(
            Q(status__in=(BookingStatus.PENDING, BookingStatus.CONFIRMED))
            | Q(status=BookingStatus.CANCELLED, late_cancellation=True)
        )
        .exclude(pk=exclude)
        .values_list("start", "end")
    )
    return sum(int((end - start).total_seconds() // 60) for start, end in rows)


@dataclass(frozen=True)
class Quota:
    """What `billable_minutes` needs to know beforehand (read outside the write transaction)."""

    hours: int  # included hours per month of the organisation's tier


def quota_for(resource: Resource, organisation, start) -> Quota | None:
    """The included hours that apply to a booking starting at `start`; None if it uses none."""
    if organisation is None or not resource.counts_towards_quota:
        return None
    benefits = benefits_for(organisation, on=timezone.localtime(start).date())
    return Quota(hours=benefits.studio_hours_per_month)


def billable_minutes(
    resource: Resource, organisation, start, end, exclude=None, quota: Quota | None = ...
) -> int:
    """0 within the included hours; refuses or returns the minutes past them. Call it inside
    the write transaction; `quota` (from `quota_for`) may be read before it."""
    if quota is ...:
        quota = quota_for(resource, organisation, start)
    if quota is None:
        return 0
    if connection.features.has_select_for_update:
        # One booking per organisation at a time decides on the quota (PostgreSQL; SQLite's
        # IMMEDIATE transaction already serialises writers, and would only run a plain SELECT).
        Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
    month_start, month_end = availability.month_bounds(start)
    included = quota.hours * 60
    used = counted_minutes(organisation, month_start, month_end, exclude=exclude)
    minutes = int((end - start).total_seconds() // 60)
    past = used + minutes - included
    if past <= 0:
        return 0
    if resource.over_quota == OverQuota.BLOCK:
        month = formats.date_format(timezone.localtime(start), "YEAR_MONTH_FORMAT")
        raise refuse(
            "over_quota",
            _("%(organisation)s has %(left)s of its %(hours)s included hours left in %(month)s.")
            % {
                "organisation": organisation.name,
                "left": max(0, included - used) / 60,
                "hours": quota.hours,
                "month": month,
            },
        )
    return min(minutes, past)


@transaction.atomic
def bill_overage(*, actor, organisation: Organisation, year: int, month: int):
    """A draft invoice (the staff issue it) for the organisation's unbilled hours past its
    included hours in the month, one line per resource at its hourly rate; None if nothing."""
    from klynge.membership.invoicing import create_invoice

    month_start = availability.local_midnight(datetime.date(year, month, 1))
    month_end, _unused = availability.month_bounds(month_start + datetime.timedelta(days=32))
    bookings = list(
        Booking.objects.select_for_update(of=("self",))
        .filter(
            organisation=organisation,
            start__gte=month_start,
            start__lt=month_end,
            billable_minutes__gt=0,
            invoice__isnull=True,
        )
        .filter(status__in=(BookingStatus.CONFIRMED, BookingStatus.CANCELLED))
        .select_related("resource")
    )
    bookings = [b for b in bookings if b.status == BookingStatus.CONFIRMED or b.late_cancellation]
    if not bookings:
        return None
    per_resource: dict[Resource, int] = defaultdict(int)
    for booking in bookings:
        per_resource[booking.resource] += booking.billable_minutes
    label = formats.date_format(timezone.localtime(month_start), "YEAR_MONTH_FORMAT")
    lines = [
        (
            _("%(resource)s: hours past the included hours, %(month)s")
            % {"resource": resource.name, "month": label},
            Decimal(minutes) / 60,
            resource.hourly_rate,
        )
        for resource, minutes in sorted(per_resource.items(), key=lambda item: item[0].name)
    ]
    invoice = create_invoice(actor=actor, organisation=organisation, lines=lines)
    Booking.objects.filter(pk__in=[b.pk for b in bookings]).update(invoice=invoice)
    audit.record(
        actor=actor,
        action="bookings.overage.bill",
        target=invoice,
        data={"bookings": len(bookings)},
    )
    return invoice


@transaction.atomic
def waive_late_cancellation(*, actor, booking: Booking) -> Booking:
    """Staff waive a late cancellation: its hours stop counting towards the included hours and
    nothing past them is billed. The booking keeps its cancellation; the audit log records
    that it was late and who waived it."""
    booking = Booking.objects.select_for_update(of=("self",)).get(pk=booking.pk)
    if booking.status != BookingStatus.CANCELLED or not booking.late_cancellation:
        raise ValidationError({"__all__": [_("Only a late cancellation can be waived.")]})
    if booking.invoice_id is not None:
        raise ValidationError(
            {"__all__": [_("These hours are already invoiced: issue a credit note instead.")]}
        )
    waived = {"minutes": booking.minutes, "billable_minutes": booking.billable_minutes}
    booking.late_cancellation = False
    booking.billable_minutes = 0
    booking.save(update_fields=["late_cancellation", "billable_minutes", "updated_at"])
    audit.record(actor=actor, action="bookings.booking.waive", target=booking, data=waived)
    return booking
