"""`klynge load_demo` adds last year's closed annual member survey, once."""

import io

from django.core.management import call_command
from django.utils import timezone

from klynge.crm.models import Task
from klynge.surveys.models import Need, Response, Survey
from klynge.surveys.results import survey_results
from klynge.surveys.selectors import kpi_answers, satisfaction


def test_the_demo_survey_is_closed_believable_and_loaded_once(db):
    call_command("load_demo", stdout=io.StringIO())
    year = timezone.localdate().year - 1
    survey = Survey.objects.get()
    assert (survey.year, survey.status, survey.template) == (year, "closed", "annual_member")
    assert (survey.opened_at.year, survey.closes_at.month) == (year, 12)
    respondents = Response.objects.filter(survey=survey).count()
    invited = survey.invitations.count()
    # About four member organisations in five answered, one person each.
    answered_organisations = survey.responses.values("organisation").distinct().count()
    assert answered_organisations == respondents
    assert 0.5 < respondents / survey.invitations.values("organisation").distinct().count() < 1
    assert respondents < invited
    results = survey_results(survey, viewer="member")
    assert results.shown is True
    figures = satisfaction(year=year)
    assert figures["respondents"] == respondents
    assert -100 <= figures["nps"] <= 100
    assert 1 <= figures["mean_satisfaction"] <= 5
    assert len(kpi_answers(year=year)) == respondents
    assert (Need.objects.count(), Task.objects.filter(title__startswith="Follow up").count()) >= (
        2,
        2,
    )
    assert all(r.submitted_at.year == year for r in Response.objects.all())

    call_command("load_demo", stdout=io.StringIO())
    assert Survey.objects.count() == 1
    assert Response.objects.count() == respondents
