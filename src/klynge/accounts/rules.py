import rules

from klynge.accounts.predicates import is_cluster_staff, is_member_admin, is_staff_admin
from klynge.accounts.roles import roles_for


@rules.predicate
def administers_invitation_organisation(user, invitation) -> bool:
    return (
        invitation is not None
        and invitation.organisation_id is not None
        and invitation.organisation_id in roles_for(user).administered_ids
    )


# Staff invite anyone; a member organisation's admin invites colleagues to their organisations.
rules.add_perm("accounts.add_invitation", is_cluster_staff | is_member_admin)
rules.add_perm("accounts.invite_staff", is_staff_admin)
rules.add_perm("accounts.view_invitation_list", is_cluster_staff | is_member_admin)
rules.add_perm("accounts.revoke_invitation", is_cluster_staff | administers_invitation_organisation)
rules.add_perm("accounts.manage_own_profile", rules.is_authenticated)
