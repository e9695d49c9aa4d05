"""Writes to organisations, people and affiliations. Each records itself in the audit log."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from klynge.core import audit
from klynge.ecosystem.models import (
    CONSENT_FIELD,
    Affiliation,
    ConsentKind,
    ConsentRecord,
    ErasedAddress,
    Organisation,
    Person,
)
from klynge.ecosystem.registry import clean_registry_number

_M2M_FIELDS = {"sectors", "nace_codes", "sdgs", "competences", "offers", "needs"}


def unique_slug(name: str) -> str:
    base = slugify(name)[:90] or "organisation"
    slug, n = base, 2
    while Organisation.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def _check_registry_number(organisation: Organisation) -> None:
    """Normalises and validates the registry number; refuses a second live organisation with it."""
    try:
        organisation.registry_number = clean_registry_number(
            organisation.country, organisation.registry_number
        )
    except ValidationError as error:
        raise ValidationError({"registry_number": error.messages}) from None
    if organisation.registry_number:
        duplicate = (
            Organisation.objects.filter(
                country=organisation.country,
                registry_number=organisation.registry_number,
                merged_into__isnull=True,
            )
            .exclude(pk=organisation.pk)
            .first()
        )
        if duplicate is not None:
            raise ValidationError(
                {
                    "registry_number": [
                        _("%(name)s already has this registry number.") % {"name": duplicate.name}
                    ]
                }
            )


@transaction.atomic
def create_organisation(
    *, actor, name: str, kind: str, country: str, registry_number: str = "", **fields
) -> Organisation:
    """Creates an organisation (slug derived from the name); many-to-many tags are set after.

    Refuses a registry number with a wrong check digit or one another organisation has.
    """
    relations = {key: fields.pop(key) for key in list(fields) if key in _M2M_FIELDS}
    organisation = Organisation(
        name=name.strip(),
        kind=kind,
        country=country,
        registry_number=registry_number,
        slug=fields.pop("slug", "") or unique_slug(name),
        **fields,
    )
    _check_registry_number(organisation)
    organisation.full_clean()
    organisation.save()
    for field, values in relations.items():
        getattr(organisation, field).set(values)
    audit.record(actor=actor, action="ecosystem.organisation.create", target=organisation)
    return organisation


@transaction.atomic
def update_organisation(*, actor, organisation: Organisation, **changes) -> Organisation:
    """Changes the given fields (and many-to-many tags); records what changed in the audit log."""
    relations = {key: changes.pop(key) for key in list(changes) if key in _M2M_FIELDS}
    # Lock the row and compare with what is stored now, then write only the changed columns:
    # two writers changing different fields (a profile edit and the renewal run's status
    # change) both land.
    stored = Organisation.objects.select_for_update().get(pk=organisation.pk)
    before = {field: getattr(stored, field) for field in changes}
    for field, value in changes.items():
        setattr(organisation, field, value)
    if "registry_number" in changes or "country" in changes:
        _check_registry_number(organisation)
    organisation.full_clean()
    organisation.save(update_fields=[*changes, "updated_at"])
    for field, values in relations.items():
        getattr(organisation, field).set(values)
    changed = {
        field: [str(before[field]), str(getattr(organisation, field))]
        for field in changes
        if before[field] != getattr(organisation, field)
    }
    if changed or relations:
        audit.record(
            actor=actor,
            action="ecosystem.organisation.update",
            target=organisation,
            data={"changed": changed, "tags": sorted(relations)},
        )
    return organisation


@transaction.atomic
def set_consent(*, actor, person: Person, kind: str, granted: bool, source: str = "") -> Person:
    """Sets one consent flag on the person and keeps the change in the consent history."""
    field = CONSENT_FIELD[ConsentKind(kind)]
    if getattr(person, field) != granted:
        setattr(person, field, granted)
        person.save(update_fields=[field, "updated_at"])
        ConsentRecord.objects.create(
            person=person, kind=kind, granted=granted, recorded_by=actor, source=source
        )
        audit.record(
            actor=actor,
            action="ecosystem.consent.change",
            target=person,
            data={"kind": kind, "granted": granted},
        )
    return person


@transaction.atomic
def create_person(*, actor, first_name: str, last_name: str, email: str = "", **fields) -> Person:
    """Creates a person (a contact; a login is attached separately)."""
    taken = _("Another person already has this e-mail address.")
    if email and Person.objects.filter(email__iexact=email.strip()).exists():
        raise ValidationError({"email": [taken]})
    if ErasedAddress.is_erased(email):
        raise ValidationError(
            {"email": [_("The person with this address asked to be erased; it cannot be added.")]}
        )
    person = Person(first_name=first_name, last_name=last_name, email=email.lower(), **fields)
    person.full_clean()
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError:  # another request took the address since full_clean() checked it
        raise ValidationError({"email": [taken]}) from None
    audit.record(actor=actor, action="ecosystem.person.create", target=person)
    return person


@transaction.atomic
def affiliate(
    *,
    actor,
    person: Person,
    organisation: Organisation,
    role: str,
    start_date: datetime.date | None = None,
) -> Affiliation:
    """Ties a person to an organisation with a role; an identical open tie is returned as is."""
    existing = Affiliation.objects.filter(
        person=person, organisation=organisation, role=role, end_date__isnull=True
    ).first()
    if existing is not None:
        return existing
    affiliation = Affiliation.objects.create(
        person=person, organisation=organisation, role=role, start_date=start_date
    )
    audit.record(
        actor=actor,
        action="ecosystem.affiliation.create",
        target=affiliation,
        data={"role": role, "organisation": organisation.pk},
    )
    return affiliation
