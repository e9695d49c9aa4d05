"""Writes to the staff CRM. Every service is atomic and records itself in the audit log."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from klynge.core import audit
from klynge.crm.models import Account, Interaction, InteractionKind, Stage, Task
from klynge.ecosystem.models import Organisation, Person


def _is_staff(user) -> bool:
    return user is not None and user.is_active and user.is_staff


def _is_user(actor) -> bool:
    return actor is not None and getattr(actor, "is_authenticated", False)


@transaction.atomic
def log_interaction(
    *,
    actor,
    organisation: Organisation | None = None,
    person: Person | None = None,
    kind: str,
    occurred_at: datetime.datetime,
    summary: str,
    reference: str = "",
) -> Interaction:
    """Adds an entry to the interaction log of an organisation and/or a person.

    `actor` is the staff member who writes it (None for the system, e.g. event attendance
    logged by the events app). A non-empty `reference` makes the call idempotent: logging the
    same reference again returns the existing entry and changes nothing.
    """
    if reference:
        existing = Interaction.objects.filter(reference=reference).first()
        if existing is not None:
            return existing
    errors: dict[str, list[str]] = {}
    summary = (summary or "").strip()
    if not summary:
        errors["summary"] = [_("Write what happened.")]
    if kind not in InteractionKind.values:
        errors["kind"] = [_("Choose a valid kind of interaction.")]
    if not isinstance(occurred_at, datetime.datetime) or timezone.is_naive(occurred_at):
        errors["occurred_at"] = [_("Enter a valid date and time.")]
    if organisation is None and person is None:
        errors["__all__"] = [_("Choose the organisation or the person the interaction is with.")]
    if errors:
        raise ValidationError(errors)
    interaction = Interaction(
        kind=kind,
        occurred_at=occurred_at,
        summary=summary,
        author=actor if _is_user(actor) else None,
        organisation=organisation,
        person=person,
        reference=reference,
    )
    interaction.full_clean()
    interaction.save()
    audit.record(
        actor=actor,
        action="crm.interaction.create",
        target=organisation or person,
        data={"interaction": interaction.pk, "kind": kind},
    )
    return interaction


def _account_for(organisation: Organisation) -> Account:
    """The organisation's CRM record, locked for the change; created on first use."""
    account, _created = Account.objects.select_for_update().get_or_create(organisation=organisation)
    return account


def _parse_fee(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        fee = Decimal(str(value))
    except InvalidOperation:
        fee = None
    if fee is None or not fee.is_finite() or fee < 0:
        raise ValidationError(
            {"expected_annual_fee": [_("Enter an amount of zero or more.")]}
        ) from None
    return fee


_UNSET = object()


@transaction.atomic
def update_account(
    *,
    actor,
    organisation: Organisation,
    owner=_UNSET,
    expected_annual_fee=_UNSET,
    currency: str | None = None,
) -> Account:
    """Sets the owner (a member of staff, or None), the expected annual fee and its currency
    of the organisation's CRM record, creating the record the first time."""
    errors: dict[str, list[str]] = {}
    if owner is not _UNSET and owner is not None and not _is_staff(owner):
        errors["owner"] = [_("The owner must be a member of the cluster staff.")]
    if currency is not None and currency not in settings.KLYNGE_CURRENCIES:
        errors["currency"] = [
            _("Choose one of: %(choices)s.") % {"choices": ", ".join(settings.KLYNGE_CURRENCIES)}
        ]
    fee = None
    if expected_annual_fee is not _UNSET:
        try:
            fee = _parse_fee(expected_annual_fee)
        except ValidationError as error:
            errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    account = _account_for(organisation)
    changed: dict[str, list[str]] = {}
    if owner is not _UNSET and account.owner_id != (owner.pk if owner else None):
        changed["owner"] = [str(account.owner or ""), str(owner or "")]
        account.owner = owner
    if expected_annual_fee is not _UNSET and account.expected_annual_fee != fee:
        changed["expected_annual_fee"] = [str(account.expected_annual_fee or ""), str(fee or "")]
        account.expected_annual_fee = fee
    if currency is not None and account.currency != currency:
        changed["currency"] = [account.currency, currency]
        account.currency = currency
    if changed:
        account.save()
        audit.record(
            actor=actor, action="crm.account.update", target=organisation, data={"changed": changed}
        )
    return account


@transaction.atomic
def change_stage(
    *, actor, organisation: Organisation, stage: str, lost_reason: str = ""
) -> Account:
    """Moves the organisation to another pipeline stage (adding it to the pipeline if needed).

    Losing a prospect requires a reason. The change is written to the interaction log as a
    note ("Stage changed from X to Y") and to the audit log. Posting the stage it already has
    changes nothing (not even the reason a lost prospect was lost).
    """
    lost_reason = (lost_reason or "").strip()
    if stage not in Stage.values:
        raise ValidationError({"stage": [_("Choose a valid stage.")]})
    if stage == Stage.LOST and not lost_reason:
        raise ValidationError({"lost_reason": [_("Say why the prospect was lost.")]})
    account = _account_for(organisation)
    previous = account.stage
    if previous == stage:
        return account
    account.stage = stage
    account.lost_reason = lost_reason if stage == Stage.LOST else ""
    account.stage_changed_at = timezone.now()
    account.save()
    # The log is shared by the staff: write the note in the cluster's language, not the actor's.
    with override(settings.LANGUAGE_CODE):
        note = _("Stage changed from %(old)s to %(new)s.") % {
            "old": Stage(previous).label,
            "new": Stage(stage).label,
        }
        if stage == Stage.LOST:
            note = f"{note} {_('Reason:')} {lost_reason}"
    log_interaction(
        actor=actor,
        organisation=organisation,
        kind=InteractionKind.NOTE,
        occurred_at=account.stage_changed_at,
        summary=note,
    )
    audit.record(
        actor=actor,
        action="crm.account.stage",
        target=organisation,
        data={"from": previous, "to": stage, "lost_reason": account.lost_reason},
    )
    return account


@transaction.atomic
def create_task(
    *,
    actor,
    title: str,
    due_date: datetime.date,
    assignee,
    organisation: Organisation | None = None,
    person: Person | None = None,
    notes: str = "",
) -> Task:
    """Creates a follow-up task for a member of staff."""
    errors: dict[str, list[str]] = {}
    title = (title or "").strip()
    if not title:
        errors["title"] = [_("Give the task a title.")]
    # A datetime is a date too in Python; only a calendar date is a due date.
    if not isinstance(due_date, datetime.date) or isinstance(due_date, datetime.datetime):
        errors["due_date"] = [_("Enter a valid date.")]
    if not _is_staff(assignee):
        errors["assignee"] = [_("Assign the task to a member of the cluster staff.")]
    if errors:
        raise ValidationError(errors)
    task = Task(
        title=title,
        due_date=due_date,
        assignee=assignee,
        created_by=actor if _is_user(actor) else None,
        organisation=organisation,
        person=person,
        notes=(notes or "").strip(),
    )
    task.full_clean()
    task.save()
    audit.record(
        actor=actor,
        action="crm.task.create",
        target=task,
        data={"assignee": assignee.pk, "due_date": due_date.isoformat()},
    )
    return task


@transaction.atomic
def complete_task(*, actor, task: Task) -> Task:
    """Marks the task done (now); completing a done task changes nothing."""
    task = Task.objects.select_for_update().get(pk=task.pk)
    if not task.done:
        task.done = True
        task.completed_at = timezone.now()
        task.save(update_fields=["done", "completed_at", "updated_at"])
        audit.record(actor=actor, action="crm.task.complete", target=task)
    return task


@transaction.atomic
def reopen_task(*, actor, task: Task) -> Task:
    """Marks a done task open again; reopening an open task changes nothing."""
    task = Task.objects.select_for_update().get(pk=task.pk)
    if task.done:
        task.done = False
        task.completed_at = None
        task.save(update_fields=["done", "completed_at", "updated_at"])
        audit.record(actor=actor, action="crm.task.reopen", target=task)
    return task
