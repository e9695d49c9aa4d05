import pytest
from django.urls import reverse

from klynge.core import audit
from klynge.core.models import AuditEntry
from klynge.ecosystem.tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


def test_home_page_is_public_and_names_the_cluster(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Media City Odense</h1>" in html
    assert 'href="/accounts/login/"' in html


def test_every_page_has_a_strict_csp_without_inline_code(client):
    csp = client.get("/")["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";") if part.strip())
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in csp
    assert "<script>" not in client.get("/").content.decode()


def test_healthz_reports_the_database():
    from django.test import Client

    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_dashboard_requires_login(client):
    response = client.get(reverse("core:dashboard"))
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/dashboard/"


STAFF_PANELS = [
    "ecosystem_overview",
    "crm_tasks",
    "membership_staff",
    "surveys_staff",
    "insights_staff",
    "invitations",
    "matchmaking_introductions",
    "my_registrations",
    "my_agenda",
    "bookings_staff",
    "upcoming_events",
    "recent_activity",
]


@pytest.mark.parametrize(
    ("fixture", "roles", "panels"),
    [
        ("staff_admin", ["staff_admin", "staff"], STAFF_PANELS),
        ("staff", ["staff"], STAFF_PANELS),
        (
            "member_admin",
            ["member_admin", "member_employee"],
            [
                "administered_organisations",
                "membership_member",
                "my_organisation",
                "insights_member",
                "surveys_mine",
                "bookings_mine",
                "invitations",
                "matchmaking_partners",
                "my_registrations",
                "my_agenda",
                "upcoming_events",
            ],
        ),
        (
            "employee",
            ["member_employee"],
            [
                "my_organisation",
                "surveys_mine",
                "bookings_mine",
                "matchmaking_partners",
                "my_registrations",
                "my_agenda",
                "upcoming_events",
            ],
        ),
        (
            "student",
            ["student"],
            [
                "talent",
                "bookings_mine",
                "my_registrations",
                "my_agenda",
                "learning_events",
                "upcoming_events",
            ],
        ),
        (
            "founder",
            ["founder"],
            ["my_startup", "my_registrations", "my_agenda", "learning_events", "upcoming_events"],
        ),
    ],
)
def test_each_role_sees_its_own_dashboard(client, request, fixture, roles, panels):
    client.force_login(request.getfixturevalue(fixture))
    response = client.get(reverse("core:dashboard"))
    assert response.status_code == 200
    assert response.context["roles"].ordered == roles
    assert [panel.key for panel, _context in response.context["panels"]] == panels


def test_the_ecosystem_panel_lists_member_kinds_by_count_then_kind(client, staff):
    # Created so that neither the ids nor the first seen kind give the order; kinds with as
    # many members come in the same order every time (on PostgreSQL too).
    OrganisationFactory.create_batch(2, kind="university")
    OrganisationFactory(kind="startup")
    OrganisationFactory.create_batch(2, kind="company")
    OrganisationFactory(kind="school", membership_status="prospect")
    client.force_login(staff)
    panels = client.get(reverse("core:dashboard")).context["panels"]
    overview = next(context for panel, context in panels if panel.key == "ecosystem_overview")
    assert overview["member_kinds"] == [("Company", 2), ("University", 2), ("Startup", 1)]


def test_navigation_follows_the_role(client, staff, staff_admin, employee, member_admin):
    def nav(user, key="nav_items"):
        client.force_login(user)
        return [str(label) for _url, label in client.get("/").context[key]]

    public = ["Home", "Events", "Studios", "Directory", "Ecosystem map"]
    assert nav(employee) == [*public, "Dashboard"]
    assert nav(employee, "staff_nav_items") == []
    assert nav(member_admin) == [*public, "Dashboard", "Your membership", "Invitations"]
    assert nav(staff) == [*public, "Dashboard"]
    staff_menu = [
        "Manage events",
        "Bookings",
        "Booking reports",
        "Pipeline",
        "Tasks",
        "Surveys",
        "Applications",
        "Memberships",
        "Invoices",
        "Insights and impact",
        "Import",
        "Duplicates",
        "Erasure requests",
        "Invitations",
        "Audit log",
    ]
    assert nav(staff, "staff_nav_items") == staff_menu
    assert nav(staff_admin, "staff_nav_items") == [*staff_menu, "Administration"]
    client.logout()
    assert [str(label) for _url, label in client.get("/").context["nav_items"]] == public


def test_admin_site_is_for_staff_admins_only(client, staff, staff_admin, member_admin):
    for user in (staff, member_admin):
        client.force_login(user)
        assert client.get("/admin/").status_code == 302  # back to the admin login
    client.force_login(staff_admin)
    assert client.get("/admin/").status_code == 200


def test_audit_log_is_for_staff(client, employee, staff):
    client.force_login(employee)
    assert client.get(reverse("core:audit_log")).status_code == 403
    client.force_login(staff)
    assert client.get(reverse("core:audit_log")).status_code == 200


def test_audit_log_filters_by_action_and_actor(client, staff, employee, member_org):
    audit.record(actor=staff, action="ecosystem.organisation.create", target=member_org)
    audit.record(actor=employee, action="accounts.profile.update", target=employee)
    client.force_login(staff)
    page = client.get(reverse("core:audit_log"), {"action": "accounts.profile.update"}).context[
        "page"
    ]
    assert [(e.actor_label, e.action, e.target_label) for e in page] == [
        ("emp@fynsklyd.example", "accounts.profile.update", "Emil Ansat")
    ]
    page = client.get(reverse("core:audit_log"), {"actor": "staff@"}).context["page"]
    assert [e.action for e in page] == ["ecosystem.organisation.create"]


def test_audit_log_htmx_request_gets_only_the_table(client, staff, member_org):
    audit.record(actor=staff, action="ecosystem.organisation.create", target=member_org)
    client.force_login(staff)
    response = client.get(reverse("core:audit_log"), headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "<table" in html and "<html" not in html
    assert "Fynsk Lyd ApS" in html


def test_audit_log_rejects_reversed_dates_with_a_message(client, staff):
    client.force_login(staff)
    response = client.get(reverse("core:audit_log"), {"since": "2026-05-02", "until": "2026-05-01"})
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "until": ["The end date must not be before the start date."]
    }


@pytest.mark.parametrize("count", [1, 3])
def test_audit_log_query_count_is_constant(
    client, staff, member_org, count, django_assert_num_queries
):
    for _ in range(count):
        audit.record(actor=staff, action="ecosystem.organisation.create", target=member_org)
    client.force_login(staff)
    client.get(reverse("core:audit_log"))  # warm the content-type cache
    # session, user, roles, filter choices (2), count, page
    with django_assert_num_queries(7):
        response = client.get(reverse("core:audit_log"))
    assert len(response.context["page"]) == count
    assert AuditEntry.objects.count() == count


def test_unknown_page_is_a_localised_404(client):
    response = client.get("/no-such-page/", headers={"accept-language": "da"})
    assert response.status_code == 404


def test_uploads_are_served_in_debug_mode_only(client, settings, tmp_path):
    """`make run` (debug) shows logos and studio photos; production leaves /media/ to the proxy."""
    from importlib import reload

    from django.urls import clear_url_caches

    import klynge.urls

    (tmp_path / "logo.txt").write_text("a logo")
    settings.MEDIA_ROOT = tmp_path
    try:
        settings.DEBUG = True
        reload(klynge.urls)
        clear_url_caches()
        assert client.get("/media/logo.txt").getvalue() == b"a logo"
        settings.DEBUG = False
        reload(klynge.urls)
        clear_url_caches()
        assert client.get("/media/logo.txt").status_code == 404
    finally:
        reload(klynge.urls)
        clear_url_caches()
