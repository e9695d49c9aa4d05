"""The six KPIs against hand-computed values (the arithmetic is written next to each assertion).

The cluster in 2024 (years pinned in the past, so the tests pass on any day):

    org  country  division  member in 2024           2024 figures (DKK unless said)
    A    DK       59        2020-01-01..2025-06-30   pc 600k, op 200k, fte 10 (8 in 2023), rev 2,000k,
                                                     funding 100k, innovations 2, founded 2015
    B    DK       59        renewed: row 2026, paid  pc 300k, op 100k, fte 5 (5), rev 1,000k,
                            invoice from 2022        funding 0, innovations 0, founded 2020
    C    DK       62        2024-03-01..2025-02-28   pc 1,000k, op -100k, fte 10 (10), rev 3,000k,
                                                     innovations 1, founded 2024
    D    DK       (62.01)   2023-01-01..2024-12-31   no figures, founded 2010
    G    NO       59        2019-01-01..2026-12-31   NOK: pc 500k, op 50k, fte 4 (4), funding 50k,
                                                     founded 2018
    E    DK       59        2025 only (not in 2024)  figures that must not count
    F    DK       59        applied only             figures that must not count
"""

import datetime
from decimal import Decimal

import pytest

from klynge.insights import kpis, sources
from klynge.insights.tests.factories import member
from klynge.membership.tests.factories import MembershipFactory
from klynge.surveys import services as survey_services
from klynge.surveys.annual import create_annual_member_survey
from klynge.surveys.tests.builders import closes_soon, respond_to_annual

D = Decimal


def test_members_of_the_year_follow_memberships_and_billed_periods(cluster):
    names = set(sources.members(2024).values_list("name", flat=True))
    assert names == {"A", "B", "C", "D", "G"}
    # B's membership row was moved on to 2026 by renewals; its paid 2022 invoice dates it back.
    assert set(sources.members(2021).values_list("name", flat=True)) == {"A", "G"}
    assert set(sources.new_members(2024).values_list("name", flat=True)) == {"C"}


def test_value_creation_per_employee_against_the_weighted_benchmark(cluster):
    kpi = kpis.kpis_for_year(2024, suppress=False)[kpis.VALUE_CREATION]
    # (600k+200k) + (300k+100k) + (1,000k-100k) = 2,100,000 over 10+5+10 = 25 FTE; G is in NOK.
    assert kpi.value == pytest.approx(84_000)
    assert (kpi.organisations_with_data, kpi.members) == (3, 5)
    assert kpi.coverage == pytest.approx(3 / 5)
    # DK 59 at 60,000 (2024) for 15 FTE, DK 62 at 100,000 (2023, the latest) for 10 FTE:
    # (15 * 60,000 + 10 * 100,000) / 25 = 76,000.
    assert kpi.benchmark == pytest.approx(76_000)
    assert kpi.benchmark_years == [2023, 2024]
    assert kpi.relative == pytest.approx(84_000 / 76_000)
    assert kpi.comparison == "11 % higher than the national figure"
    assert kpi.missing_sectors == []
    assert kpi.unit == "DKK per employee"


def test_a_benchmark_table_missing_a_sector_still_computes_and_names_it(cluster):
    from klynge.insights.models import Benchmark

    Benchmark.objects.filter(nace_division="62").delete()
    kpi = kpis.kpis_for_year(2024, suppress=False)[kpis.VALUE_CREATION]
    assert kpi.value == pytest.approx(84_000)  # the cluster's own figure is unchanged
    assert kpi.missing_sectors == ["DK 62"]
    assert kpi.benchmark == pytest.approx(60_000)
    # Compared over the sector that has a benchmark: (800k + 400k) / 15 = 80,000 → 80/60.
    assert kpi.relative == pytest.approx(80_000 / 60_000)
    assert kpi.comparison == "33 % higher than the national figure"


def test_job_creation(cluster):
    kpi = kpis.kpis_for_year(2024, suppress=False)[kpis.JOB_CREATION]
    # 10+5+10+4 = 29 FTE in 2024 against 8+5+10+4 = 27 in 2023: 29/27 - 1 = 7.407 %.
    assert kpi.value == pytest.approx(100 * (29 / 27 - 1))
    assert kpi.organisations_with_data == 4
    # Benchmarks weighted by 2023 FTE over DK only (NO 59 has none): (13*2 + 10*4)/23 = 2.8696.
    assert kpi.benchmark == pytest.approx((13 * 2 + 10 * 4) / 23)
    assert kpi.missing_sectors == ["NO 59"]
    # The DK members grew 25/23 - 1 = 8.696 %: 8.696 / 2.8696 = 3.03 times.
    assert kpi.relative == pytest.approx(100 * (25 / 23 - 1) / ((13 * 2 + 10 * 4) / 23))
    assert kpi.comparison == "3.0 times the national figure"


def test_operating_margin(cluster):
    kpi = kpis.kpis_for_year(2024, suppress=False)[kpis.OPERATING_MARGIN]
    # (200k + 100k - 100k) / (2,000k + 1,000k + 3,000k) = 3.333 %.
    assert kpi.value == pytest.approx(100 * 200_000 / 6_000_000)
    assert kpi.organisations_with_data == 3
    # Weighted by revenue: (3,000k * 5 + 3,000k * 10) / 6,000k = 7.5 %.
    assert kpi.benchmark == pytest.approx(7.5)
    assert kpi.relative == pytest.approx((100 / 30) / 7.5)
    assert kpi.comparison == "56 % lower than the national figure"


def test_shares_of_members_with_innovation_funding_and_innovations(cluster):
    result = kpis.kpis_for_year(2024, suppress=False)
    funding = result[kpis.INNOVATION_FUNDING]
    # A (100k) and G (50k NOK) received funding, B said 0, C and D gave no figure: 2 of 3.
    assert funding.value == pytest.approx(100 * 2 / 3)
    assert (funding.organisations_with_data, funding.members) == (3, 5)
    assert funding.unit == "%"
    launched = result[kpis.INNOVATIONS]
    # A (2) and C (1) launched, B none; D and G gave no figure: 2 of 3.
    assert launched.value == pytest.approx(100 * 2 / 3)
    assert launched.organisations_with_data == 3


def test_firm_formation_rate(cluster):
    kpi = kpis.kpis_for_year(2024, suppress=False)[kpis.FIRM_FORMATION]
    # Member firms with a founding year: A, B, C, D, G; founded in 2024: C. 1/5 = 20 %.
    assert kpi.value == pytest.approx(20)
    assert kpi.organisations_with_data == 5
    # D's division comes from its NACE code 62.01; G (NO 59) has no benchmark.
    assert kpi.missing_sectors == ["NO 59"]
    assert kpi.benchmark == pytest.approx(10)
    # Over DK 59 (A, B: none new) and DK 62 (C new, D): 1/4 = 25 % against 10 %: 2.5 times.
    assert kpi.relative == pytest.approx(2.5)


def test_small_groups_are_suppressed_for_everyone_but_staff(cluster):
    # In 2023 only A (8), B (5), C (10), G (4) gave employees; C was no member in 2023, so
    # only A, B and G count; value creation has no 2023 money figures at all.
    staff_view = kpis.kpis_for_year(2023, suppress=False)
    board_view = kpis.kpis_for_year(2023, suppress=True)
    assert staff_view[kpis.VALUE_CREATION].organisations_with_data == 0
    assert board_view[kpis.VALUE_CREATION].suppressed is True
    # 2024's operating margin has 3 organisations: shown; drop one and it is suppressed.
    assert kpis.kpis_for_year(2024, suppress=True)[kpis.OPERATING_MARGIN].suppressed is False
    from klynge.insights.models import OrganisationYear

    OrganisationYear.objects.filter(organisation=cluster["b"], year=2024).update(revenue=None)
    hidden = kpis.kpis_for_year(2024, suppress=True)[kpis.OPERATING_MARGIN]
    shown = kpis.kpis_for_year(2024, suppress=False)[kpis.OPERATING_MARGIN]
    assert (hidden.suppressed, hidden.value, hidden.benchmark) == (True, None, None)
    assert hidden.organisations_with_data == 2
    # Staff still see it: (200k - 100k) / (2,000k + 3,000k) = 2 %.
    assert shown.value == pytest.approx(2.0)


def test_all_kpis_of_a_year_take_a_constant_number_of_queries(
    cluster, django_assert_max_num_queries
):
    with django_assert_max_num_queries(14):
        kpis.kpis_for_year(2024, suppress=True)
    MembershipFactory(
        organisation=member(
            name="H", start=datetime.date(2024, 1, 1), end=datetime.date(2024, 12, 31)
        )
        .memberships.get()
        .organisation,
        start_date=datetime.date(2018, 1, 1),
        end_date=datetime.date(2018, 12, 31),
        status="ended",
    )
    with django_assert_max_num_queries(14):
        kpis.kpis_for_year(2024, suppress=True)


def test_survey_answers_count_for_members_without_the_figure(cluster):
    """The join with the surveys app: identified answers to the annual member survey about
    2024 count for members without the figure; the figure always wins."""
    survey = create_annual_member_survey(actor=None, year=2024)
    survey_services.open_survey(actor=None, survey=survey, closes_at=closes_soon())
    respond_to_annual(survey, cluster["d"], launched_innovation="yes", received_funding="no")
    respond_to_annual(survey, cluster["a"], launched_innovation="no")  # A's figure (2) wins
    respond_to_annual(survey, cluster["e"], launched_innovation="yes")  # E: no member in 2024
    result = kpis.kpis_for_year(2024, suppress=False)
    launched = result[kpis.INNOVATIONS]
    # Figures: A yes, B no, C yes; survey: D yes. 3 of 4 = 75 %.
    assert launched.value == pytest.approx(75)
    assert (launched.organisations_with_data, launched.survey_answers) == (4, 1)
    funding = result[kpis.INNOVATION_FUNDING]
    # Figures: A yes, B no, G yes; survey: D no. 2 of 4 = 50 %.
    assert funding.value == pytest.approx(50)
    assert (funding.organisations_with_data, funding.survey_answers) == (4, 1)
    # A survey about another year changes nothing for 2024.
    assert kpis.kpis_for_year(2023, suppress=False)[kpis.INNOVATIONS].survey_answers == 0
