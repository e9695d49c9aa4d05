"""Answering a survey through a personal link.

`parse_answers` checks a whole questionnaire against the rules of its questions (required,
options, ranges, conditions) and says what is wrong per question; `submit_response` saves it,
all or nothing. Answer keys are ``q<question id>`` (and ``q<question id>_<row code>`` for a
matrix row), the names the answer form uses.

One response per invitation, even when the same link is submitted twice at once: an anonymous
answer claims its invitation with a conditional UPDATE (``responded`` from false to true), which
the database grants to one transaction only; an identified answer locks its invitation's row
and the response's unique invitation column refuses a second one. The second submission of an
identified survey becomes a change of the first (it may be edited until the survey closes).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from klynge.core import audit
from klynge.surveys.models import (
    Answer,
    Invitation,
    Option,
    Question,
    QuestionKind,
    Response,
    Survey,
)

MAX_ANSWER_TEXT = 5000


@dataclass
class Value:
    """One parsed answer: what to store, and what a condition compares."""

    question: Question
    option: Option | None = None
    number: int | None = None
    text: str = ""


def field_name(question: Question, row: Option | None = None) -> str:
    return f"q{question.pk}_{row.value}" if row is not None else f"q{question.pk}"


def _raw(data: Mapping, name: str, many: bool = False):
    if hasattr(data, "getlist"):
        values = data.getlist(name)
    else:
        value = data.get(name)
        values = value if isinstance(value, list | tuple) else ([] if value is None else [value])
    values = [str(v).strip() for v in values if v is not None and str(v).strip() != ""]
    if many:
        return list(dict.fromkeys(values))
    return values[0] if values else ""


def _int(value: str) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _range_error(question: Question) -> str:
    scale = question.scale_range
    return _("Choose a whole number from %(low)s to %(high)s.") % {
        "low": scale.start,
        "high": scale.stop - 1,
    }


def is_shown(question: Question, given: dict[int, set[str]]) -> bool:
    """Whether the question applies, given the answers (as comparable values) so far."""
    if question.condition_question_id is None:
        return True
    chosen = given.get(question.condition_question_id, set())
    return bool(chosen & set(question.condition_values))


def parse_answers(
    questions: list[Question], data: Mapping
) -> tuple[list[Value], dict[str, list[str]]]:
    """The answers to store and the errors per question (by answer key), for `questions` in
    their order (options prefetched). Questions whose condition is not met must be empty."""
    values: list[Value] = []
    errors: dict[str, list[str]] = {}
    given: dict[int, set[str]] = {}
    wrong: set[int] = set()
    for question in questions:
        name = field_name(question)
        options = list(question.options.all())
        found: list[Value] = []
        problem = ""
        kind = question.kind
        if kind == QuestionKind.MATRIX:
            cells = {row: _raw(data, field_name(question, row)) for row in options}
            empty = not any(cells.values())
            for row, raw in cells.items():
                if not raw:
                    continue
                number = _int(raw)
                if number is None or number not in question.scale_range:
                    problem = _range_error(question)
                    break
                found.append(Value(question, option=row, number=number))
            if not problem and question.required and not empty and len(found) < len(options):
                problem = _("Answer every row.")
        elif kind == QuestionKind.MULTIPLE:
            raw_values = _raw(data, name, many=True)
            empty = not raw_values
            by_value = {option.value: option for option in options}
            if any(value not in by_value for value in raw_values):
                problem = _("Choose among the options offered.")
            else:
                found = [Value(question, option=by_value[value]) for value in raw_values]
        else:
            raw = _raw(data, name)
            empty = raw == ""
            if empty:
                pass
            elif kind == QuestionKind.SINGLE:
                option = next((o for o in options if o.value == raw), None)
                if option is None:
                    problem = _("Choose one of the options offered.")
                else:
                    found = [Value(question, option=option)]
            elif kind == QuestionKind.YES_NO:
                if raw not in ("yes", "no"):
                    problem = _("Answer yes or no.")
                else:
                    found = [Value(question, number=1 if raw == "yes" else 0)]
            elif kind in (QuestionKind.SCALE, QuestionKind.NPS):
                number = _int(raw)
                if number is None or number not in question.scale_range:
                    problem = _range_error(question)
                else:
                    found = [Value(question, number=number)]
            elif kind == QuestionKind.TEXT:
                if len(raw) > MAX_ANSWER_TEXT:
                    problem = _("At most %(max)s characters.") % {"max": MAX_ANSWER_TEXT}
                else:
                    found = [Value(question, text=raw)]
        shown = is_shown(question, given)
        if question.condition_question_id in wrong:
            # Whether it applies depends on an answer that is wrong itself: say nothing more.
            shown = not empty
        if not shown and not empty:
            problem = _("This question does not apply after your earlier answer: leave it empty.")
        elif shown and question.required and empty:
            problem = _("This question needs an answer.")
        if problem:
            errors[name] = [problem]
            wrong.add(question.pk)
            continue
        if shown:
            values.extend(found)
            given[question.pk] = {_comparable(value) for value in found}
    return values, errors


def _comparable(value: Value) -> str:
    if value.question.kind == QuestionKind.YES_NO:
        return "yes" if value.number else "no"
    if value.option is not None and value.question.kind != QuestionKind.MATRIX:
        return value.option.value
    if value.number is not None:
        return str(value.number)
    return ""


def questions_of(survey: Survey) -> list[Question]:
    """The survey's questions in order, with what `parse_answers` and the form read."""
    questions = list(
        Question.objects.filter(survey=survey)
        .select_related("condition_question")
        .prefetch_related("options", "condition_question__options")
        .order_by("position", "id")
    )
    for question in questions:
        question.survey = survey
        if question.condition_question is not None:
            question.condition_question.survey = survey
    return questions


def answers_as_data(response: Response) -> dict[str, object]:
    """A stored response as answer-form data (to show an identified respondent their answers)."""
    data: dict[str, object] = {}
    answers = response.answers.select_related("question", "option")
    for answer in answers:
        question = answer.question
        kind = question.kind
        if kind == QuestionKind.MATRIX and answer.option is not None:
            data[field_name(question, answer.option)] = str(answer.number)
        elif kind == QuestionKind.MULTIPLE and answer.option is not None:
            data.setdefault(field_name(question), []).append(answer.option.value)
        elif kind == QuestionKind.SINGLE and answer.option is not None:
            data[field_name(question)] = answer.option.value
        elif kind == QuestionKind.YES_NO:
            data[field_name(question)] = "yes" if answer.number else "no"
        elif kind in (QuestionKind.SCALE, QuestionKind.NPS):
            data[field_name(question)] = str(answer.number)
        elif kind == QuestionKind.TEXT:
            data[field_name(question)] = answer.text
    return data


def _segment(invitation: Invitation) -> dict:
    organisation = invitation.organisation
    if organisation is None:
        return {}
    tier = organisation.membership_tier
    return {
        "sector_bits": organisation.sector_bits,
        "size_band": organisation.size_band or "",
        "kind": organisation.kind or "",
        "tier": tier.name if tier is not None else "",
    }


def _store(response: Response, values: list[Value]) -> None:
    Answer.objects.bulk_create(
        Answer(
            response=response,
            question=value.question,
            option=value.option,
            number=value.number,
            text=value.text,
        )
        for value in values
    )


@transaction.atomic
def submit_response(*, invitation: Invitation, data: Mapping, actor=None) -> Response:
    """Saves the answers given through `invitation`'s link, or refuses them all.

    Refused (ValidationError, nothing saved): the survey is not open, an answer breaks its
    question's rules, or (anonymous survey) the link was used already. An identified
    respondent's second submission replaces their answers. In an anonymous survey nothing
    about the respondent or the moment is stored with the response, and the audit entry names
    neither the person nor the invitation.
    """
    survey = Survey.objects.get(pk=invitation.survey_id)
    now = timezone.now()
    if not survey.is_open_at(now):
        raise ValidationError(_("This survey is closed: answers are no longer accepted."))
    values, errors = parse_answers(questions_of(survey), data)
    if errors:
        raise ValidationError(errors)
    invitation = (
        Invitation.objects.select_related("organisation__membership_tier")
        .select_for_update(of=("self",))
        .get(pk=invitation.pk)
    )
    if survey.anonymous:
        claimed = Invitation.objects.filter(pk=invitation.pk, responded=False).update(
            responded=True
        )
        if not claimed:
            raise ValidationError(
                _("This link has been used: an anonymous survey takes one answer per link.")
            )
        response = Response.objects.create(survey=survey, identified=False, **_segment(invitation))
        _store(response, values)
        audit.record(actor=None, action="surveys.response.submit", target=survey)
        return response

    response = Response.objects.filter(invitation=invitation).first()
    if response is not None:
        response.answers.all().delete()
        response.changed_at = now
        response.save(update_fields=["changed_at"])
        action = "surveys.response.change"
    else:
        response = Response.objects.create(
            survey=survey,
            identified=True,
            invitation=invitation,
            person_id=invitation.person_id,
            organisation=invitation.organisation,
            submitted_at=now,
            **_segment(invitation),
        )
        Invitation.objects.filter(pk=invitation.pk).update(responded=True)
        action = "surveys.response.submit"
    _store(response, values)
    audit.record(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        target=survey,
        data={"invitation": invitation.pk},
    )
    return response
