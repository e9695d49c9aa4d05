"""The six impact KPIs of a year, computed in the database for the members of that year.

Each KPI is one aggregate query over `OrganisationYear` (grouped by country and NACE division
where a national benchmark is compared), plus one query for the benchmarks and one for the
member count: about eight queries a year whatever the number of organisations. Python only
combines the groups (a few dozen country and division pairs) with their benchmarks.

Benchmarks are weighted by the members' sector mix: each (country, division) group's national
figure counts with the members' weight in it (employees for value creation, last year's
employees for job creation, revenue for the margin, firms for firm formation). A group without
a benchmark (a statistics table missing that sector, or in another currency) is left out of
the comparison and named, while the cluster's own figure still counts everyone with data.
The latest benchmark year up to three years before the KPI's year is used, since statistics
offices publish a year or two late.

Privacy: with `suppress=True` (every view that is not for staff) a KPI based on fewer than
`MIN_GROUP` organisations shows no value, only "fewer than 3".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, F, FilteredRelation, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce, Left
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from klynge.ecosystem.models import Organisation
from klynge.insights import sources
from klynge.insights.models import Benchmark, Measure, OrganisationYear

MIN_GROUP = 3
BENCHMARK_LAG_YEARS = 3

VALUE_CREATION = "value_creation"
JOB_CREATION = "job_creation"
OPERATING_MARGIN = "operating_margin"
INNOVATION_FUNDING = "innovation_funding"
INNOVATIONS = "innovations_launched"
FIRM_FORMATION = "firm_formation"

KPI_KEYS = (
    VALUE_CREATION,
    JOB_CREATION,
    OPERATING_MARGIN,
    INNOVATION_FUNDING,
    INNOVATIONS,
    FIRM_FORMATION,
)

LABELS = {
    VALUE_CREATION: gettext_lazy("Value creation per employee"),
    JOB_CREATION: gettext_lazy("Job creation"),
    OPERATING_MARGIN: gettext_lazy("Operating margin"),
    INNOVATION_FUNDING: gettext_lazy("Members receiving innovation funding"),
    INNOVATIONS: gettext_lazy("Members launching innovations"),
    FIRM_FORMATION: gettext_lazy("Firm formation rate"),
}

DEFINITIONS = {
    VALUE_CREATION: gettext_lazy(
        "Personnel costs plus operating profit, summed over the members with both figures and "
        "employees in the cluster's currency, divided by their employees (full-time "
        "equivalents). Compared with the national value added per employee of each member's "
        "NACE division, weighted by the members' employees in each division."
    ),
    JOB_CREATION: gettext_lazy(
        "Growth in employees (full-time equivalents) from the year before, over the members "
        "with employees in both years. Compared with the national employment growth of each "
        "member's NACE division, weighted by the members' employees the year before."
    ),
    OPERATING_MARGIN: gettext_lazy(
        "Operating profit as a share of revenue, summed over the members with both figures in "
        "the cluster's currency. Compared with the national operating margin of each member's "
        "NACE division, weighted by the members' revenue in each division."
    ),
    INNOVATION_FUNDING: gettext_lazy(
        "The share of members that received innovation funding (grants, innovation loans, "
        "tax credits for research and development) in the year, among the members that said "
        "whether they did (a figure, or an answer in the annual member survey)."
    ),
    INNOVATIONS: gettext_lazy(
        "The share of members that launched at least one new or clearly improved product, "
        "service or process in the year, among the members that said whether they did (a "
        "figure, or an answer in the annual member survey)."
    ),
    FIRM_FORMATION: gettext_lazy(
        "Member firms founded in the year as a share of the member firms with a known founding "
        "year (companies, startups and media houses). Compared with the national firm "
        "formation rate of each member's NACE division, weighted by the number of member firms "
        "in each division."
    ),
}

PERCENT = "%"


@dataclass
class Kpi:
    key: str
    year: int
    value: float | None
    unit: str
    organisations_with_data: int
    members: int
    benchmark: float | None = None
    relative: float | None = None  # the cluster's figure divided by the benchmark
    benchmark_years: list[int] = field(default_factory=list)
    missing_sectors: list[str] = field(default_factory=list)
    suppressed: bool = False
    survey_answers: int = 0

    @property
    def label(self) -> str:
        return str(LABELS[self.key])

    @property
    def definition(self) -> str:
        return str(DEFINITIONS[self.key])

    @property
    def coverage(self) -> float | None:
        return self.organisations_with_data / self.members if self.members else None

    @property
    def coverage_percent(self) -> int | None:
        return round(100 * self.coverage) if self.coverage is not None else None

    @property
    def comparison(self) -> str:
        """The headline against the benchmark: "75 % higher", "4.0 times", "12 % lower"."""
        if self.relative is None or self.suppressed:
            return ""
        if self.relative >= 2:
            return _("%(times)s times the national figure") % {
                "times": number_format(round(self.relative, 1), decimal_pos=1)
            }
        difference = round(100 * (self.relative - 1))
        if difference >= 0:
            return _("%(percent)s %% higher than the national figure") % {"percent": difference}
        return _("%(percent)s %% lower than the national figure") % {"percent": -difference}


def format_kpi(value: float | None, unit: str) -> str:
    """A KPI for people: whole currency units, percentages with one decimal, localised."""
    if value is None:
        return "–"
    places = 1 if unit == PERCENT else 0
    text = number_format(
        round(value, places), decimal_pos=places, use_l10n=True, force_grouping=True
    )
    return f"{text} %" if unit == PERCENT else f"{text} {unit}"


def _benchmarks(measure: str, year: int) -> dict[tuple[str, str], Benchmark]:
    """The latest benchmark per (country, division) from `year` back BENCHMARK_LAG_YEARS."""
    found: dict[tuple[str, str], Benchmark] = {}
    for benchmark in Benchmark.objects.filter(
        measure=measure, year__lte=year, year__gte=year - BENCHMARK_LAG_YEARS
    ).order_by("year"):
        found[(benchmark.country, benchmark.nace_division)] = benchmark
    return found


@dataclass
class _Group:
    country: str
    division: str
    weight: float
    numerator: float
    denominator: float
    organisations: int


def _compare(kpi: Kpi, groups: list[_Group], measure: str, *, scale: float = 1.0) -> None:
    """Sets the weighted benchmark and the relative figure over the groups with a benchmark
    (`scale` turns the cluster's ratio into the benchmark's unit, e.g. 100 for percent)."""
    benchmarks = _benchmarks(measure, kpi.year)
    weighted = weight = numerator = denominator = 0.0
    years: set[int] = set()
    missing: list[str] = []
    for group in sorted(groups, key=lambda g: (g.country, g.division)):
        benchmark = benchmarks.get((group.country, group.division))
        usable = benchmark is not None and (
            measure != Measure.VALUE_ADDED_PER_EMPLOYEE
            or benchmark.currency == settings.KLYNGE_CURRENCY
        )
        if not usable or group.weight <= 0:
            missing.append(f"{group.country} {group.division or '??'}")
            continue
        weighted += group.weight * float(benchmark.value)
        weight += group.weight
        numerator += group.numerator
        denominator += group.denominator
        years.add(benchmark.year)
    kpi.missing_sectors = missing
    kpi.benchmark_years = sorted(years)
    if weight > 0 and denominator:
        kpi.benchmark = weighted / weight
        matched = scale * numerator / denominator
        if measure == Measure.EMPLOYMENT_GROWTH:
            matched = scale * (numerator / denominator - 1)
        if kpi.benchmark > 0:
            kpi.relative = matched / kpi.benchmark


def _base(year: int):
    return OrganisationYear.objects.filter(year=year, organisation_id__in=sources.member_ids(year))


# Which members' rows each KPI reads (the same conditions `selectors.KPI_ROWS` lists for staff).
VALUE_ROWS = Q(personnel_costs__isnull=False, operating_profit__isnull=False, employees_fte__gt=0)
JOB_ROWS = Q(employees_fte__isnull=False, before__employees_fte__gt=0)
MARGIN_ROWS = Q(revenue__gt=0, operating_profit__isnull=False)
FUNDING_ROWS = Q(innovation_funding__isnull=False)
INNOVATION_ROWS = Q(innovations_launched__isnull=False)


def figure_groups(year: int) -> list[dict]:
    """One pass over the year's member rows, grouped by country and NACE division, with every
    sum the five figure-based KPIs need (one query; the year before joined for job creation)."""
    in_currency = Q(currency=settings.KLYNGE_CURRENCY)
    value_rows = VALUE_ROWS & in_currency
    margin_rows = MARGIN_ROWS & in_currency
    return list(
        _base(year)
        .annotate(
            before=FilteredRelation(
                "organisation__yearly_figures",
                condition=Q(organisation__yearly_figures__year=year - 1),
            )
        )
        .order_by()
        .values("country", "nace_division")
        .annotate(
            value_n=Count("id", filter=value_rows),
            value_created=Sum(F("personnel_costs") + F("operating_profit"), filter=value_rows),
            value_fte=Sum("employees_fte", filter=value_rows),
            job_n=Count("id", filter=JOB_ROWS),
            job_fte=Sum("employees_fte", filter=JOB_ROWS),
            job_before=Sum("before__employees_fte", filter=JOB_ROWS),
            margin_n=Count("id", filter=margin_rows),
            margin_profit=Sum("operating_profit", filter=margin_rows),
            margin_revenue=Sum("revenue", filter=margin_rows),
            funding_n=Count("id", filter=FUNDING_ROWS),
            funding_yes=Count("id", filter=FUNDING_ROWS & Q(innovation_funding__gt=0)),
            innovation_n=Count("id", filter=INNOVATION_ROWS),
            innovation_yes=Count("id", filter=INNOVATION_ROWS & Q(innovations_launched__gte=1)),
        )
    )


def _groups(rows, prefix: str, weight: str, numerator: str, denominator: str) -> list[_Group]:
    return [
        _Group(
            country=row["country"],
            division=row["nace_division"],
            weight=float(row[f"{prefix}_{weight}"] or 0),
            numerator=float(row[f"{prefix}_{numerator}"] or 0),
            denominator=float(row[f"{prefix}_{denominator}"] or 0),
            organisations=row[f"{prefix}_n"],
        )
        for row in rows
        if row[f"{prefix}_n"]
    ]


def value_creation(year: int, members: int, rows: list[dict]) -> Kpi:
    groups = _groups(rows, "value", "fte", "created", "fte")
    created = sum(g.numerator for g in groups)
    fte = sum(g.denominator for g in groups)
    kpi = Kpi(
        key=VALUE_CREATION,
        year=year,
        value=created / fte if fte else None,
        unit=_("%(currency)s per employee") % {"currency": settings.KLYNGE_CURRENCY},
        organisations_with_data=sum(g.organisations for g in groups),
        members=members,
    )
    _compare(kpi, groups, Measure.VALUE_ADDED_PER_EMPLOYEE)
    return kpi


def job_creation(year: int, members: int, rows: list[dict]) -> Kpi:
    groups = _groups(rows, "job", "before", "fte", "before")
    now = sum(g.numerator for g in groups)
    before = sum(g.denominator for g in groups)
    kpi = Kpi(
        key=JOB_CREATION,
        year=year,
        value=100 * (now / before - 1) if before else None,
        unit=PERCENT,
        organisations_with_data=sum(g.organisations for g in groups),
        members=members,
    )
    _compare(kpi, groups, Measure.EMPLOYMENT_GROWTH, scale=100)
    return kpi


def operating_margin(year: int, members: int, rows: list[dict]) -> Kpi:
    groups = _groups(rows, "margin", "revenue", "profit", "revenue")
    profit = sum(g.numerator for g in groups)
    revenue = sum(g.denominator for g in groups)
    kpi = Kpi(
        key=OPERATING_MARGIN,
        year=year,
        value=100 * profit / revenue if revenue else None,
        unit=PERCENT,
        organisations_with_data=sum(g.organisations for g in groups),
        members=members,
    )
    _compare(kpi, groups, Measure.OPERATING_MARGIN, scale=100)
    return kpi


def _share(
    year: int, members: int, rows: list[dict], key: str, prefix: str, known: Q, survey_key: str
) -> Kpi:
    with_data = sum(row[f"{prefix}_n"] for row in rows)
    yes = sum(row[f"{prefix}_yes"] for row in rows)
    answers = sources.survey_kpi_answers(year)
    from_survey = 0
    if answers:
        # A member without the figure counts with its survey answer (the figure wins).
        answered = {pk for pk, given in answers.items() if survey_key in given}
        with_figure = set(
            _base(year)
            .filter(known, organisation_id__in=answered)
            .values_list("organisation_id", flat=True)
        )
        member_answered = set(
            sources.members(year).filter(pk__in=answered).values_list("pk", flat=True)
        )
        for pk in member_answered - with_figure:
            from_survey += 1
            yes += 1 if answers[pk][survey_key] else 0
        with_data += from_survey
    return Kpi(
        key=key,
        year=year,
        value=100 * yes / with_data if with_data else None,
        unit=PERCENT,
        organisations_with_data=with_data,
        members=members,
        survey_answers=from_survey,
    )


def innovation_funding(year: int, members: int, rows: list[dict]) -> Kpi:
    return _share(
        year,
        members,
        rows,
        INNOVATION_FUNDING,
        "funding",
        FUNDING_ROWS,
        "received_innovation_funding",
    )


def innovations(year: int, members: int, rows: list[dict]) -> Kpi:
    return _share(
        year, members, rows, INNOVATIONS, "innovation", INNOVATION_ROWS, "launched_innovation"
    )


def firm_formation(year: int, members: int, rows: list[dict] | None = None) -> Kpi:
    division_that_year = (
        OrganisationYear.objects.filter(organisation=OuterRef("pk"), year=year)
        .exclude(nace_division="")
        .values("nace_division")[:1]
    )
    nace = (
        Organisation.nace_codes.through.objects.filter(
            organisation_id=OuterRef("pk"), nacecode__level__gte=2
        )
        .order_by("nacecode__code")
        .values("nacecode__code")[:1]
    )
    rows = (
        sources.members(year)
        .filter(kind__in=sources.FIRM_KINDS, founded_year__isnull=False, founded_year__lte=year)
        .annotate(division=Coalesce(Subquery(division_that_year), Left(Subquery(nace), 2)))
        .order_by()
        .values("country", "division")
        .annotate(n=Count("id"), new=Count("id", filter=Q(founded_year=year)))
    )
    groups = [
        _Group(
            country=row["country"],
            division=row["division"] or "",
            weight=float(row["n"]),
            numerator=float(row["new"]),
            denominator=float(row["n"]),
            organisations=row["n"],
        )
        for row in rows
    ]
    new = sum(g.numerator for g in groups)
    firms = sum(g.denominator for g in groups)
    kpi = Kpi(
        key=FIRM_FORMATION,
        year=year,
        value=100 * new / firms if firms else None,
        unit=PERCENT,
        organisations_with_data=int(firms),
        members=members,
    )
    _compare(kpi, groups, Measure.FIRM_FORMATION_RATE, scale=100)
    return kpi


COMPUTE = {
    VALUE_CREATION: value_creation,
    JOB_CREATION: job_creation,
    OPERATING_MARGIN: operating_margin,
    INNOVATION_FUNDING: innovation_funding,
    INNOVATIONS: innovations,
    FIRM_FORMATION: firm_formation,
}


def suppress_small(kpi: Kpi) -> Kpi:
    """Hides a KPI built on fewer than MIN_GROUP organisations (for anyone but staff)."""
    if kpi.organisations_with_data < MIN_GROUP:
        kpi.suppressed = True
        kpi.value = kpi.benchmark = kpi.relative = None
        kpi.missing_sectors = []
    return kpi


def kpis_for_year(year: int, *, suppress: bool) -> dict[str, Kpi]:
    """All six KPIs of `year` for the members of that year: the member count, one pass over
    the year's figures, one over the member firms, and the benchmarks (about seven queries)."""
    members = sources.members(year).count()
    rows = figure_groups(year)
    result = {key: COMPUTE[key](year, members, rows) for key in KPI_KEYS}
    if suppress:
        for kpi in result.values():
            suppress_small(kpi)
    return result


def trend(years: list[int], *, suppress: bool) -> dict[int, dict[str, Kpi]]:
    return {year: kpis_for_year(year, suppress=suppress) for year in years}


def rounded(value: float | None, places: int = 1) -> Decimal | None:
    return Decimal(str(round(value, places))) if value is not None else None
