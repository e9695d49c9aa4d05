"""Demo data for insights (idempotent): generated yearly figures for the demo member firms, a
generated benchmark table, the members' earlier membership years, highlights and the cluster
organisation's own year, so the dashboard and last year's annual report show something real.

Every number here is generated (seeded per organisation, so the same on every run) and says so
in its source; none is a real company's or statistics office's figure.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from klynge.core import audit
from klynge.ecosystem.models import Organisation
from klynge.insights import services
from klynge.insights.models import (
    Benchmark,
    ClusterYear,
    FigureSource,
    FundingSource,
    Highlight,
    Measure,
    OrganisationYear,
)
from klynge.membership.models import Membership, MembershipStatus

DEMO_NOTE = "Demo data, generated"
BENCHMARK_SOURCE = "Generated demo table in the layout of a statistics office's export (not real)"

# slug: (NACE division, employees in the first year, founded, joined the cluster)
# `None` years are relative to last year (see `_years`).
FIRMS = {
    "tv-2-danmark": ("60", 1000, 1988, 2016),
    "vizrt": ("62", 650, 1997, 2016),
    "vimond": ("62", 80, 2011, 2017),
    "tv-2-norge": ("60", 900, 1992, 2016),
    "dagens-naeringsliv": ("58", 400, 1889, 2020),
    "faktisk-no": ("63", 20, 2017, 2020),
    "highsoft": ("62", 60, 2009, 2018),
    "everviz": ("62", 12, 2019, 2020),
    "factiverse": ("62", 10, -1, 0),
    "mjoll": ("59", 8, 2019, 2021),
    "7-mountains": ("62", 9, 0, 0),
    "myreze": ("59", 25, 2016, 2018),
    "motion-corporation": ("62", 15, 2015, 2019),
    "global-m": ("61", 30, 2016, 2020),
}
OTHER_MEMBERS_JOINED = {
    "odense-kommune": 2016,
    "syddansk-universitet": 2016,
    "universitetet-i-bergen": 2017,
    "region-skane": 2021,
    "malmo-universitet": 2022,
}
# Division: (value added per employee in the cluster's currency, employment growth %,
# operating margin %, firm formation rate %); NO 63 and every 61 are left out on purpose, so
# the reports show how a missing sector is named.
BENCHMARKS = {
    "58": (520_000, 0.8, 6.5, 6.0),
    "59": (470_000, 2.0, 4.0, 11.0),
    "60": (600_000, 0.5, 5.5, 4.0),
    "62": (580_000, 3.0, 8.5, 9.0),
    "63": (600_000, 2.5, 9.0, 10.0),
}


def _years() -> list[int]:
    last = timezone.localdate().year - 1
    return list(range(last - 5, last + 1))


def _relative(year: int) -> int:
    """Founding and joining years up to 0 count back from last year."""
    return timezone.localdate().year - 1 + year if year <= 0 else year


def _memberships(organisations: dict[str, Organisation]) -> int:
    """An ended membership for the years before the current one (the demo memberships start
    this year), so each demo member has a history."""
    created = 0
    joined = {slug: _relative(f[3]) for slug, f in FIRMS.items()} | OTHER_MEMBERS_JOINED
    for slug, year in joined.items():
        organisation = organisations.get(slug)
        if organisation is None:
            continue
        current = organisation.memberships.order_by("start_date").first()
        if current is None:
            continue
        start = datetime.date(year, 1, 1)
        end = current.start_date - datetime.timedelta(days=1)
        if start > end or organisation.memberships.filter(start_date__lte=start).exists():
            continue
        Membership.objects.create(
            organisation=organisation,
            tier=current.tier,
            start_date=start,
            end_date=end,
            status=MembershipStatus.ENDED,
            status_changed_on=end,
        )
        created += 1
    return created


def _figures(organisations: dict[str, Organisation], actor) -> int:
    years = _years()
    created = 0
    now = timezone.now()
    currency = settings.KLYNGE_CURRENCY
    for slug, (division, employees, founded, _joined) in FIRMS.items():
        organisation = organisations.get(slug)
        if organisation is None:
            continue
        founded = _relative(founded)
        if organisation.founded_year is None:
            Organisation.objects.filter(pk=organisation.pk).update(founded_year=founded)
        if OrganisationYear.objects.filter(organisation=organisation).exists():
            continue
        rng = random.Random(f"klynge-demo-{slug}")  # noqa: S311 (demo figures, not secrets)
        fte = float(employees)
        for year in years:
            if year < founded:
                continue
            fte *= 1 + rng.uniform(-0.02, 0.09)
            revenue = fte * rng.uniform(1_250_000, 1_650_000)
            personnel = fte * rng.uniform(540_000, 620_000)
            profit = revenue * rng.uniform(-0.02, 0.22)
            funded = rng.random() < 0.55
            values = {
                "revenue": round(revenue, -3),
                "personnel_costs": round(personnel, -3),
                "operating_profit": round(profit, -3),
                "employees_fte": round(fte, 1),
                "innovation_funding": round(rng.uniform(150_000, 2_500_000), -3) if funded else 0,
                "innovations_launched": rng.choice((0, 1, 1, 2, 3, 4)),
            }
            cleaned = services.clean_figures(
                organisation=organisation,
                year=year,
                values=values,
                source=FigureSource.IMPORT,
                currency=currency,
                nace_division=division,
            )
            services._apply(
                actor=actor,
                organisation=organisation,
                cleaned=cleaned,
                source_note=DEMO_NOTE,
                now=now,
            )
            created += 1
    return created


def _benchmarks() -> int:
    created = 0
    currency = settings.KLYNGE_CURRENCY
    # Statistics come a year late: the table stops the year before last.
    for offset, year in enumerate(_years()[:-1]):
        for country in ("DK", "NO", "SE"):
            for division, (vape, growth, margin, formation) in BENCHMARKS.items():
                if country == "NO" and division == "63":
                    continue
                rows = {
                    Measure.VALUE_ADDED_PER_EMPLOYEE: (vape * (1.02**offset), currency),
                    Measure.EMPLOYMENT_GROWTH: (growth + 0.2 * (offset % 3 - 1), ""),
                    Measure.OPERATING_MARGIN: (margin + 0.3 * (offset % 2), ""),
                    Measure.FIRM_FORMATION_RATE: (formation - 0.2 * offset, ""),
                }
                for measure, (value, unit) in rows.items():
                    _object, made = Benchmark.objects.get_or_create(
                        country=country,
                        nace_division=division,
                        year=year,
                        measure=measure,
                        defaults={
                            "value": Decimal(str(round(value, 2))),
                            "currency": unit,
                            "source": BENCHMARK_SOURCE,
                        },
                    )
                    created += made
    return created


HIGHLIGHTS = [
    (
        "award",
        "Mjoll wins a best-of-show award for its weather graphics",
        "Mjoll vinder en best of show-pris for sin vejrgrafik",
        "A generated demo highlight: a member startup's product is recognised at a trade show.",
        "Et genereret demo-højdepunkt: et medlems produkt får en pris på en messe.",
    ),
    (
        "success_story",
        "Myreze produces a virtual comedy show from its studio",
        "Myreze producerer et virtuelt comedyshow fra sit studie",
        "A generated demo success story about remote production.",
        "En genereret demo-succeshistorie om produktion på afstand.",
    ),
    (
        "initiative",
        "A journalism lab for the newsroom of the future",
        "Et journalistisk laboratorium for fremtidens redaktion",
        "A generated demo initiative with workshops on digital investigation.",
        "Et genereret demo-initiativ med workshops om digital research.",
    ),
    (
        "international",
        "Joint stand with partner clusters at IBC",
        "Fælles stand med partnerklynger på IBC",
        "A generated demo international activity.",
        "En genereret demo international aktivitet.",
    ),
]


def _highlights(actor) -> int:
    year = _years()[-1]
    if Highlight.objects.filter(year=year).exists():
        return 0
    for kind, title_en, title_da, text_en, text_da in HIGHLIGHTS:
        Highlight.objects.create(
            year=year,
            kind=kind,
            title_en=title_en,
            title_da=title_da,
            text_en=text_en,
            text_da=text_da,
        )
    return len(HIGHLIGHTS)


def _cluster_year() -> int:
    year = _years()[-1]
    if ClusterYear.objects.filter(year=year).exists():
        return 0
    currency = settings.KLYNGE_CURRENCY
    cluster_year = ClusterYear.objects.create(
        year=year,
        currency=currency,
        budget=Decimal("8500000"),
        staff_fte=Decimal("6.0"),
        note=DEMO_NOTE,
    )
    for kind, name, amount in (
        ("membership_fees", "Membership fees", "1200000"),
        ("regional", "Regional development funds", "3000000"),
        ("national", "National cluster programme", "2500000"),
        ("eu", "EU programme (demo)", "1300000"),
        ("services", "Events and studio services", "500000"),
    ):
        FundingSource.objects.create(
            cluster_year=cluster_year, kind=kind, name=name, amount=Decimal(amount)
        )
    return 1


def load() -> dict[str, int]:
    """Builds the insights demo data once; a second run changes nothing."""
    organisations = {
        o.slug: o
        for o in Organisation.objects.filter(
            slug__in=[*FIRMS, *OTHER_MEMBERS_JOINED], membership_status="member"
        )
    }
    with transaction.atomic():
        summary = {
            "memberships": _memberships(organisations),
            "figures": _figures(organisations, actor=None),
            "benchmarks": _benchmarks(),
            "highlights": _highlights(actor=None),
            "cluster_years": _cluster_year(),
        }
        if any(summary.values()):
            audit.record(actor=None, action="insights.demo.load", data=summary)
    return summary
