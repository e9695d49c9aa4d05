"""The predicates every permission in Klynge is built from (django-rules)."""

import rules

from klynge.accounts.roles import Role, is_staff_admin_user, is_staff_user, roles_for


@rules.predicate
def is_cluster_staff(user) -> bool:
    return is_staff_user(user)


@rules.predicate
def is_staff_admin(user) -> bool:
    return is_staff_admin_user(user)


@rules.predicate
def is_member_admin(user) -> bool:
    """Administers at least one member organisation."""
    return roles_for(user).has(Role.MEMBER_ADMIN)


@rules.predicate
def is_member_admin_of(user, organisation) -> bool:
    return organisation is not None and organisation.pk in roles_for(user).administered_ids


@rules.predicate
def acts_for(user, organisation) -> bool:
    """The user is currently affiliated with the organisation, so may act for it."""
    return organisation is not None and organisation.pk in roles_for(user).affiliated_ids


@rules.predicate
def is_member_person(user) -> bool:
    return roles_for(user).has(Role.MEMBER_EMPLOYEE)
