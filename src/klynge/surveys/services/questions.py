"""A survey's questions and options.

Questions change freely while the survey is a draft. Once it is open, answers depend on the
structure (kinds, options, scales, conditions), so only texts may change then: a typo is fixed,
an option is never swapped under the answers already given.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.text import slugify
from django.utils.translation import gettext as _

from klynge.core import audit
from klynge.surveys.models import (
    CONDITION_KINDS,
    NUMBER_KINDS,
    OPTION_KINDS,
    KpiKey,
    Option,
    Question,
    QuestionKind,
    Survey,
)
from klynge.surveys.texts import LANGUAGE_CODES, clean_texts, language_name

MAX_OPTIONS = 30
MAX_TEXT = 1000
SCALE_MINIMA = (0, 1)
SCALE_LARGEST = 10


@dataclass
class QuestionData:
    """What a question is made of, as the builder form and the template give it."""

    kind: str
    text: dict
    help: dict = field(default_factory=dict)
    required: bool = False
    # Each option: {"text": {language: text}, "value": optional code}.
    options: list[dict] = field(default_factory=list)
    scale_min: int | None = None
    scale_max: int | None = None
    low_label: dict = field(default_factory=dict)
    high_label: dict = field(default_factory=dict)
    condition_question: Question | None = None
    condition_values: list[str] = field(default_factory=list)
    key: str = ""
    kpi_key: str = ""


def allowed_condition_values(question: Question) -> list[str]:
    """The answers a later question can depend on."""
    if question.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        return [option.value for option in question.options.all()]
    if question.kind == QuestionKind.YES_NO:
        return ["yes", "no"]
    if question.kind in NUMBER_KINDS:
        return [str(n) for n in question.scale_range]
    return []


def _option_values(options: list[dict], default_language: str) -> list[str]:
    """Codes for the options: the given ones, else made from the main-language text."""
    values: list[str] = []
    for number, option in enumerate(options, start=1):
        value = slugify(option.get("value") or "")[:40]
        if not value:
            text = clean_texts(option.get("text"), LANGUAGE_CODES)
            base = text.get(default_language) or next(iter(text.values()), "")
            value = slugify(base)[:36] or f"option-{number}"
        candidate, n = value, 2
        while candidate in values:
            candidate, n = f"{value[:36]}-{n}", n + 1
        values.append(candidate)
    return values


def _check_question(survey: Survey, data: QuestionData, *, position: int) -> dict:
    errors: dict[str, list[str]] = {}
    languages = survey.languages
    if data.kind not in QuestionKind.values:
        errors["kind"] = [_("Choose a valid kind of question.")]
        return errors
    text = clean_texts(data.text, languages)
    if not text.get(survey.default_language):
        errors["text"] = [
            _("Write the question in the survey's main language (%(language)s).")
            % {"language": language_name(survey.default_language)}
        ]
    elif any(len(value) > MAX_TEXT for value in text.values()):
        errors["text"] = [_("At most %(max)s characters.") % {"max": MAX_TEXT}]
    if data.kind in OPTION_KINDS:
        least = 1 if data.kind == QuestionKind.MATRIX else 2
        options = [o for o in data.options if clean_texts(o.get("text"), languages)]
        if len(options) < least or len(options) != len(data.options):
            errors["options"] = [
                _("A matrix needs at least one row, each with a text.")
                if data.kind == QuestionKind.MATRIX
                else _("Give at least two options, each with a text.")
            ]
        elif len(options) > MAX_OPTIONS:
            errors["options"] = [_("At most %(max)s options.") % {"max": MAX_OPTIONS}]
        elif any(
            not clean_texts(o.get("text"), languages).get(survey.default_language) for o in options
        ):
            errors["options"] = [_("Every option needs a text in the survey's main language.")]
    elif data.options:
        errors["options"] = [_("Only choice and matrix questions have options.")]
    if data.kind in (QuestionKind.SCALE, QuestionKind.MATRIX):
        low, high = data.scale_min, data.scale_max
        if low not in SCALE_MINIMA or not isinstance(high, int) or not low < high <= SCALE_LARGEST:
            errors["scale_max"] = [
                _("A scale starts at 0 or 1 and ends above its start, at most at 10.")
            ]
    if data.kpi_key:
        if data.kpi_key not in KpiKey.values:
            errors["kpi_key"] = [_("Choose a valid KPI.")]
        elif data.kind != QuestionKind.YES_NO:
            errors["kpi_key"] = [_("Only a yes-or-no question can feed a KPI.")]
    source = data.condition_question
    if source is not None:
        if source.survey_id != survey.pk or source.position >= position:
            errors["condition_question"] = [_("A question can only depend on an earlier one.")]
        elif source.kind not in CONDITION_KINDS:
            errors["condition_question"] = [
                _("Only choice, yes-or-no, scale and NPS questions can decide what is shown.")
            ]
        else:
            allowed = allowed_condition_values(source)
            chosen = [str(value) for value in data.condition_values]
            if not chosen or any(value not in allowed for value in chosen):
                errors["condition_values"] = [
                    _("Choose the answers to the earlier question that show this one.")
                ]
    elif data.condition_values:
        errors["condition_values"] = [_("Choose the question these answers belong to.")]
    return errors


def _scale(data: QuestionData) -> tuple[int | None, int | None]:
    if data.kind == QuestionKind.NPS:
        return 0, 10
    if data.kind in (QuestionKind.SCALE, QuestionKind.MATRIX):
        return data.scale_min, data.scale_max
    return None, None


def _fill(question: Question, survey: Survey, data: QuestionData) -> None:
    languages = survey.languages
    question.kind = data.kind
    question.text = clean_texts(data.text, languages)
    question.help = clean_texts(data.help, languages)
    question.required = bool(data.required)
    question.scale_min, question.scale_max = _scale(data)
    scaled = data.kind in (QuestionKind.SCALE, QuestionKind.NPS, QuestionKind.MATRIX)
    question.low_label = clean_texts(data.low_label, languages) if scaled else {}
    question.high_label = clean_texts(data.high_label, languages) if scaled else {}
    question.condition_question = data.condition_question
    question.condition_values = (
        [str(value) for value in data.condition_values] if data.condition_question else []
    )
    question.kpi_key = data.kpi_key or ""


def _write_options(question: Question, survey: Survey, options: list[dict]) -> None:
    existing = {option.value: option for option in question.options.all()}
    values = _option_values(options, survey.default_language)
    keep = []
    for position, (value, data) in enumerate(zip(values, options, strict=True)):
        option = existing.get(value) or Option(question=question, value=value)
        option.position = position
        option.text = clean_texts(data.get("text"), survey.languages)
        option.save()
        keep.append(option.pk)
    question.options.exclude(pk__in=keep).delete()


def _check_key(survey: Survey, key: str, exclude: int | None = None) -> dict:
    if not key:
        return {}
    if slugify(key) != key:
        return {"key": [_("Use lower-case letters, digits and hyphens.")]}
    others = survey.questions.filter(key=key)
    if exclude:
        others = others.exclude(pk=exclude)
    return {"key": [_("Another question has this key.")]} if others.exists() else {}


def _check_kpi_unique(survey: Survey, kpi_key: str, exclude: int | None = None) -> dict:
    if not kpi_key:
        return {}
    others = survey.questions.filter(kpi_key=kpi_key)
    if exclude:
        others = others.exclude(pk=exclude)
    if others.exists():
        return {"kpi_key": [_("Another question of this survey feeds this KPI.")]}
    return {}


def _require_draft(survey: Survey) -> None:
    if not survey.is_draft:
        raise ValidationError(
            _("The questions of an open or closed survey cannot be added, removed or moved.")
        )


@transaction.atomic
def add_question(*, actor, survey: Survey, data: QuestionData) -> Question:
    """Adds a question at the end of a draft survey."""
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    _require_draft(survey)
    position = (survey.questions.aggregate(last=Max("position"))["last"] or 0) + 1
    errors = _check_question(survey, data, position=position)
    for more in (_check_key(survey, data.key), _check_kpi_unique(survey, data.kpi_key)):
        for name, messages in more.items():
            errors.setdefault(name, messages)
    if errors:
        raise ValidationError(errors)
    question = Question(survey=survey, position=position, key=data.key)
    _fill(question, survey, data)
    question.save()
    if data.kind in OPTION_KINDS:
        _write_options(question, survey, data.options)
    audit.record(
        actor=actor,
        action="surveys.question.create",
        target=survey,
        data={"question": question.pk, "kind": question.kind},
    )
    return question


def _structure_of(question: Question) -> tuple:
    return (
        question.kind,
        question.required,
        question.scale_min,
        question.scale_max,
        question.condition_question_id,
        tuple(question.condition_values),
        question.kpi_key,
    )


def _intended_structure(question: Question, data: QuestionData) -> tuple:
    scale_min, scale_max = _scale(data)
    source = data.condition_question
    return (
        data.kind,
        bool(data.required),
        scale_min,
        scale_max,
        source.pk if source is not None else None,
        tuple(str(v) for v in data.condition_values) if source is not None else (),
        data.kpi_key or "",
    )


@transaction.atomic
def update_question(*, actor, question: Question, data: QuestionData) -> Question:
    """Changes a question. In an open or closed survey only its texts may change (the kind,
    the options and their order, the scale, the condition and whether it is required stay)."""
    question = Question.objects.select_for_update().select_related("survey").get(pk=question.pk)
    survey = question.survey
    errors = _check_question(survey, data, position=question.position)
    for more in (
        _check_key(survey, data.key, exclude=question.pk),
        _check_kpi_unique(survey, data.kpi_key, exclude=question.pk),
    ):
        for name, messages in more.items():
            errors.setdefault(name, messages)
    if question.dependants.exists() and data.kind != question.kind:
        errors["kind"] = [_("Later questions depend on this one: its kind cannot change.")]
    if errors:
        raise ValidationError(errors)
    if not survey.is_draft:
        if _intended_structure(question, data) != _structure_of(question):
            raise ValidationError(
                _("Once the survey is open, only the texts of a question can change.")
            )
        old_values = list(question.options.order_by("position").values_list("value", flat=True))
        given = [option.get("value") or "" for option in data.options]
        if len(given) != len(old_values) or any(
            g and g != v for g, v in zip(given, old_values, strict=True)
        ):
            raise ValidationError(
                {"options": [_("Once the survey is open, only the texts of options can change.")]}
            )
        data.options = [
            {"value": value, "text": option.get("text")}
            for value, option in zip(old_values, data.options, strict=True)
        ]
    _fill(question, survey, data)
    question.key = data.key
    question.save()
    if data.kind in OPTION_KINDS:
        _write_options(question, survey, data.options)
    else:
        question.options.all().delete()
    _check_dependants(question)
    audit.record(
        actor=actor,
        action="surveys.question.update",
        target=survey,
        data={"question": question.pk},
    )
    return question


def _check_dependants(question: Question) -> None:
    """Later questions still depend on answers this question can give."""
    allowed = set(allowed_condition_values(question))
    for dependant in question.dependants.all():
        if not set(dependant.condition_values) <= allowed:
            raise ValidationError(
                {
                    "options": [
                        _("A later question depends on an answer this change removes; change "
                          "that question first.")
                    ]
                }
            )  # fmt: skip


@transaction.atomic
def remove_question(*, actor, question: Question) -> None:
    """Removes a question from a draft survey, unless a later question depends on it."""
    question = Question.objects.select_for_update().select_related("survey").get(pk=question.pk)
    _require_draft(question.survey)
    if question.dependants.exists():
        raise ValidationError(_("A later question depends on this one; change that one first."))
    survey = question.survey
    audit.record(
        actor=actor,
        action="surveys.question.delete",
        target=survey,
        data={"question": question.pk},
    )
    question.delete()
    _renumber(survey)


def _renumber(survey: Survey) -> None:
    for position, pk in enumerate(
        survey.questions.order_by("position", "id").values_list("pk", flat=True), start=1
    ):
        Question.objects.filter(pk=pk).exclude(position=position).update(position=position)


@transaction.atomic
def move_question(*, actor, question: Question, direction: str) -> Question:
    """Moves a question of a draft survey one place up or down. A question never moves above
    the question it depends on, nor below a question that depends on it."""
    question = Question.objects.select_for_update().select_related("survey").get(pk=question.pk)
    survey = question.survey
    _require_draft(survey)
    if direction not in ("up", "down"):
        raise ValidationError({"direction": [_("Move a question up or down.")]})
    _renumber(survey)
    question.refresh_from_db()
    siblings = survey.questions.order_by("position", "id")
    neighbour = (
        siblings.filter(position__lt=question.position).last()
        if direction == "up"
        else siblings.filter(position__gt=question.position).first()
    )
    if neighbour is None:
        return question
    first, second = (neighbour, question) if direction == "up" else (question, neighbour)
    if second.condition_question_id == first.pk:
        raise ValidationError(_("A question cannot move above the question it depends on."))
    Question.objects.filter(pk=question.pk).update(position=neighbour.position)
    Question.objects.filter(pk=neighbour.pk).update(position=question.position)
    audit.record(
        actor=actor,
        action="surveys.question.move",
        target=survey,
        data={"question": question.pk, "direction": direction},
    )
    question.refresh_from_db()
    return question
