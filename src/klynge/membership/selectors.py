"""Reads: fee lookup, benefits, and what each user may see of memberships and invoices."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.shortcuts import get_object_or_404
from django.utils import timezone

from klynge.accounts.roles import roles_for
from klynge.ecosystem.models import Affiliation, AffiliationRole, Organisation
from klynge.membership.models import (
    CURRENT_STATUSES,
    OPEN_STATUSES,
    ApplicationStatus,
    Invoice,
    InvoiceKind,
    InvoiceStatus,
    Membership,
    MembershipApplication,
    Tier,
    TierFee,
)

# --- Fees and benefits ----------------------------------------------------------------------


def fee_for(tier: Tier, *, kind: str, size_band: str) -> Decimal | None:
    """The tier's annual fee for an organisation of `kind` and `size_band`, or None when the
    tier has no fee line matching it (the tier is not offered to it).

    The most specific line wins: kind and size, then kind, then size, then the general line.
    Uses `tier.fees.all()`, so a prefetched fee schedule costs no query.
    """
    best: TierFee | None = None
    for fee in tier.fees.all():
        if fee.kind not in ("", kind) or fee.size_band not in ("", size_band):
            continue
        if best is None or fee.specificity > best.specificity:
            best = fee
    return best.annual_fee if best is not None else None


def fee_for_organisation(tier: Tier, organisation: Organisation) -> Decimal | None:
    return fee_for(tier, kind=organisation.kind, size_band=organisation.size_band)


@dataclass(frozen=True)
class Benefits:
    """What an organisation's membership gives it; zeros when it has no current membership."""

    tier: Tier | None
    studio_hours_per_month: int = 0
    free_event_seats: int = 0
    event_discount_percent: int = 0

    @property
    def is_member(self) -> bool:
        return self.tier is not None


NO_BENEFITS = Benefits(tier=None)


def benefits_for(organisation: Organisation | None, on: datetime.date | None = None) -> Benefits:
    """The benefits of the organisation's membership that is current (active or in grace) on
    the date (default today). Bookings and events call this; one query."""
    if organisation is None:
        return NO_BENEFITS
    on = on or timezone.localdate()
    membership = (
        Membership.objects.filter(
            organisation=organisation, status__in=CURRENT_STATUSES, start_date__lte=on
        )
        .select_related("tier")
        .first()
    )
    if membership is None:
        return NO_BENEFITS
    tier = membership.tier
    return Benefits(
        tier=tier,
        studio_hours_per_month=tier.studio_hours_per_month,
        free_event_seats=tier.free_event_seats,
        event_discount_percent=tier.event_discount_percent,
    )


# --- Tiers and applications -----------------------------------------------------------------


def tiers_with_fees() -> QuerySet[Tier]:
    # Meta.ordering does not apply to a query with GROUP BY: order explicitly.
    return (
        Tier.objects.prefetch_related("fees")
        .annotate(members=Count("memberships", filter=Q(memberships__status__in=CURRENT_STATUSES)))
        .order_by("position", "name")
    )


def open_tiers() -> QuerySet[Tier]:
    return Tier.objects.filter(is_active=True).prefetch_related("fees")


def get_tier_for_user(user, pk: int) -> Tier:
    return get_object_or_404(Tier.objects.prefetch_related("fees"), pk=pk)


def applications(status: str = ApplicationStatus.PENDING) -> QuerySet[MembershipApplication]:
    return (
        MembershipApplication.objects.filter(status=status)
        .select_related("organisation", "tier", "decided_by")
        .order_by("created_at", "id")
    )


def get_application_for_user(user, pk: int) -> MembershipApplication:
    return get_object_or_404(
        MembershipApplication.objects.select_related("organisation", "tier", "decided_by"),
        pk=pk,
    )


# --- Who administers what -------------------------------------------------------------------


def billing_organisation_ids(user) -> frozenset[int]:
    """Organisations the user is currently member admin of, whatever their membership status:
    the admin of a lapsed member still sees (and pays) its invoices."""
    return frozenset(
        affiliation.organisation_id
        for affiliation in roles_for(user).affiliations
        if affiliation.role == AffiliationRole.MEMBER_ADMIN
    )


def billing_emails(organisation: Organisation) -> list[str]:
    """Where invoices and reminders go: the member admins, else the organisation's e-mail, else
    the contact person of its latest application."""
    emails = sorted(
        {
            email.lower()
            for email in Affiliation.objects.current()
            .filter(organisation=organisation, role=AffiliationRole.MEMBER_ADMIN)
            .exclude(person__email="")
            .values_list("person__email", flat=True)
        }
    )
    if emails:
        return emails
    if organisation.email:
        return [organisation.email.lower()]
    contact = (
        MembershipApplication.objects.filter(organisation=organisation)
        .order_by("-created_at", "-id")
        .values_list("contact_email", flat=True)
        .first()
    )
    return [contact] if contact else []


# --- Memberships ----------------------------------------------------------------------------


def memberships_visible_to(user) -> QuerySet[Membership]:
    queryset = Membership.objects.select_related("organisation", "tier")
    if roles_for(user).has("staff"):
        return queryset
    return queryset.filter(organisation_id__in=billing_organisation_ids(user))


def filter_memberships(
    queryset: QuerySet[Membership], *, status: str = "", tier: Tier | None = None, q: str = ""
) -> QuerySet[Membership]:
    if status:
        queryset = queryset.filter(status=status)
    if tier is not None:
        queryset = queryset.filter(tier=tier)
    if q:
        queryset = queryset.filter(organisation__name__icontains=q)
    return queryset.order_by("organisation__name", "-start_date", "-id")


def get_membership_for_user(user, pk: int) -> Membership:
    """The membership by id; whether the user may see it is the permission's question."""
    return get_object_or_404(Membership.objects.select_related("organisation", "tier"), pk=pk)


def current_membership(organisation: Organisation) -> Membership | None:
    return (
        Membership.objects.filter(organisation=organisation, status__in=CURRENT_STATUSES)
        .select_related("tier")
        .first()
    )


# --- Invoices -------------------------------------------------------------------------------


def invoices_visible_to(user) -> QuerySet[Invoice]:
    queryset = Invoice.objects.select_related("organisation", "credits")
    if roles_for(user).has("staff"):
        return queryset
    return queryset.filter(organisation_id__in=billing_organisation_ids(user)).exclude(
        status=InvoiceStatus.DRAFT
    )


def filter_invoices(
    queryset: QuerySet[Invoice], *, status: str = "", year: int | None = None, kind: str = ""
) -> QuerySet[Invoice]:
    if status:
        queryset = queryset.filter(status=status)
    if year:
        queryset = queryset.filter(issue_date__year=year)
    if kind:
        queryset = queryset.filter(kind=kind)
    return queryset.order_by("-number", "-id")


def invoices_for_export(*, status: str = "", year: int | None = None) -> QuerySet[Invoice]:
    """Issued documents (drafts have no number) in number order, for the bookkeeping system."""
    return (
        filter_invoices(Invoice.objects.select_related("credits"), status=status, year=year)
        .exclude(status=InvoiceStatus.DRAFT)
        .order_by("number")
    )


def get_invoice_for_user(user, pk: int) -> Invoice:
    """The invoice by id with its lines; whether the user may see it is the permission's
    question (403 for someone else's invoice, the login page for visitors)."""
    invoices = Invoice.objects.select_related("organisation", "credits", "credit_note")
    if not roles_for(user).has("staff"):
        # Drafts are the staff's work in progress: nobody else may open one, not even by id.
        invoices = invoices.exclude(status=InvoiceStatus.DRAFT)
    return get_object_or_404(invoices.prefetch_related("lines"), pk=pk)


def invoice_years() -> list[int]:
    return [
        d.year
        for d in Invoice.objects.exclude(issue_date__isnull=True).dates(
            "issue_date", "year", order="DESC"
        )
    ]


# --- Pages and panels -----------------------------------------------------------------------


@dataclass(frozen=True)
class OrganisationBilling:
    organisation: Organisation
    membership: Membership | None
    invoices: list[Invoice]

    @property
    def open_invoices(self) -> list[Invoice]:
        return [invoice for invoice in self.invoices if invoice.is_open]

    @property
    def open_total(self) -> Decimal:
        return sum((invoice.total for invoice in self.open_invoices), Decimal("0.00"))


def billing_overview(user) -> list[OrganisationBilling]:
    """For each organisation the user administers: its current membership and its invoices.
    Three queries whatever the number of organisations and invoices."""
    ids = billing_organisation_ids(user)
    if not ids:
        return []
    organisations = Organisation.objects.filter(pk__in=ids).prefetch_related(
        Prefetch(
            "memberships",
            queryset=Membership.objects.filter(status__in=CURRENT_STATUSES).select_related("tier"),
            to_attr="current_memberships",
        ),
        Prefetch(
            "invoices",
            queryset=Invoice.objects.exclude(status=InvoiceStatus.DRAFT)
            .select_related("credits")
            .order_by("-number"),
            to_attr="issued_invoices",
        ),
    )
    return [
        OrganisationBilling(
            organisation=organisation,
            membership=(organisation.current_memberships or [None])[0],
            invoices=organisation.issued_invoices,
        )
        for organisation in organisations.order_by("name")
    ]


def staff_figures(on: datetime.date | None = None) -> dict:
    on = on or timezone.localdate()
    overdue = Invoice.objects.filter(kind=InvoiceKind.INVOICE, status=InvoiceStatus.OVERDUE)
    figures = overdue.aggregate(overdue_count=Count("id"), overdue_total=Sum("total"))
    figures["overdue_total"] = figures["overdue_total"] or Decimal("0.00")
    figures["pending_applications"] = MembershipApplication.objects.filter(
        status=ApplicationStatus.PENDING
    ).count()
    figures["open_count"] = Invoice.objects.filter(
        kind=InvoiceKind.INVOICE, status__in=OPEN_STATUSES
    ).count()
    return figures
