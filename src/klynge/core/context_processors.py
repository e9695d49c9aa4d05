from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from klynge.accounts.roles import Role, roles_for


def shell(request):
    """What the page shell needs: the cluster's name and the navigation for the user's roles."""
    user = getattr(request, "user", None)
    roles = roles_for(user)
    nav = [(reverse("core:home"), _("Home"))]
    if user is not None and user.is_authenticated:
        nav.append((reverse("core:dashboard"), _("Dashboard")))
        if roles.has(Role.STAFF) or roles.has(Role.MEMBER_ADMIN):
            nav.append((reverse("accounts:invitations"), _("Invitations")))
        if roles.has(Role.STAFF):
            nav.append((reverse("core:audit_log"), _("Audit log")))
        if roles.has(Role.STAFF_ADMIN):
            nav.append((reverse("admin:index"), _("Administration")))
    return {
        "cluster_name": settings.KLYNGE_CLUSTER_NAME,
        "nav_items": nav,
        "user_roles": roles,
    }
