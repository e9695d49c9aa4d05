"""Answering: every rule of a question refuses bad input with a message on that question, and
nothing is saved; a complete questionnaire is saved as one response."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from klynge.ecosystem.tests.factories import PersonFactory
from klynge.surveys import services
from klynge.surveys.models import Answer, Invitation, Response
from klynge.surveys.tests.builders import build_survey, full_answers, invite_people, keys, open_now


@pytest.fixture
def invitation(open_survey):
    (invitation,) = invite_people(open_survey, [PersonFactory()])
    return invitation


def _refused(invitation, data) -> dict:
    with pytest.raises(ValidationError) as caught:
        services.submit_response(invitation=invitation, data=data)
    assert Response.objects.count() == 0
    assert Answer.objects.count() == 0
    error = caught.value
    return error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}


def test_a_complete_questionnaire_is_one_response_with_its_answers(invitation):
    response = services.submit_response(invitation=invitation, data=full_answers(invitation.survey))
    assert response.identified is True
    assert response.invitation == invitation
    assert Answer.objects.filter(response=response).count() == 10  # 2 multiple, 2 matrix rows
    invitation.refresh_from_db()
    assert invitation.responded is True


def test_a_missing_required_answer_is_refused(invitation):
    k = keys(invitation.survey)
    errors = _refused(invitation, full_answers(invitation.survey, q4=None))
    assert errors == {k[4]: ["This question needs an answer."]}


def test_an_option_not_in_the_question_is_refused(invitation):
    k = keys(invitation.survey)
    errors = _refused(invitation, full_answers(invitation.survey, q1="radio", q2=["events", "bar"]))
    assert errors == {
        k[1]: ["Choose one of the options offered."],
        k[2]: ["Choose among the options offered."],
    }


@pytest.mark.parametrize("value", ["0", "6", "4.5", "five"])
def test_a_scale_answer_out_of_range_is_refused(invitation, value):
    k = keys(invitation.survey)
    errors = _refused(invitation, full_answers(invitation.survey, q4=value))
    assert errors == {k[4]: ["Choose a whole number from 1 to 5."]}


def test_an_nps_of_eleven_and_a_matrix_cell_of_nine_are_refused(invitation):
    survey = invitation.survey
    k = keys(survey)
    data = full_answers(survey, q5="11")
    data[f"{k[6]}_funding"] = "9"
    assert _refused(invitation, data) == {
        k[5]: ["Choose a whole number from 0 to 10."],
        k[6]: ["Choose a whole number from 1 to 5."],
    }


def test_an_answer_to_a_hidden_conditional_question_is_refused(invitation):
    survey = invitation.survey
    k = keys(survey)
    # Question 7 is shown only after "yes" to question 3; question 8 only if 2 includes events.
    data = full_answers(survey, q3="no", q2=["studios"])
    message = ["This question does not apply after your earlier answer: leave it empty."]
    assert _refused(invitation, data) == {k[7]: message, k[8]: message}


def test_a_hidden_conditional_question_may_stay_empty(invitation):
    survey = invitation.survey
    data = full_answers(survey, q3="no", q7=None, q2=None, q8=None)
    response = services.submit_response(invitation=invitation, data=data)
    assert sorted(response.answers.values_list("question__position", flat=True)) == [
        1, 3, 4, 5, 6, 6,
    ]  # fmt: skip


def test_a_closed_survey_refuses_answers(invitation):
    services.close_survey(actor=None, survey=invitation.survey)
    assert _refused(invitation, full_answers(invitation.survey)) == {
        "__all__": ["This survey is closed: answers are no longer accepted."]
    }


def test_a_survey_past_its_closing_time_refuses_answers_before_the_job_closes_it(invitation):
    survey = invitation.survey
    survey.closes_at = timezone.now() - datetime.timedelta(minutes=1)
    survey.save(update_fields=["closes_at"])
    assert _refused(invitation, full_answers(survey)) == {
        "__all__": ["This survey is closed: answers are no longer accepted."]
    }


def test_an_identified_respondent_changes_their_answers_until_the_survey_closes(invitation):
    survey = invitation.survey
    first = services.submit_response(invitation=invitation, data=full_answers(survey))
    second = services.submit_response(
        invitation=invitation, data=full_answers(survey, q4="2", q1="friend")
    )
    assert second.pk == first.pk
    assert Response.objects.count() == 1
    k = keys(survey)
    assert services.answers_as_data(second)[k[4]] == "2"
    assert services.answers_as_data(second)[k[1]] == "friend"
    assert second.changed_at is not None


def test_a_used_link_of_an_anonymous_survey_is_refused_and_nothing_changes(db):
    survey = open_now(build_survey(anonymous=True))
    (invitation,) = invite_people(survey, [PersonFactory()])
    services.submit_response(invitation=invitation, data=full_answers(survey))
    with pytest.raises(ValidationError) as caught:
        services.submit_response(invitation=invitation, data=full_answers(survey, q4="1"))
    assert caught.value.messages == [
        "This link has been used: an anonymous survey takes one answer per link."
    ]
    assert Response.objects.count() == 1
    assert list(Answer.objects.filter(question__position=4).values_list("number", flat=True)) == [4]


def test_an_anonymous_response_keeps_no_link_to_the_person_or_the_moment(db, members):
    survey = open_now(build_survey(anonymous=True))
    organisation = members[1]
    (invitation,) = invite_people(survey, [PersonFactory()], organisation=organisation)
    response = services.submit_response(invitation=invitation, data=full_answers(survey))
    row = Response.objects.values().get(pk=response.pk)
    assert row == {
        "id": response.pk,
        "survey_id": survey.pk,
        "invitation_id": None,
        "person_id": None,
        "organisation_id": None,
        "identified": False,
        "submitted_at": None,
        "changed_at": None,
        "sector_bits": 0,
        "size_band": "medium",
        "kind": "company",
        "tier": "Small company",
    }
    # Random ids, not a sequence: their order says nothing about the order of answering.
    assert isinstance(response.pk.version, int) and response.pk.version == 4
    assert {a.pk.version for a in Answer.objects.all()} == {4}
    # The invitation learns only that it was used: no time, no updated_at to betray it.
    assert Invitation.objects.values().get(pk=invitation.pk)["responded"] is True
    assert not hasattr(Invitation, "updated_at")
    # The audit entry names neither the person nor the invitation.
    from klynge.core.models import AuditEntry

    entry = AuditEntry.objects.get(action="surveys.response.submit")
    assert (entry.actor_id, entry.actor_label, entry.data) == (None, "system", {})
    assert entry.target_label == str(survey)
