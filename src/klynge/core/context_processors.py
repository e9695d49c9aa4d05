from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from klynge.accounts.roles import Role, roles_for


def shell(request):
    """What the page shell needs: the cluster's name and the navigation for the user's roles.

    `nav_items` is the main bar; `staff_nav_items` fills the staff menu (a dropdown, so the
    bar stays short on a phone).
    """
    user = getattr(request, "user", None)
    roles = roles_for(user)
    nav = [
        (reverse("core:home"), _("Home")),
        (reverse("events:list"), _("Events")),
        (reverse("bookings:resources"), _("Studios")),
        (reverse("ecosystem:directory"), _("Directory")),
        (reverse("ecosystem:network"), _("Ecosystem map")),
    ]
    staff_nav = []
    if user is not None and user.is_authenticated:
        nav.append((reverse("core:dashboard"), _("Dashboard")))
        if roles.has(Role.MEMBER_ADMIN):
            nav.append((reverse("membership:mine"), _("Your membership")))
            if not roles.has(Role.STAFF):
                nav.append((reverse("accounts:invitations"), _("Invitations")))
        if roles.has(Role.STAFF):
            staff_nav = [
                (reverse("events:manage"), _("Manage events")),
                (reverse("bookings:manage"), _("Bookings")),
                (reverse("bookings:reports"), _("Booking reports")),
                (reverse("crm:pipeline"), _("Pipeline")),
                (reverse("crm:tasks"), _("Tasks")),
                (reverse("surveys:manage"), _("Surveys")),
                (reverse("membership:applications"), _("Applications")),
                (reverse("membership:memberships"), _("Memberships")),
                (reverse("membership:invoices"), _("Invoices")),
                (reverse("insights:dashboard"), _("Insights and impact")),
                (reverse("ecosystem:import"), _("Import")),
                (reverse("ecosystem:duplicates"), _("Duplicates")),
                (reverse("ecosystem:privacy_requests"), _("Erasure requests")),
                (reverse("accounts:invitations"), _("Invitations")),
                (reverse("core:audit_log"), _("Audit log")),
            ]
            if roles.has(Role.STAFF_ADMIN):
                staff_nav.append((reverse("admin:index"), _("Administration")))
    return {
        "cluster_name": settings.KLYNGE_CLUSTER_NAME,
        "nav_items": nav,
        "staff_nav_items": staff_nav,
        "user_roles": roles,
    }
