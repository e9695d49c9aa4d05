from datetime import datetime
from typing import Annotated, Literal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from klynge.core.permissions import ensure_api_permission
from klynge.ecosystem import privacy, services_people
from klynge.ecosystem.api_people import router as people_router
from klynge.ecosystem.models import (
    AffiliationRole,
    Country,
    MembershipStatus,
    NaceCode,
    Organisation,
    OrganisationKind,
    Sdg,
    Sector,
)
from klynge.ecosystem.registry import clean_registry_number
from klynge.ecosystem.search import (
    PAGE_SIZE,
    SORTS,
    DirectoryFilters,
    count_matches,
    filter_directory,
)
from klynge.ecosystem.selectors import (
    Level,
    directory_level,
    directory_queryset,
    get_organisation_by_id_for_user,
    organisation_profile,
)

router = Router(tags=["ecosystem"])
# People and an organisation's people (GET/POST /people, /people/{id}, ...).
router.add_router("", people_router)


# --- Organisations ----------------------------------------------------------------------------


class OrganisationFilters(Schema):
    q: str = Field("", max_length=200, description="Words that must all occur.")
    kind: list[OrganisationKind] = Field([], description="Any of these kinds.")
    sector: list[str] = Field([], description="Top-level media sector slugs.")
    region: list[str] = []
    country: list[Country] = []
    membership_status: list[MembershipStatus] = Field(
        [], description="Prospects and non-members are listed for staff only."
    )
    sdg: list[int] = []
    tier: list[Annotated[int, Field(ge=1, le=2**63 - 1)]] = Field(
        [],
        description="Ids of membership tiers: organisations whose current (active or grace) "
        "membership is in one of them. For members and staff; ignored for other callers.",
    )
    sort: str = Field("name", pattern="^(name|newest|size)$")


class OrganisationSummaryOut(Schema):
    id: int
    slug: str
    name: str
    kind: str
    city: str
    region: str
    country: str
    website: str
    membership_status: str


class OrganisationPersonOut(Schema):
    id: int
    name: str
    title: str
    role: str
    email: str | None = None
    listed_in_directory: bool | None = None
    newsletter: bool | None = None
    photos: bool | None = None


class OrganisationOut(Schema):
    """The fields a caller may see: public ones for everyone, more for members and staff.

    Fields the caller may not see are left out of the answer."""

    id: int
    slug: str
    name: str
    kind: str
    city: str
    region: str
    country: str
    website: str
    logo: str | None
    description_en: str
    description_da: str
    sectors: list[str]
    sdgs: list[int]
    competences: list[str]
    offers: list[str]
    needs: list[str]
    offers_text: str
    needs_text: str
    member_badge: str | None
    registry_number: str | None = None
    size_band: str | None = None
    employees: int | None = None
    founded_year: int | None = None
    street: str | None = None
    postal_code: str | None = None
    municipality: str | None = None
    email: str | None = None
    phone: str | None = None
    nace_codes: list[str] | None = None
    people: list[OrganisationPersonOut] | None = None
    membership_status: str | None = None
    triple_helix: str | None = None
    merged_into: int | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


class OrganisationFieldsIn(Schema):
    kind: OrganisationKind | None = None
    country: Country | None = None
    registry_number: str | None = Field(None, max_length=20)
    employees: int | None = Field(None, ge=0)
    founded_year: int | None = Field(None, ge=1000, le=2200)
    street: str | None = Field(None, max_length=200)
    postal_code: str | None = Field(None, max_length=20)
    city: str | None = Field(None, max_length=100)
    municipality: str | None = Field(None, max_length=100)
    region: str | None = Field(None, max_length=100)
    website: str | None = Field(None, max_length=200)
    email: str | None = Field(None, max_length=254)
    phone: str | None = Field(None, max_length=40)
    description_en: str | None = None
    description_da: str | None = None
    offers_text: str | None = None
    needs_text: str | None = None
    sectors: list[str] | None = Field(None, description="Sector slugs.")
    nace_codes: list[str] | None = Field(None, description="NACE Rev. 2 codes, e.g. 59.11.")
    sdgs: list[int] | None = None
    competences: list[str] | None = Field(None, description="Tag names.")
    offers: list[str] | None = Field(None, description="Tag names.")
    needs: list[str] | None = Field(None, description="Tag names.")


class ContactIn(Schema):
    first_name: str = Field(..., max_length=100)
    last_name: str = Field(..., max_length=100)
    email: str = Field("", max_length=254)
    title: str = Field("", max_length=150)
    phone: str = Field("", max_length=40)
    role: AffiliationRole = AffiliationRole.CONTACT


class OrganisationIn(OrganisationFieldsIn):
    name: str = Field(..., min_length=1, max_length=200)
    kind: OrganisationKind
    country: Country
    registry_number: str = Field("", max_length=20)
    membership_status: Literal["none", "prospect", "partner"] = Field(
        "none", description='"member" follows from an approved membership.'
    )
    contact: ContactIn | None = Field(
        None,
        description="The contact person, added with the organisation (someone in the "
        "directory with this e-mail address is tied to it instead). Errors name "
        '"contact.<field>".',
    )


class OrganisationPatch(OrganisationFieldsIn):
    name: str | None = Field(None, min_length=1, max_length=200)


class InvalidOut(Schema):
    detail: str
    errors: dict[str, list[str]]


def _invalid(field: str, messages: list[str]):
    return Status(422, {"detail": _("The input is not valid."), "errors": {field: messages}})


_LIST_FIELDS = {"sectors", "nace_codes", "sdgs", "competences", "offers", "needs"}
_NULLABLE_FIELDS = {"employees", "founded_year"}


def _service_arguments(data: dict) -> dict:
    """Turns API input (slugs, codes, numbers, tag names) into service arguments. A null clears
    a field; an unknown sector, NACE code or SDG raises ValidationError naming the field."""
    data = {
        key: value
        if value is not None or key in _NULLABLE_FIELDS
        else ([] if key in _LIST_FIELDS else "")
        for key, value in data.items()
    }
    tags = {field: data.pop(field) for field in ("competences", "offers", "needs") if field in data}
    lookups = {
        "sectors": (Sector, "slug"),
        "nace_codes": (NaceCode, "code"),
        "sdgs": (Sdg, "number"),
    }
    for field, (model, key) in lookups.items():
        if field not in data:
            continue
        wanted = list(dict.fromkeys(data[field]))
        found = {getattr(obj, key): obj for obj in model.objects.filter(**{f"{key}__in": wanted})}
        missing = [str(value) for value in wanted if value not in found]
        if missing:
            raise ValidationError(
                {field: [_("Unknown: %(values)s.") % {"values": ", ".join(missing)}]}
            )
        data[field] = [found[value] for value in wanted]
    return {**data, "tags": tags}


def _profile(request, organisation: Organisation) -> dict:
    """The organisation as the caller may see it; staff seeing its people's e-mails and
    consents is recorded in the audit log."""
    data = organisation_profile(request.auth, organisation)
    if directory_level(request.auth) == Level.STAFF and data.get("people"):
        privacy.record_personal_data_list_view(
            actor=request.auth,
            page="api organisation",
            people=[person["id"] for person in data["people"]],
            target=organisation,
        )
    return data


def _check_registry_number(country: str, number: str):
    """The contract demands 422 for a wrong check digit, before any service runs."""
    try:
        clean_registry_number(country, number)
    except ValidationError as error:
        return _invalid("registry_number", error.messages)
    return None


@router.get(
    "/organisations",
    response=list[OrganisationSummaryOut],
    summary="Search the directory",
    description="The organisations the caller may find, filtered like the directory page: "
    "`q` (every word must occur) and the facets, each repeatable. Answers "
    '`{"items": [...], "count": N}`, 25 per page (`page=`).',
)
@paginate(PageNumberPagination, page_size=PAGE_SIZE)
def list_organisations(request, query: Query[OrganisationFilters]):
    filters = query
    ensure_api_permission(request, "ecosystem.view_organisation")
    directory_filters = DirectoryFilters(
        q=filters.q.strip(),
        kind=[str(v.value) for v in filters.kind],
        sector=filters.sector,
        region=filters.region,
        country=[str(v.value) for v in filters.country],
        membership_status=[str(v.value) for v in filters.membership_status],
        sdg=filters.sdg,
        # Membership tiers are member information: ignored for other callers.
        tier=filters.tier if directory_level(request.auth) >= Level.MEMBER else [],
        sort=filters.sort,
    )
    if directory_filters.q:
        directory_filters.matches = count_matches(directory_filters.q)
    return (
        filter_directory(directory_queryset(request.auth), directory_filters)
        .order_by(*SORTS[directory_filters.sort])
        .defer("search_text")
    )


@router.post(
    "/organisations",
    response={201: OrganisationOut, 422: InvalidOut},
    exclude_unset=True,
    summary="Create an organisation (staff)",
)
def create_organisation(request, payload: OrganisationIn):
    ensure_api_permission(request, "ecosystem.add_organisation")
    invalid = _check_registry_number(payload.country.value, payload.registry_number)
    if invalid:
        return invalid
    data = payload.dict(exclude_unset=True)
    data.update(kind=payload.kind.value, country=payload.country.value)
    contact = data.pop("contact", None)
    if contact:
        contact["role"] = payload.contact.role.value
    organisation = services_people.create_organisation_with_contact(
        actor=request.auth, contact=contact, **_service_arguments(data)
    )
    return Status(201, _profile(request, organisation))


@router.get(
    "/organisations/{organisation_id}",
    response=OrganisationOut,
    exclude_unset=True,
    summary="One organisation, with the fields the caller may see",
)
def get_organisation(request, organisation_id: int):
    organisation = get_organisation_by_id_for_user(request.auth, organisation_id)
    ensure_api_permission(request, "ecosystem.view_organisation", organisation)
    return _profile(request, organisation)


@router.patch(
    "/organisations/{organisation_id}",
    response={200: OrganisationOut, 422: InvalidOut},
    exclude_unset=True,
    summary="Change an organisation (staff, or its member admin)",
)
def update_organisation(request, organisation_id: int, payload: OrganisationPatch):
    organisation = get_organisation_by_id_for_user(request.auth, organisation_id)
    ensure_api_permission(request, "ecosystem.change_organisation", organisation)
    data = payload.dict(exclude_unset=True)
    for field in ("kind", "country"):
        if data.get(field) is not None:
            data[field] = getattr(payload, field).value
        elif field in data:
            return _invalid(field, [_("This field is required.")])
    if "registry_number" in data or "country" in data:
        invalid = _check_registry_number(
            data.get("country", organisation.country),
            data["registry_number"] or ""
            if "registry_number" in data
            else organisation.registry_number,
        )
        if invalid:
            return invalid
    if "name" in data and data["name"] is None:
        return _invalid("name", [_("This field is required.")])
    services_people.update_organisation_profile(
        actor=request.auth, organisation=organisation, **_service_arguments(data)
    )
    return Status(200, _profile(request, Organisation.objects.get(pk=organisation.pk)))
