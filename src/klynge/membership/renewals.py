"""The yearly renewal run (`klynge run_renewals`, daily): bills, reminds, moves to grace, lapses.

Running it twice on the same day, or on every day, bills nobody twice: a membership period is
billed once (the database refuses a second live invoice for it, and a period whose invoice was
credited is not billed again automatically), each reminder step is sent once, and every
transition checks the current state first.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from klynge.membership import conf, invoicing, services
from klynge.membership.models import (
    Invoice,
    InvoiceKind,
    InvoiceStatus,
    Membership,
    MembershipStatus,
)
from klynge.membership.selectors import fee_for_organisation


@dataclass
class RenewalReport:
    invoices_created: int = 0
    marked_overdue: int = 0
    reminders_sent: int = 0
    renewed: int = 0
    to_grace: int = 0
    lapsed: int = 0
    without_fee: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "invoices_created": self.invoices_created,
            "marked_overdue": self.marked_overdue,
            "reminders_sent": self.reminders_sent,
            "renewed": self.renewed,
            "to_grace": self.to_grace,
            "lapsed": self.lapsed,
            "without_fee": self.without_fee,
        }


def _bill_next_period(*, actor, membership: Membership, on: datetime.date, base_url: str, report):
    start = membership.end_date + datetime.timedelta(days=1)
    # Any invoice for the period, even a credited one: crediting a renewal is a decision staff
    # made (they re-bill with "credit and reissue"), not something the run should undo.
    if Invoice.objects.filter(
        membership=membership, kind=InvoiceKind.INVOICE, period_start=start
    ).exists():
        return
    fee = fee_for_organisation(membership.tier, membership.organisation)
    if fee is None:
        report.without_fee.append(str(membership.organisation))
        return
    if fee == 0:
        return
    end = services.one_year_from(start)
    try:
        with transaction.atomic():
            invoice = invoicing.create_invoice(
                actor=actor,
                organisation=membership.organisation,
                membership=membership,
                period_start=start,
                period_end=end,
                lines=[(services.membership_line(membership, start, end), 1, fee)],
                vat_country=membership.organisation.country,
            )
            invoicing.issue_invoice(actor=actor, invoice=invoice, on=on, base_url=base_url)
    except IntegrityError:
        return  # a concurrent run billed this period a moment ago
    report.invoices_created += 1


def run_renewals(*, actor, on: datetime.date | None = None, base_url: str = "") -> RenewalReport:
    """One pass of the renewal run for the day `on` (default today):

    1. sent invoices past their due date become overdue;
    2. overdue invoices get the reminder step that is due (`KLYNGE_INVOICE_REMINDER_DAYS` after
       the due date), each step once;
    3. active memberships ending within `KLYNGE_RENEWAL_NOTICE_DAYS` get the invoice for their
       next period (once);
    4. memberships past their end move on to the next period when it is paid (or free), else
       into grace; grace longer than `KLYNGE_MEMBERSHIP_GRACE_DAYS` lapses, and the organisation
       becomes a former member.

    Each step is its own transaction, so one failure does not undo the others.
    """
    on = on or timezone.localdate()
    report = RenewalReport()

    for invoice in Invoice.objects.filter(
        kind=InvoiceKind.INVOICE, status=InvoiceStatus.SENT, due_date__lt=on
    ):
        if invoicing.mark_overdue(actor=actor, invoice=invoice):
            report.marked_overdue += 1

    steps = conf.reminder_days()
    for invoice in Invoice.objects.filter(
        kind=InvoiceKind.INVOICE, status=InvoiceStatus.OVERDUE
    ).select_related("organisation"):
        days_late = (on - invoice.due_date).days
        due_steps = [number for number, days in enumerate(steps, start=1) if days_late >= days]
        if due_steps and invoicing.send_reminder(
            actor=actor, invoice=invoice, step=due_steps[-1], on=on, base_url=base_url
        ):
            report.reminders_sent += 1

    horizon = on + datetime.timedelta(days=conf.renewal_notice_days())
    billed = Invoice.objects.filter(
        membership=OuterRef("pk"),
        kind=InvoiceKind.INVOICE,
        period_start=OuterRef("end_date") + datetime.timedelta(days=1),
    )
    to_bill = (
        Membership.objects.filter(
            status__in=(MembershipStatus.ACTIVE, MembershipStatus.GRACE), end_date__lte=horizon
        )
        .annotate(billed=Exists(billed))
        .filter(billed=False)
        .select_related("organisation", "tier")
        .prefetch_related("tier__fees")
    )
    for membership in to_bill:
        _bill_next_period(
            actor=actor, membership=membership, on=on, base_url=base_url, report=report
        )

    grace_limit = on - datetime.timedelta(days=conf.grace_days())
    ended = Membership.objects.filter(
        status__in=(MembershipStatus.ACTIVE, MembershipStatus.GRACE), end_date__lt=on
    ).select_related("organisation", "tier")
    for membership in ended.prefetch_related("tier__fees"):
        if services.renewal_is_settled(membership):
            try:
                with transaction.atomic():
                    services.renew_membership(actor=actor, membership=membership, on=on)
            except ValidationError:
                continue  # staff ended it while the run was going
            report.renewed += 1
            continue
        if membership.status == MembershipStatus.ACTIVE:
            services.change_membership_status(
                actor=actor, membership=membership, status=MembershipStatus.GRACE, on=on
            )
            report.to_grace += 1
        if membership.end_date < grace_limit:
            services.change_membership_status(
                actor=actor, membership=membership, status=MembershipStatus.LAPSED, on=on
            )
            report.lapsed += 1
    return report
