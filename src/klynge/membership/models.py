"""Membership tiers and their fees, memberships, applications, invoices and their numbering.

The database guards what must never happen twice: an organisation has at most one current
(active or grace) membership, an application becomes at most one membership, a membership period
is billed by at most one live invoice, an invoice number is used once, and each reminder step is
sent once.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from klynge.core.models import TimeStampedModel
from klynge.ecosystem.models import Organisation, OrganisationKind, SizeBand

CENT = Decimal("0.01")


def quantize(amount) -> Decimal:
    """Money: a Decimal rounded half up to whole cents."""
    return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)


class Tier(TimeStampedModel):
    """A kind of membership: what it costs (TierFee rows) and what it gives (the benefits)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(
        _("open for applications"),
        default=True,
        help_text=_("Closed tiers keep their members but are not offered on the application form."),
    )
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    studio_hours_per_month = models.PositiveSmallIntegerField(
        _("studio hours per month"), default=0
    )
    free_event_seats = models.PositiveSmallIntegerField(_("free event seats per year"), default=0)
    event_discount_percent = models.PositiveSmallIntegerField(
        _("event discount (%)"), default=0, validators=[MaxValueValidator(100)]
    )

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("membership tier")
        verbose_name_plural = _("membership tiers")
        constraints = [
            models.CheckConstraint(
                condition=Q(event_discount_percent__lte=100), name="tier_discount_at_most_100"
            )
        ]

    def __str__(self) -> str:
        return self.name


class TierFee(models.Model):
    """One line of a tier's fee schedule; blank kind or size band means "any".

    The most specific matching line wins: kind and size band, then kind, then size band, then
    the tier's general fee.
    """

    tier = models.ForeignKey(Tier, on_delete=models.CASCADE, related_name="fees")
    kind = models.CharField(
        _("kind of organisation"), max_length=20, choices=OrganisationKind.choices, blank=True
    )
    size_band = models.CharField(_("size"), max_length=10, choices=SizeBand.choices, blank=True)
    annual_fee = models.DecimalField(
        _("annual fee"), max_digits=12, decimal_places=2, validators=[MinValueValidator(0)]
    )

    class Meta:
        ordering = ["tier", "kind", "size_band"]
        verbose_name = _("tier fee")
        verbose_name_plural = _("tier fees")
        constraints = [
            models.UniqueConstraint(fields=["tier", "kind", "size_band"], name="tier_fee_unique"),
            models.CheckConstraint(condition=Q(annual_fee__gte=0), name="tier_fee_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.tier} · {self.kind or '*'} · {self.size_band or '*'} · {self.annual_fee}"

    @property
    def specificity(self) -> int:
        return (2 if self.kind else 0) + (1 if self.size_band else 0)


class MembershipStatus(models.TextChoices):
    APPLIED = "applied", _("Applied")
    ACTIVE = "active", _("Active")
    GRACE = "grace", _("Grace period")
    LAPSED = "lapsed", _("Lapsed")
    ENDED = "ended", _("Ended")


CURRENT_STATUSES = (MembershipStatus.ACTIVE, MembershipStatus.GRACE)


class Membership(TimeStampedModel):
    """An organisation's membership in a tier for the current period (start and end included).

    A renewal moves the period on by a year once its invoice is paid (or when the tier is free);
    the invoices keep the history of the periods billed.
    """

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    tier = models.ForeignKey(
        Tier, verbose_name=_("tier"), on_delete=models.PROTECT, related_name="memberships"
    )
    start_date = models.DateField(_("period start"))
    end_date = models.DateField(_("period end"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=MembershipStatus.choices,
        default=MembershipStatus.APPLIED,
        db_index=True,
    )
    status_changed_on = models.DateField(_("status since"), null=True, blank=True)
    application = models.OneToOneField(
        "MembershipApplication",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="membership",
    )

    class Meta:
        ordering = ["organisation__name", "-start_date"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation"],
                condition=Q(status__in=["active", "grace"]),
                name="membership_one_current_per_organisation",
            ),
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")),
                name="membership_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} · {self.tier} · {self.start_date}–{self.end_date}"

    @property
    def is_current(self) -> bool:
        return self.status in CURRENT_STATUSES


class ApplicationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class MembershipApplication(TimeStampedModel):
    """A request to become a member, sent from the public form; staff approve or reject it."""

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="membership_applications",
    )
    tier = models.ForeignKey(
        Tier, verbose_name=_("tier"), on_delete=models.PROTECT, related_name="applications"
    )
    contact_name = models.CharField(_("contact person"), max_length=200)
    contact_email = models.EmailField(_("contact e-mail"))
    message = models.TextField(_("message"), blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.PENDING,
        db_index=True,
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("membership application")
        verbose_name_plural = _("membership applications")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation"],
                condition=Q(status="pending"),
                name="application_one_pending_per_organisation",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation} · {self.tier}"

    def get_absolute_url(self) -> str:
        return reverse("membership:application", args=[self.pk])


class InvoiceCounter(models.Model):
    """The one row that hands out invoice numbers: locked while an invoice is issued."""

    name = models.CharField(max_length=20, unique=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}: {self.last_number}"


class InvoiceKind(models.TextChoices):
    INVOICE = "invoice", _("Invoice")
    CREDIT_NOTE = "credit_note", _("Credit note")


class InvoiceStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Sent")
    PAID = "paid", _("Paid")
    OVERDUE = "overdue", _("Overdue")
    CREDITED = "credited", _("Credited")


OPEN_STATUSES = (InvoiceStatus.SENT, InvoiceStatus.OVERDUE)


class Invoice(TimeStampedModel):
    """An invoice or credit note to an organisation.

    Numbers are plain integers from one gap-free sequence shared by invoices and credit notes,
    given when the document is issued (drafts have none). The buyer's name, address and registry
    number are copied at issue, so a later change to the organisation does not change the
    document. Amounts are stored per document (credit notes negative) in `currency`.
    """

    number = models.PositiveIntegerField(_("number"), null=True, blank=True, unique=True)
    kind = models.CharField(
        _("type"), max_length=12, choices=InvoiceKind.choices, default=InvoiceKind.INVOICE
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=InvoiceStatus.choices,
        default=InvoiceStatus.DRAFT,
        db_index=True,
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("buyer"), on_delete=models.PROTECT, related_name="invoices"
    )
    membership = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.PROTECT, related_name="invoices"
    )
    period_start = models.DateField(_("period start"), null=True, blank=True)
    period_end = models.DateField(_("period end"), null=True, blank=True)
    credits = models.OneToOneField(
        "self",
        verbose_name=_("credits invoice"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credit_note",
    )
    currency = models.CharField(_("currency"), max_length=3)
    vat_rate = models.DecimalField(_("VAT rate (%)"), max_digits=5, decimal_places=2)
    subtotal = models.DecimalField(
        _("amount before VAT"), max_digits=12, decimal_places=2, default=0
    )
    vat_amount = models.DecimalField(_("VAT"), max_digits=12, decimal_places=2, default=0)
    total = models.DecimalField(_("total"), max_digits=12, decimal_places=2, default=0)
    issue_date = models.DateField(_("issue date"), null=True, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    buyer_name = models.CharField(_("buyer name"), max_length=200, blank=True)
    buyer_address = models.TextField(_("buyer address"), blank=True)
    buyer_country = models.CharField(_("buyer country"), max_length=2, blank=True)
    buyer_registry_number = models.CharField(_("buyer registry number"), max_length=20, blank=True)

    class Meta:
        ordering = ["-issue_date", "-number", "-id"]
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        constraints = [
            # A membership period is billed once (a credited invoice may be replaced).
            models.UniqueConstraint(
                fields=["membership", "period_start"],
                condition=Q(kind="invoice") & ~Q(status="credited"),
                name="invoice_one_live_per_membership_period",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(number__isnull=False),
                name="invoice_issued_has_number",
            ),
        ]

    def __str__(self) -> str:
        return self.display_number

    @property
    def display_number(self) -> str:
        return str(self.number) if self.number is not None else str(_("draft"))

    @property
    def is_open(self) -> bool:
        return self.kind == InvoiceKind.INVOICE and self.status in OPEN_STATUSES

    def get_absolute_url(self) -> str:
        return reverse("membership:invoice", args=[self.pk])


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(default=0)
    description = models.CharField(_("description"), max_length=300)
    quantity = models.DecimalField(_("quantity"), max_digits=10, decimal_places=2, default=1)
    unit_price = models.DecimalField(_("unit price"), max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("invoice line")
        verbose_name_plural = _("invoice lines")

    def __str__(self) -> str:
        return self.description

    @property
    def amount(self) -> Decimal:
        return quantize(self.quantity * self.unit_price)


class InvoiceReminder(models.Model):
    """One payment reminder sent for an invoice; each step at most once."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="reminders")
    step = models.PositiveSmallIntegerField(_("reminder"))
    sent_on = models.DateField(_("sent"))

    class Meta:
        ordering = ["invoice", "step"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "step"], name="reminder_once_per_step")
        ]

    def __str__(self) -> str:
        return f"{self.invoice} · {self.step}"
