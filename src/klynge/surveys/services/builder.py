"""Building a survey: its settings, questions and options, and opening and closing it.

Questions change freely while the survey is a draft. Once it is open, answers depend on the
structure (kinds, options, scales, conditions), so only texts may change then: a typo is fixed,
an option is never swapped under the answers already given.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
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
    SurveyStatus,
)
from klynge.surveys.texts import LANGUAGE_CODES, clean_texts

MAX_OPTIONS = 30
MAX_TEXT = 1000
SCALE_MINIMA = (0, 1)
SCALE_LARGEST = 10


def language_name(code: str) -> str:
    from django.conf import settings

    return str(dict(settings.LANGUAGES).get(code, code))


# --- The survey -------------------------------------------------------------------------------


def _check_languages(languages: Sequence[str], default_language: str, errors: dict) -> list[str]:
    chosen = [code for code in LANGUAGE_CODES if code in set(languages or ())]
    if not chosen or len(chosen) != len(set(languages or ())):
        errors["languages"] = [_("Choose at least one of the offered languages.")]
    elif default_language not in chosen:
        errors["default_language"] = [_("The main language must be one of the survey's.")]
    return chosen


def _check_settings(
    *,
    title: dict,
    languages: Sequence[str],
    default_language: str,
    year: int,
    reminder_days: int,
    max_reminders: int,
    closes_at: datetime.datetime | None,
    require_future_close: bool,
) -> tuple[list[str], dict]:
    errors: dict[str, list[str]] = {}
    chosen = _check_languages(languages, default_language, errors)
    if not (title or {}).get(default_language, "").strip():
        errors["title"] = [
            _("Give the survey a title in its main language (%(language)s).")
            % {"language": language_name(default_language)}
        ]
    this_year = timezone.localdate().year
    if not isinstance(year, int) or not 2000 <= year <= this_year + 1:
        errors["year"] = [_("Enter a year from 2000 to %(last)s.") % {"last": this_year + 1}]
    if not isinstance(reminder_days, int) or not 0 <= reminder_days <= 90:
        errors["reminder_days"] = [_("Enter a number of days from 0 to 90.")]
    if not isinstance(max_reminders, int) or not 0 <= max_reminders <= 10:
        errors["max_reminders"] = [_("Enter a number from 0 to 10.")]
    if closes_at is not None:
        if not isinstance(closes_at, datetime.datetime) or timezone.is_naive(closes_at):
            errors["closes_at"] = [_("Enter a valid date and time.")]
        elif require_future_close and closes_at <= timezone.now():
            errors["closes_at"] = [_("The closing time must be in the future.")]
    return chosen, errors


@transaction.atomic
def create_survey(
    *,
    actor,
    title: dict,
    languages: Sequence[str],
    default_language: str,
    year: int,
    intro: dict | None = None,
    anonymous: bool = False,
    publish_results: bool = False,
    closes_at: datetime.datetime | None = None,
    reminder_days: int = 7,
    max_reminders: int = 2,
    template: str = "",
) -> Survey:
    """Creates a draft survey (no questions yet)."""
    chosen, errors = _check_settings(
        title=title,
        languages=languages,
        default_language=default_language,
        year=year,
        reminder_days=reminder_days,
        max_reminders=max_reminders,
        closes_at=closes_at,
        require_future_close=True,
    )
    if errors:
        raise ValidationError(errors)
    survey = Survey.objects.create(
        title=clean_texts(title, chosen),
        intro=clean_texts(intro, chosen),
        languages=chosen,
        default_language=default_language,
        year=year,
        anonymous=bool(anonymous),
        publish_results=bool(publish_results),
        closes_at=closes_at,
        reminder_days=reminder_days,
        max_reminders=max_reminders,
        template=template,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit.record(
        actor=actor,
        action="surveys.survey.create",
        target=survey,
        data={"anonymous": survey.anonymous, "year": year, "template": template},
    )
    return survey


@transaction.atomic
def update_survey(
    *,
    actor,
    survey: Survey,
    title: dict,
    languages: Sequence[str],
    default_language: str,
    year: int,
    intro: dict | None = None,
    anonymous: bool = False,
    publish_results: bool = False,
    closes_at: datetime.datetime | None = None,
    reminder_days: int = 7,
    max_reminders: int = 2,
) -> Survey:
    """Changes a survey's settings. Once open, anonymity is fixed (the answers were given on
    that promise), every language must have its texts, and the closing time cannot be removed."""
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    chosen, errors = _check_settings(
        title=title,
        languages=languages,
        default_language=default_language,
        year=year,
        reminder_days=reminder_days,
        max_reminders=max_reminders,
        closes_at=closes_at,
        require_future_close=closes_at != survey.closes_at,
    )
    if not survey.is_draft:
        if bool(anonymous) != survey.anonymous:
            errors["anonymous"] = [
                _("Whether the survey is anonymous cannot change once it has been opened.")
            ]
        if closes_at is None:
            errors["closes_at"] = [_("An open or closed survey keeps its closing time.")]
    if errors:
        raise ValidationError(errors)
    before = {
        "languages": survey.languages,
        "year": survey.year,
        "anonymous": survey.anonymous,
        "publish_results": survey.publish_results,
        "closes_at": survey.closes_at.isoformat() if survey.closes_at else None,
    }
    survey.title = clean_texts(title, chosen)
    survey.intro = clean_texts(intro, chosen)
    survey.languages = chosen
    survey.default_language = default_language
    survey.year = year
    survey.anonymous = bool(anonymous)
    survey.publish_results = bool(publish_results)
    survey.closes_at = closes_at
    survey.reminder_days = reminder_days
    survey.max_reminders = max_reminders
    if not survey.is_draft:
        problems = completeness_problems(survey)
        if problems:
            raise ValidationError({"languages": problems})
    survey.save()
    after = {
        "languages": survey.languages,
        "year": survey.year,
        "anonymous": survey.anonymous,
        "publish_results": survey.publish_results,
        "closes_at": survey.closes_at.isoformat() if survey.closes_at else None,
    }
    changed = {key: [before[key], after[key]] for key in before if before[key] != after[key]}
    audit.record(
        actor=actor, action="surveys.survey.update", target=survey, data={"changed": changed}
    )
    return survey


@transaction.atomic
def delete_survey(*, actor, survey: Survey) -> None:
    """Deletes a draft survey that invited nobody."""
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    if not survey.is_draft or survey.invitations.exists():
        raise ValidationError(_("Only a draft survey that invited nobody can be deleted."))
    audit.record(
        actor=actor, action="surveys.survey.delete", target=survey, data={"survey": survey.pk}
    )
    survey.delete()


def completeness_problems(survey: Survey) -> list[str]:
    """What keeps the survey from being answered in each of its languages (empty when ready)."""
    problems: list[str] = []
    languages = survey.languages
    questions = list(survey.questions.prefetch_related("options").order_by("position", "id"))
    if not questions:
        problems.append(_("Add at least one question."))

    def missing(texts: dict) -> list[str]:
        return [language_name(code) for code in languages if not (texts or {}).get(code)]

    if gaps := missing(survey.title):
        problems.append(
            _("The title is missing in: %(languages)s.") % {"languages": ", ".join(gaps)}
        )
    for number, question in enumerate(questions, start=1):
        if gaps := missing(question.text):
            problems.append(
                _("Question %(number)s has no text in: %(languages)s.")
                % {"number": number, "languages": ", ".join(gaps)}
            )
        for option in question.options.all():
            if gaps := missing(option.text):
                problems.append(
                    _("An option of question %(number)s has no text in: %(languages)s.")
                    % {"number": number, "languages": ", ".join(gaps)}
                )
                break
        for texts in (question.help, question.low_label, question.high_label):
            if texts and (gaps := missing(texts)):
                problems.append(
                    _("A help text or scale label of question %(number)s is missing in: "
                      "%(languages)s.")
                    % {"number": number, "languages": ", ".join(gaps)}
                )  # fmt: skip
                break
    return problems


@transaction.atomic
def open_survey(*, actor, survey: Survey, closes_at: datetime.datetime) -> Survey:
    """Opens a draft (or reopens a closed) survey for answers until `closes_at`.

    Refused unless every question and option has its text in every language of the survey.
    """
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    errors: dict[str, list[str]] = {}
    if survey.status == SurveyStatus.OPEN:
        errors["__all__"] = [_("The survey is open already.")]
    if not isinstance(closes_at, datetime.datetime) or timezone.is_naive(closes_at):
        errors["closes_at"] = [_("Enter a valid date and time.")]
    elif closes_at <= timezone.now():
        errors["closes_at"] = [_("The closing time must be in the future.")]
    if not errors and (problems := completeness_problems(survey)):
        errors["__all__"] = problems
    if errors:
        raise ValidationError(errors)
    previous = survey.status
    now = timezone.now()
    survey.status = SurveyStatus.OPEN
    survey.opened_at = survey.opened_at or now
    survey.closes_at = closes_at
    survey.closed_at = None
    survey.save(update_fields=["status", "opened_at", "closes_at", "closed_at", "updated_at"])
    audit.record(
        actor=actor,
        action="surveys.survey.open",
        target=survey,
        data={"from": previous, "closes_at": closes_at.isoformat()},
    )
    return survey


@transaction.atomic
def close_survey(*, actor, survey: Survey) -> Survey:
    """Closes an open survey now: no more answers, no more reminders."""
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    if survey.status != SurveyStatus.OPEN:
        raise ValidationError(_("Only an open survey can be closed."))
    survey.status = SurveyStatus.CLOSED
    survey.closed_at = timezone.now()
    survey.save(update_fields=["status", "closed_at", "updated_at"])
    audit.record(actor=actor, action="surveys.survey.close", target=survey)
    return survey


def close_due_surveys(*, now: datetime.datetime | None = None) -> int:
    """Closes the open surveys whose closing time has passed (idempotent: a conditional
    update, so two runs at once close each survey once). Returns how many were closed."""
    now = now or timezone.now()
    closed = 0
    for survey in Survey.objects.filter(status=SurveyStatus.OPEN, closes_at__lte=now):
        with transaction.atomic():
            changed = Survey.objects.filter(pk=survey.pk, status=SurveyStatus.OPEN).update(
                status=SurveyStatus.CLOSED, closed_at=survey.closes_at, updated_at=now
            )
            if changed:
                audit.record(actor=None, action="surveys.survey.close", target=survey)
                closed += 1
    return closed


# --- Questions --------------------------------------------------------------------------------


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


def add_questions(*, actor, survey: Survey, questions: Iterable[QuestionData]) -> list[Question]:
    """Adds several questions in order (the template uses it)."""
    return [add_question(actor=actor, survey=survey, data=data) for data in questions]
