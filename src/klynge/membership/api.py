"""Memberships and invoices: staff see all, member admins their organisations', others 403."""

import datetime
from decimal import Decimal

from ninja import Query, Router, Schema
from ninja.pagination import paginate
from pydantic import Field

from klynge.core.permissions import ensure_api_permission
from klynge.membership import selectors, services
from klynge.membership.models import InvoiceKind, InvoiceStatus, MembershipStatus

# Ids beyond a 64-bit integer can exist in no table; refuse them with 422 instead of 500.
MAX_ID = 2**63 - 1

router = Router(tags=["membership"])


class MembershipOut(Schema):
    id: int
    organisation_id: int
    organisation: str
    tier_id: int
    tier: str
    start_date: datetime.date
    end_date: datetime.date
    status: MembershipStatus

    @staticmethod
    def resolve_organisation(membership) -> str:
        return membership.organisation.name

    @staticmethod
    def resolve_tier(membership) -> str:
        return membership.tier.name


class MembershipFilter(Schema):
    status: MembershipStatus | None = None
    organisation: int | None = Field(None, ge=1, le=MAX_ID)


class InvoiceLineOut(Schema):
    description: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal


class InvoiceOut(Schema):
    id: int
    number: int | None
    kind: InvoiceKind
    status: InvoiceStatus
    organisation_id: int
    buyer_name: str
    membership_id: int | None
    period_start: datetime.date | None
    period_end: datetime.date | None
    credits_id: int | None
    currency: str
    vat_rate: Decimal
    subtotal: Decimal
    vat_amount: Decimal
    total: Decimal
    issue_date: datetime.date | None
    due_date: datetime.date | None
    paid_on: datetime.date | None


class InvoiceDetailOut(InvoiceOut):
    lines: list[InvoiceLineOut]

    @staticmethod
    def resolve_lines(invoice) -> list[dict]:
        return [
            {
                "description": line.description,
                "quantity": line.quantity,
                "unit_price": line.unit_price,
                "amount": line.amount,
            }
            for line in invoice.lines.all()
        ]


class InvoiceFilter(Schema):
    status: InvoiceStatus | None = None
    year: int | None = Field(None, ge=1900, le=9999)
    organisation: int | None = Field(None, ge=1, le=MAX_ID)


class MarkPaidIn(Schema):
    paid_on: datetime.date | None = None


@router.get(
    "/memberships",
    response=list[MembershipOut],
    summary="Memberships (staff: all; member admins: their organisations')",
)
@paginate
def list_memberships(request, filters: Query[MembershipFilter]):
    ensure_api_permission(request, "membership.list_memberships")
    queryset = selectors.filter_memberships(
        selectors.memberships_visible_to(request.auth), status=filters.status or ""
    )
    if filters.organisation is not None:
        queryset = queryset.filter(organisation_id=filters.organisation)
    return queryset


@router.get("/memberships/{membership_id}", response=MembershipOut, summary="One membership")
def get_membership(request, membership_id: int):
    membership = selectors.get_membership_for_user(request.auth, membership_id)
    ensure_api_permission(request, "membership.view_membership", membership)
    return membership


@router.get(
    "/invoices",
    response=list[InvoiceOut],
    summary="Invoices and credit notes (staff: all; member admins: their organisations')",
)
@paginate
def list_invoices(request, filters: Query[InvoiceFilter]):
    ensure_api_permission(request, "membership.list_invoices")
    queryset = selectors.filter_invoices(
        selectors.invoices_visible_to(request.auth),
        status=filters.status or "",
        year=filters.year,
    )
    if filters.organisation is not None:
        queryset = queryset.filter(organisation_id=filters.organisation)
    return queryset


@router.get("/invoices/{invoice_id}", response=InvoiceDetailOut, summary="One invoice, with lines")
def get_invoice(request, invoice_id: int):
    invoice = selectors.get_invoice_for_user(request.auth, invoice_id)
    ensure_api_permission(request, "membership.view_invoice", invoice)
    return invoice


@router.post(
    "/invoices/{invoice_id}/mark-paid",
    response=InvoiceDetailOut,
    summary="Record that an invoice was paid (staff)",
)
def mark_paid(request, invoice_id: int, payload: MarkPaidIn | None = None):
    invoice = selectors.get_invoice_for_user(request.auth, invoice_id)
    ensure_api_permission(request, "membership.mark_invoice_paid", invoice)
    services.mark_invoice_paid(
        actor=request.auth, invoice=invoice, paid_on=payload.paid_on if payload else None
    )
    return selectors.get_invoice_for_user(request.auth, invoice_id)
