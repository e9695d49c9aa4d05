"""Recording figures: history with source and date, refusals per field that change nothing, who
may see and give them (page and API alike), and concurrent writes to the same year."""

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from klynge.accounts.tests.factories import user_with_role
from klynge.ecosystem.models import AffiliationRole
from klynge.ecosystem.tests.factories import OrganisationFactory
from klynge.insights import services
from klynge.insights.models import FigureRecord, OrganisationYear
from klynge.insights.tests.factories import OrganisationYearFactory

LAST_YEAR = timezone.localdate().year - 1
NEXT_YEAR = timezone.localdate().year + 1


def test_figures_are_recorded_with_their_source_and_history(member_org, staff):
    services.record_figures(
        actor=staff,
        organisation=member_org,
        year=2023,
        values={"revenue": "1 250 000,50", "employees_fte": 12, "innovations_launched": 2},
        source="staff",
        source_note="Annual report 2023",
    )
    row = services.record_figures(
        actor=staff,
        organisation=member_org,
        year=2023,
        values={"employees_fte": Decimal("12.5"), "revenue": "1250000.50"},
        source="import",
    )
    assert (row.revenue, row.employees_fte, row.innovations_launched, row.currency) == (
        Decimal("1250000.50"),
        Decimal("12.5"),
        2,
        "DKK",
    )
    records = list(
        FigureRecord.objects.filter(organisation_year=row)
        .order_by("id")
        .values_list("metric", "value", "source", "source_note")
    )
    # The unchanged revenue is not recorded again; the corrected employees are.
    assert records == [
        ("revenue", Decimal("1250000.50"), "staff", "Annual report 2023"),
        ("employees_fte", Decimal("12.00"), "staff", "Annual report 2023"),
        ("innovations_launched", Decimal("2.00"), "staff", "Annual report 2023"),
        ("employees_fte", Decimal("12.50"), "import", ""),
    ]


@pytest.mark.parametrize(
    ("values", "year", "currency", "field", "message"),
    [
        (
            {"employees_fte": -3},
            2023,
            "",
            "employees_fte",
            "The number of employees cannot be negative.",
        ),
        ({"revenue": "-1"}, 2023, "", "revenue", "This amount cannot be negative."),
        ({"revenue": "lots"}, 2023, "", "revenue", "“lots” is not a number."),
        (
            {"innovations_launched": "1.5"},
            2023,
            "",
            "innovations_launched",
            "Enter a whole number of innovations.",
        ),
        (
            {"revenue": 10},
            NEXT_YEAR,
            "",
            "year",
            f"{NEXT_YEAR} is in the future: figures can be given up to {NEXT_YEAR - 1}.",
        ),
        (
            {"revenue": 10},
            2023,
            "SEK",
            "currency",
            "SEK does not match the cluster's or the organisation's currency; use DKK.",
        ),
        (
            {"profit": 10},
            2023,
            "",
            "profit",
            "“profit” is not a figure; use one of revenue, personnel_costs, operating_profit, employees_fte, innovation_funding, innovations_launched.",
        ),
    ],
)
def test_impossible_figures_are_refused_per_field_and_nothing_is_written(
    member_org, staff, values, year, currency, field, message
):
    with pytest.raises(services.ValidationError) as refusal:
        services.record_figures(
            actor=staff,
            organisation=member_org,
            year=year,
            values=values,
            source="staff",
            currency=currency,
        )
    assert refusal.value.message_dict == {field: [message]}
    assert OrganisationYear.objects.count() == 0
    assert FigureRecord.objects.count() == 0


def test_an_organisation_may_report_in_its_own_currency(other_org, staff):
    # Bergen Pixel AS is Norwegian: NOK is its own currency, DKK the cluster's; SEK is neither.
    row = services.record_figures(
        actor=staff,
        organisation=other_org,
        year=2023,
        values={"revenue": 5},
        source="staff",
        currency="nok",
    )
    assert row.currency == "NOK"
    with pytest.raises(services.ValidationError) as refusal:
        services.record_figures(
            actor=staff,
            organisation=other_org,
            year=2023,
            values={"revenue": 5},
            source="staff",
            currency="SEK",
        )
    assert refusal.value.message_dict == {
        "currency": [
            "SEK does not match the cluster's or the organisation's currency; use DKK / NOK."
        ]
    }
    # Other amounts of 2023 are in NOK, so DKK for some of them would mix currencies in one year.
    with pytest.raises(services.ValidationError) as refusal:
        services.record_figures(
            actor=staff,
            organisation=other_org,
            year=2023,
            values={"personnel_costs": 1},
            source="staff",
            currency="DKK",
        )
    assert refusal.value.message_dict == {
        "currency": ["The year's other amounts are in NOK; give these in NOK too."]
    }


def test_a_member_admin_gives_their_organisations_figures_on_the_page(
    client, member_admin, member_org
):
    client.force_login(member_admin)
    response = client.post(
        f"/insights/organisations/{member_org.slug}/",
        {"year": LAST_YEAR, "currency": "DKK", "revenue": "2.000.000", "employees_fte": "7,5"},
    )
    assert response.status_code == 302
    row = OrganisationYear.objects.get(organisation=member_org, year=LAST_YEAR)
    assert (row.revenue, row.employees_fte) == (Decimal("2000000.00"), Decimal("7.5"))
    assert set(FigureRecord.objects.values_list("source", flat=True)) == {"member"}
    page = client.get(f"/insights/organisations/{member_org.slug}/")
    assert "2,000,000" in page.content.decode()


def test_the_page_refuses_bad_figures_with_a_message_and_writes_nothing(
    client, member_admin, member_org
):
    client.force_login(member_admin)
    response = client.post(
        f"/insights/organisations/{member_org.slug}/",
        {"year": NEXT_YEAR, "currency": "DKK", "employees_fte": "-2"},
    )
    assert response.status_code == 422
    content = response.content.decode()
    assert "The number of employees cannot be negative." in content
    assert f"{NEXT_YEAR} is in the future" in content
    assert OrganisationYear.objects.count() == 0


def test_only_staff_and_the_organisations_admins_see_its_figures(
    client, member_org, other_org, employee, staff
):
    OrganisationYearFactory(organisation=member_org, year=2023, revenue=Decimal("4242424"))
    other_admin = user_with_role(
        AffiliationRole.MEMBER_ADMIN, other_org, email="admin@pixel.example"
    )
    url = f"/insights/organisations/{member_org.slug}/"
    assert client.get(url).status_code == 302  # anonymous: to the login page
    for user, status in ((employee, 403), (other_admin, 403), (staff, 200)):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == status
        assert ("4,242,424" in response.content.decode()) is (status == 200)
    client.force_login(other_admin)
    assert client.post(url, {"year": 2023, "currency": "DKK", "revenue": "1"}).status_code == 403
    assert OrganisationYear.objects.get(organisation=member_org).revenue == Decimal("4242424")


def test_the_api_accepts_and_refuses_what_the_page_does(
    api_client, member_admin, member_org, other_org, staff
):
    api = api_client(member_admin)
    created = api.post(
        "/api/v1/insights/figures",
        {"organisation": member_org.pk, "year": 2023, "revenue": "1000", "employees_fte": 3},
        content_type="application/json",
    )
    assert created.status_code == 201
    assert created.json() == {
        "organisation": member_org.pk,
        "year": 2023,
        "country": "DK",
        "currency": "DKK",
        "nace_division": "",
        "revenue": "1000.00",
        "personnel_costs": None,
        "operating_profit": None,
        "employees_fte": "3.0",
        "innovation_funding": None,
        "innovations_launched": None,
    }
    assert FigureRecord.objects.filter(source="member").count() == 2
    refused = api.post(
        "/api/v1/insights/figures",
        {"organisation": member_org.pk, "year": NEXT_YEAR, "employees_fte": -1},
        content_type="application/json",
    )
    assert refused.status_code == 400
    assert refused.json()["errors"] == {
        "year": [f"{NEXT_YEAR} is in the future: figures can be given up to {NEXT_YEAR - 1}."],
        "employees_fte": ["The number of employees cannot be negative."],
    }
    forbidden = api.post(
        "/api/v1/insights/figures",
        {"organisation": other_org.pk, "year": 2023, "revenue": "1"},
        content_type="application/json",
    )
    assert forbidden.status_code == 403
    OrganisationYearFactory(organisation=other_org, year=2023, revenue=Decimal("7"))
    mine = api.get("/api/v1/insights/figures")
    assert [(r["organisation"], r["year"]) for r in mine.json()["items"]] == [(member_org.pk, 2023)]
    everything = api_client(staff).get("/api/v1/insights/figures?year=2023")
    assert everything.json()["count"] == 2


def test_the_figures_pages_take_the_same_number_of_queries_for_1_and_3_rows(
    client, staff, member_org
):
    import datetime

    from django.test.utils import CaptureQueriesContext

    from klynge.insights.tests.factories import member

    client.force_login(staff)

    def count_for(url):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    def add(n):
        years = OrganisationYear.objects.filter(organisation=member_org).count()
        for i in range(n):
            organisation = member(start=datetime.date(2022, 1, 1), end=datetime.date(2024, 12, 31))
            OrganisationYearFactory(organisation=organisation, year=2023, revenue=Decimal(1))
            services.record_figures(
                actor=staff,
                organisation=member_org,
                year=2010 + years + i,
                values={"revenue": i + 1, "employees_fte": 2},
                source="staff",
            )

    rows_url = "/insights/figures/?year=2023"
    organisation_url = f"/insights/organisations/{member_org.slug}/"
    add(1)
    rows_one, organisation_one = count_for(rows_url), count_for(organisation_url)
    add(2)
    assert OrganisationYear.objects.filter(year=2023).count() == 3
    assert count_for(rows_url) == rows_one
    assert count_for(organisation_url) == organisation_one


@pytest.mark.django_db(transaction=True)
def test_concurrent_writes_to_one_year_keep_one_row_and_every_change():
    organisation = OrganisationFactory()
    workers = 16
    barrier = threading.Barrier(workers)

    def write(n):
        try:
            barrier.wait(timeout=30)
            services.record_figures(
                actor=None,
                organisation=organisation,
                year=2023,
                values={"employees_fte": n + 1},
                source="import",
            )
            return "ok"
        except Exception as error:  # a failure is the test's finding, reported below
            return f"{type(error).__name__}: {error}"
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(write, range(workers)))
    assert results == ["ok"] * workers
    row = OrganisationYear.objects.get(organisation=organisation, year=2023)
    records = FigureRecord.objects.filter(organisation_year=row).order_by("id")
    assert records.count() == workers
    # The row holds the value of the write that came last (the writes queue on the row).
    assert row.employees_fte == records.last().value
