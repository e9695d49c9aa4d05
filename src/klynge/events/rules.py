import rules

from klynge.accounts.predicates import is_cluster_staff, is_member_admin, is_member_admin_of


@rules.predicate
def is_signed_in(user) -> bool:
    return user.is_authenticated


@rules.predicate
def owns_registration(user, registration) -> bool:
    return registration is not None and registration.person.user_id == user.pk


rules.add_perm("events.view_event", rules.always_allow)
rules.add_perm("events.view_event_list", rules.always_allow)
rules.add_perm("events.register", is_signed_in)
rules.add_perm("events.view_own_registrations", is_signed_in)
rules.add_perm("events.change_registration", is_signed_in & (owns_registration | is_cluster_staff))
rules.add_perm("events.register_group", is_member_admin | is_cluster_staff)
rules.add_perm("events.register_for_organisation", is_member_admin_of | is_cluster_staff)
rules.add_perm("events.register_someone", is_cluster_staff)
rules.add_perm("events.manage_event", is_cluster_staff)
rules.add_perm("events.view_recordings", rules.always_allow)
