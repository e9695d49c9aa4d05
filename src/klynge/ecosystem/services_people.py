"""Writes behind the directory's profile pages: editing a person and an organisation's profile
with its tags. Each records itself in the audit log."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from klynge.core import audit
from klynge.ecosystem import services
from klynge.ecosystem.models import (
    CONSENT_FIELD,
    AffiliationRole,
    ConsentKind,
    Organisation,
    Person,
    Tag,
)
from klynge.ecosystem.search import TAG_FIELDS, refresh_search_text

PERSON_FIELDS = {"first_name", "last_name", "title", "phone", "languages", "bio"}
# The languages a person can say they speak (the profile form offers the same list).
LANGUAGE_CODES = ("da", "en", "nb", "nn", "sv", "fi", "is", "de", "fr", "es", "uk", "ar")
TAG_MAX_LENGTH = Tag._meta.get_field("name").max_length


def ensure_tags(names: list[str]) -> list[Tag]:
    """The tags with these names, created where missing; names match case-insensitively."""
    wanted: dict[str, str] = {}
    for name in names:
        name = " ".join(name.split())
        if name and name.lower() not in wanted:
            wanted[name.lower()] = name
    if not wanted:
        return []
    too_long = [name for name in wanted.values() if len(name) > TAG_MAX_LENGTH]
    if too_long:
        raise ValidationError(
            _("A tag may be at most %(max)s characters: %(tag)s")
            % {"max": TAG_MAX_LENGTH, "tag": too_long[0]}
        )
    existing = {
        tag.lowered: tag
        for tag in Tag.objects.annotate(lowered=Lower("name")).filter(lowered__in=list(wanted))
    }
    tags = []
    for lowered, name in wanted.items():
        tag = existing.get(lowered)
        if tag is None:
            tag = Tag.objects.create(name=name)
        tags.append(tag)
    return tags


def _tags_by_field(tags: dict[str, list[str]] | None, field_names) -> dict[str, list[Tag]]:
    resolved = {}
    for field, names in (tags or {}).items():
        if field not in field_names:
            raise ValueError(f"{field} is not a tag field")
        try:
            resolved[field] = ensure_tags(names)
        except ValidationError as error:
            raise ValidationError({field: error.messages}) from None
    return resolved


@transaction.atomic
def update_organisation_profile(
    *, actor, organisation: Organisation, tags: dict[str, list[str]] | None = None, **changes
) -> Organisation:
    """Changes the profile through `services.update_organisation`, with competences, offers and
    needs given as tag names (created where new). All or nothing; refreshes the search text."""
    changes.update(_tags_by_field(tags, TAG_FIELDS))
    organisation = services.update_organisation(actor=actor, organisation=organisation, **changes)
    refresh_search_text(organisation)
    return organisation


@transaction.atomic
def create_organisation_profile(
    *, actor, tags: dict[str, list[str]] | None = None, **fields
) -> Organisation:
    """Creates an organisation through `services.create_organisation`, tags given by name."""
    fields.update(_tags_by_field(tags, TAG_FIELDS))
    organisation = services.create_organisation(actor=actor, **fields)
    refresh_search_text(organisation)
    return organisation


@transaction.atomic
def create_organisation_with_contact(
    *, actor, contact: dict | None = None, tags: dict[str, list[str]] | None = None, **fields
) -> Organisation:
    """Creates an organisation (see `create_organisation_profile`) and, with `contact` (first
    and last name, e-mail, title, phone and a role, by default contact person), its contact
    person, who may be in the directory already. All or nothing; the contact's errors are
    named "contact.<field>"."""
    organisation = create_organisation_profile(actor=actor, tags=tags, **fields)
    if contact:
        contact = dict(contact)
        try:
            services.add_person_to_organisation(
                actor=actor,
                organisation=organisation,
                role=contact.pop("role", None) or AffiliationRole.CONTACT,
                link_existing=True,
                **contact,
            )
        except ValidationError as error:
            if not hasattr(error, "error_dict"):
                raise
            raise ValidationError(
                {f"contact.{field}": messages for field, messages in error.message_dict.items()}
            ) from None
    return organisation


@transaction.atomic
def update_person(
    *,
    actor,
    person: Person,
    interests: list[str] | None = None,
    consents: dict[str, bool] | None = None,
    source: str = "",
    **changes,
) -> Person:
    """Changes a person's profile fields, interests (tag names) and consents.

    Consent changes go through `services.set_consent`, so their history is kept. Records the
    changed fields in the audit log.
    """
    unknown = set(changes) - PERSON_FIELDS
    if unknown:
        raise ValueError(f"not editable here: {sorted(unknown)}")
    if "languages" in changes:
        changes["languages"] = list(dict.fromkeys(changes["languages"]))
        if any(code not in LANGUAGE_CODES for code in changes["languages"]):
            raise ValidationError({"languages": [_("Choose languages from the list.")]})
    for field in ("first_name", "last_name"):
        if field in changes and not (changes[field] or "").strip():
            raise ValidationError({field: [_("This field is required.")]})
    before = {field: getattr(person, field) for field in changes}
    for field, value in changes.items():
        setattr(person, field, value)
    person.full_clean()
    person.save()
    tags_changed = False
    if interests is not None:
        new = _tags_by_field({"interests": interests}, {"interests"})["interests"]
        tags_changed = {t.pk for t in new} != set(person.interests.values_list("pk", flat=True))
        person.interests.set(new)
    changed = {
        field: [str(before[field]), str(getattr(person, field))]
        for field in changes
        if before[field] != getattr(person, field)
    }
    if changed or tags_changed:
        audit.record(
            actor=actor,
            action="ecosystem.person.update",
            target=person,
            data={"changed": changed, "interests": tags_changed},
        )
    for kind, granted in (consents or {}).items():
        ConsentKind(kind)  # refuses an unknown kind
        if getattr(person, CONSENT_FIELD[kind]) != granted:
            services.set_consent(
                actor=actor, person=person, kind=kind, granted=granted, source=source
            )
    return person
