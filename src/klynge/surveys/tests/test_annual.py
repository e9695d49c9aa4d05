"""The annual member survey template, and the two reads the insights app relies on."""

import io

import pytest
from django.core.management import call_command

from klynge.ecosystem.tests.factories import OrganisationFactory
from klynge.surveys import services
from klynge.surveys.annual import create_annual_member_survey, default_year
from klynge.surveys.models import Survey
from klynge.surveys.selectors import kpi_answers, satisfaction
from klynge.surveys.tests.builders import closes_soon
from klynge.surveys.tests.builders import respond_to_annual as _respond


@pytest.fixture
def annual(db):
    survey = create_annual_member_survey(actor=None, year=2025)
    return services.open_survey(actor=None, survey=survey, closes_at=closes_soon())


def test_the_template_in_four_languages_with_the_kpi_questions(annual):
    assert annual.title == {
        "da": "Årlig medlemsundersøgelse 2025",
        "en": "Annual member survey 2025",
        "nb": "Årlig medlemsundersøkelse 2025",
        "sv": "Årlig medlemsundersökning 2025",
    }
    questions = list(annual.questions.order_by("position"))
    assert [(q.key, q.kind, q.kpi_key) for q in questions] == [
        ("nps", "nps", ""),
        ("satisfaction", "scale", ""),
        ("services-used", "multiple", ""),
        ("satisfaction-events", "scale", ""),
        ("satisfaction-studios", "scale", ""),
        ("satisfaction-matchmaking", "scale", ""),
        ("satisfaction-talent", "scale", ""),
        ("needs-matrix", "matrix", ""),
        ("needs", "text", ""),
        ("launched-innovation", "yes_no", "launched_innovation"),
        ("cluster-contribution", "single", ""),
        ("received-funding", "yes_no", "received_innovation_funding"),
        ("comments", "text", ""),
    ]
    by_key = {q.key: q for q in questions}
    assert by_key["satisfaction-studios"].condition_question == by_key["services-used"]
    assert by_key["satisfaction-studios"].condition_values == ["studios"]
    assert by_key["cluster-contribution"].condition_values == ["yes"]
    assert services.completeness_problems(annual) == []
    assert "2025" in by_key["launched-innovation"].text["sv"]


def test_the_command_creates_it_and_prints_its_id(db):
    out = io.StringIO()
    call_command("create_annual_survey", "--year", "2024", stdout=out)
    survey = Survey.objects.get()
    assert out.getvalue() == f"{survey.pk}\n"
    assert (survey.year, survey.status, survey.anonymous) == (2024, "draft", False)


@pytest.mark.parametrize(
    ("today", "year"), [("2026-01-15", 2025), ("2026-06-30", 2025), ("2026-07-01", 2026)]
)
def test_the_default_year(today, year):
    import datetime

    assert default_year(datetime.date.fromisoformat(today)) == year


def test_kpi_answers_per_organisation_a_yes_from_anyone_counts(annual):
    a = OrganisationFactory(name="A ApS")
    b = OrganisationFactory(name="B ApS")
    _respond(annual, a, launched_innovation="yes", received_funding="no")
    _respond(annual, a, launched_innovation="no", received_funding="no")
    _respond(annual, b, launched_innovation="no", received_funding="yes")
    _respond(annual, None, launched_innovation="yes")  # no organisation: not counted
    assert kpi_answers(year=2025) == {
        a.pk: {"launched_innovation": True, "received_innovation_funding": False},
        b.pk: {"launched_innovation": False, "received_innovation_funding": True},
    }
    assert kpi_answers(year=2024) == {}


def test_kpi_answers_leave_out_anonymous_surveys(db):
    survey = create_annual_member_survey(actor=None, year=2025)
    survey.anonymous = True
    survey.save()
    services.open_survey(actor=None, survey=survey, closes_at=closes_soon())
    _respond(survey, OrganisationFactory(), launched_innovation="yes")
    assert kpi_answers(year=2025) == {}


def test_satisfaction_from_five_respondents_on(annual):
    organisation = OrganisationFactory()
    for nps, score in [("10", "5"), ("9", "4"), ("8", "4"), ("6", "2")]:
        _respond(annual, organisation, nps=nps, satisfaction=score,
                 services_used=["events"], satisfaction_events="5")  # fmt: skip
    figures = satisfaction(year=2025)
    assert figures == {
        "year": 2025,
        "surveys": [annual.pk],
        "invited": 4,
        "respondents": 4,
        "response_rate": 100.0,
        "nps": None,
        "mean_satisfaction": None,
        "scale": [1, 5],
        "services": {"events": None},
    }
    _respond(annual, organisation, nps="3", satisfaction="3", services_used=["events"],
             satisfaction_events="4")  # fmt: skip
    figures = satisfaction(year=2025)
    # Promoters 2, detractors 2 of 5: NPS 0; satisfaction (5+4+4+2+3)/5 = 3.6.
    assert (figures["respondents"], figures["nps"], figures["mean_satisfaction"]) == (5, 0, 3.6)
    assert figures["services"] == {"events": 4.8}
    assert satisfaction(year=2030)["respondents"] == 0
