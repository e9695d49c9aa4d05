"""People and their ties to organisations in the API, with the same rules as the pages:

- `GET /people` lists the people the caller may find (staff: everyone; members: everyone listed
  in the directory; everyone: themselves and the people they administer), `GET /people/{id}`
  shows one with the fields the person page shows the caller, `PATCH /people/{id}` changes what
  the caller may edit there (the person themselves, their member admin, staff); consents are
  the person's own to give (and the staff's to record).
- `GET/POST /organisations/{id}/people`, `PATCH /affiliations/{id}` and
  `POST /affiliations/{id}/end`: an organisation's member admins and the staff manage its people.

Staff reading personal data here is recorded in the audit log, as on the pages.
"""

import datetime
from enum import Enum

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import LimitOffsetPagination, paginate

from klynge.core.permissions import ensure_api_permission
from klynge.ecosystem import privacy, services, services_people
from klynge.ecosystem.models import AffiliationRole, Person
from klynge.ecosystem.selectors import (
    Level,
    directory_level,
    get_organisation_by_id_for_user,
    get_person_for_user,
    people_with_affiliations,
    person_affiliations_for,
    person_fields_for,
)
from klynge.ecosystem.selectors_people import (
    current_people,
    former_people,
    get_affiliation_by_id,
    people_visible_to,
)

router = Router(tags=["ecosystem"])

MAX_ID = 2**63 - 1
Language = Enum("Language", {code: code for code in services_people.LANGUAGE_CODES}, type=str)


class PersonAffiliationOut(Schema):
    organisation_id: int
    organisation: str
    role: str


class PersonOut(Schema):
    """Fields the caller may not see are left out (e-mail: members, the person, their admin
    and staff)."""

    id: int
    first_name: str
    last_name: str
    email: str | None = None
    title: str
    affiliations: list[PersonAffiliationOut]


class PersonDetailOut(PersonOut):
    phone: str | None = None
    other_emails: list[str] | None = None
    bio: str
    languages: list[str]
    interests: list[str]
    listed_in_directory: bool | None = None
    newsletter: bool | None = None
    photos: bool | None = None


def person_data(user, person: Person, *, detail: bool = False) -> dict:
    """The person as `user` may see them (the fields of the person page)."""
    fields = person_fields_for(user, person)
    data = {
        "id": person.pk,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "title": person.title,
        "affiliations": [
            {
                "organisation_id": affiliation.organisation_id,
                "organisation": affiliation.organisation.name,
                "role": affiliation.role,
            }
            for affiliation in person_affiliations_for(user, person, fields)
        ],
    }
    if "email" in fields:
        data["email"] = person.email
    if detail:
        data.update(
            bio=person.bio,
            languages=list(person.languages),
            interests=sorted(tag.name for tag in person.interests.all()),
        )
        if "phone" in fields:
            data["phone"] = person.phone
        if "other_emails" in fields:
            data["other_emails"] = list(person.other_emails)
        if "consents" in fields:
            data.update(
                listed_in_directory=person.listed_in_directory,
                newsletter=person.newsletter,
                photos=person.photos,
            )
    return data


class PeoplePagination(LimitOffsetPagination):
    """One page of people, each as the caller may see them; staff reading it is audited."""

    def paginate_queryset(self, queryset, pagination, request, **params):
        page = super().paginate_queryset(queryset, pagination, request=request, **params)
        people = list(page["items"])
        if directory_level(request.auth) == Level.STAFF:
            privacy.record_personal_data_list_view(
                actor=request.auth, page="api people", people=people
            )
        page["items"] = [person_data(request.auth, person) for person in people]
        return page


class PeopleFilter(Schema):
    q: str = Field("", max_length=200, description="Words in the name (or e-mail, for members).")
    organisation: int | None = Field(
        None, ge=1, le=MAX_ID, description="People currently affiliated with this organisation."
    )


@router.get(
    "/people",
    response=list[PersonOut],
    exclude_unset=True,
    summary="The people the caller may find (staff: everyone)",
)
@paginate(PeoplePagination)
def list_people(request, filters: Query[PeopleFilter]):
    ensure_api_permission(request, "ecosystem.list_people")
    return people_visible_to(
        request.auth, q=filters.q.strip(), organisation_id=filters.organisation
    )


class PersonIn(Schema):
    first_name: str = Field(..., min_length=1, max_length=100)
    last_name: str = Field(..., min_length=1, max_length=100)
    email: str = Field(..., min_length=3, max_length=254)
    title: str = Field("", max_length=150)
    phone: str = Field("", max_length=40)


@router.post(
    "/people",
    response={201: PersonOut},
    summary="Create a person, a contact without a login (staff)",
)
def create_person(request, payload: PersonIn):
    """400 with a message on `email` when the address is not valid or another person has it."""
    ensure_api_permission(request, "ecosystem.add_person")
    person = services.create_person(actor=request.auth, **payload.dict())
    return Status(201, person_data(request.auth, people_with_affiliations().get(pk=person.pk)))


def _person(request, person_id: int) -> Person:
    return get_person_for_user(request.auth, person_id)


@router.get(
    "/people/{person_id}",
    response=PersonDetailOut,
    exclude_unset=True,
    summary="One person, with the fields the caller may see",
)
def get_person(request, person_id: int = Path(..., ge=1, le=MAX_ID)):
    person = _person(request, person_id)
    ensure_api_permission(request, "ecosystem.view_person", person)
    if directory_level(request.auth) == Level.STAFF:
        privacy.record_personal_data_view(actor=request.auth, person=person, page="api")
    return person_data(request.auth, person, detail=True)


class PersonPatch(Schema):
    first_name: str | None = Field(None, min_length=1, max_length=100)
    last_name: str | None = Field(None, min_length=1, max_length=100)
    title: str | None = Field(None, max_length=150)
    phone: str | None = Field(None, max_length=40)
    bio: str | None = Field(None, max_length=5000)
    languages: list[Language] | None = None
    interests: list[str] | None = Field(None, description="Tag names.")
    listed_in_directory: bool | None = None
    newsletter: bool | None = None
    photos: bool | None = None


_CONSENTS = {"listed_in_directory": "directory", "newsletter": "newsletter", "photos": "photos"}


@router.patch(
    "/people/{person_id}",
    response=PersonDetailOut,
    exclude_unset=True,
    summary="Change a person (themselves, their member admin, staff)",
    description="Consents (`listed_in_directory`, `newsletter`, `photos`) are the person's own "
    "to give; staff record them too. A member admin sending them gets 403.",
)
def update_person(request, payload: PersonPatch, person_id: int = Path(..., ge=1, le=MAX_ID)):
    person = _person(request, person_id)
    ensure_api_permission(request, "ecosystem.change_person", person)
    data = payload.dict(exclude_unset=True)
    consents = {_CONSENTS[key]: bool(data.pop(key)) for key in list(data) if key in _CONSENTS}
    if consents and "consents" not in person_fields_for(request.auth, person):
        raise HttpError(403, _("Only the person and the cluster staff change consents."))
    interests = data.pop("interests", None)
    if "languages" in data:
        data["languages"] = [str(code.value) for code in data["languages"] or []]
    # A null clears a text field; the service refuses a blank name per field.
    changes = {key: "" if value is None else value for key, value in data.items()}
    services_people.update_person(
        actor=request.auth,
        person=person,
        interests=interests,
        consents=consents,
        source="api",
        **changes,
    )
    return person_data(request.auth, _person(request, person_id), detail=True)


# --- An organisation's people -----------------------------------------------------------------


class AffiliationOut(Schema):
    id: int
    person_id: int
    first_name: str
    last_name: str
    email: str
    has_login: bool
    role: AffiliationRole
    start_date: datetime.date | None
    end_date: datetime.date | None


def affiliation_data(affiliation) -> dict:
    person = affiliation.person
    return {
        "id": affiliation.pk,
        "person_id": person.pk,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "email": person.email,
        "has_login": person.user_id is not None,
        "role": affiliation.role,
        "start_date": affiliation.start_date,
        "end_date": affiliation.end_date,
    }


def _managed_organisation(request, organisation_id: int):
    organisation = get_organisation_by_id_for_user(request.auth, organisation_id)
    ensure_api_permission(request, "ecosystem.manage_people", organisation)
    return organisation


def _record(request, organisation, affiliations) -> None:
    if directory_level(request.auth) == Level.STAFF:
        privacy.record_personal_data_list_view(
            actor=request.auth,
            page="api organisation people",
            people=[affiliation.person for affiliation in affiliations],
            target=organisation,
        )


@router.get(
    "/organisations/{organisation_id}/people",
    response=list[AffiliationOut],
    summary="An organisation's people (its member admins, staff)",
)
def list_organisation_people(
    request,
    organisation_id: int = Path(..., ge=1, le=MAX_ID),
    include_ended: bool = False,
):
    organisation = _managed_organisation(request, organisation_id)
    affiliations = current_people(organisation)
    if include_ended:
        affiliations += former_people(organisation, limit=500)
    _record(request, organisation, affiliations)
    return [affiliation_data(affiliation) for affiliation in affiliations]


class AffiliationIn(Schema):
    role: AffiliationRole
    person_id: int | None = Field(
        None, ge=1, le=MAX_ID, description="Someone in the directory already (staff only)."
    )
    first_name: str = Field("", max_length=100)
    last_name: str = Field("", max_length=100)
    email: str = Field("", max_length=254)
    title: str = Field("", max_length=150)
    phone: str = Field("", max_length=40)


@router.post(
    "/organisations/{organisation_id}/people",
    response={201: AffiliationOut},
    summary="Add a colleague: a new contact, or (staff) someone in the directory",
    description="Without `person_id`, adds a new person (a contact without a login; invite "
    "people who should sign in with `POST /invitations`). A member admin giving an e-mail "
    "address someone in the directory has gets 400: invite them instead.",
)
def add_organisation_person(
    request, payload: AffiliationIn, organisation_id: int = Path(..., ge=1, le=MAX_ID)
):
    organisation = _managed_organisation(request, organisation_id)
    role = payload.role.value
    if payload.person_id is not None:
        ensure_api_permission(request, "ecosystem.link_existing_person", organisation)
        person = get_object_or_404(Person, pk=payload.person_id)
        affiliation = services.affiliate(
            actor=request.auth, person=person, organisation=organisation, role=role
        )
    else:
        affiliation = services.add_person_to_organisation(
            actor=request.auth,
            organisation=organisation,
            role=role,
            link_existing=request.auth.has_perm("ecosystem.link_existing_person", organisation),
            **payload.dict(exclude={"role", "person_id"}),
        )
    return Status(201, affiliation_data(affiliation))


def _managed_affiliation(request, affiliation_id: int):
    affiliation = get_affiliation_by_id(affiliation_id)
    organisation = get_organisation_by_id_for_user(request.auth, affiliation.organisation_id)
    ensure_api_permission(request, "ecosystem.manage_people", organisation)
    return affiliation


def _keep_an_admin(request, affiliation) -> bool:
    return not request.auth.has_perm("ecosystem.remove_last_member_admin", affiliation.organisation)


class RolePatch(Schema):
    role: AffiliationRole


@router.patch(
    "/affiliations/{affiliation_id}",
    response=AffiliationOut,
    summary="Give a person another role at the organisation, from today",
    description="Answers the tie that now holds the role: the old one ends yesterday and a new "
    "one starts today (a tie that began today changes in place).",
)
def change_affiliation_role(
    request, payload: RolePatch, affiliation_id: int = Path(..., ge=1, le=MAX_ID)
):
    affiliation = _managed_affiliation(request, affiliation_id)
    current = services.change_affiliation_role(
        actor=request.auth,
        affiliation=affiliation,
        role=payload.role.value,
        keep_an_admin=_keep_an_admin(request, affiliation),
    )
    return affiliation_data(current)


class EndIn(Schema):
    end_date: datetime.date | None = Field(
        None, description="The last day the tie counts; none ends it at once."
    )


class EndOut(Schema):
    id: int
    outcome: str = Field(
        ..., description='"ended", or "withdrawn" for a tie that had not begun before today.'
    )
    end_date: datetime.date | None


@router.post(
    "/affiliations/{affiliation_id}/end",
    response=EndOut,
    summary="End a person's tie to an organisation (at once, or on a later day)",
)
def end_affiliation(
    request, payload: EndIn | None = None, affiliation_id: int = Path(..., ge=1, le=MAX_ID)
):
    affiliation = _managed_affiliation(request, affiliation_id)
    ended = services.end_affiliation(
        actor=request.auth,
        affiliation=affiliation,
        end_date=payload.end_date if payload else None,
        keep_an_admin=_keep_an_admin(request, affiliation),
    )
    if ended.pk is None:  # it had not begun: removed
        return {"id": affiliation_id, "outcome": "withdrawn", "end_date": None}
    return {"id": affiliation_id, "outcome": "ended", "end_date": ended.end_date}
