"""Included hours (quota) per member organisation and month, and the invoices for what a month's
bookings cost beyond them: hours past the included hours (on resources that bill them) and
priced add-ons.

`bill_completed_months` is the monthly run (`klynge bill_booking_charges`, a periodic job): for
each organisation and each month that has ended, one invoice through the membership invoicing
service, issued and sent. Every billed booking and add-on points at its invoice, and they are
selected for billing with their rows locked (SELECT ... FOR UPDATE on PostgreSQL, the write
transaction on SQLite), so running it twice, or on two servers at once, bills nothing twice.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from klynge.bookings import availability
from klynge.bookings.models import (
    AddOn,
    Booking,
    BookingAddOn,
    BookingStatus,
    OverQuota,
    Resource,
)
from klynge.bookings.services.policy import refuse
from klynge.core import audit
from klynge.ecosystem.models import Organisation
from klynge.membership.models import Tier
from klynge.membership.selectors import benefits_for

# Bookings whose hours count towards the included hours (and whose charges are billed): those
# that hold their slot or were cancelled late.
COUNTED = Q(status__in=(BookingStatus.PENDING, BookingStatus.CONFIRMED)) | Q(
    status=BookingStatus.CANCELLED, late_cancellation=True
)
# What is billed: what took place (confirmed) and late cancellations; a pending booking is billed
# once staff approve it.
BILLED = Q(status=BookingStatus.CONFIRMED) | Q(
    status=BookingStatus.CANCELLED, late_cancellation=True
)


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
        .filter(COUNTED)
        .exclude(pk=exclude)
        .order_by()
        .values_list("start", "end")
    )
    return sum(int((end - start).total_seconds() // 60) for start, end in rows)


@dataclass(frozen=True)
class Quota:
    """What `billable_minutes` needs to know beforehand (read outside the write transaction)."""

    tier: Tier | None  # the organisation's membership tier on the booking's day
    hours: int  # included hours per month of that tier
    counts: bool  # does the resource use included hours at all


def quota_for(resource: Resource, organisation, start) -> Quota | None:
    """The tier and included hours that apply to a booking starting at `start`; None if the
    booking uses no organisation's hours (staff)."""
    if organisation is None:
        return None
    benefits = benefits_for(organisation, on=timezone.localtime(start).date())
    return Quota(
        tier=benefits.tier,
        hours=benefits.studio_hours_per_month,
        counts=resource.counts_towards_quota,
    )


def _lock_organisation(organisation: Organisation) -> None:
    if connection.features.has_select_for_update:
        # One booking per organisation at a time decides on the quota (PostgreSQL; SQLite's
        # IMMEDIATE transaction already serialises writers, and would only run a plain SELECT).
        Organisation.objects.select_for_update().filter(pk=organisation.pk).first()


def billable_minutes(
    resource: Resource, organisation, start, end, exclude=None, quota: Quota | None = ...
) -> int:
    """0 within the included hours; refuses or returns the minutes past them. Call it inside
    the write transaction; `quota` (from `quota_for`) may be read before it."""
    if quota is ...:
        quota = quota_for(resource, organisation, start)
    if quota is None or not quota.counts:
        return 0
    _lock_organisation(organisation)
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
                "left": hours_label(max(0, included - used)),
                "hours": quota.hours,
                "month": month,
            },
        )
    return min(minutes, past)


def hours_label(minutes: int) -> str:
    """Minutes as hours in the current language: 90 is "1.5" in English, "1,5" in Danish."""
    decimals = 0 if minutes % 60 == 0 else 1 if minutes % 6 == 0 else 2
    return formats.number_format(round(minutes / 60, decimals), decimal_pos=decimals)


def recount_month(organisation: Organisation | None, moment) -> int:
    """Hours were given back in the organisation's month containing `moment` (a free
    cancellation, a rejection, a booking moved away): the bookings of that month that are not
    invoiced yet get their minutes past the included hours again, in the order they were made,
    as if the returned hours had never been booked. Call inside the write transaction; returns
    how many bookings changed."""
    if organisation is None:
        return 0
    _lock_organisation(organisation)
    month_start, month_end = availability.month_bounds(moment)
    bookings = (
        Booking.objects.filter(
            organisation=organisation,
            resource__counts_towards_quota=True,
            start__gte=month_start,
            start__lt=month_end,
        )
        .filter(COUNTED)
        .select_related("resource")
        .order_by("created_at", "id")
    )
    included_on: dict[datetime.date, int] = {}
    used, changed = 0, []
    for booking in bookings:
        day = timezone.localtime(booking.start).date()
        if day not in included_on:
            included_on[day] = benefits_for(organisation, on=day).studio_hours_per_month * 60
        minutes = booking.minutes
        billable = 0
        if booking.resource.over_quota == OverQuota.BILL:
            billable = min(minutes, max(0, used + minutes - included_on[day]))
        used += minutes
        if booking.invoice_id is None and billable != booking.billable_minutes:
            booking.billable_minutes = billable
            changed.append(booking)
    Booking.objects.bulk_update(changed, ["billable_minutes"])
    return len(changed)


# --- Invoices ---------------------------------------------------------------------------------


def _month_label(month_start) -> str:
    return formats.date_format(timezone.localtime(month_start), "YEAR_MONTH_FORMAT")


def _month_of(moment) -> datetime.date:
    return timezone.localtime(moment).date().replace(day=1)


def _charges(organisation_id: int | None, month_start, month_end, *, lock: bool):
    """The organisation's (any organisation's, when None) unbilled charges of bookings starting
    in [month_start, month_end) (month_start None: any time before month_end):
    bookings with billable hours on resources with an hourly rate, and priced add-ons."""
    bookings = Booking.objects.filter(
        start__lt=month_end,
        billable_minutes__gt=0,
        resource__hourly_rate__gt=0,
        invoice__isnull=True,
    ).filter(BILLED)
    add_ons = BookingAddOn.objects.filter(
        booking__start__lt=month_end,
        price__gt=0,
        invoice__isnull=True,
    ).filter(
        Q(booking__status=BookingStatus.CONFIRMED)
        | Q(booking__status=BookingStatus.CANCELLED, booking__late_cancellation=True)
    )
    if month_start is not None:
        bookings = bookings.filter(start__gte=month_start)
        add_ons = add_ons.filter(booking__start__gte=month_start)
    if organisation_id is None:
        bookings = bookings.filter(organisation__isnull=False)
        add_ons = add_ons.filter(booking__organisation__isnull=False)
    else:
        bookings = bookings.filter(organisation_id=organisation_id)
        add_ons = add_ons.filter(booking__organisation_id=organisation_id)
    if lock:
        bookings = bookings.select_for_update(of=("self",))
        add_ons = add_ons.select_for_update(of=("self",))
    return bookings, add_ons


@dataclass
class BillingReport:
    invoices: list = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((invoice.total for invoice in self.invoices), Decimal("0.00"))


def _invoice_month(*, actor, organisation: Organisation, month: datetime.date, until=None):
    """Creates a draft invoice for the organisation's unbilled charges of `month` (bookings that
    started before `until`, if given) and marks them billed; None if there is nothing."""
    from klynge.membership.invoicing import create_invoice

    month_start, month_end = availability.month_bounds(availability.local_midnight(month))
    if until is not None:
        month_end = min(month_end, until)
    bookings_qs, add_ons_qs = _charges(organisation.pk, month_start, month_end, lock=True)
    bookings = list(bookings_qs.select_related("resource"))
    add_ons = list(add_ons_qs.select_related("add_on"))
    if not bookings and not add_ons:
        return None
    label = _month_label(month_start)
    minutes: dict[Resource, int] = defaultdict(int)
    for booking in bookings:
        minutes[booking.resource] += booking.billable_minutes
    lines = [
        (
            _("%(resource)s: hours past the included hours, %(month)s")
            % {"resource": resource.name, "month": label},
            Decimal(total) / 60,
            resource.hourly_rate,
        )
        for resource, total in sorted(minutes.items(), key=lambda item: (item[0].name, item[0].pk))
    ]
    per_add_on: dict[tuple[AddOn, Decimal], int] = defaultdict(int)
    for row in add_ons:
        per_add_on[(row.add_on, row.price)] += 1
    lines += [
        (
            _("%(add_on)s with bookings, %(month)s") % {"add_on": add_on.name, "month": label},
            count,
            price,
        )
        for (add_on, price), count in sorted(
            per_add_on.items(), key=lambda item: (item[0][0].name, item[0][0].pk, item[0][1])
        )
    ]
    last_day = (month_end - datetime.timedelta(microseconds=1)).astimezone(
        timezone.get_current_timezone()
    )
    invoice = create_invoice(
        actor=actor,
        organisation=organisation,
        lines=lines,
        period_start=month,
        period_end=last_day.date(),
        note=_("Studio and equipment bookings, %(month)s") % {"month": label},
    )
    Booking.objects.filter(pk__in=[b.pk for b in bookings]).update(invoice=invoice)
    BookingAddOn.objects.filter(pk__in=[a.pk for a in add_ons]).update(invoice=invoice)
    audit.record(
        actor=actor,
        action="bookings.charges.bill",
        target=invoice,
        data={
            "month": month.isoformat(),
            "bookings": len(bookings),
            "add_ons": len(add_ons),
        },
    )
    return invoice


def bill_completed_months(*, actor=None, now=None, base_url: str = "") -> BillingReport:
    """The monthly run: for every organisation and every month that ended before `now`'s local
    month, one invoice (issued, and e-mailed to the organisation's billing contacts by the
    membership invoicing service) with the month's hours past the included hours and priced
    add-ons not billed yet. One transaction per invoice. Idempotent."""
    from klynge.membership.invoicing import issue_invoice

    now = now or timezone.now()
    this_month, _end = availability.month_bounds(now)
    bookings, add_ons = _charges(None, None, this_month, lock=False)
    pending: set[tuple[int, datetime.date]] = set()
    for organisation_id, start in bookings.values_list("organisation_id", "start"):
        pending.add((organisation_id, _month_of(start)))
    for organisation_id, start in add_ons.values_list("booking__organisation_id", "booking__start"):
        pending.add((organisation_id, _month_of(start)))
    organisations = Organisation.objects.in_bulk(
        {organisation_id for organisation_id, _m in pending}
    )
    report = BillingReport()
    for organisation_id, month in sorted(pending, key=lambda item: (item[1], item[0])):
        with transaction.atomic():
            invoice = _invoice_month(
                actor=actor, organisation=organisations[organisation_id], month=month
            )
            if invoice is None:
                continue  # a concurrent run billed it a moment ago
            invoice = issue_invoice(
                actor=actor, invoice=invoice, on=timezone.localtime(now).date(), base_url=base_url
            )
        report.invoices.append(invoice)
    return report


@transaction.atomic
def bill_overage(*, actor, organisation: Organisation, year: int, month: int, now=None):
    """Staff bill a month now, without waiting for the monthly run (e.g. an organisation
    leaving): a draft invoice (the staff issue it) with the month's unbilled hours past the
    included hours and priced add-ons of bookings that have started; None if nothing."""
    try:
        first = datetime.date(year, month, 1)
    except ValueError:
        raise ValidationError({"month": [_("Choose a month.")]}) from None
    return _invoice_month(
        actor=actor, organisation=organisation, month=first, until=now or timezone.now()
    )


@transaction.atomic
def waive_late_cancellation(*, actor, booking: Booking) -> Booking:
    """Staff waive a late cancellation: its hours stop counting towards the included hours and
    nothing of it (hours past them, add-ons) is billed. The booking keeps its cancellation; the
    audit log records that it was late and who waived it."""
    booking = Booking.objects.select_for_update(of=("self",)).get(pk=booking.pk)
    if booking.status != BookingStatus.CANCELLED or not booking.late_cancellation:
        raise ValidationError({"__all__": [_("Only a late cancellation can be waived.")]})
    if (
        booking.invoice_id is not None
        or booking.booked_add_ons.filter(invoice__isnull=False).exists()
    ):
        raise ValidationError(
            {"__all__": [_("These hours are already invoiced: issue a credit note instead.")]}
        )
    waived = {"minutes": booking.minutes, "billable_minutes": booking.billable_minutes}
    booking.late_cancellation = False
    booking.billable_minutes = 0
    booking.save(update_fields=["late_cancellation", "billable_minutes", "updated_at"])
    recount_month(booking.organisation, booking.start)
    audit.record(actor=actor, action="bookings.booking.waive", target=booking, data=waived)
    return booking
