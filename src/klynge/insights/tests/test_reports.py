"""The annual report (web page and PDF, Danish and English), the evidence pack, the board view
behind its links, the staff dashboard, and the demo data."""

import datetime
import io
import re

import openpyxl
import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from pypdf import PdfReader

from klynge.ecosystem.tests.factories import PersonFactory
from klynge.events.models import Registration
from klynge.events.tests.factories import EventFactory
from klynge.insights import kpis, services, sources
from klynge.insights.models import BoardLink
from klynge.insights.tests.factories import HighlightFactory, OrganisationYearFactory, member
from klynge.surveys import services as survey_services
from klynge.surveys.annual import create_annual_member_survey
from klynge.surveys.tests.builders import closes_soon, respond_to_annual


def _squash(text: str) -> str:
    """Text without whitespace, so a value wrapped inside a table cell still matches."""
    return re.sub(r"\s+", "", text)


def _pdf_text(content: bytes) -> tuple[str, int]:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages), len(reader.pages)


def _expected(language: str) -> list[str]:
    """The KPI values as the KPI service gives them for the board (suppressed), formatted."""
    with translation.override(language):
        result = kpis.kpis_for_year(2024, suppress=True)
        return [kpis.format_kpi(result[key].value, result[key].unit) for key in kpis.KPI_KEYS]


@pytest.mark.parametrize(
    ("language", "heading", "value_creation"),
    [
        ("en", "Highlights", "84,000 DKK per employee"),
        ("da", "Højdepunkter", "84.000 DKK pr. ansat"),
    ],
)
def test_the_annual_report_page_shows_the_kpi_services_figures(
    client, staff, cluster, language, heading, value_creation
):
    HighlightFactory(year=2024, kind="award", title_en="Best show", title_da="Bedste show")
    client.force_login(staff)
    response = client.get(f"/insights/report/2024/?language={language}")
    assert response.status_code == 200
    html = response.content.decode()
    assert heading in html
    assert ("Bedste show" if language == "da" else "Best show") in html
    for value in _expected(language):
        assert value in html
    # Hand-computed in test_kpis: 2,100,000 / 25 FTE.
    assert value_creation in html
    assert ("New members: C." if language == "en" else "Nye medlemmer: C.") in html


@pytest.mark.parametrize(
    ("language", "page_word", "title"),
    [("en", "Page", "the year 2024 in review"), ("da", "Side", "året 2024 i tilbageblik")],
)
def test_the_annual_report_pdf_in_both_languages_matches_the_kpi_service(
    client, staff, cluster, language, page_word, title
):
    client.force_login(staff)
    response = client.get(f"/insights/report/2024/?language={language}&format=pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text, pages = _pdf_text(response.content)
    squashed = _squash(text)
    assert pages >= 2
    assert _squash(f"Media City Odense: {title}") in squashed
    for number in range(1, pages + 1):
        assert _squash(f"{page_word} {number}") in squashed
    for value in _expected(language):
        assert _squash(value) in squashed
    if language == "da":
        assert "Højdepunkter" in text  # æ, ø and å survive the embedded font


def test_the_annual_report_command_writes_the_pdf(tmp_path, cluster):
    path = tmp_path / "report.pdf"
    out = io.StringIO()
    call_command("annual_report", "2024", "--language", "da", "--pdf", str(path), stdout=out)
    text, _pages = _pdf_text(path.read_bytes())
    assert _squash("84.000 DKK pr. ansat") in _squash(text)
    lines = out.getvalue().splitlines()
    assert "value_creation\t84.000 DKK pr. ansat\t11 % højere end det nationale tal\t3/5" in lines


def test_the_report_suppresses_figures_of_fewer_than_3_organisations(client, staff, cluster):
    from klynge.insights.models import OrganisationYear

    OrganisationYear.objects.filter(organisation=cluster["b"], year=2024).update(revenue=None)
    client.force_login(staff)
    html = client.get("/insights/report/2024/?language=en").content.decode()
    row = html[html.index('id="kpi-operating_margin"') :][:600]
    assert "fewer than 3 organisations" in row
    # The staff dashboard still shows it: (200k - 100k) / (2,000k + 3,000k) = 2.0 %.
    dashboard = client.get("/insights/?year=2024").content.decode()
    card = dashboard[dashboard.index('id="kpi-operating_margin"') :][:600]
    assert "2.0 %" in card


def test_the_board_view_behind_a_link_shows_only_aggregates(client, staff, cluster):
    link, secret = services.create_board_link(actor=staff, label="Board, March", days=30)
    response = client.get(f"/insights/board/{secret}/?year=2024")
    assert response.status_code == 200
    html = response.content.decode()
    for value in _expected("en"):
        assert value in html
    assert "The rows behind this figure" not in html
    # Members by triple helix: 5 in industry, none elsewhere; no organisation's own figures.
    assert "2,000,000" not in html and "/insights/organisations/" not in html
    assert BoardLink.objects.get(pk=link.pk).last_used_at is not None
    services.revoke_board_link(actor=staff, link=link)
    assert client.get(f"/insights/board/{secret}/").status_code == 404
    other, other_secret = services.create_board_link(actor=staff, label="Old", days=1)
    BoardLink.objects.filter(pk=other.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert client.get(f"/insights/board/{other_secret}/").status_code == 404
    assert client.get("/insights/board/not-a-secret/").status_code == 404


def test_staff_create_and_withdraw_board_links_on_the_page(client, staff, member_admin):
    client.force_login(member_admin)
    assert client.get("/insights/board-links/").status_code == 403
    client.force_login(staff)
    refused = client.post("/insights/board-links/", {"label": "", "days": 400})
    assert refused.status_code == 422
    assert BoardLink.objects.count() == 0
    created = client.post("/insights/board-links/", {"label": "Board", "days": 14})
    html = created.content.decode()
    url = re.search(r'class="new-link"><a href="([^"]+)"', html).group(1)
    assert client.get(url).status_code == 200
    link = BoardLink.objects.get()
    client.post(f"/insights/board-links/{link.pk}/revoke/")
    assert client.get(url).status_code == 404


def test_the_evidence_pack_gives_each_figure_with_its_source(client, staff, cluster):
    HighlightFactory(year=2024, kind="success_story", title_en="A studio goes global")
    client.force_login(staff)
    page = client.get("/insights/evidence/2024/")
    assert page.status_code == 200
    workbook = openpyxl.load_workbook(
        io.BytesIO(client.get("/insights/evidence/2024/?format=xlsx").content)
    )
    rows = [tuple(row) for row in workbook.active.iter_rows(min_row=4, values_only=True)]
    assert (
        "Members and their mix",
        "Members",
        "5",
        "Memberships in Klynge (active in the year)",
    ) in rows
    assert (
        "Members and their mix",
        "Public sector",
        "0",
        "Memberships in Klynge (active in the year)",
    ) in rows
    assert (
        "Success stories",
        "Success story",
        "A studio goes global",
        "Recorded by cluster staff",
    ) in rows
    assert (
        "International activities",
        "International projects",
        "not recorded",
        "Klynge has no projects yet; they are not counted",
    ) in rows
    text, _pages = _pdf_text(client.get("/insights/evidence/2024/?format=pdf").content)
    assert "Cluster excellence evidence 2024" in text


def _satisfaction_rows(client) -> list[tuple]:
    workbook = openpyxl.load_workbook(
        io.BytesIO(client.get("/insights/evidence/2024/?format=xlsx").content)
    )
    rows = workbook.active.iter_rows(min_row=4, values_only=True)
    return [tuple(row[1:3]) for row in rows if row[0] == "Member satisfaction"]


def test_the_evidence_pack_takes_member_satisfaction_from_the_annual_survey(client, staff, cluster):
    client.force_login(staff)
    assert _satisfaction_rows(client) == [
        ("Member satisfaction", "no annual member survey answered")
    ]
    survey = create_annual_member_survey(actor=None, year=2024)
    survey_services.open_survey(actor=None, survey=survey, closes_at=closes_soon())
    for nps, score in [("10", "5"), ("9", "4"), ("8", "4"), ("6", "2")]:
        respond_to_annual(survey, cluster["a"], nps=nps, satisfaction=score)
    assert _satisfaction_rows(client) == [("Member satisfaction", "fewer than 5 respondents")]
    respond_to_annual(survey, cluster["d"], nps="10", satisfaction="5")
    # NPS: promoters 10, 9, 10 (3 of 5), detractors 6 (1 of 5): 60 - 20 = 40.
    # Mean satisfaction: (5 + 4 + 4 + 2 + 5) / 5 = 4.
    assert _satisfaction_rows(client) == [
        ("Respondents", "5"),
        ("Response rate", "100%"),
        ("Net Promoter Score", "40"),
        ("Mean satisfaction (1–5)", "4"),
    ]


def test_the_dashboard_takes_the_same_number_of_queries_for_more_members(client, staff, cluster):
    client.force_login(staff)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/insights/?year=2024").status_code == 200
        return len(queries)

    before = count()
    for index in range(3):
        organisation = member(name=f"Extra {index}", founded_year=2001)
        OrganisationYearFactory(organisation=organisation, year=2024, employees_fte=3)
    assert count() == before


def test_the_reports_top_events_are_the_best_attended_then_the_earliest_then_by_id(db):
    at = datetime.datetime(2024, 5, 1, 8, tzinfo=datetime.UTC)
    alike = [EventFactory(starts_at=at) for _ in range(8)]
    earlier = EventFactory(starts_at=at - datetime.timedelta(days=1))
    popular = EventFactory(starts_at=at + datetime.timedelta(days=1))
    Registration.objects.create(event=popular, person=PersonFactory(), status="confirmed")
    top = [row["id"] for row in sources.activity(2024).top_events]
    assert top == [popular.pk, earlier.pk, *[event.pk for event in alike[:6]]]


def test_the_demo_fills_last_years_report_and_loads_once(db):
    call_command("load_demo", stdout=io.StringIO())
    from klynge.insights import demo

    assert demo.load() == {
        "memberships": 0,
        "figures": 0,
        "benchmarks": 0,
        "highlights": 0,
        "cluster_years": 0,
    }
    last_year = timezone.localdate().year - 1
    result = kpis.kpis_for_year(last_year, suppress=True)
    assert all(result[key].value is not None for key in kpis.KPI_KEYS)
    assert result[kpis.VALUE_CREATION].missing_sectors == ["NO 61", "NO 63"]
    assert result[kpis.VALUE_CREATION].organisations_with_data == 14
