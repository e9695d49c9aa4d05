"""Writes to organisations, people and affiliations. Each records itself in the audit log."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils.text import slugify

from klynge.core import audit
from klynge.ecosystem.models import Affiliation, Organisation, Person


def unique_slug(name: str) -> str:
    base = slugify(name)[:90] or "organisation"
    slug, n = base, 2
    while Organisation.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def create_organisation(*, actor, name: str, kind: str, country: str, **fields) -> Organisation:
    """Creates an organisation (slug derived from the name)."""
    organisation = Organisation(
        name=name,
        kind=kind,
        country=country,
        slug=fields.pop("slug", "") or unique_slug(name),
        **fields,
    )
    organisation.full_clean()
    organisation.save()
    audit.record(actor=actor, action="ecosystem.organisation.create", target=organisation)
    return organisation


@transaction.atomic
def create_person(*, actor, first_name: str, last_name: str, email: str = "", **fields) -> Person:
    """Creates a person (a contact; a login is attached separately)."""
    person = Person(first_name=first_name, last_name=last_name, email=email.lower(), **fields)
    person.full_clean()
    person.save()
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
