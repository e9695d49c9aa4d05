"""Writes to organisations, people and affiliations. Each records itself in the audit log.

Affiliations are who acts for which organisation (the roles follow from them), so they change
only here: `affiliate` ties a person to an organisation, `add_person_to_organisation` adds a new
colleague (or, for staff, one already in the directory), `change_affiliation_role` and
`end_affiliation` take effect at once.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from klynge.core import audit
from klynge.ecosystem.models import (
    CONSENT_FIELD,
    Affiliation,
    AffiliationRole,
    ConsentKind,
    ConsentRecord,
    ErasedAddress,
    Organisation,
    Person,
)
from klynge.ecosystem.registry import clean_registry_number

_M2M_FIELDS = {"sectors", "nace_codes", "sdgs", "competences", "offers", "needs"}


# Path segments under /directory/ that are pages, not organisations: an organisation named
# "Network" gets the slug "network-2", so both stay reachable.
RESERVED_SLUGS = frozenset({"export", "import", "network", "new", "people", "privacy"})


def unique_slug(name: str) -> str:
    base = slugify(name)[:90] or "organisation"
    slug, n = (f"{base}-2", 3) if base in RESERVED_SLUGS else (base, 2)
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


def _check_role(role: str) -> None:
    if role not in AffiliationRole.values:
        raise ValidationError({"role": [_("Choose one of the offered roles.")]})


@transaction.atomic
def affiliate(
    *,
    actor,
    person: Person,
    organisation: Organisation,
    role: str,
    start_date: datetime.date | None = None,
) -> Affiliation:
    """Ties a person to an organisation with a role; an identical open tie is returned as is.

    Refuses an unknown role, an erased person and an organisation merged into another.
    """
    _check_role(role)
    if person.erased_at is not None:
        raise ValidationError(_("This person was erased and cannot be added."))
    if organisation.merged_into_id is not None:
        raise ValidationError(
            _("%(name)s was merged into another organisation.") % {"name": organisation.name}
        )
    existing = Affiliation.objects.filter(
        person=person, organisation=organisation, role=role, end_date__isnull=True
    ).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            affiliation = Affiliation.objects.create(
                person=person, organisation=organisation, role=role, start_date=start_date
            )
    except IntegrityError:  # a concurrent request opened the same tie a moment ago
        return Affiliation.objects.get(
            person=person, organisation=organisation, role=role, end_date__isnull=True
        )
    audit.record(
        actor=actor,
        action="ecosystem.affiliation.create",
        target=affiliation,
        data={"role": role, "organisation": organisation.pk},
    )
    return affiliation


@transaction.atomic
def add_person_to_organisation(
    *,
    actor,
    organisation: Organisation,
    role: str,
    first_name: str,
    last_name: str,
    email: str = "",
    title: str = "",
    phone: str = "",
    start_date: datetime.date | None = None,
    link_existing: bool = False,
) -> Affiliation:
    """Adds a colleague (a contact without a login) to the organisation with a role.

    When a person with the e-mail address is in the directory already, `link_existing` (for
    cluster staff) ties that person to the organisation; otherwise it is refused, because tying
    someone to an organisation lets its member admins edit their profile: invite them instead,
    so that they confirm it themselves.
    """
    _check_role(role)
    first_name, last_name, email = first_name.strip(), last_name.strip(), email.strip().lower()
    errors: dict[str, list[str]] = {}
    if not first_name:
        errors["first_name"] = [_("Enter the first name.")]
    if not last_name:
        errors["last_name"] = [_("Enter the last name.")]
    if errors:
        raise ValidationError(errors)
    existing = Person.objects.filter(email__iexact=email).first() if email else None
    if existing is not None and not link_existing:
        raise ValidationError(
            {
                "email": [
                    _(
                        "Someone with this e-mail address is in the directory already. Invite "
                        "them instead, so that they confirm they work for you."
                    )
                ]
            }
        )
    if existing is not None:
        person = existing
    else:
        person = create_person(
            actor=actor,
            first_name=first_name,
            last_name=last_name,
            email=email,
            title=title.strip(),
            phone=phone.strip(),
        )
    return affiliate(
        actor=actor,
        person=person,
        organisation=organisation,
        role=role,
        start_date=start_date or timezone.localdate(),
    )


def _locked_open(affiliation: Affiliation) -> Affiliation:
    """The tie, locked for the change, if it still counts today; else a localised refusal.

    The organisation's row is locked first, so changes to its people happen one after the
    other: two admins removing each other at once cannot leave it without an admin.
    """
    Organisation.objects.select_for_update().filter(pk=affiliation.organisation_id).first()
    affiliation = (
        Affiliation.objects.select_for_update(of=("self",))
        .select_related("person", "organisation")
        .get(pk=affiliation.pk)
    )
    today = timezone.localdate()
    if affiliation.end_date is not None and affiliation.end_date < today:
        raise ValidationError(_("This affiliation has ended already."))
    return affiliation


def _check_an_admin_stays(affiliation: Affiliation) -> None:
    """Refuses to remove the organisation's last member administrator."""
    if affiliation.role != AffiliationRole.MEMBER_ADMIN:
        return
    others = (
        Affiliation.objects.current()
        .filter(organisation_id=affiliation.organisation_id, role=AffiliationRole.MEMBER_ADMIN)
        .exclude(person_id=affiliation.person_id)
    )
    if not others.exists():
        raise ValidationError(
            _(
                "%(name)s needs at least one member administrator: make a colleague member "
                "administrator first."
            )
            % {"name": affiliation.organisation.name}
        )


def _stop(affiliation: Affiliation, today: datetime.date) -> str:
    """Makes the tie stop counting today. A tie counts while its end date is today or later,
    so its last day becomes yesterday; a tie that only began today (or has not begun) never
    took effect and is removed. Returns "ended" or "withdrawn"."""
    if affiliation.start_date is not None and affiliation.start_date >= today:
        affiliation.delete()
        return "withdrawn"
    affiliation.end_date = today - datetime.timedelta(days=1)
    affiliation.save(update_fields=["end_date", "updated_at"])
    return "ended"


def _forget_roles_of(person: Person, actor) -> None:
    """The roles are cached on user objects for a request: drop them where they changed."""
    from klynge.accounts.roles import forget_roles

    for user in (person.user, actor):
        if user is not None and getattr(user, "pk", None) == person.user_id:
            forget_roles(user)


@transaction.atomic
def end_affiliation(
    *,
    actor,
    affiliation: Affiliation,
    end_date: datetime.date | None = None,
    keep_an_admin: bool = True,
) -> Affiliation:
    """Ends a person's tie to an organisation.

    Without `end_date` it takes effect at once: the person stops acting for the organisation
    (and loses the roles it gave them) from this request on. With a future `end_date` the tie
    counts until and including that day. `keep_an_admin` (for member admins) refuses to end the
    organisation's last member administrator; cluster staff may. Records
    ``ecosystem.affiliation.end``.
    """
    affiliation = _locked_open(affiliation)
    today = timezone.localdate()
    if end_date is not None and end_date < today:
        raise ValidationError({"end_date": [_("The end cannot be in the past.")]})
    if end_date is not None and affiliation.start_date and end_date < affiliation.start_date:
        raise ValidationError({"end_date": [_("The end cannot be before the start.")]})
    if keep_an_admin:
        _check_an_admin_stays(affiliation)
    affiliation_id = affiliation.pk
    if end_date is None:
        outcome = _stop(affiliation, today)
    else:
        affiliation.end_date = end_date
        affiliation.save(update_fields=["end_date", "updated_at"])
        outcome = "ended"
    audit.record(
        actor=actor,
        action="ecosystem.affiliation.end",
        # A withdrawn tie is gone: the entry points at its organisation instead.
        target=affiliation if outcome == "ended" else affiliation.organisation,
        data={
            "affiliation": affiliation_id,
            "person": affiliation.person_id,
            "role": affiliation.role,
            "outcome": outcome,
            "end_date": affiliation.end_date.isoformat() if affiliation.end_date else None,
        },
    )
    _forget_roles_of(affiliation.person, actor)
    return affiliation


@transaction.atomic
def change_affiliation_role(
    *, actor, affiliation: Affiliation, role: str, keep_an_admin: bool = True
) -> Affiliation:
    """Gives a person another role at the same organisation, from today on.

    The old tie ends yesterday and a new one starts today, so the history keeps both periods (a
    tie that began today simply changes). Refuses a role the person has there already, and, with
    `keep_an_admin`, taking the member administrator role from the organisation's last one.
    Returns the tie that now holds the role.
    """
    _check_role(role)
    affiliation = _locked_open(affiliation)
    if affiliation.role == role:
        return affiliation
    if (
        Affiliation.objects.current()
        .filter(person=affiliation.person, organisation=affiliation.organisation, role=role)
        .exists()
    ):
        raise ValidationError(
            {"role": [_("%(name)s has this role already.") % {"name": affiliation.person}]}
        )
    if keep_an_admin:
        _check_an_admin_stays(affiliation)
    today = timezone.localdate()
    previous, planned_end = affiliation.role, affiliation.end_date
    if affiliation.start_date is not None and affiliation.start_date >= today:
        affiliation.role = role
        affiliation.save(update_fields=["role", "updated_at"])
        current = affiliation
    else:
        _stop(affiliation, today)
        current = Affiliation.objects.create(
            person=affiliation.person,
            organisation=affiliation.organisation,
            role=role,
            start_date=today,
            end_date=planned_end,
        )
    audit.record(
        actor=actor,
        action="ecosystem.affiliation.role",
        target=current,
        data={"from": previous, "to": role, "previous": affiliation.pk},
    )
    _forget_roles_of(current.person, actor)
    return current
