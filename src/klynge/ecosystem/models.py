"""Organisations, people and who works where: the minimum the roles need.

The full ecosystem (registry numbers, sectors, offers and needs, memberships with tiers) is
built on top of these in the ecosystem issue.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from klynge.core.models import TimeStampedModel


class TripleHelix(models.TextChoices):
    INDUSTRY = "industry", _("Industry")
    ACADEMIA = "academia", _("Academia")
    PUBLIC = "public", _("Public sector")
    OTHER = "other", _("Other")


class OrganisationKind(models.TextChoices):
    COMPANY = "company", _("Company")
    STARTUP = "startup", _("Startup")
    MEDIA_HOUSE = "media_house", _("Media house or broadcaster")
    UNIVERSITY = "university", _("University")
    SCHOOL = "school", _("School")
    RESEARCH = "research", _("Research institute")
    PUBLIC_BODY = "public_body", _("Public body")
    INVESTOR = "investor", _("Investor")
    CLUSTER = "cluster", _("Cluster organisation")
    ASSOCIATION = "association", _("Association")
    OTHER = "other", _("Other")


HELIX_OF_KIND = {
    OrganisationKind.COMPANY: TripleHelix.INDUSTRY,
    OrganisationKind.STARTUP: TripleHelix.INDUSTRY,
    OrganisationKind.MEDIA_HOUSE: TripleHelix.INDUSTRY,
    OrganisationKind.INVESTOR: TripleHelix.INDUSTRY,
    OrganisationKind.UNIVERSITY: TripleHelix.ACADEMIA,
    OrganisationKind.SCHOOL: TripleHelix.ACADEMIA,
    OrganisationKind.RESEARCH: TripleHelix.ACADEMIA,
    OrganisationKind.PUBLIC_BODY: TripleHelix.PUBLIC,
}


class MembershipStatus(models.TextChoices):
    NONE = "none", _("Not a member")
    PROSPECT = "prospect", _("Prospect")
    MEMBER = "member", _("Member")
    PARTNER = "partner", _("Partner")
    FORMER = "former", _("Former member")


class Country(models.TextChoices):
    DENMARK = "DK", _("Denmark")
    NORWAY = "NO", _("Norway")
    SWEDEN = "SE", _("Sweden")
    FINLAND = "FI", _("Finland")
    GERMANY = "DE", _("Germany")
    UNITED_KINGDOM = "GB", _("United Kingdom")
    OTHER = "XX", _("Other country")


class Organisation(TimeStampedModel):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("short name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=OrganisationKind.choices)
    membership_status = models.CharField(
        _("membership"),
        max_length=10,
        choices=MembershipStatus.choices,
        default=MembershipStatus.NONE,
        db_index=True,
    )
    country = models.CharField(_("country"), max_length=2, choices=Country.choices)
    city = models.CharField(_("city"), max_length=100, blank=True)
    website = models.URLField(_("website"), blank=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [
            models.UniqueConstraint(Lower("name"), "country", name="organisation_unique_name")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def triple_helix(self) -> str:
        return HELIX_OF_KIND.get(self.kind, TripleHelix.OTHER)

    @property
    def is_member(self) -> bool:
        return self.membership_status == MembershipStatus.MEMBER


class Person(TimeStampedModel):
    """A human in the ecosystem; may have a login (`user`) or be a contact only."""

    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    email = models.EmailField(_("e-mail"), blank=True)
    title = models.CharField(_("job title"), max_length=150, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("login"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
    )

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        verbose_name = _("person")
        verbose_name_plural = _("people")
        constraints = [
            models.UniqueConstraint(
                Lower("email"), condition=~Q(email=""), name="person_unique_email"
            )
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class AffiliationRole(models.TextChoices):
    MEMBER_ADMIN = "member_admin", _("Member administrator")
    CONTACT = "contact", _("Contact person")
    CEO = "ceo", _("CEO")
    EMPLOYEE = "employee", _("Employee")
    FOUNDER = "founder", _("Founder")
    STUDENT = "student", _("Student")
    MENTOR = "mentor", _("Mentor")
    BOARD_MEMBER = "board_member", _("Board member")


class AffiliationQuerySet(models.QuerySet):
    def current(self, on=None):
        today = on or timezone.localdate()
        return self.filter(Q(start_date__isnull=True) | Q(start_date__lte=today)).filter(
            Q(end_date__isnull=True) | Q(end_date__gte=today)
        )


class Affiliation(TimeStampedModel):
    """A person's tie to an organisation, with a role and an optional period."""

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="affiliations"
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="affiliations",
    )
    role = models.CharField(_("role"), max_length=20, choices=AffiliationRole.choices)
    start_date = models.DateField(_("from"), null=True, blank=True)
    end_date = models.DateField(_("until"), null=True, blank=True)

    objects = AffiliationQuerySet.as_manager()

    class Meta:
        ordering = ["organisation__name", "role"]
        verbose_name = _("affiliation")
        verbose_name_plural = _("affiliations")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "organisation", "role"],
                condition=Q(end_date__isnull=True),
                name="affiliation_unique_open",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="affiliation_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.get_role_display()} · {self.organisation}"

    def get_absolute_url(self) -> str:
        return reverse("ecosystem:organisation", args=[self.organisation.slug])
