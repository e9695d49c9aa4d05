from django.core.paginator import Paginator
from django.db import connection
from django.db.utils import DatabaseError
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from klynge.accounts.roles import roles_for
from klynge.core.dashboard import panels_for
from klynge.core.forms import AuditFilterForm
from klynge.core.permissions import permission_required, public
from klynge.core.selectors import audit_entries
from klynge.events.selectors import past_events, upcoming_events


@public
def home(request):
    return render(
        request,
        "core/home.html",
        {
            "upcoming_events": upcoming_events(request.user, limit=6),
            "past_events": past_events(request.user, limit=3),
        },
    )


@permission_required("core.view_dashboard")
def dashboard(request):
    roles = roles_for(request.user)
    return render(
        request,
        "core/dashboard.html",
        {"roles": roles, "panels": panels_for(request.user, roles)},
    )


@permission_required("core.view_auditentry")
def audit_log(request):
    form = AuditFilterForm(request.GET or None)
    page = Paginator(audit_entries(form.to_filter()), 50).get_page(request.GET.get("page"))
    template = "core/partials/audit_table.html" if request.htmx else "core/audit_log.html"
    return render(request, template, {"form": form, "page": page})


@public
@never_cache
def healthz(request):
    """Liveness and database check for load balancers and monitoring."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "error"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def admin_site_has_permission(request) -> bool:
    """Django's admin is for staff administrators only (not all staff, not member admins)."""
    return request.user.is_active and request.user.has_perm("core.use_admin_site")


def permission_denied(request, exception=None):
    return render(request, "core/403.html", status=403)


def page_not_found(request, exception=None):
    return render(request, "core/404.html", status=404)
