import datetime
import threading
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse

from klynge.accounts.models import Invitation
from klynge.core.models import AuditEntry
from klynge.ecosystem.models import Organisation
from klynge.ecosystem.tests.factories import OrganisationFactory
from klynge.membership import services
from klynge.membership.models import (
    Invoice,
    Membership,
    MembershipApplication,
    TierFee,
)
from klynge.membership.tests.factories import ApplicationFactory, TierFactory
from klynge.membership.tests.test_invoices import pdf_text

pytestmark = pytest.mark.django_db

FORM = {
    "name": "Lydværket ApS",
    "kind": "company",
    "country": "DK",
    "registry_number": "10 00 00 09",
    "employees": "12",
    "street": "Vestergade 1",
    "postal_code": "5000",
    "city": "Odense C",
    "contact_name": "Karen Kontakt",
    "contact_email": "Karen@Lydvaerket.example",
    "message": "Vi laver lyd.",
}


@pytest.fixture
def tier():
    tier = TierFactory(name="Small company", fee=Decimal("12000.00"))
    TierFee.objects.create(tier=tier, kind="startup", annual_fee=Decimal("0"))
    return tier


def _apply(client, data, capture):
    with capture(execute=True):
        return client.post(reverse("membership:apply"), data)


def test_the_form_is_public_and_lists_open_tiers(client, tier):
    TierFactory(name="Closed", is_active=False)
    response = client.get(reverse("membership:apply"))
    assert response.status_code == 200
    assert [t.name for t in response.context["tiers"]] == ["Small company"]
    assert list(response.context["form"].fields["tier"].queryset) == [tier]


def test_an_anonymous_applicant_creates_a_prospect_and_a_pending_application(
    client, tier, staff, staff_admin, django_capture_on_commit_callbacks
):
    response = _apply(client, {**FORM, "tier": tier.pk}, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert response["Location"] == reverse("membership:applied")
    organisation = Organisation.objects.get(registry_number="10000009")
    assert (
        organisation.name,
        organisation.kind,
        organisation.country,
        organisation.employees,
        organisation.size_band,
        organisation.street,
        organisation.postal_code,
        organisation.city,
        organisation.membership_status,
    ) == (
        "Lydværket ApS",
        "company",
        "DK",
        12,
        "small",
        "Vestergade 1",
        "5000",
        "Odense C",
        "prospect",
    )
    application = MembershipApplication.objects.get()
    assert (
        application.organisation,
        application.tier,
        application.contact_name,
        application.contact_email,
        application.message,
        application.status,
    ) == (
        organisation,
        tier,
        "Karen Kontakt",
        "karen@lydvaerket.example",
        "Vi laver lyd.",
        "pending",
    )
    assert sorted(m.to[0] for m in mail.outbox) == [
        "admin@cluster.example",
        "karen@lydvaerket.example",
        "staff@cluster.example",
    ]
    receipt = next(m for m in mail.outbox if m.to == ["karen@lydvaerket.example"])
    assert receipt.subject == "Your application to Media City Odense"
    notice = next(m for m in mail.outbox if m.to == ["staff@cluster.example"])
    assert notice.subject == "New membership application: Lydværket ApS"
    assert f"http://testserver/membership/applications/{application.pk}/" in notice.body
    assert AuditEntry.objects.filter(action="membership.application.submit").count() == 1


def test_a_wrong_check_digit_is_refused_and_nothing_is_created(
    client, tier, django_capture_on_commit_callbacks
):
    response = _apply(
        client,
        {**FORM, "registry_number": "10000008", "tier": tier.pk},
        django_capture_on_commit_callbacks,
    )
    assert response.status_code == 400
    assert response.context["form"].errors["registry_number"] == [
        "“10000008” is not a valid CVR: the check digit does not match."
    ]
    assert Organisation.objects.count() == 0
    assert MembershipApplication.objects.count() == 0
    assert mail.outbox == []


def test_registry_number_is_required_in_the_nordics_but_not_elsewhere(
    client, tier, django_capture_on_commit_callbacks
):
    response = _apply(
        client, {**FORM, "registry_number": "", "tier": tier.pk}, django_capture_on_commit_callbacks
    )
    assert response.status_code == 400
    assert response.context["form"].errors["registry_number"] == [
        "Enter the organisation's registry number."
    ]
    response = _apply(
        client,
        {**FORM, "country": "DE", "registry_number": "", "tier": tier.pk},
        django_capture_on_commit_callbacks,
    )
    assert response.status_code == 302
    assert Organisation.objects.get().country == "DE"


def test_an_existing_organisation_is_reused_by_registry_number(tier):
    existing = OrganisationFactory(
        name="Lydværket", registry_number="10000009", membership_status="none"
    )
    application = services.submit_application(
        actor=None,
        name="Lydværket ApS (new name)",
        kind="company",
        country="DK",
        registry_number="DK10000009",
        contact_name="Karen",
        contact_email="karen@example.org",
        tier=tier,
    )
    assert application.organisation == existing
    assert Organisation.objects.count() == 1
    existing.refresh_from_db()
    # An anonymous form changes no existing organisation; staff decide on approval.
    assert existing.membership_status == "none"


def test_a_member_or_a_pending_applicant_cannot_apply_again(tier):
    member = OrganisationFactory(registry_number="10000009")
    services.approve_application(
        actor=None, application=ApplicationFactory(organisation=member, tier=tier)
    )
    arguments = dict(
        actor=None,
        kind="company",
        country="DK",
        contact_name="Karen",
        contact_email="karen@example.org",
        tier=tier,
    )
    with pytest.raises(ValidationError) as error:
        services.submit_application(name="x", registry_number="10000009", **arguments)
    # The public form does not reveal whether an organisation is a member or has applied.
    neutral = {"name": [services._NOT_ONLINE]}
    assert error.value.message_dict == neutral
    services.submit_application(name="Ny ApS", registry_number="10000017", **arguments)
    with pytest.raises(ValidationError) as error:
        services.submit_application(name="Ny ApS", registry_number="10000017", **arguments)
    assert error.value.message_dict == neutral


def test_a_tier_not_offered_to_the_kind_is_refused():
    tier = TierFactory(name="Education", fee=False)
    TierFee.objects.create(tier=tier, kind="university", annual_fee=Decimal("5000"))
    with pytest.raises(ValidationError) as error:
        services.submit_application(
            actor=None,
            name="Firma",
            kind="company",
            country="DK",
            registry_number="10000009",
            contact_name="Karen",
            contact_email="karen@example.org",
            tier=tier,
        )
    assert error.value.message_dict == {
        "tier": ["This tier is not offered to this kind or size of organisation."]
    }


def test_approval_creates_one_membership_one_invoice_and_invites_the_contact(
    tier, staff, django_capture_on_commit_callbacks
):
    organisation = OrganisationFactory(
        name="Lydværket ApS",
        registry_number="10000009",
        membership_status="prospect",
        street="Vestergade 1",
        postal_code="5000",
        city="Odense C",
    )
    application = ApplicationFactory(
        organisation=organisation, tier=tier, contact_email="karen@lydvaerket.example"
    )
    with django_capture_on_commit_callbacks(execute=True):
        membership = services.approve_application(
            actor=staff,
            application=application,
            on=datetime.date(2026, 3, 1),
            base_url="https://klynge.example",
        )
    assert (membership.status, membership.start_date, membership.end_date, membership.tier) == (
        "active",
        datetime.date(2026, 3, 1),
        datetime.date(2027, 2, 28),
        tier,
    )
    invoice = Invoice.objects.get()
    assert (
        invoice.number,
        invoice.kind,
        invoice.status,
        invoice.currency,
        invoice.vat_rate,
        invoice.subtotal,
        invoice.vat_amount,
        invoice.total,
        invoice.issue_date,
        invoice.due_date,
        invoice.period_start,
        invoice.period_end,
        invoice.buyer_name,
        invoice.buyer_address,
        invoice.buyer_registry_number,
    ) == (
        1,
        "invoice",
        "sent",
        "DKK",
        Decimal("25.00"),
        Decimal("12000.00"),
        Decimal("3000.00"),
        Decimal("15000.00"),
        datetime.date(2026, 3, 1),
        datetime.date(2026, 3, 31),
        datetime.date(2026, 3, 1),
        datetime.date(2027, 2, 28),
        "Lydværket ApS",
        "Vestergade 1\n5000 Odense C\nDenmark",
        "10000009",
    )
    assert [(line.description, line.quantity, line.unit_price) for line in invoice.lines.all()] == [
        ("Membership Small company, 2026-03-01 to 2027-02-28", Decimal("1.00"), Decimal("12000.00"))
    ]
    organisation.refresh_from_db()
    assert organisation.membership_status == "member"
    application.refresh_from_db()
    assert (application.status, application.decided_by) == ("approved", staff)
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.role, invitation.organisation) == (
        "karen@lydvaerket.example",
        "member_admin",
        organisation,
    )
    subjects = sorted((m.to[0], m.subject) for m in mail.outbox)
    assert subjects == [
        ("karen@lydvaerket.example", "Invoice 1 from Media City Odense"),
        ("karen@lydvaerket.example", "Your invitation to Media City Odense"),
    ]
    invoice_mail = next(m for m in mail.outbox if m.subject.startswith("Invoice"))
    assert f"https://klynge.example/membership/invoices/{invoice.pk}/" in invoice_mail.body
    assert "15,000.00" in invoice_mail.body


REVERSE_CHARGE = (
    "Reverse charge: the buyer accounts for the VAT (Article 196 of Council Directive 2006/112/EC)."
)
OUTSIDE = (
    "No VAT is charged: the service is supplied to a business outside the seller's VAT area; "
    "the buyer accounts for any VAT in their own country."
)


@pytest.mark.parametrize(
    ("country", "registry_number", "vat", "total", "note"),
    [
        # A Danish cluster: Danish VAT for Danish members only.
        ("DK", "10000009", Decimal("3000.00"), Decimal("15000.00"), ""),
        ("SE", "5560000001", Decimal("0.00"), Decimal("12000.00"), REVERSE_CHARGE),
        ("DE", "HRB12345", Decimal("0.00"), Decimal("12000.00"), REVERSE_CHARGE),
        ("NO", "912345602", Decimal("0.00"), Decimal("12000.00"), OUTSIDE),
    ],
)
def test_vat_follows_the_buyers_country(
    client, staff, tier, country, registry_number, vat, total, note
):
    organisation = OrganisationFactory(country=country, registry_number=registry_number)
    services.approve_application(
        actor=None, application=ApplicationFactory(organisation=organisation, tier=tier)
    )
    invoice = Invoice.objects.get()
    assert (invoice.vat_amount, invoice.total) == (vat, total)
    client.force_login(staff)
    page = client.get(reverse("membership:invoice", args=[invoice.pk]))
    assert page.context["vat_note"] == note
    pdf = pdf_text(client.get(reverse("membership:invoice_pdf", args=[invoice.pk])).content)
    assert (note in pdf) if note else ("No VAT" not in pdf and "Reverse" not in pdf)


def test_a_norwegian_cluster_charges_norwegian_vat_only(tier, settings):
    settings.KLYNGE_SELLER_COUNTRY, settings.KLYNGE_VAT_RATES = "NO", {"NO": 25}
    for country, number in (("NO", "912345602"), ("DK", "10000009")):
        organisation = OrganisationFactory(country=country, registry_number=number)
        services.approve_application(
            actor=None, application=ApplicationFactory(organisation=organisation, tier=tier)
        )
    rates = dict(Invoice.objects.values_list("buyer_country", "vat_rate"))
    assert rates == {"NO": Decimal("25.00"), "DK": Decimal("0.00")}
    from klynge.membership import conf

    assert conf.vat_note("DK", Decimal("0")) == OUTSIDE


def test_vat_rates_are_configurable(tier, settings):
    settings.KLYNGE_VAT_RATES = {"DK": "12.5"}
    services.approve_application(actor=None, application=ApplicationFactory(tier=tier))
    invoice = Invoice.objects.get()
    assert (invoice.vat_rate, invoice.vat_amount, invoice.total) == (
        Decimal("12.50"),
        Decimal("1500.00"),
        Decimal("13500.00"),
    )


def test_a_free_tier_creates_the_membership_without_an_invoice(tier):
    startup = OrganisationFactory(kind="startup", membership_status="prospect")
    membership = services.approve_application(
        actor=None, application=ApplicationFactory(organisation=startup, tier=tier)
    )
    assert membership.status == "active"
    assert Invoice.objects.count() == 0
    startup.refresh_from_db()
    assert startup.membership_status == "member"


def test_a_decided_application_cannot_be_approved_again(tier):
    application = ApplicationFactory(tier=tier)
    services.approve_application(actor=None, application=application)
    with pytest.raises(ValidationError) as error:
        services.approve_application(actor=None, application=application)
    assert error.value.messages == ["This application has already been decided."]
    assert (Membership.objects.count(), Invoice.objects.count()) == (1, 1)


@pytest.mark.django_db(transaction=True)
def test_approving_twice_at_once_creates_one_membership_and_one_invoice(staff):
    tier = TierFactory(fee=Decimal("8000"))
    application = ApplicationFactory(tier=tier)
    results: list[str] = []
    barrier = threading.Barrier(2)

    def approve():
        barrier.wait()
        try:
            services.approve_application(actor=staff, application=application)
            results.append("ok")
        except ValidationError:
            results.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=approve) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["ok", "refused"]
    assert Membership.objects.count() == 1
    assert list(Invoice.objects.values_list("number", flat=True)) == [1]


def test_staff_approve_through_the_page(client, staff, tier, django_capture_on_commit_callbacks):
    application = ApplicationFactory(tier=tier)
    client.force_login(staff)
    page = client.get(reverse("membership:application", args=[application.pk]))
    assert page.status_code == 200
    assert page.context["fee"] == Decimal("12000.00")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("membership:approve", args=[application.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("membership:applications")
    membership = Membership.objects.get()
    assert (membership.organisation, membership.status) == (application.organisation, "active")
    invitation_mail = next(m for m in mail.outbox if "invitation" in m.subject)
    assert "http://testserver/accounts/invitations/accept/" in invitation_mail.body
    again = client.post(reverse("membership:approve", args=[application.pk]), follow=True)
    assert [str(m) for m in again.context["messages"]][-1] == (
        "This application has already been decided."
    )


def test_rejection_needs_a_reason_which_is_emailed(
    client, staff, tier, django_capture_on_commit_callbacks
):
    application = ApplicationFactory(tier=tier, contact_email="k@x.example")
    client.force_login(staff)
    response = client.post(reverse("membership:reject", args=[application.pk]), {"reason": " "})
    assert response.status_code == 400
    assert response.context["reject_form"].errors["reason"] == ["This field is required."]
    application.refresh_from_db()
    assert application.status == "pending"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("membership:reject", args=[application.pk]),
            {"reason": "We only take media companies."},
        )
    assert response.status_code == 302
    application.refresh_from_db()
    assert (application.status, application.reason) == ("rejected", "We only take media companies.")
    assert [m.to for m in mail.outbox] == [["k@x.example"]]
    assert "We only take media companies." in mail.outbox[0].body
    assert Membership.objects.count() == 0


def test_application_queue_lists_pending_with_constant_queries(
    client, staff, tier, django_assert_num_queries
):
    client.force_login(staff)
    ApplicationFactory(tier=tier)
    client.get(reverse("membership:applications"))  # warm the session and caches
    with django_assert_num_queries(5) as one:  # with the audit entry of the viewing
        response = client.get(reverse("membership:applications"))
    assert len(response.context["applications"]) == 1
    ApplicationFactory(tier=tier)
    ApplicationFactory(tier=tier, status="rejected")
    ApplicationFactory(tier=tier)
    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(reverse("membership:applications"))
    assert len(response.context["applications"]) == 3


def test_the_home_page_leads_visitors_to_the_form(client):
    html = client.get(reverse("core:home")).content.decode()
    join = html[html.index('id="join"') :]
    assert f'<a role="button" href="{reverse("membership:apply")}">Apply for membership</a>' in join
