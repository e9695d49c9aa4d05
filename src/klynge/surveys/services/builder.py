"""A survey's life: its settings, whether it is ready in every language, opening and closing
(its questions are in `questions.py`)."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from klynge.core import audit
from klynge.surveys.models import Survey, SurveyStatus
from klynge.surveys.texts import LANGUAGE_CODES, clean_texts, language_name

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
