"""Building a survey: settings, questions with conditions, ordering, opening and closing."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from klynge.core.models import AuditEntry
from klynge.surveys import services
from klynge.surveys.models import Question, QuestionKind, Survey, SurveyStatus
from klynge.surveys.services import QuestionData
from klynge.surveys.tests.builders import build_survey, closes_soon, open_now


def _errors(call, **kwargs) -> dict:
    with pytest.raises(ValidationError) as caught:
        call(**kwargs)
    error = caught.value
    return error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}


def test_a_new_survey_is_a_draft_in_its_languages(db, staff):
    survey = services.create_survey(
        actor=staff,
        title={"da": " Behov 2026 ", "en": "Needs 2026", "sv": "ignored: not offered"},
        languages=["en", "da"],
        default_language="da",
        year=2025,
    )
    assert (survey.status, survey.languages, survey.title) == (
        "draft",
        ["da", "en"],
        {"da": "Behov 2026", "en": "Needs 2026"},
    )
    entry = AuditEntry.objects.get(action="surveys.survey.create")
    assert (entry.actor, entry.data) == (staff, {"anonymous": False, "year": 2025, "template": ""})


def test_bad_settings_are_refused_field_by_field(db):
    errors = _errors(
        services.create_survey,
        actor=None,
        title={"en": "Only English"},
        languages=["da", "xx"],
        default_language="da",
        year=1999,
        reminder_days=100,
        max_reminders=-1,
        closes_at=timezone.now() - datetime.timedelta(days=1),
    )
    assert errors == {
        "languages": ["Choose at least one of the offered languages."],
        "title": ["Give the survey a title in its main language (Danish)."],
        "year": [f"Enter a year from 2000 to {timezone.localdate().year + 1}."],
        "reminder_days": ["Enter a number of days from 0 to 90."],
        "max_reminders": ["Enter a number from 0 to 10."],
        "closes_at": ["The closing time must be in the future."],
    }
    assert Survey.objects.count() == 0


def test_a_question_needs_its_options_scale_and_a_valid_condition(survey):
    first = survey.questions.get(position=1)
    text = {"da": "Hvad?", "en": "What?"}
    assert _errors(
        services.add_question,
        actor=None,
        survey=survey,
        data=QuestionData(kind=QuestionKind.SINGLE, text=text, options=[{"text": {"da": "A"}}]),
    ) == {"options": ["Give at least two options, each with a text."]}
    assert _errors(
        services.add_question,
        actor=None,
        survey=survey,
        data=QuestionData(kind=QuestionKind.SCALE, text=text, scale_min=2, scale_max=5),
    ) == {"scale_max": ["A scale starts at 0 or 1 and ends above its start, at most at 10."]}
    assert _errors(
        services.add_question,
        actor=None,
        survey=survey,
        data=QuestionData(
            kind=QuestionKind.TEXT, text=text, condition_question=first, condition_values=["tv"]
        ),
    ) == {"condition_values": ["Choose the answers to the earlier question that show this one."]}
    assert _errors(
        services.add_question,
        actor=None,
        survey=survey,
        data=QuestionData(
            kind=QuestionKind.SCALE,
            text={"en": "No Danish"},
            scale_min=1,
            scale_max=5,
            kpi_key="launched_innovation",
        ),
    ) == {
        "text": ["Write the question in the survey's main language (Danish)."],
        "kpi_key": ["Only a yes-or-no question can feed a KPI."],
    }
    assert survey.questions.count() == 8


def test_a_question_depends_only_on_an_earlier_one(survey):
    last = survey.questions.get(position=8)
    first = survey.questions.get(position=1)
    errors = _errors(
        services.update_question,
        actor=None,
        question=first,
        data=QuestionData(
            kind=QuestionKind.SINGLE,
            text=first.text,
            options=[{"value": o.value, "text": o.text} for o in first.options.all()],
            condition_question=last,
            condition_values=["5"],
        ),
    )
    assert errors == {"condition_question": ["A question can only depend on an earlier one."]}


def test_moving_keeps_every_question_after_the_one_it_depends_on(survey):
    depends = survey.questions.get(position=7)  # shown if question 3 is "yes"
    source = survey.questions.get(position=3)
    services.move_question(actor=None, question=depends, direction="up")  # 7 -> 6
    services.move_question(actor=None, question=depends, direction="up")  # 6 -> 5
    services.move_question(actor=None, question=depends, direction="up")  # 5 -> 4
    depends.refresh_from_db()
    assert depends.position == 4
    assert _errors(services.move_question, actor=None, question=depends, direction="up") == {
        "__all__": ["A question cannot move above the question it depends on."]
    }
    assert _errors(services.move_question, actor=None, question=source, direction="down") == {
        "__all__": ["A question cannot move above the question it depends on."]
    }
    assert list(survey.questions.order_by("position").values_list("position", flat=True)) == [
        1, 2, 3, 4, 5, 6, 7, 8,
    ]  # fmt: skip


def test_a_question_others_depend_on_cannot_be_removed(survey):
    source = survey.questions.get(position=3)
    assert _errors(services.remove_question, actor=None, question=source) == {
        "__all__": ["A later question depends on this one; change that one first."]
    }
    services.remove_question(actor=None, question=survey.questions.get(position=1))
    assert list(survey.questions.order_by("position").values_list("position", flat=True)) == [
        1, 2, 3, 4, 5, 6, 7,
    ]  # fmt: skip


def test_opening_needs_every_text_in_every_language(db):
    survey = build_survey(languages=("da", "en", "sv"))
    errors = _errors(services.open_survey, actor=None, survey=survey, closes_at=closes_soon())
    assert errors["__all__"][:3] == [
        "The title is missing in: Swedish.",
        "Question 1 has no text in: Swedish.",
        "An option of question 1 has no text in: Swedish.",
    ]
    survey.refresh_from_db()
    assert survey.status == SurveyStatus.DRAFT


def test_opening_needs_a_future_closing_time_and_a_question(db):
    survey = services.create_survey(
        actor=None, title={"da": "Tom"}, languages=["da"], default_language="da", year=2025
    )
    past = timezone.now() - datetime.timedelta(hours=1)
    assert _errors(services.open_survey, actor=None, survey=survey, closes_at=past) == {
        "closes_at": ["The closing time must be in the future."]
    }
    assert _errors(services.open_survey, actor=None, survey=survey, closes_at=closes_soon()) == {
        "__all__": ["Add at least one question."]
    }


def test_once_open_only_texts_change(open_survey):
    question = open_survey.questions.get(position=1)
    options = [{"value": o.value, "text": o.text} for o in question.options.all()]
    options[0]["text"] = {"da": "Internettet", "en": "The internet"}
    services.update_question(
        actor=None,
        question=question,
        data=QuestionData(
            kind=QuestionKind.SINGLE,
            text={"da": "Hvor hørte du om os?", "en": "Where did you hear of us?"},
            required=True,
            options=options,
        ),
    )
    question.refresh_from_db()
    assert question.text["en"] == "Where did you hear of us?"
    assert [o.text["en"] for o in question.options.all()] == [
        "The internet",
        "A friend",
        "An event",
    ]

    assert _errors(
        services.update_question,
        actor=None,
        question=question,
        data=QuestionData(kind=QuestionKind.MULTIPLE, text=question.text, required=True,
                          options=options),
    ) == {"__all__": ["Once the survey is open, only the texts of a question can change."]}  # fmt: skip
    assert _errors(
        services.update_question,
        actor=None,
        question=question,
        data=QuestionData(kind=QuestionKind.SINGLE, text=question.text, required=True,
                          options=options[:2]),
    ) == {"options": ["Once the survey is open, only the texts of options can change."]}  # fmt: skip
    assert _errors(
        services.add_question,
        actor=None,
        survey=open_survey,
        data=QuestionData(kind=QuestionKind.TEXT, text={"da": "Ny", "en": "New"}),
    ) == {
        "__all__": ["The questions of an open or closed survey cannot be added, removed or moved."]
    }


def test_anonymity_cannot_change_once_open(open_survey):
    errors = _errors(
        services.update_survey,
        actor=None,
        survey=open_survey,
        title=open_survey.title,
        languages=open_survey.languages,
        default_language="da",
        year=2025,
        anonymous=True,
        closes_at=open_survey.closes_at,
    )
    assert errors == {
        "anonymous": ["Whether the survey is anonymous cannot change once it has been opened."]
    }


def test_the_periodic_job_closes_surveys_past_their_closing_time_once(open_survey):
    later = open_survey.closes_at + datetime.timedelta(minutes=1)
    assert services.close_due_surveys(now=later) == 1
    assert services.close_due_surveys(now=later) == 0
    open_survey.refresh_from_db()
    assert (open_survey.status, open_survey.closed_at) == ("closed", open_survey.closes_at)
    assert AuditEntry.objects.filter(action="surveys.survey.close").count() == 1


def test_a_closed_survey_reopens_with_a_new_closing_time(open_survey):
    services.close_survey(actor=None, survey=open_survey)
    reopened = open_now(open_survey)
    assert (reopened.status, reopened.closed_at) == ("open", None)
    assert Question.objects.filter(survey=open_survey).count() == 8
