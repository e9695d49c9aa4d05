"""The membership API does what the pages do, with the same permissions and refusals: tiers,
applying, deciding applications, ending memberships, crediting invoices and their PDFs."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from klynge.core.models import AuditEntry
from klynge.ecosystem.models import Organisation
from klynge.membership import invoicing
from klynge.membership.models import Invoice, Membership, MembershipApplication
from klynge.membership.tests.factories import ApplicationFactory, MembershipFactory, TierFactory

pytestmark = pytest.mark.django_db
JSON = "application/json"

APPLICATION = {
    "name": "Lydværket ApS",
    "kind": "company",
    "country": "DK",
    "registry_number": "10000009",
    "employees": 12,
    "contact_name": "Karen Kontakt",
    "contact_email": "Karen@Lydvaerket.example",
}


@pytest.fixture
def tier(db):
    return TierFactory(name="Small company", fee=Decimal("12000"))


def test_anyone_with_a_token_sees_the_open_tiers(api_client, student, tier):
    TierFactory(name="Closed", is_active=False)
    response = api_client(student).get("/api/v1/tiers")
    assert response.json() == [
        {
            "id": tier.pk,
            "name": "Small company",
            "description": "",
            "studio_hours_per_month": 4,
            "free_event_seats": 2,
            "event_discount_percent": 10,
            "fees": [{"kind": "", "size_band": "", "annual_fee": "12000.00"}],
        }
    ]


def test_applying_through_the_api_is_the_public_form(
    api_client, student, staff, tier, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client(student, **{"Accept-Language": "da"}).post(
            "/api/v1/applications", {**APPLICATION, "tier": tier.pk}, JSON
        )
    assert response.status_code == 201
    application = MembershipApplication.objects.get()
    assert response.json() == {
        "id": application.pk,
        "organisation_id": application.organisation_id,
        "organisation": "Lydværket ApS",
        "tier_id": tier.pk,
        "tier": "Small company",
        "status": "pending",
        "created_at": response.json()["created_at"],
    }
    assert (application.contact_email, application.language) == (
        "karen@lydvaerket.example",
        "da",
    )
    assert application.organisation.membership_status == "prospect"
    assert sorted(m.to[0] for m in mail.outbox) == ["karen@lydvaerket.example", staff.email]


def test_the_api_refuses_an_application_as_the_form_does(api_client, student, tier):
    closed = TierFactory(is_active=False)
    response = api_client(student).post(
        "/api/v1/applications",
        {**APPLICATION, "registry_number": "10000008", "kind": "castle", "tier": closed.pk},
        JSON,
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "kind": ["Choose a kind of organisation from the list."],
        "registry_number": ["“10000008” is not a valid CVR: the check digit does not match."],
        "tier": ["Choose one of the offered membership tiers."],
    }
    assert not Organisation.objects.filter(name="Lydværket ApS").exists()


def test_only_staff_read_and_decide_applications(api_client, employee, member_admin, tier):
    application = ApplicationFactory(tier=tier)
    for user in (employee, member_admin):
        client = api_client(user)
        assert client.get("/api/v1/applications").status_code == 403
        assert client.get(f"/api/v1/applications/{application.pk}").status_code == 403
        assert client.post(f"/api/v1/applications/{application.pk}/approve").status_code == 403
    assert MembershipApplication.objects.get().status == "pending"


def test_staff_list_and_read_applications_and_it_is_audited(api_client, staff, tier):
    first, second = ApplicationFactory(tier=tier), ApplicationFactory(tier=tier)
    rejected = ApplicationFactory(tier=tier, status="rejected")
    client = api_client(staff)
    items = client.get("/api/v1/applications").json()["items"]
    assert [(item["id"], item["contact_name"]) for item in items] == [
        (first.pk, "Karen Kontakt"),
        (second.pk, "Karen Kontakt"),
    ]
    assert client.get("/api/v1/applications", {"status": "rejected"}).json()["count"] == 1
    client.get(f"/api/v1/applications/{first.pk}")
    entries = AuditEntry.objects.filter(action="ecosystem.person.view").order_by("id")
    assert [entry.data for entry in entries] == [
        {"page": "api membership applications", "applications": [first.pk, second.pk]},
        {"page": "api membership applications", "applications": [rejected.pk]},
        {"page": "api membership application", "applications": [first.pk]},
    ]


def test_staff_approve_and_reject_through_the_api(api_client, staff, tier):
    approved, rejected = ApplicationFactory(tier=tier), ApplicationFactory(tier=tier)
    client = api_client(staff)
    response = client.post(f"/api/v1/applications/{approved.pk}/approve")
    assert response.status_code == 201
    membership = Membership.objects.get()
    assert (response.json()["id"], response.json()["status"]) == (membership.pk, "active")
    assert Invoice.objects.get().total == Decimal("15000.00")
    again = client.post(f"/api/v1/applications/{approved.pk}/approve")
    assert (again.status_code, again.json()["errors"]) == (
        400,
        {"__all__": ["This application has already been decided."]},
    )
    blank = client.post(f"/api/v1/applications/{rejected.pk}/reject", {"reason": " "}, JSON)
    assert (blank.status_code, blank.json()["errors"]) == (
        400,
        {"reason": ["Give the applicant a reason."]},
    )
    done = client.post(f"/api/v1/applications/{rejected.pk}/reject", {"reason": "No"}, JSON)
    assert (done.json()["status"], done.json()["reason"]) == ("rejected", "No")


def test_staff_end_a_membership_through_the_api(api_client, staff, member_admin, member_org):
    membership = MembershipFactory(
        organisation=member_org,
        start_date=timezone.localdate() - datetime.timedelta(days=10),
        end_date=timezone.localdate() + datetime.timedelta(days=300),
    )
    assert (
        api_client(member_admin).post(f"/api/v1/memberships/{membership.pk}/end").status_code == 403
    )
    response = api_client(staff).post(f"/api/v1/memberships/{membership.pk}/end")
    assert (response.status_code, response.json()["status"]) == (200, "ended")
    member_org.refresh_from_db()
    assert member_org.membership_status == "former"
    again = api_client(staff).post(f"/api/v1/memberships/{membership.pk}/end")
    assert again.status_code == 400


@pytest.fixture
def invoice(member_org, tier):
    membership = MembershipFactory(organisation=member_org, tier=tier)
    draft = invoicing.create_invoice(
        actor=None,
        organisation=member_org,
        membership=membership,
        period_start=membership.start_date,
        period_end=membership.end_date,
        lines=[("Membership", 1, "12000")],
    )
    return invoicing.issue_invoice(actor=None, invoice=draft, on=datetime.date(2026, 1, 2))


def test_staff_credit_and_reissue_through_the_api(api_client, staff, member_admin, invoice):
    assert (
        api_client(member_admin)
        .post(f"/api/v1/invoices/{invoice.pk}/credit", {"reason": "Wrong"}, JSON)
        .status_code
        == 403
    )
    response = api_client(staff).post(
        f"/api/v1/invoices/{invoice.pk}/credit", {"reason": "Wrong address", "reissue": True}, JSON
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["credit_note"]["kind"], body["credit_note"]["number"]) == ("credit_note", 2)
    assert body["credit_note"]["total"] == "-15000.00"
    assert (body["replacement"]["number"], body["replacement"]["total"]) == (3, "15000.00")
    invoice.refresh_from_db()
    assert invoice.status == "credited"
    again = api_client(staff).post(
        f"/api/v1/invoices/{invoice.pk}/credit", {"reason": "Again"}, JSON
    )
    assert (again.status_code, again.json()["errors"]) == (
        400,
        {"__all__": ["Only an issued invoice that is not credited can be credited."]},
    )


def test_the_pdf_for_the_buyers_admin_and_staff(api_client, staff, member_admin, employee, invoice):
    for user in (staff, member_admin):
        response = api_client(user).get(f"/api/v1/invoices/{invoice.pk}/pdf")
        assert (response.status_code, response["Content-Type"]) == (200, "application/pdf")
        assert response["Content-Disposition"] == 'inline; filename="invoice-1.pdf"'
        assert response.content.startswith(b"%PDF-")
    assert api_client(employee).get(f"/api/v1/invoices/{invoice.pk}/pdf").status_code == 403
