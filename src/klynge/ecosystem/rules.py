import rules

from klynge.accounts.predicates import acts_for, is_cluster_staff, is_member_admin_of

rules.add_perm("ecosystem.view_organisation", rules.always_allow)
rules.add_perm("ecosystem.view_organisation_people", is_cluster_staff | acts_for)
rules.add_perm("ecosystem.invite_to_organisation", is_cluster_staff | is_member_admin_of)
rules.add_perm("ecosystem.view_person_list", is_cluster_staff)
