"""Reads of organisations and people, and who may see which of their fields.

Visibility is decided here once, by `fields_for` (organisations) and `person_fields_for`
(people), and the profile pages and the API both render from these sets, so they agree.
"""

from __future__ import annotations

from enum import IntEnum

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from klynge.accounts.roles import Role, roles_for
from klynge.ecosystem.models import (
    Affiliation,
    MembershipStatus,
    Organisation,
    OrganisationRelation,
    Person,
)

# Organisations everyone may find in the directory; the others are for cluster staff.
PUBLIC_STATUSES = (MembershipStatus.MEMBER, MembershipStatus.PARTNER)


class Level(IntEnum):
    PUBLIC = 0
    MEMBER = 1
    STAFF = 2


# Field classes of an organisation profile (the keys of `organisation_profile`).
PUBLIC_FIELDS = frozenset(
    {
        "id",
        "slug",
        "name",
        "kind",
        "city",
        "region",
        "country",
        "website",
        "logo",
        "description_en",
        "description_da",
        "sectors",
        "sdgs",
        "competences",
        "offers",
        "needs",
        "offers_text",
        "needs_text",
        "member_badge",
    }
)
MEMBER_FIELDS = PUBLIC_FIELDS | {
    "registry_number",
    "size_band",
    "employees",
    "founded_year",
    "street",
    "postal_code",
    "municipality",
    "email",
    "phone",
    "nace_codes",
    "people",
}
STAFF_FIELDS = MEMBER_FIELDS | {
    "membership_status",
    "triple_helix",
    "all_people",
    "people_consents",
    "merged_into",
    "created_at",
    "updated_at",
}
FIELDS_BY_LEVEL = {
    Level.PUBLIC: PUBLIC_FIELDS,
    Level.MEMBER: MEMBER_FIELDS,
    Level.STAFF: STAFF_FIELDS,
}


def directory_level(user) -> Level:
    """What the user sees of organisations in general: staff all, members more, others public."""
    roles = roles_for(user)
    if roles.has(Role.STAFF):
        return Level.STAFF
    if roles.has(Role.MEMBER_EMPLOYEE):
        return Level.MEMBER
    return Level.PUBLIC


def level_for(user, organisation: Organisation) -> Level:
    level = directory_level(user)
    if level == Level.PUBLIC and organisation.pk in roles_for(user).affiliated_ids:
        return Level.MEMBER  # its own people see its member fields
    return level


def fields_for(user, organisation: Organisation) -> frozenset[str]:
    """The profile fields of `organisation` the user may see.

    Public: what the directory shows everyone. Member fields: for members of the cluster and
    the organisation's own people. Staff: everything. The organisation's member admin also sees
    all its people (listed or not), whom they administer.
    """
    fields = FIELDS_BY_LEVEL[level_for(user, organisation)]
    if organisation.pk in roles_for(user).administered_ids:
        fields = fields | {"all_people"}
    return fields


def directory_queryset(user) -> QuerySet[Organisation]:
    """Live organisations the user may find: staff all, everyone else members and partners."""
    queryset = Organisation.objects.filter(merged_into__isnull=True)
    if directory_level(user) < Level.STAFF:
        queryset = queryset.filter(membership_status__in=PUBLIC_STATUSES)
    return queryset


def _may_see_organisation(user, organisation: Organisation) -> bool:
    if directory_level(user) == Level.STAFF:
        return True
    if organisation.pk in roles_for(user).affiliated_ids:
        return True
    return organisation.merged_into_id is None and organisation.membership_status in PUBLIC_STATUSES


def get_organisation_for_user(user, slug: str) -> Organisation:
    """The organisation with `slug` if the user may see it, else 404.

    Members and partners are public; prospects, non-members and merged duplicates are visible to
    staff and to the organisation's own people only.
    """
    organisation = get_object_or_404(Organisation, slug=slug)
    if not _may_see_organisation(user, organisation):
        raise Http404
    return organisation


def get_organisation_by_id_for_user(user, pk: int) -> Organisation:
    organisation = get_object_or_404(Organisation, pk=pk)
    if not _may_see_organisation(user, organisation):
        raise Http404
    return organisation


def organisation_people(organisation: Organisation) -> list[Affiliation]:
    return list(
        Affiliation.objects.current()
        .filter(organisation=organisation)
        .select_related("person")
        .order_by("person__last_name", "person__first_name", "role")
    )


def visible_people(organisation: Organisation, fields: frozenset[str]) -> list[Affiliation]:
    """The organisation's current people the viewer may see (one query): all of them with
    `all_people`, those listed in the directory with `people`, nobody otherwise."""
    if "all_people" not in fields and "people" not in fields:
        return []
    queryset = (
        Affiliation.objects.current()
        .filter(organisation=organisation, person__erased_at__isnull=True)
        .select_related("person")
        .order_by("person__last_name", "person__first_name", "role")
    )
    if "all_people" not in fields:
        queryset = queryset.filter(person__listed_in_directory=True)
    return list(queryset)


def organisation_relations(organisation: Organisation, user) -> list[dict]:
    """Typed ties in both directions to organisations the user may see (one query)."""
    visible = directory_queryset(user)
    outgoing = (
        OrganisationRelation.objects.filter(source=organisation, target__in=visible)
        .select_related("target")
        .order_by("kind", "target__name")
    )
    incoming = (
        OrganisationRelation.objects.filter(target=organisation, source__in=visible)
        .select_related("source")
        .order_by("kind", "source__name")
    )
    relations = [{"relation": r, "other": r.target, "direction": "out"} for r in outgoing] + [
        {"relation": r, "other": r.source, "direction": "in"} for r in incoming
    ]
    return relations


def organisation_with_tags(organisation: Organisation) -> Organisation:
    """Re-reads the organisation with its taxonomies and tags prefetched (six queries)."""
    return (
        Organisation.objects.prefetch_related(
            "sectors", "nace_codes", "sdgs", "competences", "offers", "needs"
        )
        .select_related("merged_into")
        .get(pk=organisation.pk)
    )


def _person_json(affiliation: Affiliation, fields: frozenset[str]) -> dict:
    person = affiliation.person
    data = {
        "id": person.pk,
        "name": person.full_name,
        "title": person.title,
        "role": affiliation.role,
    }
    if "people_consents" in fields:
        data.update(
            email=person.email,
            listed_in_directory=person.listed_in_directory,
            newsletter=person.newsletter,
            photos=person.photos,
        )
    return data


def organisation_profile(user, organisation: Organisation) -> dict:
    """The organisation as the user may see it, as JSON-ready data (the API's answer)."""
    fields = fields_for(user, organisation)
    organisation = organisation_with_tags(organisation)
    values = {
        "id": organisation.pk,
        "slug": organisation.slug,
        "name": organisation.name,
        "kind": organisation.kind,
        "city": organisation.city,
        "region": organisation.region,
        "country": organisation.country,
        "website": organisation.website,
        "logo": organisation.logo.url if organisation.logo else None,
        "description_en": organisation.description_en,
        "description_da": organisation.description_da,
        "sectors": [sector.slug for sector in organisation.sectors.all()],
        "sdgs": [sdg.number for sdg in organisation.sdgs.all()],
        "competences": sorted(tag.name for tag in organisation.competences.all()),
        "offers": sorted(tag.name for tag in organisation.offers.all()),
        "needs": sorted(tag.name for tag in organisation.needs.all()),
        "offers_text": organisation.offers_text,
        "needs_text": organisation.needs_text,
        "member_badge": (
            organisation.membership_status
            if organisation.membership_status in PUBLIC_STATUSES
            else None
        ),
        "registry_number": organisation.registry_number,
        "size_band": organisation.size_band,
        "employees": organisation.employees,
        "founded_year": organisation.founded_year,
        "street": organisation.street,
        "postal_code": organisation.postal_code,
        "municipality": organisation.municipality,
        "email": organisation.email,
        "phone": organisation.phone,
        "nace_codes": [code.code for code in organisation.nace_codes.all()],
        "membership_status": organisation.membership_status,
        "triple_helix": organisation.triple_helix,
        "merged_into": organisation.merged_into_id,
        "created_at": organisation.created_at,
        "updated_at": organisation.updated_at,
    }
    data = {key: value for key, value in values.items() if key in fields}
    if "people" in fields or "all_people" in fields:
        data["people"] = [_person_json(a, fields) for a in visible_people(organisation, fields)]
    return data


# --- People -----------------------------------------------------------------------------------

PERSON_PUBLIC_FIELDS = frozenset({"name", "title", "bio", "interests", "languages", "affiliations"})
PERSON_MEMBER_FIELDS = PERSON_PUBLIC_FIELDS | {"email", "phone"}
PERSON_FULL_FIELDS = PERSON_MEMBER_FIELDS | {"consents", "all_affiliations", "other_emails"}
# A member admin manages their colleagues' profiles, but consent is the person's own to give,
# and the person's ties to organisations the admin cannot see stay hidden.
PERSON_ADMIN_FIELDS = PERSON_FULL_FIELDS - {"consents", "all_affiliations"}


def people_with_affiliations() -> QuerySet[Person]:
    return Person.objects.prefetch_related(
        Prefetch(
            "affiliations",
            queryset=Affiliation.objects.current().select_related("organisation"),
            to_attr="current_affiliations",
        )
    )


def administers_person(user, person: Person) -> bool:
    """The user is member admin of an organisation the person currently works for."""
    administered = roles_for(user).administered_ids
    if not administered or person is None:
        return False
    affiliations = getattr(person, "current_affiliations", None)
    if affiliations is None:
        return (
            Affiliation.objects.current()
            .filter(person=person, organisation_id__in=administered)
            .exists()
        )
    return any(a.organisation_id in administered for a in affiliations)


def is_the_person(user, person: Person) -> bool:
    return person is not None and user.is_authenticated and person.user_id == user.pk


def person_fields_for(user, person: Person) -> frozenset[str]:
    """Staff, the person and their organisation's member admin see everything (including the
    consents); members see contact details; everyone else the public fields."""
    if directory_level(user) == Level.STAFF or is_the_person(user, person):
        return PERSON_FULL_FIELDS
    if administers_person(user, person):
        return PERSON_ADMIN_FIELDS
    if directory_level(user) == Level.MEMBER:
        return PERSON_MEMBER_FIELDS
    return PERSON_PUBLIC_FIELDS


def get_person_for_user(user, pk: int) -> Person:
    """The person if the user may see them, else 404 (three queries).

    Public: listed in the directory and working for a member or partner. Members: everyone
    listed. Staff, the person and their member admin: always (a person merged into another is
    for them only, as history).
    """
    person = get_object_or_404(people_with_affiliations().prefetch_related("interests"), pk=pk)
    if person_fields_for(user, person) in (PERSON_FULL_FIELDS, PERSON_ADMIN_FIELDS):
        return person
    if person.erased_at is not None or person.merged_into_id or not person.listed_in_directory:
        raise Http404
    if directory_level(user) == Level.MEMBER:
        return person
    if any(
        a.organisation.membership_status in PUBLIC_STATUSES for a in person.current_affiliations
    ):
        return person
    raise Http404


def person_affiliations_for(user, person: Person, fields: frozenset[str]) -> list[Affiliation]:
    """The person's current ties the viewer may see: to visible organisations only, unless
    the viewer sees everything."""
    if "all_affiliations" in fields:
        return list(person.current_affiliations)
    own = roles_for(user).affiliated_ids
    return [
        a
        for a in person.current_affiliations
        if (
            a.organisation.membership_status in PUBLIC_STATUSES
            and a.organisation.merged_into_id is None
        )
        or a.organisation_id in own
    ]


def member_organisations() -> QuerySet[Organisation]:
    return Organisation.objects.filter(membership_status="member")
