"""Memberships, applications and invoices, with the permissions of the pages: staff see and
decide all; member admins see their organisations' memberships and invoices; anyone with a token
sees the open tiers and may apply, as on the public form."""

import datetime
from decimal import Decimal

from django.utils import translation
from ninja import Path, Query, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate
from pydantic import Field

from klynge.core.permissions import ensure_api_permission
from klynge.ecosystem import privacy
from klynge.membership import selectors, services
from klynge.membership.documents import pdf_response
from klynge.membership.models import (
    ApplicationStatus,
    InvoiceKind,
    InvoiceStatus,
    MembershipStatus,
)

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


# --- Tiers and applications -------------------------------------------------------------------


class TierFeeOut(Schema):
    kind: str = Field(..., description="Blank: any kind of organisation.")
    size_band: str = Field(..., description="Blank: any size.")
    annual_fee: Decimal


class TierOut(Schema):
    id: int
    name: str
    description: str
    studio_hours_per_month: int
    free_event_seats: int
    event_discount_percent: int
    fees: list[TierFeeOut]

    @staticmethod
    def resolve_fees(tier) -> list[dict]:
        return [
            {"kind": fee.kind, "size_band": fee.size_band, "annual_fee": fee.annual_fee}
            for fee in tier.fees.all()
        ]


@router.get("/tiers", response=list[TierOut], summary="The membership tiers open for applications")
def list_tiers(request):
    ensure_api_permission(request, "membership.apply")
    return list(selectors.open_tiers().order_by("position", "name"))


class ApplicationIn(Schema):
    name: str = Field(..., max_length=200)
    kind: str = Field(..., max_length=20)
    country: str = Field(..., max_length=2)
    registry_number: str = Field("", max_length=30)
    employees: int | None = Field(None, ge=0, le=10_000_000)
    street: str = Field("", max_length=200)
    postal_code: str = Field("", max_length=20)
    city: str = Field("", max_length=100)
    contact_name: str = Field(..., max_length=200)
    contact_email: str = Field(..., max_length=254)
    tier: int = Field(..., ge=1, le=MAX_ID, description="The id of an open tier (GET /tiers).")
    message: str = Field("", max_length=4000)


class ApplicationOut(Schema):
    id: int
    organisation_id: int
    organisation: str
    tier_id: int
    tier: str
    status: ApplicationStatus
    created_at: datetime.datetime

    @staticmethod
    def resolve_organisation(application) -> str:
        return application.organisation.name

    @staticmethod
    def resolve_tier(application) -> str:
        return application.tier.name


class ApplicationDetailOut(ApplicationOut):
    contact_name: str
    contact_email: str
    message: str
    language: str
    reason: str
    decided_at: datetime.datetime | None
    membership_id: int | None

    @staticmethod
    def resolve_membership_id(application) -> int | None:
        membership = getattr(application, "membership", None)
        return membership.pk if membership is not None else None


def _base_url(request) -> str:
    return request.build_absolute_uri("/")[:-1]


@router.post(
    "/applications",
    response={201: ApplicationOut},
    summary="Apply for membership (as on the public form)",
    description="Finds the organisation by registry number (or name) or adds it as a prospect, "
    "and e-mails the contact person a receipt and the staff a notice. 400 with a message per "
    "field for what the form refuses too.",
)
def submit_application(request, payload: ApplicationIn):
    ensure_api_permission(request, "membership.apply")
    tier = selectors.open_tiers().filter(pk=payload.tier).first()
    application = services.submit_application(
        actor=request.auth,
        tier=tier,
        language=translation.get_language() or "",
        base_url=_base_url(request),
        **payload.dict(exclude={"tier"}),
    )
    return Status(201, application)


class ApplicationFilter(Schema):
    status: ApplicationStatus = ApplicationStatus.PENDING


class ApplicationPagination(LimitOffsetPagination):
    """Each page shows contact people's names and e-mails: the audit log keeps who read it."""

    def paginate_queryset(self, queryset, pagination, request, **params):
        page = super().paginate_queryset(queryset, pagination, request=request, **params)
        page["items"] = list(page["items"])
        privacy.record_personal_data_list_view(
            actor=request.auth,
            page="api membership applications",
            details={"applications": [application.pk for application in page["items"]]},
        )
        return page


@router.get(
    "/applications",
    response=list[ApplicationDetailOut],
    summary="Membership applications, pending by default (staff)",
)
@paginate(ApplicationPagination)
def list_applications(request, filters: Query[ApplicationFilter]):
    ensure_api_permission(request, "membership.view_application_list")
    return selectors.applications(filters.status).select_related("membership")


def _application(request, application_id: int):
    application = selectors.get_application_for_user(request.auth, application_id)
    ensure_api_permission(request, "membership.decide_application", application)
    return application


@router.get(
    "/applications/{application_id}",
    response=ApplicationDetailOut,
    summary="One membership application (staff)",
)
def get_application(request, application_id: int = Path(..., ge=1, le=MAX_ID)):
    application = _application(request, application_id)
    privacy.record_personal_data_list_view(
        actor=request.auth,
        page="api membership application",
        target=application,
        details={"applications": [application.pk]},
    )
    return application


@router.post(
    "/applications/{application_id}/approve",
    response={201: MembershipOut},
    summary="Approve an application (staff): the membership, its first invoice, the invitation",
)
def approve_application(request, application_id: int = Path(..., ge=1, le=MAX_ID)):
    application = _application(request, application_id)
    membership = services.approve_application(
        actor=request.auth, application=application, base_url=_base_url(request)
    )
    return Status(201, membership)


class RejectIn(Schema):
    reason: str = Field(..., max_length=4000, description="Sent to the applicant.")


@router.post(
    "/applications/{application_id}/reject",
    response=ApplicationDetailOut,
    summary="Reject an application with a reason (staff)",
)
def reject_application(
    request, payload: RejectIn, application_id: int = Path(..., ge=1, le=MAX_ID)
):
    application = _application(request, application_id)
    services.reject_application(actor=request.auth, application=application, reason=payload.reason)
    return selectors.get_application_for_user(request.auth, application_id)


# --- Ending memberships, crediting invoices, PDFs ----------------------------------------------


@router.post(
    "/memberships/{membership_id}/end",
    response=MembershipOut,
    summary="End a current membership today (staff)",
)
def end_membership(request, membership_id: int = Path(..., ge=1, le=MAX_ID)):
    membership = selectors.get_membership_for_user(request.auth, membership_id)
    ensure_api_permission(request, "membership.end_membership", membership)
    services.end_membership(actor=request.auth, membership=membership)
    return selectors.get_membership_for_user(request.auth, membership_id)


class CreditIn(Schema):
    reason: str = Field(..., max_length=1000)
    reissue: bool = Field(False, description="Issue a corrected invoice for the same period.")


class CreditOut(Schema):
    credit_note: InvoiceDetailOut
    replacement: InvoiceDetailOut | None


@router.post(
    "/invoices/{invoice_id}/credit",
    response={201: CreditOut},
    summary="Credit an invoice, optionally issuing a corrected one (staff)",
)
def credit_invoice(request, payload: CreditIn, invoice_id: int = Path(..., ge=1, le=MAX_ID)):
    invoice = selectors.get_invoice_for_user(request.auth, invoice_id)
    ensure_api_permission(request, "membership.credit_invoice", invoice)
    note, replacement = services.credit_and_reissue(
        actor=request.auth,
        invoice=invoice,
        reason=payload.reason,
        reissue=payload.reissue,
        base_url=_base_url(request),
    )
    return Status(
        201,
        {
            "credit_note": selectors.get_invoice_for_user(request.auth, note.pk),
            "replacement": (
                selectors.get_invoice_for_user(request.auth, replacement.pk)
                if replacement is not None
                else None
            ),
        },
    )


@router.get(
    "/invoices/{invoice_id}/pdf",
    response={200: None},
    summary="The invoice as PDF",
    openapi_extra={
        "responses": {
            "200": {
                "description": "The PDF document",
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def invoice_pdf(request, invoice_id: int = Path(..., ge=1, le=MAX_ID)):
    invoice = selectors.get_invoice_for_user(request.auth, invoice_id)
    ensure_api_permission(request, "membership.view_invoice", invoice)
    return pdf_response(invoice)
