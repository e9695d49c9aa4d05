"""The staff CRM: the interaction log, accounts (owner and pipeline stage) and follow-up tasks."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from klynge.core.models import TimeStampedModel
from klynge.ecosystem.models import Organisation, Person


class InteractionKind(models.TextChoices):
    MEETING = "meeting", _("Meeting")
    CALL = "call", _("Call")
    EMAIL = "email", _("E-mail")
    NOTE = "note", _("Note")
    EVENT = "event", _("Event attendance")


class Stage(models.TextChoices):
    """The prospect pipeline, in the order a prospect moves through it."""

    IDENTIFIED = "identified", _("Identified")
    CONTACTED = "contacted", _("Contacted")
    MEETING = "meeting", _("Meeting")
    PROPOSAL = "proposal", _("Proposal")
    APPLIED = "applied", _("Applied")
    MEMBER = "member", _("Member")
    LOST = "lost", _("Lost")


def default_currency() -> str:
    return settings.KLYNGE_CURRENCY


class Account(TimeStampedModel):
    """The CRM record of one organisation: who among the staff owns the relation, and where the
    organisation stands in the prospect pipeline."""

    organisation = models.OneToOneField(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="crm_account",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        limit_choices_to={"is_staff": True},
        related_name="crm_accounts",
    )
    stage = models.CharField(
        _("stage"), max_length=12, choices=Stage.choices, default=Stage.IDENTIFIED, db_index=True
    )
    expected_annual_fee = models.DecimalField(
        _("expected annual fee"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    currency = models.CharField(_("currency"), max_length=3, default=default_currency)
    lost_reason = models.TextField(_("why it was lost"), blank=True)
    stage_changed_at = models.DateTimeField(_("stage changed"), default=timezone.now)

    class Meta:
        ordering = ["organisation__name"]
        verbose_name = _("CRM account")
        verbose_name_plural = _("CRM accounts")
        constraints = [
            models.CheckConstraint(
                condition=Q(expected_annual_fee__isnull=True) | Q(expected_annual_fee__gte=0),
                name="crm_account_fee_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return str(self.organisation)

    def get_absolute_url(self) -> str:
        return reverse("crm:organisation", args=[self.organisation.slug])


class Interaction(TimeStampedModel):
    """One contact with an organisation and/or a person: a meeting, call, e-mail, note or event."""

    kind = models.CharField(_("kind"), max_length=10, choices=InteractionKind.choices)
    occurred_at = models.DateTimeField(_("when"), db_index=True)
    summary = models.TextField(_("summary"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="crm_interactions",
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="crm_interactions",
    )
    person = models.ForeignKey(
        Person,
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="crm_interactions",
    )
    # Lets other apps log the same thing twice without a duplicate (e.g. "events.registration:12").
    reference = models.CharField(_("reference"), max_length=100, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("interaction")
        verbose_name_plural = _("interactions")
        constraints = [
            models.CheckConstraint(
                condition=Q(organisation__isnull=False) | Q(person__isnull=False),
                name="crm_interaction_has_subject",
            ),
            models.UniqueConstraint(
                fields=["reference"], condition=~Q(reference=""), name="crm_interaction_reference"
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "-occurred_at"], name="crm_interaction_org"),
            models.Index(fields=["person", "-occurred_at"], name="crm_interaction_person"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.occurred_at:%Y-%m-%d}"


class Task(TimeStampedModel):
    """A follow-up for one member of staff, due on a date, about an organisation and/or person."""

    title = models.CharField(_("title"), max_length=200)
    notes = models.TextField(_("notes"), blank=True)
    due_date = models.DateField(_("due"), db_index=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        on_delete=models.CASCADE,
        limit_choices_to={"is_staff": True},
        related_name="crm_tasks",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="crm_tasks",
    )
    person = models.ForeignKey(
        Person,
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="crm_tasks",
    )
    done = models.BooleanField(_("done"), default=False)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)

    class Meta:
        ordering = ["done", "due_date", "id"]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        constraints = [
            models.CheckConstraint(
                condition=Q(done=True, completed_at__isnull=False)
                | Q(done=False, completed_at__isnull=True),
                name="crm_task_completed_when_done",
            ),
        ]
        indexes = [
            models.Index(fields=["assignee", "done", "due_date"], name="crm_task_assignee_open"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_overdue(self) -> bool:
        return not self.done and self.due_date < timezone.localdate()
