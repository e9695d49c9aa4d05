from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from klynge.ecosystem.models import Affiliation, Organisation, Person


def people_with_affiliations() -> QuerySet[Person]:
    return Person.objects.prefetch_related(
        Prefetch(
            "affiliations",
            queryset=Affiliation.objects.current().select_related("organisation"),
            to_attr="current_affiliations",
        )
    )


def get_organisation_for_user(user, slug: str) -> Organisation:
    """The organisation with `slug` if the user may see it (every profile is public so far)."""
    return get_object_or_404(Organisation, slug=slug)


def organisation_people(organisation: Organisation) -> list[Affiliation]:
    return list(
        Affiliation.objects.current()
        .filter(organisation=organisation)
        .select_related("person")
        .order_by("person__last_name", "person__first_name", "role")
    )


def member_organisations() -> QuerySet[Organisation]:
    return Organisation.objects.filter(membership_status="member")
