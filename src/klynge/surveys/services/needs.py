"""Needs: staff turn a free-text answer of an identified survey into a recorded need of the
organisation, tagged with the directory's shared keywords, with a CRM follow-up task."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import override

from klynge.core import audit
from klynge.crm import services as crm_services
from klynge.ecosystem.services_people import ensure_tags
from klynge.surveys.models import Answer, Need, QuestionKind

MAX_SUMMARY = 300


@transaction.atomic
def record_need(
    *,
    actor,
    answer: Answer,
    summary: str,
    tags: list[str] | None = None,
    follow_up: bool = False,
    assignee=None,
    due_date: datetime.date | None = None,
    task_title: str = "",
) -> Need:
    """Records `answer` (a free-text answer in an identified survey) as a need of the
    organisation that gave it; with `follow_up`, also creates a CRM task for `assignee` about
    the organisation (and the person who answered), due on `due_date`."""
    answer = Answer.objects.select_related(
        "question", "response__survey", "response__organisation", "response__person"
    ).get(pk=answer.pk)
    response = answer.response
    survey = response.survey
    if survey.anonymous or not response.identified:
        raise ValidationError(_("Answers to an anonymous survey cannot be traced to anyone."))
    if answer.question.kind != QuestionKind.TEXT:
        raise ValidationError(_("Only a free-text answer can be recorded as a need."))
    if response.organisation is None:
        raise ValidationError(_("This answer was not given for an organisation."))
    if Need.objects.filter(answer=answer).exists():
        raise ValidationError(_("This answer is recorded as a need already."))
    errors: dict[str, list[str]] = {}
    summary = " ".join((summary or "").split())
    if not summary:
        errors["summary"] = [_("Say in a few words what the organisation needs.")]
    elif len(summary) > MAX_SUMMARY:
        errors["summary"] = [_("At most %(max)s characters.") % {"max": MAX_SUMMARY}]
    try:
        tag_objects = ensure_tags(list(tags or []))
    except ValidationError as error:
        errors["tags"] = error.messages
    if errors:
        raise ValidationError(errors)
    need = Need.objects.create(
        organisation=response.organisation,
        survey=survey,
        answer=answer,
        summary=summary,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    need.tags.set(tag_objects)
    if follow_up:
        # The CRM is shared by the staff: its texts are in the cluster's language.
        with override(settings.LANGUAGE_CODE):
            title = (task_title or "").strip() or _("Follow up the need: %(need)s") % {
                "need": summary
            }
            notes = _('From the survey "%(survey)s": %(answer)s') % {
                "survey": survey.display_title,
                "answer": answer.text,
            }
        try:
            need.task = crm_services.create_task(
                actor=actor,
                title=title[:200],
                due_date=due_date,
                assignee=assignee,
                organisation=response.organisation,
                person=response.person,
                notes=notes,
            )
        except ValidationError as error:
            # The CRM names its fields after the task; the form names the title task_title.
            raise ValidationError(
                {("task_title" if k == "title" else k): v for k, v in error.message_dict.items()}
            ) from None
        need.save(update_fields=["task", "updated_at"])
    audit.record(
        actor=actor,
        action="surveys.need.create",
        target=response.organisation,
        data={"need": need.pk, "survey": survey.pk, "task": need.task_id},
    )
    return need


@transaction.atomic
def remove_need(*, actor, need: Need) -> None:
    """Forgets a recorded need (its CRM task, if any, stays with the CRM)."""
    audit.record(
        actor=actor,
        action="surveys.need.delete",
        target=need.organisation,
        data={"need": need.pk, "summary": need.summary},
    )
    need.delete()
