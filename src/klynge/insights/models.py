"""Economic figures per organisation and year, national benchmarks, and what staff record for the
reports (highlights, the cluster organisation's own budget and staff, links for the board).

`OrganisationYear` holds the current figures of one organisation for one year in columns, so a
KPI is one aggregate over one table; every change of a figure is also kept in `FigureRecord`
with its source and date (the history). The database refuses impossible values (negative
employees, revenue or funding; one row per organisation and year).
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from klynge.core.models import TimeStampedModel
from klynge.ecosystem.models import Country, Organisation

# The currency a country keeps its accounts in (figures may be given in it or the cluster's).
COUNTRY_CURRENCY = {"DK": "DKK", "NO": "NOK", "SE": "SEK", "FI": "EUR", "DE": "EUR", "GB": "GBP"}
FIRST_YEAR = 1990


class Metric(models.TextChoices):
    REVENUE = "revenue", _("Revenue")
    PERSONNEL_COSTS = "personnel_costs", _("Personnel costs")
    OPERATING_PROFIT = "operating_profit", _("Operating profit")
    EMPLOYEES_FTE = "employees_fte", _("Employees (full-time equivalents)")
    INNOVATION_FUNDING = "innovation_funding", _("Innovation funding received")
    INNOVATIONS_LAUNCHED = "innovations_launched", _("Innovations launched")


MONEY_METRICS = (
    Metric.REVENUE,
    Metric.PERSONNEL_COSTS,
    Metric.OPERATING_PROFIT,
    Metric.INNOVATION_FUNDING,
)


class FigureSource(models.TextChoices):
    MEMBER = "member", _("The member organisation")
    STAFF = "staff", _("Cluster staff")
    IMPORT = "import", _("Import")
    SURVEY = "survey", _("Member survey")


class OrganisationYear(TimeStampedModel):
    """One organisation's figures for one financial year (None: not known)."""

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="yearly_figures",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    # The organisation's country and industry when the figures were given: which national
    # statistics they compare with (kept here so a KPI reads one table, see `kpis.py`).
    country = models.CharField(_("country"), max_length=2, choices=Country.choices)
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    nace_division = models.CharField(
        _("NACE division"),
        max_length=2,
        blank=True,
        help_text=_("The two-digit industry code the year's accounts were filed under."),
    )
    revenue = models.DecimalField(
        _("revenue"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    personnel_costs = models.DecimalField(
        _("personnel costs"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    operating_profit = models.DecimalField(
        _("operating profit"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    employees_fte = models.DecimalField(
        _("employees (FTE)"), max_digits=9, decimal_places=1, null=True, blank=True
    )
    innovation_funding = models.DecimalField(
        _("innovation funding received"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    innovations_launched = models.PositiveIntegerField(
        _("innovations launched"), null=True, blank=True
    )

    class Meta:
        ordering = ["-year", "organisation__name"]
        verbose_name = _("yearly figures")
        verbose_name_plural = _("yearly figures")
        indexes = [models.Index(fields=["year", "organisation"], name="insights_year_org_idx")]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "year"], name="insights_one_per_year"),
            models.CheckConstraint(condition=Q(year__gte=FIRST_YEAR), name="insights_year_sane"),
            models.CheckConstraint(
                condition=Q(employees_fte__gte=0) | Q(employees_fte__isnull=True),
                name="insights_fte_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(revenue__gte=0) | Q(revenue__isnull=True),
                name="insights_revenue_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(personnel_costs__gte=0) | Q(personnel_costs__isnull=True),
                name="insights_personnel_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(innovation_funding__gte=0) | Q(innovation_funding__isnull=True),
                name="insights_funding_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} · {self.year}"

    @property
    def value_creation(self):
        if self.personnel_costs is None or self.operating_profit is None:
            return None
        return self.personnel_costs + self.operating_profit


class FigureRecord(models.Model):
    """One figure as it was given: the history behind `OrganisationYear` (never changed)."""

    organisation_year = models.ForeignKey(
        OrganisationYear, on_delete=models.CASCADE, related_name="records"
    )
    metric = models.CharField(_("figure"), max_length=30, choices=Metric.choices)
    value = models.DecimalField(_("value"), max_digits=16, decimal_places=2, null=True)
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=FigureSource.choices)
    source_note = models.CharField(_("source details"), max_length=300, blank=True)
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-recorded_at", "-id"]
        verbose_name = _("figure record")
        verbose_name_plural = _("figure records")

    def __str__(self) -> str:
        return f"{self.organisation_year} · {self.metric} = {self.value}"


class Measure(models.TextChoices):
    VALUE_ADDED_PER_EMPLOYEE = "value_added_per_employee", _("Value added per employee")
    EMPLOYMENT_GROWTH = "employment_growth", _("Employment growth (%)")
    OPERATING_MARGIN = "operating_margin", _("Operating margin (%)")
    FIRM_FORMATION_RATE = "firm_formation_rate", _("Firm formation rate (%)")


class Benchmark(models.Model):
    """A national statistic for one country, NACE division and year (percentages as 2.5 = 2.5 %;
    value added per employee in `currency`)."""

    country = models.CharField(_("country"), max_length=2, choices=Country.choices)
    nace_division = models.CharField(_("NACE division"), max_length=2)
    year = models.PositiveSmallIntegerField(_("year"))
    measure = models.CharField(_("measure"), max_length=30, choices=Measure.choices)
    value = models.DecimalField(_("value"), max_digits=16, decimal_places=4)
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    source = models.CharField(_("source"), max_length=300)
    imported_at = models.DateTimeField(_("imported"), default=timezone.now)

    class Meta:
        ordering = ["country", "nace_division", "-year", "measure"]
        verbose_name = _("benchmark")
        verbose_name_plural = _("benchmarks")
        constraints = [
            models.UniqueConstraint(
                fields=["country", "nace_division", "year", "measure"],
                name="insights_benchmark_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.country} {self.nace_division} {self.year} {self.measure}"


class HighlightKind(models.TextChoices):
    SUCCESS_STORY = "success_story", _("Success story")
    AWARD = "award", _("Award")
    INITIATIVE = "initiative", _("Initiative")
    INTERNATIONAL = "international", _("International activity")
    OTHER = "other", _("Other")


class Highlight(TimeStampedModel):
    """Something staff want the year in review to tell: a success story, an award, an initiative."""

    year = models.PositiveSmallIntegerField(_("year"), db_index=True)
    kind = models.CharField(_("kind"), max_length=20, choices=HighlightKind.choices)
    title_en = models.CharField(_("title in English"), max_length=200)
    title_da = models.CharField(_("title in Danish"), max_length=200, blank=True)
    text_en = models.TextField(_("text in English"), blank=True)
    text_da = models.TextField(_("text in Danish"), blank=True)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-year", "kind", "id"]
        verbose_name = _("highlight")
        verbose_name_plural = _("highlights")

    def __str__(self) -> str:
        return self.title_en

    @property
    def title(self) -> str:
        """The title in the active language (Danish or English), else the other one."""
        if translation.get_language() == "da":
            return self.title_da or self.title_en
        return self.title_en or self.title_da

    @property
    def text(self) -> str:
        if translation.get_language() == "da":
            return self.text_da or self.text_en
        return self.text_en or self.text_da


class ClusterYear(TimeStampedModel):
    """The cluster organisation's own year: budget and staff (for the evidence pack)."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    currency = models.CharField(_("currency"), max_length=3)
    budget = models.DecimalField(_("budget"), max_digits=14, decimal_places=2)
    staff_fte = models.DecimalField(_("staff (FTE)"), max_digits=6, decimal_places=1)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("cluster organisation's year")
        verbose_name_plural = _("cluster organisation's years")
        constraints = [
            models.CheckConstraint(condition=Q(budget__gte=0), name="insights_budget_positive"),
            models.CheckConstraint(condition=Q(staff_fte__gte=0), name="insights_staff_positive"),
        ]

    def __str__(self) -> str:
        return str(self.year)


class FundingKind(models.TextChoices):
    MEMBERSHIP_FEES = "membership_fees", _("Membership fees")
    SERVICES = "services", _("Services and events sold")
    REGIONAL = "regional", _("Regional public funding")
    NATIONAL = "national", _("National public funding")
    EU = "eu", _("EU funding")
    PRIVATE = "private", _("Private funding and sponsors")
    OTHER = "other", _("Other")


class FundingSource(models.Model):
    cluster_year = models.ForeignKey(
        ClusterYear, on_delete=models.CASCADE, related_name="funding_sources"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=FundingKind.choices)
    name = models.CharField(_("name"), max_length=200)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["cluster_year", "-amount", "id"]
        verbose_name = _("funding source")
        verbose_name_plural = _("funding sources")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="insights_funding_positive")
        ]

    def __str__(self) -> str:
        return self.name


class BoardLink(TimeStampedModel):
    """A read-only link to the board view that expires (and can be revoked). Only the SHA-256
    digest of its secret is stored, like API tokens."""

    label = models.CharField(_("for"), max_length=200)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("board link")
        verbose_name_plural = _("board links")

    def __str__(self) -> str:
        return self.label

    @staticmethod
    def digest_of(secret: str) -> str:
        return hashlib.sha256(secret.encode()).hexdigest()

    @property
    def is_valid(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()
