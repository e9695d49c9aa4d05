"""KPIs and yearly figures under /api/v1/insights/.

Contract (external scripts rely on it): `GET /insights/kpis?year=YEAR` (staff token) answers a
JSON object with one entry per KPI, each with its `value`, `definition`, `coverage`
(organisations with data / members that year, as a fraction; the two counts are given too as
`organisations_with_data` and `members`) and `unit`.
"""

from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import PageNumberPagination, paginate
from pydantic import Field

from klynge.accounts.roles import Role, roles_for
from klynge.core.permissions import ensure_api_permission
from klynge.ecosystem.models import Organisation
from klynge.insights import kpis, selectors, services
from klynge.insights.models import FigureSource

router = Router(tags=["insights"])
MAX_ID = 2**63 - 1


class KpiOut(Schema):
    label: str
    value: float | None
    unit: str
    definition: str
    coverage: float | None
    organisations_with_data: int
    members: int
    benchmark: float | None
    relative_to_benchmark: float | None
    benchmark_years: list[int]
    missing_sectors: list[str]


class KpisOut(Schema):
    year: int
    value_creation: KpiOut
    job_creation: KpiOut
    operating_margin: KpiOut
    innovation_funding: KpiOut
    innovations_launched: KpiOut
    firm_formation: KpiOut


class KpiQuery(Schema):
    year: int = Field(..., ge=1990, le=9999)


def _kpi_out(kpi: kpis.Kpi) -> dict:
    return {
        "label": kpi.label,
        "value": kpi.value,
        "unit": kpi.unit,
        "definition": kpi.definition,
        "coverage": kpi.coverage,
        "organisations_with_data": kpi.organisations_with_data,
        "members": kpi.members,
        "benchmark": kpi.benchmark,
        "relative_to_benchmark": kpi.relative,
        "benchmark_years": kpi.benchmark_years,
        "missing_sectors": kpi.missing_sectors,
    }


@router.get(
    "/insights/kpis",
    response=KpisOut,
    summary="The six impact KPIs of a year for the members of that year (staff)",
)
def get_kpis(request, query: Query[KpiQuery]):
    ensure_api_permission(request, "insights.view_dashboard")
    if query.year > timezone.localdate().year:
        raise HttpError(400, _("%(year)s is in the future.") % {"year": query.year})
    result = kpis.kpis_for_year(query.year, suppress=False)
    return {"year": query.year, **{key: _kpi_out(kpi) for key, kpi in result.items()}}


class FigureOut(Schema):
    organisation: int = Field(alias="organisation_id")
    year: int
    country: str
    currency: str
    nace_division: str
    revenue: Decimal | None
    personnel_costs: Decimal | None
    operating_profit: Decimal | None
    employees_fte: Decimal | None
    innovation_funding: Decimal | None
    innovations_launched: int | None


class FiguresQuery(Schema):
    organisation: int | None = Field(None, ge=1, le=MAX_ID)
    year: int | None = Field(None, ge=1990, le=9999)


class FiguresIn(Schema):
    organisation: int = Field(..., ge=1, le=MAX_ID)
    year: int = Field(..., ge=0, le=9999)
    currency: str = Field("", max_length=3)
    nace_division: str = Field("", max_length=8)
    revenue: Decimal | None = None
    personnel_costs: Decimal | None = None
    operating_profit: Decimal | None = None
    employees_fte: Decimal | None = None
    innovation_funding: Decimal | None = None
    innovations_launched: int | None = None
    source_note: str = Field("", max_length=300)


@router.get(
    "/insights/figures",
    response=list[FigureOut],
    summary="Yearly figures: all for staff, their own organisations' for member admins",
)
@paginate(PageNumberPagination, page_size=100)
def list_figures(request, query: Query[FiguresQuery]):
    ensure_api_permission(request, "insights.view_own_figures")
    rows = selectors.figures_visible_to(request.auth)
    if query.organisation:
        rows = rows.filter(organisation_id=query.organisation)
    if query.year:
        rows = rows.filter(year=query.year)
    return rows


@router.post(
    "/insights/figures",
    response={201: FigureOut},
    summary="Record an organisation's figures for a year (staff, or the organisation's admin)",
)
def record_figures(request, payload: FiguresIn):
    organisation = Organisation.objects.filter(
        pk=payload.organisation, merged_into__isnull=True
    ).first()
    if organisation is None:
        raise HttpError(404, _("No such organisation."))
    ensure_api_permission(request, "insights.record_figures", organisation)
    data = payload.dict(exclude_unset=True)
    values = {
        key: data[key]
        for key in (
            "revenue",
            "personnel_costs",
            "operating_profit",
            "employees_fte",
            "innovation_funding",
            "innovations_launched",
        )
        if key in data
    }
    source = FigureSource.STAFF if roles_for(request.auth).has(Role.STAFF) else FigureSource.MEMBER
    row = services.record_figures(
        actor=request.auth,
        organisation=organisation,
        year=payload.year,
        values=values,
        source=source,
        source_note=payload.source_note,
        currency=payload.currency,
        nace_division=payload.nace_division,
    )
    return Status(201, row)
