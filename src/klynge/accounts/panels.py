from django.utils.translation import gettext_lazy as _

from klynge.accounts.selectors import invitations_visible_to
from klynge.core.dashboard import Panel, register


def _invitations(user, roles):
    return {"pending": list(invitations_visible_to(user).pending()[:10])}


register(
    Panel(
        key="invitations",
        title=_("Pending invitations"),
        template="accounts/panels/invitations.html",
        roles=frozenset({"staff", "member_admin"}),
        context=_invitations,
        order=40,
    )
)
