import rules

from klynge.accounts.predicates import acts_for, is_cluster_staff, is_member_admin_of
from klynge.ecosystem.selectors import administers_person, is_the_person


@rules.predicate
def is_self(user, person) -> bool:
    return is_the_person(user, person)


@rules.predicate
def administers(user, person) -> bool:
    return administers_person(user, person)


# Which organisations and people a user may see at all is decided by the selectors
# (`get_organisation_for_user`, `get_person_for_user` answer 404); which fields, by `fields_for`.
rules.add_perm("ecosystem.view_organisation", rules.always_allow)
rules.add_perm("ecosystem.view_organisation_people", is_cluster_staff | acts_for)
rules.add_perm("ecosystem.invite_to_organisation", is_cluster_staff | is_member_admin_of)
rules.add_perm("ecosystem.view_person_list", is_cluster_staff)
rules.add_perm("ecosystem.add_person", is_cluster_staff)
rules.add_perm("ecosystem.export_directory", is_cluster_staff)
rules.add_perm("ecosystem.add_organisation", is_cluster_staff)
rules.add_perm("ecosystem.change_organisation", is_cluster_staff | is_member_admin_of)
rules.add_perm("ecosystem.view_person", rules.always_allow)
rules.add_perm("ecosystem.change_person", is_cluster_staff | is_self | administers)
# An organisation's people: its member admins and the staff add, invite, re-assign and end
# colleagues; only staff tie someone already in the directory to an organisation (it lets the
# organisation's admins edit their profile) or remove an organisation's last member admin.
rules.add_perm("ecosystem.list_people", rules.is_authenticated)
rules.add_perm("ecosystem.manage_people", is_cluster_staff | is_member_admin_of)
rules.add_perm("ecosystem.link_existing_person", is_cluster_staff)
rules.add_perm("ecosystem.remove_last_member_admin", is_cluster_staff)
