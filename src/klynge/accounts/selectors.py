from django.db.models import QuerySet

from klynge.accounts.models import Invitation, InvitationRole
from klynge.accounts.roles import Role, roles_for


def invitations_visible_to(user) -> QuerySet[Invitation]:
    """Staff see every invitation; a member admin those to the organisations they administer."""
    invitations = Invitation.objects.select_related("organisation", "invited_by")
    roles = roles_for(user)
    if roles.has(Role.STAFF):
        return invitations
    return invitations.filter(organisation_id__in=roles.administered_ids)


# What a member admin may invite colleagues as, in the organisations they administer.
MEMBER_ADMIN_INVITATION_ROLES = (InvitationRole.MEMBER_ADMIN, InvitationRole.EMPLOYEE)


def invitation_roles_for(user) -> list[str]:
    """The roles the user may invite people as: the one rule behind the page and the API.

    Staff admins: every role; staff: every role but staff; member admins: colleagues only.
    """
    roles = roles_for(user)
    if roles.has(Role.STAFF_ADMIN):
        return list(InvitationRole.values)
    if roles.has(Role.STAFF):
        return [role for role in InvitationRole.values if role != InvitationRole.STAFF]
    if roles.has(Role.MEMBER_ADMIN):
        return list(MEMBER_ADMIN_INVITATION_ROLES)
    return []
