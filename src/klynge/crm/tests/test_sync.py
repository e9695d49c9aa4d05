"""The pipeline follows membership (applied, member, lost with the reason) and event check-in is
logged as an "event" interaction, by the same services the pages and the API call."""

import datetime
from decimal import Decimal

import pytest
from django.db import transaction
from django.urls import reverse

from klynge.crm import services as crm_services
from klynge.crm.models import Account, Interaction
from klynge.crm.tests.factories import AccountFactory
from klynge.ecosystem.tests.factories import OrganisationFactory, PersonFactory
from klynge.events import services as event_services
from klynge.events.tests.factories import EventFactory
from klynge.membership import renewals
from klynge.membership import services as membership_services
from klynge.membership.tests.factories import ApplicationFactory, MembershipFactory, TierFactory

pytestmark = pytest.mark.django_db
D = datetime.date


def _stage(organisation):
    return Account.objects.get(organisation=organisation).stage


def _notes(organisation):
    return list(
        Interaction.objects.filter(organisation=organisation)
        .order_by("occurred_at", "id")
        .values_list("kind", "summary")
    )


def test_applying_moves_a_prospect_to_applied(client):
    tier = TierFactory(name="Small company", fee=Decimal("12000"))
    client.post(
        reverse("membership:apply"),
        {
            "name": "Lydværket ApS",
            "kind": "company",
            "country": "DK",
            "registry_number": "10000009",
            "contact_name": "Karen Kontakt",
            "contact_email": "karen@lydvaerket.example",
            "tier": tier.pk,
        },
    )
    account = Account.objects.get(organisation__name="Lydværket ApS")
    assert account.stage == "applied"
    assert _notes(account.organisation) == [("note", "Stage changed from Identified to Applied.")]


def test_approval_makes_the_account_a_member(staff):
    account = AccountFactory(
        organisation=OrganisationFactory(membership_status="prospect"), stage="applied"
    )
    application = ApplicationFactory(organisation=account.organisation)
    membership_services.approve_application(actor=staff, application=application)
    assert _stage(account.organisation) == "member"
    assert _notes(account.organisation) == [("note", "Stage changed from Applied to Member.")]
    assert Interaction.objects.get().author == staff


def test_a_rejection_loses_the_prospect_with_the_reason(staff):
    application = ApplicationFactory()
    AccountFactory(organisation=application.organisation, stage="proposal")
    membership_services.reject_application(
        actor=staff, application=application, reason="Not a media company."
    )
    account = Account.objects.get(organisation=application.organisation)
    reason = "The membership application was rejected: Not a media company."
    assert (account.stage, account.lost_reason) == ("lost", reason)
    assert _notes(account.organisation)[-1] == (
        "note",
        f"Stage changed from Proposal to Lost. Reason: {reason}",
    )


def test_ending_a_membership_records_it_as_lost(staff, member_org):
    AccountFactory(organisation=member_org, stage="member")
    membership = MembershipFactory(
        organisation=member_org, start_date=D(2026, 1, 1), end_date=D(2026, 12, 31)
    )
    membership_services.end_membership(actor=staff, membership=membership, on=D(2026, 6, 30))
    account = Account.objects.get(organisation=member_org)
    assert (account.stage, account.lost_reason) == ("lost", "The membership ended on 30/06/2026.")


def test_the_renewal_run_notes_grace_and_records_the_lapse(member_org):
    """Unpaid: grace the day after the period, lapsed when grace is over; the run on the same
    day again changes nothing."""
    AccountFactory(organisation=member_org, stage="member")
    MembershipFactory(
        organisation=member_org,
        tier=TierFactory(fee=Decimal("5000")),
        start_date=D(2025, 1, 1),
        end_date=D(2025, 12, 31),
    )
    renewals.run_renewals(actor=None, on=D(2026, 1, 1))
    assert _stage(member_org) == "member"
    grace = "The membership is in its grace period from 01/01/2026: the renewal is not paid."
    assert _notes(member_org) == [("note", grace)]
    renewals.run_renewals(actor=None, on=D(2026, 3, 1))
    renewals.run_renewals(actor=None, on=D(2026, 3, 1))
    account = Account.objects.get(organisation=member_org)
    lapsed = "The membership lapsed on 01/03/2026: the renewal was not paid."
    assert (account.stage, account.lost_reason) == ("lost", lapsed)
    assert _notes(member_org)[1:] == [
        ("note", f"Stage changed from Member to Lost. Reason: {lapsed}")
    ]
    assert Interaction.objects.filter(author__isnull=True).count() == 2


def test_paying_in_grace_brings_the_member_back(staff, member_org):
    AccountFactory(organisation=member_org, stage="member")
    membership = MembershipFactory(
        organisation=member_org,
        tier=TierFactory(fee=Decimal("5000")),
        start_date=D(2025, 1, 1),
        end_date=D(2025, 12, 31),
    )
    renewals.run_renewals(actor=None, on=D(2025, 12, 1))  # bills the next period
    renewals.run_renewals(actor=None, on=D(2026, 1, 1))  # unpaid: grace
    crm_services.change_stage(
        actor=staff, organisation=member_org, stage="lost", lost_reason="They said they leave."
    )
    invoice = membership.invoices.get()
    membership_services.mark_invoice_paid(actor=staff, invoice=invoice, paid_on=D(2026, 1, 20))
    membership.refresh_from_db()
    assert (membership.status, membership.start_date) == ("active", D(2026, 1, 1))
    assert _stage(member_org) == "member"
    assert _notes(member_org)[-1] == ("note", "Stage changed from Lost to Member.")


def test_checking_in_at_an_event_is_logged_once(staff, member_org):
    person = PersonFactory(first_name="Ida", last_name="Holm")
    event = EventFactory(title="MediaTech Breakfast", title_en="MediaTech Breakfast")
    registration = event_services.register(
        actor=staff, event=event, person=person, organisation=member_org
    )
    with transaction.atomic():
        event_services.check_in(actor=staff, registration=registration)
    event_services.check_in(actor=staff, registration=registration)
    interaction = Interaction.objects.get()
    assert (
        interaction.kind,
        interaction.person,
        interaction.organisation,
        interaction.summary,
        interaction.reference,
        interaction.author,
    ) == (
        "event",
        person,
        member_org,
        "Attended MediaTech Breakfast.",
        f"events.registration:{registration.pk}",
        None,
    )
    registration.refresh_from_db()
    assert interaction.occurred_at == registration.checked_in_at
