"""Partner recommendations, introductions and the outcomes of matches.

The recommendation index itself is not a table: it is a file under
``settings.DATA_DIR / "matchmaking"`` (see `klynge.matchmaking.index`).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from klynge.core.models import TimeStampedModel
from klynge.ecosystem.models import Organisation


class Feedback(TimeStampedModel):
    """A user's verdict on one recommended partner for one organisation (kept; "not useful"
    hides the partner from that organisation's list)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="matchmaking_feedback"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("for"), on_delete=models.CASCADE, related_name="+"
    )
    partner = models.ForeignKey(
        Organisation, verbose_name=_("partner"), on_delete=models.CASCADE, related_name="+"
    )
    useful = models.BooleanField(_("useful"))

    class Meta:
        verbose_name = _("recommendation feedback")
        verbose_name_plural = _("recommendation feedback")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "partner"], name="matchmaking_feedback_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation} → {self.partner}: {self.useful}"


class IntroductionStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for staff")
    ACCEPTED = "accepted", _("Introduced")
    DECLINED = "declined", _("Declined")


class Introduction(TimeStampedModel):
    """An "introduce us" request that cluster staff broker."""

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="introductions_requested",
    )
    partner = models.ForeignKey(
        Organisation,
        verbose_name=_("partner"),
        on_delete=models.CASCADE,
        related_name="introductions_received",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    message = models.TextField(_("message"), blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=IntroductionStatus.choices,
        default=IntroductionStatus.PENDING,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    note = models.TextField(_("note to both"), blank=True)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("introduction request")
        verbose_name_plural = _("introduction requests")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "partner"],
                condition=Q(status="pending"),
                name="matchmaking_introduction_one_pending",
            ),
            models.CheckConstraint(
                condition=~Q(organisation=F("partner")), name="matchmaking_introduction_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} → {self.partner}"


class MatchOrigin(models.TextChoices):
    RECOMMENDATION = "recommendation", _("Recommendation")
    INTRODUCTION = "introduction", _("Introduction")
    MEETING = "meeting", _("B2B meeting")
    OTHER = "other", _("Other")


class MatchStage(models.TextChoices):
    """The funnel, in order. `introduced`: the two were put in touch (staff brokered an
    introduction, or they got a B2B meeting); every later stage implies it."""

    INTRODUCED = "introduced", _("Put in touch")
    MET = "met", _("Met")
    FOLLOW_UP = "follow_up", _("Follow-up agreed")
    JOINT_PROJECT = "joint_project", _("Joint project")
    APPLICATION = "application", _("Funding application")
    FUNDED = "funded", _("Funded")


STAGE_ORDER = {stage: position for position, stage in enumerate(MatchStage.values)}


class Match(TimeStampedModel):
    """Two organisations that met through the cluster, and how far it went. The pair is stored
    in primary-key order (organisation_a.pk < organisation_b.pk); one match per pair and event
    (and one per pair without an event)."""

    organisation_a = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="+", verbose_name=_("organisation")
    )
    organisation_b = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="+", verbose_name=_("partner")
    )
    origin = models.CharField(_("origin"), max_length=20, choices=MatchOrigin.choices)
    event = models.ForeignKey(
        "events.Event",
        verbose_name=_("event"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    stage = models.CharField(_("stage"), max_length=20, choices=MatchStage.choices)
    stage_on = models.DateField(_("reached on"))

    class Meta:
        ordering = ["-stage_on", "-id"]
        verbose_name = _("match")
        verbose_name_plural = _("matches")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation_a", "organisation_b", "event"],
                condition=Q(event__isnull=False),
                name="matchmaking_match_unique_event",
            ),
            models.UniqueConstraint(
                fields=["organisation_a", "organisation_b"],
                condition=Q(event__isnull=True),
                name="matchmaking_match_unique_pair",
            ),
            models.CheckConstraint(
                condition=Q(organisation_a__lt=F("organisation_b")),
                name="matchmaking_match_ordered_pair",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation_a} · {self.organisation_b} · {self.get_stage_display()}"


class MatchStep(models.Model):
    """One stage a match reached: when, and who recorded it."""

    match = models.ForeignKey(Match, on_delete=models.CASCADE, related_name="steps")
    stage = models.CharField(_("stage"), max_length=20, choices=MatchStage.choices)
    reached_on = models.DateField(_("reached on"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        ordering = ["reached_on", "id"]
        verbose_name = _("match stage")
        verbose_name_plural = _("match stages")
        constraints = [
            models.UniqueConstraint(fields=["match", "stage"], name="matchmaking_step_unique")
        ]

    def __str__(self) -> str:
        return f"{self.match_id} {self.stage} {self.reached_on}"
