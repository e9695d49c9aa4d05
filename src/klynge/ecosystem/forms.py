"""Forms of the directory: its filters, an organisation's profile and a person's profile."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from klynge.ecosystem.countries import country_choices
from klynge.ecosystem.models import (
    Country,
    MembershipStatus,
    NaceCode,
    Organisation,
    OrganisationKind,
    Person,
    Sdg,
    Sector,
)
from klynge.ecosystem.search import SORTS, DirectoryFilters
from klynge.ecosystem.taxonomy import SDGS, SECTORS


class _AnyStringsField(forms.MultipleChoiceField):
    """Several free values (such as regions, which are not a fixed list)."""

    def valid_value(self, value) -> bool:
        return len(str(value)) <= 100


class _AnyIdsField(forms.TypedMultipleChoiceField):
    """Several ids of rows not known to the form (such as membership tiers, which would cost a
    query to list): any positive whole numbers; ids of no row simply match nothing."""

    def __init__(self, **kwargs):
        super().__init__(coerce=int, **kwargs)

    def valid_value(self, value) -> bool:
        return str(value).isdigit() and 0 < int(value) < 2**63


class DirectoryFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    kind = forms.MultipleChoiceField(
        label=_("Kind"), required=False, choices=OrganisationKind.choices
    )
    sector = forms.MultipleChoiceField(
        label=_("Sector"),
        required=False,
        choices=[(slug, label) for slug, parent, label in SECTORS if parent is None],
    )
    region = _AnyStringsField(label=_("Region"), required=False)
    country = forms.MultipleChoiceField(label=_("Country"), required=False, choices=Country.choices)
    membership_status = forms.MultipleChoiceField(
        label=_("Membership"), required=False, choices=MembershipStatus.choices
    )
    sdg = forms.TypedMultipleChoiceField(
        label=_("SDG"),
        required=False,
        coerce=int,
        choices=[(number, label) for number, label in SDGS.items()],
    )
    tier = _AnyIdsField(label=_("Membership tier"), required=False)
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[("name", _("Name")), ("newest", _("Newest")), ("size", _("Size"))],
    )

    def __init__(self, *args, tiers: bool = False, **kwargs):
        """`tiers`: whether the user may filter by membership tier (members and staff); for
        everyone else a `tier` parameter is ignored."""
        super().__init__(*args, **kwargs)
        if not tiers:
            del self.fields["tier"]

    def filters(self) -> DirectoryFilters:
        """The valid part of the input: a wrong value is dropped, never an error page."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        sort = data.get("sort") or "name"
        return DirectoryFilters(
            q=(data.get("q") or "").strip(),
            kind=data.get("kind") or [],
            sector=data.get("sector") or [],
            region=data.get("region") or [],
            country=data.get("country") or [],
            membership_status=data.get("membership_status") or [],
            sdg=data.get("sdg") or [],
            tier=list(dict.fromkeys(data.get("tier") or [])),
            sort=sort if sort in SORTS else "name",
        )


def split_tags(text: str) -> list[str]:
    """'Podcast, AI ,  video' -> ['Podcast', 'AI', 'video'] (duplicates ignoring case removed)."""
    seen, names = set(), []
    for part in (text or "").split(","):
        name = " ".join(part.split())
        if name and name.lower() not in seen:
            seen.add(name.lower())
            names.append(name)
    return names


class TagsField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", _("Separate with commas."))
        super().__init__(**kwargs)

    def to_python(self, value) -> list[str]:
        return split_tags(super().to_python(value))


def _tag_text(tags) -> str:
    return ", ".join(sorted(tag.name for tag in tags))


PROFILE_FIELDS = [
    "name",
    "kind",
    "country",
    "registry_number",
    "employees",
    "founded_year",
    "street",
    "postal_code",
    "city",
    "municipality",
    "region",
    "website",
    "email",
    "phone",
    "description_en",
    "description_da",
    "offers_text",
    "needs_text",
]
TAG_FORM_FIELDS = {
    "competences": "competences_tags",
    "offers": "offers_tags",
    "needs": "needs_tags",
}


class OrganisationProfileForm(forms.Form):
    """An organisation's profile. Not a ModelForm: the service compares old and new values, so
    the form must not change the organisation before the service does."""

    logo = forms.FileField(
        label=_("Logo"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
        help_text=_("PNG, JPEG or WebP, at most 2 MB."),
    )
    sectors = forms.ModelMultipleChoiceField(
        label=_("Sectors"),
        queryset=Sector.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    nace_codes = forms.ModelMultipleChoiceField(
        label=_("NACE codes"),
        queryset=NaceCode.objects.all(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    sdgs = forms.ModelMultipleChoiceField(
        label=_("SDGs"),
        queryset=Sdg.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    competences_tags = TagsField(label=_("Competences"))
    offers_tags = TagsField(label=_("Offers (tags)"))
    needs_tags = TagsField(label=_("Needs (tags)"))

    def __init__(self, *args, organisation: Organisation, **kwargs):
        initial = {name: getattr(organisation, name) for name in PROFILE_FIELDS}
        initial["logo"] = organisation.logo
        initial["sectors"] = list(organisation.sectors.all())
        initial["nace_codes"] = list(organisation.nace_codes.all())
        initial["sdgs"] = list(organisation.sdgs.all())
        for field, form_field in TAG_FORM_FIELDS.items():
            initial[form_field] = _tag_text(getattr(organisation, field).all())
        super().__init__(*args, initial=initial, **kwargs)
        model_fields = forms.fields_for_model(Organisation, fields=PROFILE_FIELDS)
        # Every country, the Nordic ones first and the rest by name in the reader's language
        # ("other country" only for an organisation recorded with it).
        choices = country_choices()
        if organisation.country == Country.XX:
            choices.append((Country.XX.value, Country.XX.label))
        model_fields["country"].choices = choices
        # Model fields first, in the model's order, then the files and taxonomies.
        self.fields = {**model_fields, **self.fields}

    def service_arguments(self) -> dict:
        """What `update_organisation_profile` takes: changed fields, m2m and tag names."""
        data = self.cleaned_data
        changes = {name: data[name] for name in PROFILE_FIELDS}
        for name in ("employees", "founded_year"):
            changes[name] = data[name]
        if data["logo"] is False:
            changes["logo"] = ""
        elif data["logo"]:
            changes["logo"] = data["logo"]
        changes["sectors"] = list(data["sectors"])
        changes["nace_codes"] = list(data["nace_codes"])
        changes["sdgs"] = list(data["sdgs"])
        changes["tags"] = {field: data[form_field] for field, form_field in TAG_FORM_FIELDS.items()}
        return changes


LANGUAGE_CHOICES = [
    ("da", "Dansk"),
    ("en", "English"),
    ("nb", "Norsk bokmål"),
    ("nn", "Norsk nynorsk"),
    ("sv", "Svenska"),
    ("fi", "Suomi"),
    ("is", "Íslenska"),
    ("de", "Deutsch"),
    ("fr", "Français"),
    ("es", "Español"),
    ("uk", "Українська"),
    ("ar", "العربية"),
]
PERSON_FORM_FIELDS = ["first_name", "last_name", "title", "phone", "bio"]
CONSENT_FORM_FIELDS = {
    "listed_in_directory": "directory",
    "newsletter": "newsletter",
    "photos": "photos",
}


class PersonProfileForm(forms.Form):
    languages = forms.MultipleChoiceField(
        label=_("Languages"),
        choices=LANGUAGE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    interests = TagsField(label=_("Interests"))
    listed_in_directory = forms.BooleanField(
        label=_("Show me in the member directory"), required=False
    )
    newsletter = forms.BooleanField(label=_("Send me the newsletter"), required=False)
    photos = forms.BooleanField(label=_("I may appear in photos from events"), required=False)

    def __init__(self, *args, person: Person, with_consents: bool = True, **kwargs):
        initial = {name: getattr(person, name) for name in PERSON_FORM_FIELDS}
        initial["languages"] = list(person.languages)
        initial["interests"] = _tag_text(person.interests.all())
        for name in CONSENT_FORM_FIELDS:
            initial[name] = getattr(person, name)
        super().__init__(*args, initial=initial, **kwargs)
        model_fields = forms.fields_for_model(Person, fields=PERSON_FORM_FIELDS)
        self.fields = {**model_fields, **self.fields}
        if not with_consents:
            for name in CONSENT_FORM_FIELDS:
                del self.fields[name]

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        changes = {name: data[name] for name in PERSON_FORM_FIELDS}
        changes["languages"] = list(data["languages"])
        changes["interests"] = data["interests"]
        changes["consents"] = {
            kind: data[name] for name, kind in CONSENT_FORM_FIELDS.items() if name in self.fields
        }
        return changes
