"""The test cluster of 2024 (see test_kpis.py for the table of its members and figures)."""

import datetime
from decimal import Decimal

import pytest

from klynge.ecosystem.models import NaceCode
from klynge.insights.models import Measure
from klynge.insights.tests.factories import BenchmarkFactory, OrganisationYearFactory, member
from klynge.membership.models import Invoice

D = Decimal


@pytest.fixture
def cluster(db):
    a = member(name="A", founded_year=2015)
    b = member(
        name="B",
        founded_year=2020,
        start=datetime.date(2026, 1, 1),
        end=datetime.date(2026, 12, 31),
        status="active",
    )
    Invoice.objects.create(
        organisation=b,
        membership=b.memberships.get(),
        kind="invoice",
        status="paid",
        number=9001,
        period_start=datetime.date(2022, 1, 1),
        period_end=datetime.date(2022, 12, 31),
        currency="DKK",
        vat_rate=D("25"),
    )
    c = member(
        name="C", founded_year=2024, start=datetime.date(2024, 3, 1), end=datetime.date(2025, 2, 28)
    )
    d = member(
        name="D",
        founded_year=2010,
        start=datetime.date(2023, 1, 1),
        end=datetime.date(2024, 12, 31),
    )
    d.nace_codes.add(NaceCode.objects.get(code="62.01"))
    g = member(
        name="G",
        country="NO",
        founded_year=2018,
        start=datetime.date(2019, 1, 1),
        end=datetime.date(2026, 12, 31),
        status="active",
    )
    e = member(
        name="E",
        founded_year=2024,
        start=datetime.date(2025, 1, 1),
        end=datetime.date(2025, 12, 31),
    )
    f = member(
        name="F", start=datetime.date(2024, 1, 1), end=datetime.date(2024, 12, 31), status="applied"
    )

    def figures(org, year=2024, **values):
        OrganisationYearFactory(organisation=org, year=year, **values)

    figures(
        a,
        personnel_costs=D(600_000),
        operating_profit=D(200_000),
        employees_fte=D(10),
        revenue=D(2_000_000),
        innovation_funding=D(100_000),
        innovations_launched=2,
    )
    figures(a, year=2023, employees_fte=D(8))
    figures(
        b,
        personnel_costs=D(300_000),
        operating_profit=D(100_000),
        employees_fte=D(5),
        revenue=D(1_000_000),
        innovation_funding=D(0),
        innovations_launched=0,
    )
    figures(b, year=2023, employees_fte=D(5))
    figures(
        c,
        nace_division="62",
        personnel_costs=D(1_000_000),
        operating_profit=D(-100_000),
        employees_fte=D(10),
        revenue=D(3_000_000),
        innovations_launched=1,
    )
    figures(c, year=2023, nace_division="62", employees_fte=D(10))
    figures(
        g,
        currency="NOK",
        personnel_costs=D(500_000),
        operating_profit=D(50_000),
        employees_fte=D(4),
        innovation_funding=D(50_000),
    )
    figures(g, year=2023, currency="NOK", employees_fte=D(4))
    for outsider in (e, f):
        figures(
            outsider,
            personnel_costs=D(9_000_000),
            operating_profit=D(9_000_000),
            employees_fte=D(1),
            revenue=D(1),
            innovation_funding=D(5),
            innovations_launched=5,
        )
        figures(outsider, year=2023, employees_fte=D(100))

    def bench(measure, division, value, year=2024, country="DK", currency=""):
        BenchmarkFactory(
            measure=measure,
            nace_division=division,
            value=D(value),
            year=year,
            country=country,
            currency=currency,
        )

    bench(Measure.VALUE_ADDED_PER_EMPLOYEE, "59", "60000", currency="DKK")
    bench(Measure.VALUE_ADDED_PER_EMPLOYEE, "62", "100000", year=2023, currency="DKK")
    bench(Measure.VALUE_ADDED_PER_EMPLOYEE, "62", "1", year=2020, currency="DKK")  # too old
    bench(Measure.EMPLOYMENT_GROWTH, "59", "2.0")
    bench(Measure.EMPLOYMENT_GROWTH, "62", "4.0")
    bench(Measure.OPERATING_MARGIN, "59", "5.0")
    bench(Measure.OPERATING_MARGIN, "62", "10.0")
    bench(Measure.FIRM_FORMATION_RATE, "59", "10.0")
    bench(Measure.FIRM_FORMATION_RATE, "62", "10.0")
    return {"a": a, "b": b, "c": c, "d": d, "g": g, "e": e, "f": f}
