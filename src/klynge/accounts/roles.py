"""Which roles a signed-in user plays, derived from the user and their current affiliations.

Computed once per request and cached on the user object, so predicates, navigation and the
dashboard ask the database once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import models
from django.utils.translation import gettext_lazy as _

from klynge.ecosystem.models import Affiliation, AffiliationRole, MembershipStatus


class Role(models.TextChoices):
    STAFF_ADMIN = "staff_admin", _("Cluster staff (administrator)")
    STAFF = "staff", _("Cluster staff")
    MEMBER_ADMIN = "member_admin", _("Member administrator")
    MEMBER_EMPLOYEE = "member_employee", _("Member employee")
    FOUNDER = "founder", _("Startup founder")
    STUDENT = "student", _("Student or talent")


@dataclass(frozen=True)
class UserRoles:
    roles: frozenset[str]
    affiliations: tuple[Affiliation, ...] = ()
    administered_ids: frozenset[int] = field(default_factory=frozenset)
    affiliated_ids: frozenset[int] = field(default_factory=frozenset)

    def has(self, role: str) -> bool:
        return role in self.roles

    @property
    def ordered(self) -> list[str]:
        """The user's roles in the order of `Role`, most privileged first."""
        return [role for role in Role.values if role in self.roles]


_ANONYMOUS = UserRoles(roles=frozenset())
_CACHE_ATTRIBUTE = "_klynge_roles"


def roles_for(user) -> UserRoles:
    if user is None or not user.is_authenticated or not user.is_active:
        return _ANONYMOUS
    cached = getattr(user, _CACHE_ATTRIBUTE, None)
    if cached is not None:
        return cached
    affiliations = tuple(
        Affiliation.objects.current()
        .filter(person__user=user)
        .select_related("organisation")
        .order_by("organisation__name", "role")
    )
    roles: set[str] = set()
    if user.is_staff:
        roles.add(Role.STAFF)
        if user.is_superuser:
            roles.add(Role.STAFF_ADMIN)
    administered = set()
    for affiliation in affiliations:
        is_member_org = affiliation.organisation.membership_status == MembershipStatus.MEMBER
        if affiliation.role == AffiliationRole.STUDENT:
            roles.add(Role.STUDENT)
        elif affiliation.role == AffiliationRole.FOUNDER:
            roles.add(Role.FOUNDER)
            if is_member_org:
                roles.add(Role.MEMBER_EMPLOYEE)
        elif is_member_org:
            roles.add(Role.MEMBER_EMPLOYEE)
            if affiliation.role == AffiliationRole.MEMBER_ADMIN:
                roles.add(Role.MEMBER_ADMIN)
                administered.add(affiliation.organisation_id)
    result = UserRoles(
        roles=frozenset(roles),
        affiliations=affiliations,
        administered_ids=frozenset(administered),
        affiliated_ids=frozenset(a.organisation_id for a in affiliations),
    )
    setattr(user, _CACHE_ATTRIBUTE, result)
    return result


def is_staff_user(user) -> bool:
    """Whether `user` is cluster staff, as `roles_for` decides it, from the user alone (no
    query: the API's staff endpoints and the registration path ask this on every request)."""
    return user is not None and user.is_authenticated and user.is_active and user.is_staff


def is_staff_admin_user(user) -> bool:
    return is_staff_user(user) and user.is_superuser


def forget_roles(user) -> None:
    """Drops the cached roles after a service changed the user's affiliations."""
    if hasattr(user, _CACHE_ATTRIBUTE):
        delattr(user, _CACHE_ATTRIBUTE)
