"""Writes to invoices: drafts, issuing with the gap-free number, credit notes and reminders.

Numbers: plain integers (1, 2, 3, ...) in one sequence shared by invoices and credit notes,
starting at ``KLYNGE_INVOICE_FIRST_NUMBER``. A number is taken only when a document is issued,
from the counter row locked (SELECT ... FOR UPDATE) inside the issuing transaction, so two
invoices issued at once get consecutive numbers and a rolled-back issue leaves no gap.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from klynge.core import audit
from klynge.core.emails import queue_email
from klynge.ecosystem.models import Organisation
from klynge.membership import conf
from klynge.membership.models import (
    Invoice,
    InvoiceCounter,
    InvoiceKind,
    InvoiceLine,
    InvoiceReminder,
    InvoiceStatus,
    Membership,
    quantize,
)
from klynge.membership.selectors import billing_emails

COUNTER_NAME = "invoices"


def _locked_counter() -> InvoiceCounter:
    counter = InvoiceCounter.objects.select_for_update().filter(name=COUNTER_NAME).first()
    if counter is None:
        try:
            with transaction.atomic():
                InvoiceCounter.objects.create(
                    name=COUNTER_NAME, last_number=conf.first_invoice_number() - 1
                )
        except IntegrityError:
            pass  # created by a concurrent first issue; lock that one
        counter = InvoiceCounter.objects.select_for_update().get(name=COUNTER_NAME)
    return counter


def _take_number() -> int:
    """The next number; call inside the issuing transaction (the counter stays locked)."""
    counter = _locked_counter()
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return counter.last_number


def buyer_address(organisation: Organisation) -> str:
    city = " ".join(part for part in (organisation.postal_code, organisation.city) if part)
    lines = [organisation.street, city, str(organisation.get_country_display())]
    return "\n".join(line for line in lines if line)


def _recalculate(invoice: Invoice) -> None:
    subtotal = sum((line.amount for line in invoice.lines.all()), Decimal("0.00"))
    invoice.subtotal = quantize(subtotal)
    invoice.vat_amount = quantize(subtotal * invoice.vat_rate / Decimal(100))
    invoice.total = invoice.subtotal + invoice.vat_amount
    invoice.save(update_fields=["subtotal", "vat_amount", "total", "updated_at"])


@transaction.atomic
def create_invoice(
    *,
    actor,
    organisation: Organisation,
    lines: Iterable[tuple[str, Decimal | int | str, Decimal | int | str]],
    membership: Membership | None = None,
    period_start: datetime.date | None = None,
    period_end: datetime.date | None = None,
    note: str = "",
    vat_country: str | None = None,
) -> Invoice:
    """Creates a draft invoice (no number yet) with `lines` of (description, quantity, unit
    price) in the cluster's currency, with VAT at the rate of `vat_country`, where the service
    is taxed: by default the seller's country (admission to events and the use of studios are
    taxed where they happen, whoever buys); membership passes the buyer's country (a service to
    a business is taxed where the business is: reverse charge across borders)."""
    lines = [(str(d).strip(), Decimal(str(q)), Decimal(str(p))) for d, q, p in lines]
    if not lines:
        raise ValidationError({"lines": [_("An invoice needs at least one line.")]})
    if any(not description for description, _q, _p in lines):
        raise ValidationError({"lines": [_("Every line needs a description.")]})
    invoice = Invoice.objects.create(
        organisation=organisation,
        membership=membership,
        period_start=period_start,
        period_end=period_end,
        currency=conf.currency(),
        vat_rate=conf.vat_rate_for(vat_country or conf.seller_country()),
        note=note,
    )
    InvoiceLine.objects.bulk_create(
        InvoiceLine(
            invoice=invoice,
            position=position,
            description=description[:300],
            quantity=quantize(quantity),
            unit_price=quantize(price),
        )
        for position, (description, quantity, price) in enumerate(lines, start=1)
    )
    _recalculate(invoice)
    audit.record(
        actor=actor,
        action="membership.invoice.create",
        target=invoice,
        data={"organisation": organisation.pk, "total": str(invoice.total)},
    )
    return invoice


@transaction.atomic
def issue_invoice(
    *,
    actor,
    invoice: Invoice,
    on: datetime.date | None = None,
    notify: bool = True,
    extra_recipients: Iterable[str] = (),
    base_url: str = "",
) -> Invoice:
    """Issues a draft: gives it the next number, the buyer's details as they are now, the issue
    date and the due date (payment days later), and e-mails the buyer's billing contacts."""
    on = on or timezone.localdate()
    invoice = Invoice.objects.select_for_update().select_related("organisation").get(pk=invoice.pk)
    if invoice.status != InvoiceStatus.DRAFT:
        raise ValidationError(_("Only a draft can be issued."))
    organisation = invoice.organisation
    invoice.number = _take_number()
    invoice.status = InvoiceStatus.SENT
    invoice.issue_date = on
    invoice.due_date = on + datetime.timedelta(days=conf.payment_days())
    invoice.buyer_name = organisation.name
    invoice.buyer_address = buyer_address(organisation)
    invoice.buyer_country = organisation.country
    invoice.buyer_registry_number = organisation.registry_number
    invoice.save()
    audit.record(
        actor=actor,
        action="membership.invoice.issue",
        target=invoice,
        data={"number": invoice.number, "total": str(invoice.total)},
    )
    if notify:
        recipients = dict.fromkeys([*billing_emails(organisation), *extra_recipients])
        for email in recipients:
            queue_email(
                to=email,
                template="membership/emails/invoice",
                context={"invoice": invoice, "link": base_url + invoice.get_absolute_url()},
            )
    return invoice


@transaction.atomic
def credit_invoice(
    *, actor, invoice: Invoice, reason: str, on: datetime.date | None = None, base_url: str = ""
) -> Invoice:
    """Cancels an issued invoice the lawful way: issues a credit note (the same lines with
    negative quantities, numbered in the same sequence, referring to the invoice) and sets the
    invoice to credited. Invoices are never deleted."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the invoice is credited.")]})
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.kind != InvoiceKind.INVOICE or invoice.status not in (
        InvoiceStatus.SENT,
        InvoiceStatus.OVERDUE,
        InvoiceStatus.PAID,
    ):
        raise ValidationError(_("Only an issued invoice that is not credited can be credited."))
    note = Invoice.objects.create(
        kind=InvoiceKind.CREDIT_NOTE,
        organisation=invoice.organisation,
        membership=invoice.membership,
        period_start=invoice.period_start,
        period_end=invoice.period_end,
        credits=invoice,
        currency=invoice.currency,
        vat_rate=invoice.vat_rate,
        note=reason,
    )
    InvoiceLine.objects.bulk_create(
        InvoiceLine(
            invoice=note,
            position=line.position,
            description=line.description,
            quantity=-line.quantity,
            unit_price=line.unit_price,
        )
        for line in invoice.lines.all()
    )
    _recalculate(note)
    invoice.status = InvoiceStatus.CREDITED
    invoice.save(update_fields=["status", "updated_at"])
    audit.record(
        actor=actor,
        action="membership.invoice.credit",
        target=invoice,
        data={"reason": reason, "credit_note": note.pk},
    )
    return issue_invoice(actor=actor, invoice=note, on=on, base_url=base_url)


@transaction.atomic
def mark_overdue(*, actor, invoice: Invoice) -> bool:
    """Sets a sent invoice past its due date to overdue; False when there was nothing to do."""
    changed = Invoice.objects.filter(
        pk=invoice.pk, kind=InvoiceKind.INVOICE, status=InvoiceStatus.SENT
    ).update(status=InvoiceStatus.OVERDUE, updated_at=timezone.now())
    if changed:
        audit.record(actor=actor, action="membership.invoice.overdue", target=invoice)
    return bool(changed)


@transaction.atomic
def send_reminder(
    *, actor, invoice: Invoice, step: int, on: datetime.date, base_url: str = ""
) -> bool:
    """Sends reminder `step` (1, 2, ...) for an open invoice unless that step, or a later one,
    was sent already; False when nothing was sent. The database keeps each step unique."""
    if invoice.reminders.filter(step__gte=step).exists():
        return False
    try:
        with transaction.atomic():
            InvoiceReminder.objects.create(invoice=invoice, step=step, sent_on=on)
    except IntegrityError:
        return False  # a concurrent run sent it
    audit.record(
        actor=actor, action="membership.invoice.remind", target=invoice, data={"step": step}
    )
    for email in billing_emails(invoice.organisation):
        queue_email(
            to=email,
            template="membership/emails/reminder",
            context={
                "invoice": invoice,
                "step": step,
                "link": base_url + reverse("membership:invoice", args=[invoice.pk]),
            },
        )
    return True
