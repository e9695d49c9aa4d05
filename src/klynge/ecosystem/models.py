"""Organisations, people and who works where: the minimum the roles need.

The full ecosystem (registry numbers, sectors, offers and needs, memberships with tiers) is
built on top of these in the ecosystem issue.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from klynge.core.models import TimeStampedModel
from klynge.ecosystem.countries import ISO_3166_1, NORDIC, OTHER, country_label
from klynge.ecosystem.validators import validate_logo


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


class SizeBand(models.TextChoices):
    """EU SME size classes by head count."""

    MICRO = "micro", _("Micro (under 10 employees)")
    SMALL = "small", _("Small (10–49 employees)")
    MEDIUM = "medium", _("Medium (50–249 employees)")
    LARGE = "large", _("Large (250 employees or more)")


def size_band_for(employees: int | None) -> str:
    if employees is None:
        return ""
    if employees < 10:
        return SizeBand.MICRO
    if employees < 50:
        return SizeBand.SMALL
    if employees < 250:
        return SizeBand.MEDIUM
    return SizeBand.LARGE


class Sector(models.Model):
    """A node of the media taxonomy (labels in `taxonomy.SECTORS`)."""

    slug = models.SlugField(max_length=40, unique=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("sector")
        verbose_name_plural = _("sectors")

    def __str__(self) -> str:
        from klynge.ecosystem.taxonomy import SECTOR_LABELS

        return str(SECTOR_LABELS.get(self.slug, self.slug))


class NaceCode(models.Model):
    """NACE Rev. 2 (Eurostat): section, division, group or class."""

    code = models.CharField(max_length=8, unique=True)
    name = models.CharField(max_length=300)
    level = models.PositiveSmallIntegerField()
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("NACE code")
        verbose_name_plural = _("NACE codes")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Sdg(models.Model):
    """One of the 17 UN Sustainable Development Goals (labels in `taxonomy.SDGS`)."""

    number = models.PositiveSmallIntegerField(primary_key=True)

    class Meta:
        ordering = ["number"]
        verbose_name = _("sustainable development goal")
        verbose_name_plural = _("sustainable development goals")

    def __str__(self) -> str:
        from klynge.ecosystem.taxonomy import SDGS

        return f"{self.number}. {SDGS.get(self.number, '')}"


class Tag(models.Model):
    """A free keyword for competences, offers, needs and interests, shared across the directory."""

    name = models.CharField(_("name"), max_length=60)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        constraints = [models.UniqueConstraint(Lower("name"), name="tag_unique_name")]

    def __str__(self) -> str:
        return self.name


# Every ISO 3166-1 country, named in the reader's language (CLDR names through Babel): Denmark,
# Norway and Sweden first, "XX" (other country) last for records from before the full list.
Country = models.TextChoices(
    "Country",
    [
        (code, (code, country_label(code)))
        for code in (*NORDIC, *(c for c in ISO_3166_1 if c not in NORDIC), OTHER)
    ],
)


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
    registry_number = models.CharField(
        _("registry number"),
        max_length=20,
        blank=True,
        help_text=_(
            "CVR in Denmark, organisasjonsnummer in Norway, organisationsnummer in Sweden."
        ),
    )
    employees = models.PositiveIntegerField(_("employees"), null=True, blank=True)
    size_band = models.CharField(
        _("size"), max_length=10, choices=SizeBand.choices, blank=True, editable=False
    )
    founded_year = models.PositiveSmallIntegerField(_("founded"), null=True, blank=True)
    street = models.CharField(_("street address"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    municipality = models.CharField(_("municipality"), max_length=100, blank=True)
    region = models.CharField(_("region"), max_length=100, blank=True, db_index=True)
    website = models.URLField(_("website"), blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    logo = models.ImageField(
        _("logo"), upload_to="logos/%Y/", blank=True, validators=[validate_logo]
    )
    description_en = models.TextField(_("description (English)"), blank=True)
    description_da = models.TextField(_("description (Danish)"), blank=True)
    sectors = models.ManyToManyField(
        Sector, verbose_name=_("sectors"), blank=True, related_name="organisations"
    )
    nace_codes = models.ManyToManyField(
        NaceCode, verbose_name=_("NACE codes"), blank=True, related_name="organisations"
    )
    sdgs = models.ManyToManyField(
        Sdg, verbose_name=_("SDGs"), blank=True, related_name="organisations"
    )
    competences = models.ManyToManyField(
        Tag, verbose_name=_("competences"), blank=True, related_name="+"
    )
    offers = models.ManyToManyField(Tag, verbose_name=_("offers"), blank=True, related_name="+")
    needs = models.ManyToManyField(Tag, verbose_name=_("needs"), blank=True, related_name="+")
    offers_text = models.TextField(_("what we can provide"), blank=True)
    needs_text = models.TextField(_("what we look for"), blank=True)
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged_from",
        help_text=_("Set when staff merged this duplicate into another organisation."),
    )
    # Lower-cased name, city, descriptions, offers/needs text and tag names: what the directory
    # searches. Kept up to date by `klynge.ecosystem.search` (signals); indexed per database there.
    search_text = models.TextField(_("search text"), blank=True, default="", editable=False)
    # The top-level sectors and the SDGs as bit sets, so the directory filters and counts them
    # from one index without joins (maintained with `search_text`).
    sector_bits = models.PositiveIntegerField(default=0, editable=False)
    sdg_bits = models.PositiveIntegerField(default=0, editable=False)
    # The tier of the current (active or grace) membership, copied here by the membership app
    # whenever a membership changes, so the directory filters and counts tiers without a join.
    membership_tier = models.ForeignKey(
        "membership.Tier",
        verbose_name=_("membership tier"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        indexes = [
            # The directory's sort orders and its facet scan (see `ecosystem.search`).
            models.Index(fields=["name"], name="organisation_name_idx"),
            models.Index(fields=["-created_at"], name="organisation_newest_idx"),
            models.Index(fields=["-employees", "name"], name="organisation_size_idx"),
            models.Index(
                fields=[
                    "membership_status",
                    "kind",
                    "country",
                    "region",
                    "sector_bits",
                    "sdg_bits",
                    "membership_tier",
                ],
                condition=Q(merged_into__isnull=True),
                name="organisation_facets_idx",
            ),
        ]
        constraints = [
            # Without a registry number the name is what tells organisations apart; with one,
            # two legal entities may share a name (the number stays the de-duplication key).
            models.UniqueConstraint(
                Lower("name"),
                "country",
                condition=Q(registry_number="") & Q(merged_into__isnull=True),
                name="organisation_unique_name",
                violation_error_code="unique_name",
                violation_error_message=_(
                    "An organisation without a registry number already has this name in this "
                    "country. Give the registry number, or choose another name."
                ),
            ),
            # The registry number is the de-duplication key: one live organisation per number.
            models.UniqueConstraint(
                "country",
                "registry_number",
                condition=~Q(registry_number="") & Q(merged_into__isnull=True),
                name="organisation_unique_registry_number",
            ),
        ]

    def save(self, *args, **kwargs):
        self.size_band = size_band_for(self.employees)
        if kwargs.get("update_fields") is not None and "employees" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "size_band"}
        super().save(*args, **kwargs)

    def validate_constraints(self, exclude=None):
        """The model's constraints, with the name's uniqueness (an expression, which Django
        reports on no field) reported on the name, so forms and the API name the field."""
        try:
            super().validate_constraints(exclude=exclude)
        except ValidationError as error:
            errors = error.update_error_dict({})
            general = errors.pop(NON_FIELD_ERRORS, [])
            for item in general:
                key = "name" if getattr(item, "code", None) == "unique_name" else NON_FIELD_ERRORS
                errors.setdefault(key, []).append(item)
            raise ValidationError(errors) from None

    def get_absolute_url(self) -> str:
        return reverse("ecosystem:organisation", args=[self.slug])

    @property
    def description(self) -> str:
        """The description in the reader's language (Danish or English), else the other one."""
        if translation.get_language() == "da":
            return self.description_da or self.description_en
        return self.description_en or self.description_da

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
    other_emails = models.JSONField(_("other e-mails"), default=list, blank=True)
    title = models.CharField(_("job title"), max_length=150, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    languages = models.JSONField(
        _("languages"), default=list, blank=True, help_text=_("Language codes, e.g. da, en.")
    )
    interests = models.ManyToManyField(
        Tag, verbose_name=_("interests"), blank=True, related_name="+"
    )
    bio = models.TextField(_("about"), blank=True)
    # Current consents; every change is also kept in ConsentRecord.
    listed_in_directory = models.BooleanField(_("listed in the directory"), default=False)
    newsletter = models.BooleanField(_("receives the newsletter"), default=False)
    photos = models.BooleanField(_("may appear in photos"), default=False)
    erased_at = models.DateTimeField(_("erased"), null=True, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("login"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
    )
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged_from",
        help_text=_("Set when staff merged this duplicate into another person."),
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

    def get_absolute_url(self) -> str:
        return reverse("ecosystem:person", args=[self.pk])


class ConsentKind(models.TextChoices):
    DIRECTORY = "directory", _("Listed in the directory")
    NEWSLETTER = "newsletter", _("Newsletter")
    PHOTOS = "photos", _("Photos")


CONSENT_FIELD = {
    ConsentKind.DIRECTORY: "listed_in_directory",
    ConsentKind.NEWSLETTER: "newsletter",
    ConsentKind.PHOTOS: "photos",
}


class ErasedAddress(models.Model):
    """The SHA-256 digest of an e-mail address whose person was erased, so that an import or a
    new contact cannot bring the person back without them (the address itself is not kept)."""

    digest = models.CharField(max_length=64, unique=True, editable=False)
    erased_at = models.DateTimeField(_("erased"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("erased e-mail address")
        verbose_name_plural = _("erased e-mail addresses")

    def __str__(self) -> str:
        return self.digest[:12]

    @staticmethod
    def digest_of(email: str) -> str:
        return hashlib.sha256(email.strip().lower().encode()).hexdigest()

    @classmethod
    def is_erased(cls, email: str) -> bool:
        return bool(email.strip()) and cls.objects.filter(digest=cls.digest_of(email)).exists()


class ConsentRecord(models.Model):
    """One change of one consent: the history behind the flags on Person."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consent_records")
    kind = models.CharField(_("consent"), max_length=20, choices=ConsentKind.choices)
    granted = models.BooleanField(_("granted"))
    recorded_at = models.DateTimeField(_("when"), auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(_("how"), max_length=100, blank=True)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")

    def __str__(self) -> str:
        return f"{self.person} {self.kind} {self.granted}"


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


class RelationKind(models.TextChoices):
    PARTNER = "partner", _("Partner of")
    OWNER = "owner", _("Owner of")
    SPIN_OFF = "spin_off", _("Spin-off of")
    SUPPLIER = "supplier", _("Supplier to")
    INVESTOR = "investor", _("Investor in")
    CLUSTER_MEMBER = "cluster_member", _("Member of cluster")


class OrganisationRelation(TimeStampedModel):
    """A typed tie from one organisation to another (`source` is <kind> `target`)."""

    source = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="relations_out")
    target = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="relations_in")
    kind = models.CharField(_("relation"), max_length=20, choices=RelationKind.choices)
    start_year = models.PositiveSmallIntegerField(_("since"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("relation")
        verbose_name_plural = _("relations")
        constraints = [
            models.UniqueConstraint(fields=["source", "target", "kind"], name="relation_unique"),
            models.CheckConstraint(condition=~Q(source=F("target")), name="relation_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.source} · {self.get_kind_display()} · {self.target}"


class DuplicateStatus(models.TextChoices):
    OPEN = "open", _("To review")
    DISMISSED = "dismissed", _("Not a duplicate")


class DuplicateReason(models.TextChoices):
    REGISTRY = "registry_number", _("Same registry number")
    SAME_NAME = "same_name", _("Same name apart from legal form and punctuation")
    SIMILAR_NAME = "similar_name", _("Similar name")
    SAME_EMAIL = "same_email", _("Same e-mail address")
    MANUAL = "manual", _("Paired by staff")


class DuplicateCandidate(models.Model):
    """A pair that may be one organisation (or person) twice, and what staff decided about it.

    The scan (`merging.scan_duplicates`) stores the pairs it finds, so the duplicates page reads
    a table instead of comparing 100,000 names on every view; a dismissed pair ("not a
    duplicate") is remembered and never proposed again. `first` has the smaller id.
    """

    reason = models.CharField(_("why"), max_length=20, choices=DuplicateReason.choices)
    score = models.FloatField(_("likeness"), default=1.0)
    status = models.CharField(
        _("status"), max_length=10, choices=DuplicateStatus.choices, default=DuplicateStatus.OPEN
    )
    found_at = models.DateTimeField(_("found"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.first} · {self.second}"

    @property
    def reason_label(self) -> str:
        return str(DuplicateReason(self.reason).label)


class OrganisationDuplicate(DuplicateCandidate):
    first = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("possible duplicate organisation")
        verbose_name_plural = _("possible duplicate organisations")
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="organisation_duplicate_once"),
            models.CheckConstraint(
                condition=Q(first__lt=F("second")), name="organisation_duplicate_ordered"
            ),
        ]
        indexes = [models.Index(fields=["status", "reason", "-score"], name="org_duplicate_list")]


class PersonDuplicate(DuplicateCandidate):
    first = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("possible duplicate person")
        verbose_name_plural = _("possible duplicate people")
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="person_duplicate_once"),
            models.CheckConstraint(
                condition=Q(first__lt=F("second")), name="person_duplicate_ordered"
            ),
        ]
        indexes = [models.Index(fields=["status", "reason"], name="person_duplicate_list")]


class DuplicateScan(models.Model):
    """One run of the duplicate scan: when it finished and what it found."""

    finished_at = models.DateTimeField(_("finished"), default=timezone.now)
    organisations = models.PositiveIntegerField(default=0)
    people = models.PositiveIntegerField(default=0)
    pairs = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-finished_at", "-id"]
        verbose_name = _("duplicate scan")
        verbose_name_plural = _("duplicate scans")

    def __str__(self) -> str:
        return f"{self.finished_at:%Y-%m-%d %H:%M} ({self.pairs})"
