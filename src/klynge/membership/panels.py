"""Dashboard panels of this app (see klynge.core.dashboard)."""

from django.utils.translation import gettext_lazy as _

from klynge.core.dashboard import Panel, register
from klynge.membership.selectors import billing_overview, staff_figures

register(
    Panel(
        key="membership_staff",
        title=_("Membership and invoices"),
        template="membership/panels/staff.html",
        roles=frozenset({"staff"}),
        context=lambda user, roles: staff_figures(),
        order=15,
    )
)
register(
    Panel(
        key="membership_member",
        title=_("Your membership"),
        template="membership/panels/member.html",
        roles=frozenset({"member_admin"}),
        context=lambda user, roles: {"overview": billing_overview(user)},
        order=21,
    )
)
