"""Who sees what: pages and API for visitors, employees, member admins and staff."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from klynge.membership import invoicing
from klynge.membership.models import Invoice
from klynge.membership.tests.factories import ApplicationFactory, MembershipFactory, TierFactory

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def billing(member_org, other_org):
    """A membership and an invoice for the member admin's organisation and for another one."""
    tier = TierFactory(name="Small company", fee=Decimal("10000"))
    own = MembershipFactory(organisation=member_org, tier=tier)
    foreign = MembershipFactory(organisation=other_org, tier=tier)
    invoices = []
    for membership in (own, foreign):
        draft = invoicing.create_invoice(
            actor=None,
            organisation=membership.organisation,
            membership=membership,
            lines=[("Membership", 1, "10000")],
        )
        invoices.append(invoicing.issue_invoice(actor=None, invoice=draft, on=D(2026, 1, 2)))
    return {"own": own, "foreign": foreign, "own_invoice": invoices[0], "invoice": invoices[1]}


STAFF_PAGES = [
    ("membership:applications", []),
    ("membership:tiers", []),
    ("membership:tier_create", []),
    ("membership:memberships", []),
    ("membership:invoices", []),
    ("membership:invoice_export", []),
]


@pytest.mark.parametrize(("name", "args"), STAFF_PAGES)
def test_staff_pages(client, staff, employee, member_admin, name, args):
    url = reverse(name, args=args)
    response = client.get(url)
    assert (response.status_code, response["Location"]) == (302, f"/accounts/login/?next={url}")
    for user in (employee, member_admin):
        client.force_login(user)
        assert client.get(url).status_code == 403
    client.force_login(staff)
    assert client.get(url).status_code == 200


def test_invoice_and_pdf_for_the_buyers_admins_and_staff_only(
    client, billing, staff, employee, member_admin
):
    own, foreign = billing["own_invoice"], billing["invoice"]
    for name in ("membership:invoice", "membership:invoice_pdf"):
        own_url, foreign_url = reverse(name, args=[own.pk]), reverse(name, args=[foreign.pk])
        assert client.get(own_url)["Location"] == f"/accounts/login/?next={own_url}"
        client.force_login(employee)
        assert client.get(own_url).status_code == 403
        client.force_login(member_admin)
        assert client.get(own_url).status_code == 200
        assert client.get(foreign_url).status_code == 403
        client.force_login(staff)
        assert client.get(foreign_url).status_code == 200
        client.logout()
    assert client.get(reverse("membership:invoice", args=[9999])).status_code == 404


def test_only_staff_mark_paid_or_credit(client, billing, member_admin):
    invoice = billing["own_invoice"]
    client.force_login(member_admin)
    assert (
        client.post(reverse("membership:invoice_mark_paid", args=[invoice.pk])).status_code == 403
    )
    assert (
        client.post(
            reverse("membership:invoice_credit", args=[invoice.pk]), {"reason": "x"}
        ).status_code
        == 403
    )
    page = client.get(reverse("membership:invoice", args=[invoice.pk]))
    assert b"mark-paid" not in page.content
    assert Invoice.objects.get(pk=invoice.pk).status == "sent"


def test_member_admin_sees_their_membership_and_invoices(
    client, billing, member_admin, employee, member_org, django_assert_num_queries
):
    url = reverse("membership:mine")
    client.force_login(employee)
    assert client.get(url).status_code == 403
    client.force_login(member_admin)
    client.get(url)
    with django_assert_num_queries(6):
        response = client.get(url)
    [item] = response.context["overview"]
    assert (item.organisation, item.membership, [i.number for i in item.invoices]) == (
        member_org,
        billing["own"],
        [1],
    )
    assert (len(item.open_invoices), item.open_total) == (1, Decimal("12500.00"))


def test_dashboard_panels(client, billing, member_admin, staff):
    ApplicationFactory()
    invoicing.mark_overdue(actor=None, invoice=billing["invoice"])
    client.force_login(staff)
    panels = dict(client.get(reverse("core:dashboard")).context["panels"])
    staff_panel = next(c for p, c in panels.items() if p.key == "membership_staff")
    assert staff_panel == {
        "overdue_count": 1,
        "overdue_total": Decimal("12500.00"),
        "pending_applications": 1,
        "open_count": 2,
    }
    client.force_login(member_admin)
    response = client.get(reverse("core:dashboard"))
    panels = {p.key: c for p, c in response.context["panels"]}
    [item] = panels["membership_member"]["overview"]
    assert (item.organisation.name, item.membership.tier.name, len(item.open_invoices)) == (
        "Fynsk Lyd ApS",
        "Small company",
        1,
    )
    assert "membership_staff" not in panels


def test_membership_list_filters_with_constant_queries(
    client, staff, member_org, django_assert_num_queries
):
    client.force_login(staff)
    tier = TierFactory(name="Large")
    MembershipFactory(organisation=member_org, tier=tier)
    url = reverse("membership:memberships")
    client.get(url)
    with django_assert_num_queries(6) as one:
        response = client.get(url)
    assert [m.organisation.name for m in response.context["page"]] == ["Fynsk Lyd ApS"]
    MembershipFactory(status="lapsed")
    MembershipFactory(status="grace", tier=tier)
    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(url)
    assert len(response.context["page"]) == 3
    response = client.get(url, {"status": "grace"})
    assert [m.status for m in response.context["page"]] == ["grace"]
    response = client.get(url, {"tier": tier.pk, "q": "fynsk"})
    assert [m.organisation.name for m in response.context["page"]] == ["Fynsk Lyd ApS"]


# --- API --------------------------------------------------------------------------------------


def test_api_lists_by_role(api_client, billing, staff, member_admin, employee):
    staff_api, admin_api, employee_api = (
        api_client(staff),
        api_client(member_admin),
        api_client(employee),
    )
    body = staff_api.get("/api/v1/memberships").json()
    assert body["count"] == 2
    body = admin_api.get("/api/v1/memberships").json()
    assert [(m["id"], m["organisation"], m["tier"], m["status"]) for m in body["items"]] == [
        (billing["own"].pk, "Fynsk Lyd ApS", "Small company", "active")
    ]
    assert employee_api.get("/api/v1/memberships").status_code == 403
    assert employee_api.get("/api/v1/invoices").status_code == 403
    invoices = admin_api.get("/api/v1/invoices").json()
    assert invoices["count"] == 1
    assert {
        key: invoices["items"][0][key]
        for key in ("number", "kind", "status", "total", "vat_amount", "currency")
    } == {
        "number": 1,
        "kind": "invoice",
        "status": "sent",
        "total": "12500.00",
        "vat_amount": "2500.00",
        "currency": "DKK",
    }
    assert staff_api.get("/api/v1/invoices", {"status": "sent", "year": 2026}).json()["count"] == 2
    assert staff_api.get("/api/v1/invoices", {"status": "paid"}).json()["count"] == 0
    assert staff_api.get("/api/v1/invoices", {"status": "nonsense"}).status_code == 422


def test_api_detail_by_role(api_client, billing, staff, member_admin, employee):
    own, foreign = billing["own_invoice"], billing["invoice"]
    admin_api = api_client(member_admin)
    detail = admin_api.get(f"/api/v1/invoices/{own.pk}").json()
    assert detail["lines"] == [
        {
            "description": "Membership",
            "quantity": "1.00",
            "unit_price": "10000.00",
            "amount": "10000.00",
        }
    ]
    assert admin_api.get(f"/api/v1/invoices/{foreign.pk}").status_code == 403
    assert admin_api.get(f"/api/v1/memberships/{billing['foreign'].pk}").status_code == 403
    assert (
        admin_api.get(f"/api/v1/memberships/{billing['own'].pk}").json()["end_date"] == "2026-12-31"
    )
    assert api_client(employee).get(f"/api/v1/invoices/{own.pk}").status_code == 403
    assert api_client(staff).get("/api/v1/invoices/9999").status_code == 404


def test_api_mark_paid_is_for_staff(api_client, billing, staff, member_admin):
    invoice = billing["own_invoice"]
    url = f"/api/v1/invoices/{invoice.pk}/mark-paid"
    assert (
        api_client(member_admin).post(url, {}, content_type="application/json").status_code == 403
    )
    response = api_client(staff).post(
        url, {"paid_on": "2026-01-20"}, content_type="application/json"
    )
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["paid_on"]) == ("paid", "2026-01-20")
    again = api_client(staff).post(url, {}, content_type="application/json")
    assert again.status_code == 400
    assert again.json()["errors"] == {
        "__all__": ["Only a sent or overdue invoice can be marked paid."]
    }
