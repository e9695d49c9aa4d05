"""Surveys: questions in several languages, invitations with personal links, responses.

Anonymity is a property of the data, not of the pages. In an anonymous survey a response keeps
no invitation, person or organisation, no time of answering and no sequential id (its id and
its answers' ids are random UUIDs), only a snapshot of the organisation's segment (sector, size
band, kind, tier) for breakdowns. The invitation in turn only learns that it was used (a flag,
with no time, on a row without an `updated_at`), so neither a column nor the order of rows
links the two. Identified responses keep their invitation (one response per invitation, a
unique constraint) and may be edited until the survey closes.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from klynge.core.models import TimeStampedModel
from klynge.ecosystem.models import Organisation, Person, Tag
from klynge.surveys.texts import SURVEY_LANGUAGES, text_in


class SurveyStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class TemplateKey(models.TextChoices):
    ANNUAL_MEMBER = "annual_member", _("Annual member survey")


def _current_year() -> int:
    return timezone.localdate().year


def _default_languages() -> list[str]:
    return ["da", "en"]


class Survey(TimeStampedModel):
    """A questionnaire, its languages, its period and who may see its results."""

    title = models.JSONField(_("title"), default=dict, help_text=_("One text per language."))
    intro = models.JSONField(_("introduction"), default=dict, blank=True)
    languages = models.JSONField(_("languages"), default=_default_languages)
    default_language = models.CharField(
        _("main language"), max_length=5, choices=SURVEY_LANGUAGES, default="da"
    )
    year = models.PositiveSmallIntegerField(
        _("year"),
        default=_current_year,
        help_text=_("The year the answers are about (the KPIs of that year read them)."),
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=SurveyStatus.choices,
        default=SurveyStatus.DRAFT,
        db_index=True,
    )
    anonymous = models.BooleanField(
        _("anonymous"),
        default=False,
        help_text=_(
            "Answers cannot be traced to a person or organisation; only the segment "
            "(sector, size, kind, tier) is kept. Cannot be changed once the survey is open."
        ),
    )
    publish_results = models.BooleanField(
        _("publish the results to members"),
        default=False,
        help_text=_("Members see the aggregated results (groups under 5 are never shown)."),
    )
    opened_at = models.DateTimeField(_("opened"), null=True, blank=True)
    closes_at = models.DateTimeField(_("closes"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    reminder_days = models.PositiveSmallIntegerField(
        _("remind after (days)"),
        default=7,
        help_text=_("Days after the last e-mail before a reminder goes out; 0 for none."),
    )
    max_reminders = models.PositiveSmallIntegerField(_("reminders at most"), default=2)
    template = models.CharField(
        _("template"), max_length=20, choices=TemplateKey.choices, blank=True, db_index=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        constraints = [
            models.CheckConstraint(
                condition=Q(status="draft") | Q(opened_at__isnull=False, closes_at__isnull=False),
                name="survey_open_has_dates",
            ),
            models.CheckConstraint(
                condition=Q(max_reminders__lte=10) & Q(reminder_days__lte=90),
                name="survey_reminders_bounded",
            ),
        ]

    def __str__(self) -> str:
        return self.display_title

    def get_absolute_url(self) -> str:
        return reverse("surveys:detail", args=[self.pk])

    def text(self, field: str, language: str | None = None) -> str:
        return text_in(getattr(self, field), language, self.default_language)

    @property
    def display_title(self) -> str:
        return self.text("title")

    @property
    def display_intro(self) -> str:
        return self.text("intro")

    def is_open_at(self, moment) -> bool:
        return (
            self.status == SurveyStatus.OPEN
            and self.closes_at is not None
            and moment < self.closes_at
        )

    @property
    def is_open(self) -> bool:
        return self.is_open_at(timezone.now())

    @property
    def is_draft(self) -> bool:
        return self.status == SurveyStatus.DRAFT


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    YES_NO = "yes_no", _("Yes or no")
    SCALE = "scale", _("Scale")
    NPS = "nps", _("Net Promoter Score (0–10)")
    MATRIX = "matrix", _("Matrix (rows × scale)")
    TEXT = "text", _("Free text")


CHOICE_KINDS = (QuestionKind.SINGLE, QuestionKind.MULTIPLE)
NUMBER_KINDS = (QuestionKind.SCALE, QuestionKind.NPS)
# Kinds a later question can depend on ("shown only if the answer is one of ...").
CONDITION_KINDS = (*CHOICE_KINDS, QuestionKind.YES_NO, *NUMBER_KINDS)
# Kinds that have options: the choices, or the rows of a matrix.
OPTION_KINDS = (*CHOICE_KINDS, QuestionKind.MATRIX)
# Kinds answered on a numeric scale (with scale_min..scale_max).
SCALED_KINDS = (QuestionKind.SCALE, QuestionKind.NPS, QuestionKind.MATRIX)


class KpiKey(models.TextChoices):
    """The yes/no questions the insights KPIs read (see `selectors.kpi_answers`)."""

    LAUNCHED_INNOVATION = "launched_innovation", _("Launched a new product or service")
    RECEIVED_INNOVATION_FUNDING = "received_innovation_funding", _("Received innovation funding")


class Question(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    kind = models.CharField(_("kind"), max_length=10, choices=QuestionKind.choices)
    text = models.JSONField(_("question"), default=dict)
    help = models.JSONField(_("explanation"), default=dict, blank=True)
    required = models.BooleanField(_("an answer is required"), default=False)
    scale_min = models.SmallIntegerField(_("scale from"), null=True, blank=True)
    scale_max = models.SmallIntegerField(_("scale to"), null=True, blank=True)
    low_label = models.JSONField(_("label of the lowest value"), default=dict, blank=True)
    high_label = models.JSONField(_("label of the highest value"), default=dict, blank=True)
    # Shown only if the answer to `condition_question` (an earlier question) is one of
    # `condition_values`: option values for choices, "yes"/"no", or numbers as text.
    condition_question = models.ForeignKey(
        "self",
        verbose_name=_("shown only if"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dependants",
    )
    condition_values = models.JSONField(default=list, blank=True)
    # A stable name for a question of a template (e.g. "nps"), so reports find it.
    key = models.SlugField(max_length=40, blank=True)
    kpi_key = models.CharField(_("KPI"), max_length=40, choices=KpiKey.choices, blank=True)

    class Meta:
        ordering = ["survey", "position", "id"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "key"], condition=~Q(key=""), name="question_unique_key"
            ),
            models.UniqueConstraint(
                fields=["survey", "kpi_key"], condition=~Q(kpi_key=""), name="question_unique_kpi"
            ),
            models.CheckConstraint(
                condition=Q(kpi_key="") | Q(kind="yes_no"), name="question_kpi_is_yes_no"
            ),
            models.CheckConstraint(
                condition=Q(scale_min__isnull=True)
                | Q(scale_max__isnull=True)
                | Q(scale_min__lt=models.F("scale_max")),
                name="question_scale_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.display_text

    def text_for(self, field: str, language: str | None = None) -> str:
        return text_in(getattr(self, field), language, self.survey.default_language)

    @property
    def display_text(self) -> str:
        return self.text_for("text")

    def condition_labels(self, language: str | None = None) -> list[str]:
        """The answers to the earlier question that show this one, as the reader reads them."""
        source = self.condition_question
        if source is None:
            return []
        if source.kind in CHOICE_KINDS:
            texts = {o.value: o.text_for(language, self.survey.default_language)
                     for o in source.options.all()}  # fmt: skip
            return [texts.get(value, value) for value in self.condition_values]
        if source.kind == QuestionKind.YES_NO:
            names = {"yes": str(_("Yes")), "no": str(_("No"))}
            return [names.get(value, value) for value in self.condition_values]
        return list(self.condition_values)

    @property
    def scale_range(self) -> range:
        if self.kind == QuestionKind.NPS:
            return range(0, 11)
        if self.kind in SCALED_KINDS and self.scale_min is not None and self.scale_max is not None:
            return range(self.scale_min, self.scale_max + 1)
        return range(0)


class Option(models.Model):
    """A choice of a single or multiple choice question, or a row of a matrix."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="options")
    position = models.PositiveSmallIntegerField(default=0)
    value = models.SlugField(_("code"), max_length=40)
    text = models.JSONField(_("text"), default=dict)

    class Meta:
        ordering = ["question", "position", "id"]
        verbose_name = _("option")
        verbose_name_plural = _("options")
        constraints = [
            models.UniqueConstraint(fields=["question", "value"], name="option_unique_value"),
        ]

    def __str__(self) -> str:
        return self.display_text

    def text_for(self, language: str | None, default_language: str) -> str:
        return text_in(self.text, language, default_language)

    @property
    def display_text(self) -> str:
        return text_in(self.text, None, "en")


class Mailing(models.Model):
    """One sending of invitations to an audience (the survey page lists them)."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="mailings")
    audience = models.CharField(_("audience"), max_length=20)
    parameters = models.JSONField(default=dict, blank=True)
    description = models.CharField(_("audience"), max_length=300)
    invited = models.PositiveIntegerField(_("invited"), default=0)
    skipped = models.PositiveIntegerField(_("skipped"), default=0)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sent_at = models.DateTimeField(_("sent"), auto_now_add=True)

    class Meta:
        ordering = ["-sent_at", "-id"]
        verbose_name = _("mailing")
        verbose_name_plural = _("mailings")

    def __str__(self) -> str:
        return self.description


class Invitation(models.Model):
    """A person's personal link to a survey. The link's token is signed (see
    `services.invitations.token_for`), so it cannot be guessed and is not stored.

    No `updated_at` on purpose: when an invitation was used is not recorded (see the module).
    """

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="invitations")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="survey_invitations")
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="survey_invitations",
    )
    mailing = models.ForeignKey(
        Mailing, null=True, blank=True, on_delete=models.SET_NULL, related_name="invitations"
    )
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField(_("e-mail"))
    language = models.CharField(_("language"), max_length=5, choices=SURVEY_LANGUAGES)
    created_at = models.DateTimeField(_("invited"), auto_now_add=True)
    last_sent_at = models.DateTimeField(_("last e-mail"), null=True, blank=True)
    reminders_sent = models.PositiveSmallIntegerField(_("reminders"), default=0)
    responded = models.BooleanField(_("answered"), default=False)
    # The run that last claimed this invitation for an e-mail (see `send_reminders`).
    send_batch = models.UUIDField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["survey", "id"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.UniqueConstraint(fields=["survey", "person"], name="invitation_one_per_person"),
        ]
        indexes = [
            models.Index(fields=["survey", "responded"], name="invitation_survey_responded"),
            models.Index(fields=["send_batch"], name="invitation_send_batch"),
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.survey}"


class Response(models.Model):
    """One completed questionnaire. See the module's docstring for what anonymity keeps."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    # Identified surveys only (all four stay empty in an anonymous survey).
    invitation = models.OneToOneField(
        Invitation, null=True, blank=True, on_delete=models.SET_NULL, related_name="response"
    )
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="survey_responses"
    )
    organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="survey_responses",
    )
    identified = models.BooleanField(default=False)
    submitted_at = models.DateTimeField(_("answered"), null=True, blank=True)
    changed_at = models.DateTimeField(_("changed"), null=True, blank=True)
    # The segment of the organisation when it answered (for breakdowns); blank when unknown.
    sector_bits = models.PositiveIntegerField(default=0)
    size_band = models.CharField(_("size"), max_length=10, blank=True)
    kind = models.CharField(_("kind"), max_length=20, blank=True)
    tier = models.CharField(_("membership tier"), max_length=100, blank=True)

    class Meta:
        ordering = ["survey", "id"]
        verbose_name = _("response")
        verbose_name_plural = _("responses")
        constraints = [
            # Anonymous responses carry nothing that identifies (enforced for every writer).
            models.CheckConstraint(
                condition=Q(identified=True)
                | Q(
                    invitation__isnull=True,
                    person__isnull=True,
                    organisation__isnull=True,
                    submitted_at__isnull=True,
                    changed_at__isnull=True,
                ),
                name="response_anonymous_is_bare",
            ),
        ]

    def __str__(self) -> str:
        return str(self.survey)


class Answer(models.Model):
    """One value of a response: an option (single, multiple: one row per option chosen), a
    number (yes/no as 1/0, scale, NPS), a matrix cell (the row's option and the number), or a
    text. Random ids, like the response's (see the module)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    option = models.ForeignKey(
        Option, null=True, blank=True, on_delete=models.CASCADE, related_name="answers"
    )
    number = models.SmallIntegerField(null=True, blank=True)
    text = models.TextField(blank=True)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(
                fields=["response", "question"],
                condition=Q(option__isnull=True),
                name="answer_one_value_per_question",
            ),
            models.UniqueConstraint(
                fields=["response", "question", "option"],
                condition=Q(option__isnull=False),
                name="answer_one_per_option",
            ),
        ]
        indexes = [
            # The results read their counts from these two alone (see results.py).
            models.Index(fields=["question", "option", "number"], name="answer_counts"),
            models.Index(fields=["question", "response"], name="answer_respondents"),
        ]

    def __str__(self) -> str:
        return self.text or str(self.number if self.number is not None else self.option)


class Need(TimeStampedModel):
    """A need an organisation expressed in a survey, as staff recorded it (staff only)."""

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="survey_needs",
    )
    survey = models.ForeignKey(
        Survey, verbose_name=_("survey"), on_delete=models.CASCADE, related_name="needs"
    )
    answer = models.ForeignKey(
        Answer, null=True, blank=True, on_delete=models.SET_NULL, related_name="needs"
    )
    summary = models.CharField(_("need"), max_length=300)
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    task = models.ForeignKey(
        "crm.Task",
        verbose_name=_("follow-up task"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        constraints = [
            models.UniqueConstraint(fields=["answer"], name="need_one_per_answer"),
        ]

    def __str__(self) -> str:
        return self.summary
