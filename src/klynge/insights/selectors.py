"""Reads of the insights app's own tables (the other apps are read in `sources.py`)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, Q
from django.shortcuts import get_object_or_404

from klynge.accounts.roles import Role, roles_for
from klynge.ecosystem.models import Organisation
from klynge.insights import kpis, sources
from klynge.insights.models import Benchmark, FigureRecord, Metric, OrganisationYear

# Which rows each KPI is computed from (the "rows behind" a figure on the staff dashboard).
KPI_ROWS = {
    kpis.VALUE_CREATION: kpis.VALUE_ROWS,
    kpis.JOB_CREATION: Q(employees_fte__isnull=False),
    kpis.OPERATING_MARGIN: kpis.MARGIN_ROWS,
    kpis.INNOVATION_FUNDING: kpis.FUNDING_ROWS,
    kpis.INNOVATIONS: kpis.INNOVATION_ROWS,
}


def organisation_for_slug(slug: str) -> Organisation:
    return get_object_or_404(Organisation, slug=slug, merged_into__isnull=True)


@dataclass
class FigureCell:
    value: object
    record: FigureRecord | None


@dataclass
class YearRow:
    row: OrganisationYear
    cells: list[FigureCell]


def figures_of(organisation: Organisation) -> list[YearRow]:
    """The organisation's years, newest first, each figure with the record it came from
    (two queries)."""
    years = list(
        OrganisationYear.objects.filter(organisation=organisation)
        .order_by("-year")
        .prefetch_related(
            Prefetch("records", queryset=FigureRecord.objects.order_by("-recorded_at", "-id"))
        )
    )
    result = []
    for row in years:
        latest: dict[str, FigureRecord] = {}
        for record in row.records.all():
            latest.setdefault(record.metric, record)
        result.append(
            YearRow(
                row=row,
                cells=[FigureCell(getattr(row, m), latest.get(m)) for m in Metric.values],
            )
        )
    return result


def history_of(organisation: Organisation, limit: int = 50):
    return (
        FigureRecord.objects.filter(organisation_year__organisation=organisation)
        .select_related("organisation_year", "recorded_by")
        .order_by("-recorded_at", "-id")[:limit]
    )


def rows_behind(year: int, kpi: str | None):
    """The members' figures a KPI of `year` is computed from (all the year's member rows when
    `kpi` is not one of KPI_ROWS)."""
    rows = OrganisationYear.objects.filter(
        year=year, organisation_id__in=sources.member_ids(year)
    ).select_related("organisation")
    if kpi in KPI_ROWS:
        rows = rows.filter(KPI_ROWS[kpi])
    return rows.order_by("organisation__name", "organisation_id")


def figures_visible_to(user):
    """The yearly figures `user` may read: all for staff, their organisations' for member admins."""
    rows = OrganisationYear.objects.select_related("organisation").order_by(
        "-year", "organisation_id"
    )
    roles = roles_for(user)
    if roles.has(Role.STAFF):
        return rows
    return rows.filter(organisation_id__in=roles.administered_ids)


def benchmarks():
    return Benchmark.objects.order_by("-year", "country", "nace_division", "measure")


def benchmark_years() -> list[int]:
    return list(Benchmark.objects.order_by("-year").values_list("year", flat=True).distinct())


def administered_organisations(user) -> list[Organisation]:
    ids = roles_for(user).administered_ids
    return list(Organisation.objects.filter(pk__in=ids).order_by("name"))
