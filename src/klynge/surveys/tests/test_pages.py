"""The staff pages: who may open them, what they show, and what they refuse."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from klynge.surveys.models import Invitation, Question, Survey
from klynge.surveys.tests.builders import build_survey, open_now, respond
from klynge.surveys.tests.factories import SurveyFactory


@pytest.mark.parametrize("name", ["surveys:manage", "surveys:create", "surveys:needs"])
def test_staff_pages_refuse_members_and_send_visitors_to_sign_in(client, employee, name):
    url = reverse(name)
    response = client.get(url)
    assert (response.status_code, response["Location"]) == (
        302,
        f"{reverse('accounts:login')}?next={url}",
    )
    client.force_login(employee)
    assert client.get(url).status_code == 403


def test_survey_pages_refuse_members(client, employee, survey):
    client.force_login(employee)
    for name in ("detail", "results", "preview", "invitations"):
        assert client.get(reverse(f"surveys:{name}", args=[survey.pk])).status_code == 403
    assert client.post(reverse("surveys:close", args=[survey.pk])).status_code == 403


@pytest.mark.parametrize("rows", [1, 3])
def test_the_survey_list_is_a_constant_number_of_queries(
    client, staff, rows, django_assert_num_queries
):
    for n in range(rows):
        SurveyFactory(title={"da": f"Undersøgelse {n}"})
    client.force_login(staff)
    with django_assert_num_queries(5):
        response = client.get(reverse("surveys:manage"))
    assert response.status_code == 200
    assert len(response.context["page"]) == rows


@pytest.mark.parametrize("respondents", [1, 3])
def test_the_results_page_is_a_constant_number_of_queries(
    client, staff, open_survey, respondents, django_assert_num_queries
):
    from klynge.ecosystem.tests.factories import OrganisationFactory

    for n in range(respondents):
        respond(open_survey, OrganisationFactory(employees=5 + n * 50))
    client.force_login(staff)
    with django_assert_num_queries(15):
        response = client.get(reverse("surveys:results", args=[open_survey.pk]) + "?by=size")
    assert response.status_code == 200
    assert response.context["results"].respondents == respondents


def test_staff_create_a_survey_and_bad_input_is_refused_per_field(client, staff):
    client.force_login(staff)
    url = reverse("surveys:create")
    response = client.post(
        url,
        {"languages": ["da", "en"], "default_language": "da", "title_en": "Only English",
         "year": "2025", "reminder_days": "7", "max_reminders": "2"},
    )  # fmt: skip
    assert response.status_code == 400
    assert response.context["form"].errors == {
        "title_da": ["Give the survey a title in its main language (Danish)."]
    }
    response = client.post(
        url,
        {"languages": ["da", "en"], "default_language": "da", "title_da": "Behov",
         "title_en": "Needs", "year": "2025", "reminder_days": "7", "max_reminders": "2"},
    )  # fmt: skip
    survey = Survey.objects.get()
    assert response["Location"] == reverse("surveys:detail", args=[survey.pk])
    assert survey.title == {"da": "Behov", "en": "Needs"}


def test_options_are_one_per_line_in_each_language(client, staff, survey):
    client.force_login(staff)
    url = reverse("surveys:question_add", args=[survey.pk])
    data = {"kind": "single", "text_da": "Hvilken?", "text_en": "Which?",
            "options_da": "Rød\nGrøn\nBlå", "options_en": "Red\nGreen"}  # fmt: skip
    response = client.post(url, data)
    assert response.status_code == 400
    assert response.context["form"].errors == {
        "options_en": [
            "English has 2 lines and Danish has 3: write one line per option, in the same order."
        ]
    }
    data["options_en"] = "Red\nGreen\nBlue"
    assert client.post(url, data).status_code == 302
    question = Question.objects.get(survey=survey, position=9)
    assert [(o.value, o.text) for o in question.options.all()] == [
        ("rd", {"da": "Rød", "en": "Red"}),
        ("grn", {"da": "Grøn", "en": "Green"}),
        ("bla", {"da": "Blå", "en": "Blue"}),
    ]


def test_a_condition_on_an_earlier_answer_through_the_form(client, staff, survey):
    client.force_login(staff)
    source = survey.questions.get(position=3)
    response = client.post(
        reverse("surveys:question_add", args=[survey.pk]),
        {"kind": "text", "text_da": "Hvorfor ikke?", "text_en": "Why not?",
         "condition": [f"{source.pk}:no"]},
    )  # fmt: skip
    assert response.status_code == 302
    question = Question.objects.get(survey=survey, position=9)
    assert (question.condition_question, question.condition_values) == (source, ["no"])


def test_open_invite_and_watch_the_rate(
    client, staff, survey, members, django_capture_on_commit_callbacks
):
    client.force_login(staff)
    closes = (timezone.localtime() + datetime.timedelta(days=10)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(reverse("surveys:open", args=[survey.pk]), {"closes_at": closes})
    assert response.status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("surveys:invite", args=[survey.pk]), {"audience": "members", "who": "contacts"}
        )
    assert response.status_code == 302
    assert len(mail.outbox) == 6
    respond(survey)  # someone else invited earlier answers
    Invitation.objects.filter(email="kim0@m0.example").update(responded=True)
    response = client.get(reverse("surveys:rate", args=[survey.pk]), headers={"HX-Request": "true"})
    html = response.content.decode()
    assert '<strong id="rate-percent">28.6 %</strong>' in html
    assert "2 of 7 invited have answered" in html
    assert 'hx-trigger="every 10s"' in html


def test_the_audience_count_before_sending(client, staff, open_survey, members):
    client.force_login(staff)
    response = client.get(
        reverse("surveys:audience_preview", args=[open_survey.pk]),
        {"audience": "members", "who": "everyone"},
    )
    assert response.content.decode().strip() == (
        '<p id="audience-preview" role="status">This reaches 9 people · 3 organisations.</p>'
    )


def test_the_annual_member_survey_button(client, staff):
    client.force_login(staff)
    response = client.post(reverse("surveys:annual"), {"year": "2025"})
    survey = Survey.objects.get()
    assert response["Location"] == reverse("surveys:detail", args=[survey.pk])
    assert (survey.template, survey.year, survey.languages) == (
        "annual_member",
        2025,
        ["da", "en", "nb", "sv"],
    )


def test_the_preview_checks_but_never_saves(client, staff, survey):
    client.force_login(staff)
    url = reverse("surveys:preview", args=[survey.pk]) + "?lang=en"
    response = client.get(url)
    assert "1. How did you hear of us?" in response.content.decode()
    response = client.post(url, {})
    assert response.status_code == 400
    assert response.context["form"].errors[f"q{survey.questions.get(position=1).pk}"] == [
        "This question needs an answer."
    ]
    from klynge.surveys.models import Response

    assert Response.objects.count() == 0


def test_export_csv_and_xlsx(client, staff, open_survey):
    import io

    import openpyxl

    from klynge.ecosystem.tests.factories import OrganisationFactory

    respond(open_survey, OrganisationFactory(name="=HYPERLINK(evil)", employees=3), q7="=1+1")
    client.force_login(staff)
    response = client.get(reverse("surveys:export", args=[open_survey.pk, "csv"]))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith(
        "Organisation,Person,E-mail,Answered,Changed,Sector,Size,Kind,Membership tier,"
        "Q1 Hvordan hørte du om os?,Q2 Hvad brugte I?,Q3 Lancerede I noget nyt?,"
    )
    row = lines[1].split(",")
    assert row[0] == "'=HYPERLINK(evil)"
    assert row[5:9] == ["", "micro", "company", ""]
    assert row[9:] == ["Nettet", "Arrangementer; Studier", "Yes", "4", "9", "5", "3", "'=1+1", "5"]
    response = client.get(reverse("surveys:export", args=[open_survey.pk, "xlsx"]))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in sheet[2]][9:] == [
        "Nettet", "Arrangementer; Studier", "Yes", 4, 9, 5, 3, "'=1+1", 5,
    ]  # fmt: skip
    assert client.get(reverse("surveys:export", args=[open_survey.pk, "pdf"])).status_code == 404


def test_an_anonymous_export_waits_for_five_and_has_no_segments(client, staff, db):
    survey = open_now(build_survey(anonymous=True))
    client.force_login(staff)
    for _n in range(4):
        respond(survey)
    response = client.get(reverse("surveys:export", args=[survey.pk, "csv"]))
    assert response.status_code == 409
    assert "An anonymous survey can be exported from 5 responses on." in response.content.decode()
    respond(survey)
    lines = (
        client.get(reverse("surveys:export", args=[survey.pk, "csv"]))
        .content.decode("utf-8-sig")
        .splitlines()
    )
    assert lines[0].startswith("Q1 Hvordan hørte du om os?,")
    assert len(lines) == 6


def test_the_staff_dashboard_panel_lists_open_surveys_with_their_rates(client, staff, open_survey):
    respond(open_survey)
    client.force_login(staff)
    html = client.get(reverse("core:dashboard")).content.decode()
    assert 'id="panel-surveys_staff"' in html
    assert "Member survey</a> · 1 of 1 have answered" in html
    nav = client.get(reverse("surveys:manage")).content.decode()
    assert f'<a href="{reverse("surveys:manage")}" dir="ltr" aria-current="page">Surveys</a>' in nav


def test_an_anonymous_survey_does_not_show_who_answered_or_was_reminded(client, staff, db):
    from klynge.ecosystem.tests.factories import PersonFactory
    from klynge.surveys import services
    from klynge.surveys.tests.builders import full_answers, invite_people

    survey = open_now(build_survey(anonymous=True))
    first, _second = invite_people(
        survey, [PersonFactory(first_name="Anna"), PersonFactory(first_name="Bo")]
    )
    services.submit_response(invitation=first, data=full_answers(survey))
    client.force_login(staff)
    response = client.get(reverse("surveys:invitations", args=[survey.pk]))
    html = response.content.decode()
    assert "1 of 2 invited have answered" in html
    assert "data-answered" not in html
    assert ">Reminders</th>" not in html
    assert 'id="anonymous-note"' in html
    identified = open_now(build_survey())
    invite_people(identified, [PersonFactory()])
    html = client.get(reverse("surveys:invitations", args=[identified.pk])).content.decode()
    assert html.count('data-answered="no"') == 1


def test_the_results_page_shows_fifty_written_answers_and_links_to_all(client, staff, open_survey):
    from klynge.surveys import results

    for n in range(results.TEXTS_SHOWN + 2):
        respond(open_survey, q7=f"Answer number {n}")
    client.force_login(staff)
    response = client.get(reverse("surveys:results", args=[open_survey.pk]))
    question = open_survey.questions.get(position=7)
    (shown,) = [q for q in response.context["results"].questions if q.number == 7]
    assert len(shown.texts) == 50
    url = reverse("surveys:texts", args=[open_survey.pk, question.pk])
    assert f'<a href="{url}">All 52 written answers</a>' in response.content.decode()
    page = client.get(url)
    assert len(page.context["page"]) == 52
    assert "Answer number 51" in page.content.decode()
    other = open_survey.questions.get(position=1)
    assert client.get(reverse("surveys:texts", args=[open_survey.pk, other.pk])).status_code == 404


def test_refused_actions_answer_400_with_the_reason(client, staff, survey):
    client.force_login(staff)
    response = client.post(reverse("surveys:annual"), {"year": "1850"})
    assert response.status_code == 400
    assert (
        f"Enter a year from 2000 to {timezone.localdate().year + 1}." in response.content.decode()
    )
    source = survey.questions.get(position=3)
    response = client.post(reverse("surveys:question_remove", args=[survey.pk, source.pk]))
    assert response.status_code == 400
    assert "A later question depends on this one; change that one first." in (
        response.content.decode()
    )
    assert survey.questions.count() == 8
    response = client.post(reverse("surveys:close", args=[survey.pk]))
    assert response.status_code == 400
    assert "Only an open survey can be closed." in response.content.decode()
