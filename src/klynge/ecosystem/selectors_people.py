"""Reads of people and their ties to organisations: who may find whom (the people list and the
API), and an organisation's people as its member admins and the staff manage them.

Who may see a person follows the same rule as the person page (`selectors.get_person_for_user`):
staff see everyone; the person, and the member admins of an organisation they work for, see
them; members see everyone listed in the directory; others, the listed people of member and
partner organisations.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from klynge.accounts.models import Invitation
from klynge.accounts.roles import roles_for
from klynge.ecosystem.models import Affiliation, Organisation, Person
from klynge.ecosystem.selectors import (
    PUBLIC_STATUSES,
    Level,
    directory_level,
    people_with_affiliations,
)


def people_visible_to(user, *, q: str = "", organisation_id: int | None = None) -> QuerySet[Person]:
    """The people `user` may find, with their current affiliations prefetched (two queries
    for any page of them). `q` matches names (and, for those who see them, e-mail addresses);
    `organisation_id` keeps the people currently affiliated with that organisation."""
    people = people_with_affiliations()
    level = directory_level(user)
    if level < Level.STAFF:
        current = Affiliation.objects.current()
        listed = Q(listed_in_directory=True, erased_at__isnull=True)
        if level < Level.MEMBER:
            public_ids = current.filter(organisation__membership_status__in=PUBLIC_STATUSES).values(
                "person_id"
            )
            listed &= Q(pk__in=public_ids)
        administered = roles_for(user).administered_ids
        visible = listed
        if user.is_authenticated:
            visible |= Q(user_id=user.pk)
        if administered:
            visible |= Q(
                pk__in=current.filter(organisation_id__in=administered).values("person_id")
            )
        people = people.filter(visible)
    if q:
        for word in q.split():
            match = Q(first_name__icontains=word) | Q(last_name__icontains=word)
            if level >= Level.MEMBER:
                match |= Q(email__icontains=word)
            people = people.filter(match)
    if organisation_id is not None:
        people = people.filter(
            pk__in=Affiliation.objects.current()
            .filter(organisation_id=organisation_id)
            .values("person_id")
        )
    return people.order_by("last_name", "first_name", "id")


def current_people(organisation: Organisation) -> list[Affiliation]:
    """The organisation's ties that count today, with their people and logins (one query)."""
    return list(
        Affiliation.objects.current()
        .filter(organisation=organisation)
        .select_related("person", "person__user")
        .order_by("person__last_name", "person__first_name", "role", "id")
    )


def former_people(organisation: Organisation, limit: int = 50) -> list[Affiliation]:
    """The organisation's ended ties, most recently ended first (one query)."""
    return list(
        Affiliation.objects.filter(organisation=organisation, end_date__lt=timezone.localdate())
        .select_related("person")
        .order_by("-end_date", "person__last_name", "id")[:limit]
    )


def get_current_affiliation(organisation: Organisation, pk: int) -> Affiliation:
    """One of the organisation's ties that count today, else 404."""
    return get_object_or_404(
        Affiliation.objects.current()
        .filter(organisation=organisation)
        .select_related("person", "organisation"),
        pk=pk,
    )


def get_affiliation_by_id(pk: int) -> Affiliation:
    return get_object_or_404(Affiliation.objects.select_related("person", "organisation"), pk=pk)


def pending_invitations(organisation: Organisation) -> list[Invitation]:
    return list(
        Invitation.objects.pending()
        .filter(organisation=organisation)
        .select_related("invited_by")
        .order_by("-created_at", "-id")
    )
