from ninja import Router, Schema
from ninja.pagination import paginate

from klynge.core.permissions import ensure_api_permission
from klynge.ecosystem.selectors import people_with_affiliations

router = Router(tags=["ecosystem"])


class PersonAffiliationOut(Schema):
    organisation_id: int
    organisation: str
    role: str


class PersonOut(Schema):
    id: int
    first_name: str
    last_name: str
    email: str
    title: str
    affiliations: list[PersonAffiliationOut]

    @staticmethod
    def resolve_affiliations(person) -> list[dict]:
        return [
            {
                "organisation_id": a.organisation_id,
                "organisation": a.organisation.name,
                "role": a.role,
            }
            for a in person.current_affiliations
        ]


@router.get("/people", response=list[PersonOut], summary="People in the ecosystem (staff)")
@paginate
def list_people(request):
    ensure_api_permission(request, "ecosystem.view_person_list")
    return people_with_affiliations()
