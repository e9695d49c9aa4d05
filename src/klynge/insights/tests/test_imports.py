"""Importing figures and benchmarks: a check that reports every row's problems, an atomic commit,
matching organisations by registry number, the statistics office's long and wide layouts."""

from decimal import Decimal

import openpyxl
import pytest
from django.utils import timezone

from klynge.ecosystem.tests.factories import OrganisationFactory
from klynge.insights import kpis
from klynge.insights.importing import import_benchmarks, import_figures
from klynge.insights.models import Benchmark, FigureRecord, OrganisationYear

NEXT_YEAR = timezone.localdate().year + 1


@pytest.fixture
def organisations(db):
    return {
        "sound": OrganisationFactory(name="Fynsk Lyd ApS", registry_number="24256790"),
        "pixel": OrganisationFactory(
            name="Bergen Pixel AS", country="NO", registry_number="974760673"
        ),
    }


def _csv(tmp_path, text, name="figures.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


FIGURES = (
    "registry_number;country;year;currency;revenue;employees_fte;innovations_launched;nace;source_note\n"
    "24 25 67 90;DK;2023;DKK;1.500.000;12;2;59.11;Annual report\n"
    "974760673;Norge;2023;NOK;900000;4,5;0;62;\n"
)


def test_figures_are_matched_by_registry_number_and_imported_all_at_once(
    tmp_path, organisations, staff
):
    result = import_figures(_csv(tmp_path, FIGURES), actor=staff)
    assert (result.committed, result.created, result.updated, result.errors) == (True, 2, 0, [])
    sound = OrganisationYear.objects.get(organisation=organisations["sound"], year=2023)
    assert (sound.revenue, sound.employees_fte, sound.nace_division, sound.currency) == (
        Decimal("1500000.00"),
        Decimal("12.0"),
        "59",
        "DKK",
    )
    pixel = OrganisationYear.objects.get(organisation=organisations["pixel"], year=2023)
    assert (pixel.employees_fte, pixel.currency, pixel.innovations_launched) == (
        Decimal("4.5"),
        "NOK",
        0,
    )
    assert set(FigureRecord.objects.values_list("source", flat=True)) == {"import"}
    assert FigureRecord.objects.filter(source_note="Annual report").count() == 3
    again = import_figures(_csv(tmp_path, FIGURES), actor=staff)
    assert (again.created, again.updated) == (0, 2)
    assert FigureRecord.objects.count() == 6  # nothing changed: no new history


def test_the_check_reports_every_rows_problems_and_writes_nothing(tmp_path, organisations, staff):
    text = (
        "registry_number,country,year,currency,revenue,employees_fte\n"
        "24256790,DK,2023,DKK,100,-4\n"
        f"974760673,NO,{NEXT_YEAR},SEK,100,1\n"
        "10150817,DK,2023,DKK,100,1\n"
        "24256791,DK,2023,DKK,100,1\n"
        "24256790,DK,2022,DKK,abc,1\n"
        "974760673,NO,2022,NOK,5,1\n"
    )
    for dry_run in (True, False):
        result = import_figures(_csv(tmp_path, text), actor=staff, dry_run=dry_run)
        assert result.committed is False
        assert [(e.line, e.column, e.message) for e in result.errors] == [
            (2, "employees_fte", "The number of employees cannot be negative."),
            (
                3,
                "year",
                f"{NEXT_YEAR} is in the future: figures can be given up to {NEXT_YEAR - 1}.",
            ),
            (
                3,
                "currency",
                "SEK does not match the cluster's or the organisation's currency; use DKK / NOK.",
            ),
            (
                4,
                "registry_number",
                "No organisation in the directory has the registry number 10150817.",
            ),
            (
                5,
                "registry_number",
                "“24256791” is not a valid CVR: the check digit does not match.",
            ),
            (6, "revenue", "“abc” is not a number."),
        ]
        assert (result.created, result.updated) == (1, 0)  # the one valid row, not written
    assert OrganisationYear.objects.count() == 0


def test_figures_import_from_xlsx(tmp_path, organisations, staff):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["CVR", "Land", "Year", "revenue", "personnel_costs"])
    sheet.append([24256790, "DK", 2022, 2500000.5, 1200000])
    path = tmp_path / "figures.xlsx"
    workbook.save(path)
    result = import_figures(path, actor=staff)
    assert (result.committed, result.errors) == (True, [])
    row = OrganisationYear.objects.get(year=2022)
    assert (row.revenue, row.personnel_costs) == (Decimal("2500000.50"), Decimal("1200000.00"))


def test_benchmarks_in_the_long_format_a_statistics_office_exports(tmp_path, staff):
    text = (
        "country,nace,year,measure,value,currency,source\n"
        "DK,59,2023,value_added_per_employee,612000,DKK,Statistics Denmark GF2\n"
        'DK,59,2023,employment_growth,"2,1",,Statistics Denmark GF2\n'
        "Danmark,62.01,2023,Operating margin,8.4,,\n"
        "NO,59,2023,firm_formation_rate,11,,SSB 07091\n"
    )
    result = import_benchmarks(
        _csv(tmp_path, text, "bench.csv"), actor=staff, source="Statistics Denmark"
    )
    assert (result.committed, result.created, result.errors) == (True, 4, [])
    assert sorted(
        Benchmark.objects.values_list(
            "country", "nace_division", "measure", "value", "currency", "source"
        )
    ) == [
        ("DK", "59", "employment_growth", Decimal("2.1000"), "", "Statistics Denmark GF2"),
        (
            "DK",
            "59",
            "value_added_per_employee",
            Decimal("612000.0000"),
            "DKK",
            "Statistics Denmark GF2",
        ),
        ("DK", "62", "operating_margin", Decimal("8.4000"), "", "Statistics Denmark"),
        ("NO", "59", "firm_formation_rate", Decimal("11.0000"), "", "SSB 07091"),
    ]
    # A corrected table replaces the values it has again.
    fixed = _csv(
        tmp_path,
        "country,nace,year,measure,value,source\nDK,59,2023,employment_growth,2.3,DST\n",
        "b2.csv",
    )
    again = import_benchmarks(fixed, actor=staff)
    assert (again.created, again.updated, again.unchanged) == (0, 1, 0)
    assert Benchmark.objects.get(measure="employment_growth").value == Decimal("2.3")


def test_benchmarks_in_the_wide_format_and_their_problems(tmp_path, staff):
    wide = (
        "country,nace,year,value_added_per_employee,employment_growth,operating_margin,firm_formation_rate,currency,source\n"
        "SE,59,2023,540000,1.5,4,9,SEK,SCB\n"
        "SE,04,2023,1,1,1,1,SEK,SCB\n"
        "SE,60,2023,,x,,,,\n"
    )
    result = import_benchmarks(_csv(tmp_path, wide, "wide.csv"), actor=staff, dry_run=True)
    assert [(e.line, e.column, e.message) for e in result.errors] == [
        (3, "nace", "04 is not a NACE Rev. 2 division."),
        (4, "source", "Say where the figures come from (a source column or the source option)."),
        (4, "employment_growth", "“x” is not a number."),
    ]
    assert result.created == 4
    assert Benchmark.objects.count() == 0


def test_a_benchmark_table_without_a_sector_still_gives_the_others(tmp_path, staff):
    from klynge.insights.tests.factories import OrganisationYearFactory, member

    for division in ("59", "59", "62"):
        organisation = member(founded_year=2000)
        OrganisationYearFactory(
            organisation=organisation,
            year=2023,
            nace_division=division,
            revenue=Decimal(1000),
            operating_profit=Decimal(100),
        )
    text = "country,nace,year,measure,value,source\nDK,59,2023,operating_margin,5,DST\n"
    import_benchmarks(_csv(tmp_path, text, "m.csv"), actor=staff)
    margin = kpis.kpis_for_year(2023, suppress=True)[kpis.OPERATING_MARGIN]
    # 300 / 3000 = 10 % over all three; compared over the two in 59 only: 10 % / 5 % = 2 times.
    assert margin.value == pytest.approx(10)
    assert margin.relative == pytest.approx(2)
    assert margin.missing_sectors == ["DK 62"]


def test_the_import_pages_check_then_import(client, staff, tmp_path, organisations):
    client.force_login(staff)
    upload = _csv(tmp_path, FIGURES)
    with upload.open("rb") as handle:
        checked = client.post("/insights/figures/import/", {"file": handle, "action": "check"})
    assert checked.status_code == 200
    assert "Check of the file (nothing was written)" in checked.content.decode()
    assert OrganisationYear.objects.count() == 0
    with upload.open("rb") as handle:
        imported = client.post("/insights/figures/import/", {"file": handle, "action": "import"})
    assert imported.status_code == 200
    assert OrganisationYear.objects.count() == 2
    bad = _csv(tmp_path, "registry_number,country\n1,DK\n", "bad.csv")
    with bad.open("rb") as handle:
        refused = client.post("/insights/figures/import/", {"file": handle, "action": "import"})
    assert refused.status_code == 422
    assert "The header lacks the required columns: year" in refused.content.decode()
