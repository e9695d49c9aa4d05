"""The respondent's page: the personal link works without signing in, speaks the respondent's
language, refuses bad answers with a message on the question, and saves nothing then."""

import pytest
from django.urls import reverse

from klynge.ecosystem.tests.factories import PersonFactory
from klynge.surveys import services
from klynge.surveys.models import Response
from klynge.surveys.tests.builders import build_survey, full_answers, invite_people, keys, open_now


@pytest.fixture
def invitation(open_survey):
    (invitation,) = invite_people(open_survey, [PersonFactory(first_name="Kim")])
    return invitation


def _url(invitation, **query) -> str:
    url = reverse("surveys:answer", args=[services.token_for(invitation)])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def test_the_link_opens_the_survey_in_the_invitations_language(client, invitation):
    html = client.get(_url(invitation)).content.decode()
    assert '<html lang="da">' in html
    assert "1. Hvordan hørte du om os?" in html
    assert 'data-condition-field="q' in html
    html = client.get(_url(invitation, lang="en")).content.decode()
    assert '<html lang="en">' in html
    assert "1. How did you hear of us?" in html


def test_a_forged_link_is_not_found(client, invitation):
    token = services.token_for(invitation)
    assert client.get(reverse("surveys:answer", args=[token[:-2] + "xx"])).status_code == 404


def test_answering_in_the_browser_and_changing_the_answers(client, invitation):
    url = _url(invitation, lang="en")
    response = client.post(url, full_answers(invitation.survey))
    assert (response.status_code, response["Location"]) == (302, _url(invitation, lang="en"))
    html = client.get(response["Location"]).content.decode()
    assert "Thank you: your answers are recorded." in html
    assert "You have answered. You can change your answers until" in html
    assert 'value="web" name="q' in html or 'name="q' in html
    response = client.post(url, full_answers(invitation.survey, q4="1"))
    html = client.get(response["Location"]).content.decode()
    assert "Your changes are saved. Thank you!" in html
    assert Response.objects.get().answers.get(question__position=4).number == 1


def test_bad_answers_get_a_message_on_their_question_and_nothing_is_saved(client, invitation):
    survey = invitation.survey
    k = keys(survey)
    data = full_answers(survey, q1="radio", q4=None, q3="no")  # 7 must then stay empty
    data[f"{k[6]}_talent"] = "7"
    response = client.post(_url(invitation, lang="en"), data)
    assert response.status_code == 400
    assert response.context["form"].errors == {
        k[1]: ["Choose one of the options offered."],
        k[4]: ["This question needs an answer."],
        f"{k[6]}_talent": ["Choose a whole number from 1 to 5."],
        k[7]: ["This question does not apply after your earlier answer: leave it empty."],
    }
    html = response.content.decode()
    assert 'aria-invalid="true"' in html
    assert Response.objects.count() == 0


def test_messages_come_in_the_respondents_language(client, invitation):
    k = keys(invitation.survey)
    response = client.post(_url(invitation, lang="da"), full_answers(invitation.survey, q4=None))
    assert response.context["form"].errors == {k[4]: ["Dette spørgsmål skal besvares."]}


def test_a_used_anonymous_link_and_a_closed_survey_say_so(client, db):
    survey = open_now(build_survey(anonymous=True))
    (invitation,) = invite_people(survey, [PersonFactory()])
    url = _url(invitation, lang="en")
    client.post(url, full_answers(survey))
    html = client.get(url).content.decode()
    assert "Thank you: your answers are recorded. Answers to an anonymous survey cannot be" in html
    response = client.post(url, full_answers(survey))
    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == [
        "This link has been used: an anonymous survey takes one answer per link."
    ]
    services.close_survey(actor=None, survey=survey)
    (late,) = invite_people(survey, [PersonFactory()])
    html = client.get(_url(late, lang="en")).content.decode()
    assert "This survey closed on" in html
    response = client.post(_url(late, lang="en"), full_answers(survey))
    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == [
        "This survey is closed: answers are no longer accepted."
    ]
    assert Response.objects.count() == 1


def test_the_member_sees_their_open_surveys(client, employee, open_survey):
    person = employee.person
    invite_people(open_survey, [person])
    client.force_login(employee)
    html = client.get(reverse("surveys:mine")).content.decode()
    assert "Medlemsundersøgelse" in html or "Member survey" in html
    dashboard = client.get(reverse("core:dashboard")).content.decode()
    assert 'id="panel-surveys_mine"' in dashboard
    assert services.link_for(person.survey_invitations.get()) in dashboard


def test_published_results_are_for_members_and_only_when_published(
    client, employee, student, open_survey
):
    from klynge.surveys.tests.builders import respond

    for _n in range(5):
        respond(open_survey)
    url = reverse("surveys:published_results", args=[open_survey.pk])
    client.force_login(employee)
    assert client.get(url).status_code == 404
    open_survey.publish_results = True
    open_survey.save()
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Record as a need" not in html
    assert "Written answers are for the cluster staff only." in html
    assert "A podcast network" not in html
    client.force_login(student)
    assert client.get(url).status_code == 403
