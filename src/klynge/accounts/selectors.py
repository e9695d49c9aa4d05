from django.db.models import QuerySet

from klynge.accounts.models import Invitation
from klynge.accounts.roles import Role, roles_for


def invitations_visible_to(user) -> QuerySet[Invitation]:
    """Staff see every invitation; a member admin those to the organisations they administer."""
    invitations = Invitation.objects.select_related("organisation", "invited_by")
    roles = roles_for(user)
    if roles.has(Role.STAFF):
        return invitations
    return invitations.filter(organisation_id__in=roles.administered_ids)
