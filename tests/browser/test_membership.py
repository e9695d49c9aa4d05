"""A new organisation finds the application form from the home page and applies; staff approve it
in the browser; the contact person accepts the invitation that approval sends and sees the active
membership and its first invoice (the live server runs in this process, so its e-mail lands in
django.core.mail.outbox).
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from playwright.sync_api import expect

from klynge.accounts.tests.factories import PASSWORD, UserFactory
from klynge.ecosystem.models import Organisation
from klynge.membership.models import Invoice, Membership, Tier, TierFee
from tests.browser import test_roles
from tests.browser.test_roles import header_sign_in, submit_login

# The role flows' fixtures: one Chromium per module, a fresh page per test, console errors.
browser = test_roles.browser
page = test_roles.page
console_errors = test_roles.console_errors

pytestmark = pytest.mark.browser


@pytest.fixture
def tier(transactional_db):
    tier = Tier.objects.create(name="Small company", studio_hours_per_month=4)
    TierFee.objects.create(tier=tier, annual_fee=Decimal("12000.00"))
    return tier


@pytest.fixture
def staff_user(transactional_db):
    return UserFactory(email="staff@cluster.example", name="Sara Staff", is_staff=True)


def test_a_new_organisation_applies_and_staff_approve_it(
    page, live_server, tier, staff_user, console_errors
):
    page.goto(reverse("core:home"))
    page.get_by_role("button", name="Become a member").click()
    expect(page).to_have_url(re.compile("#join$"))
    page.locator("#join").get_by_role("button", name="Apply for membership").click()
    expect(page).to_have_url(re.compile(re.escape(reverse("membership:apply")) + "$"))
    expect(page.locator("main h1")).to_have_text("Apply for membership")
    page.get_by_label("Organisation name").fill("Lydværket ApS")
    page.get_by_label("Kind of organisation").select_option("company")
    page.get_by_label("Country").select_option("DK")
    page.get_by_label("Registry number").fill("10000009")
    page.get_by_label("Employees").fill("12")
    page.get_by_label("Your name").fill("Karen Kontakt")
    page.get_by_label("Your e-mail").fill("karen@lydvaerket.example")
    page.locator("#id_tier").select_option(label="Small company")
    page.locator("main form button[type=submit]").click()

    expect(page).to_have_url(re.compile(re.escape(reverse("membership:applied")) + "$"))
    expect(page.locator("main h1")).to_have_text("Thank you for applying")
    assert Organisation.objects.get(registry_number="10000009").membership_status == "prospect"

    page.goto(reverse("accounts:login"))
    submit_login(page, staff_user.email, PASSWORD)
    expect(page).to_have_url(re.compile(re.escape(reverse("core:dashboard")) + "$"))
    expect(page.locator("#panel-membership_staff")).to_contain_text("Pending applications")

    page.goto(reverse("membership:applications"))
    page.get_by_role("link", name="Lydværket ApS").click()
    expect(page.locator("main h1")).to_have_text("Application from Lydværket ApS")
    page.get_by_role("button", name="Approve the application").click()

    expect(page).to_have_url(re.compile(re.escape(reverse("membership:applications")) + "$"))
    expect(page.locator(".message-success")).to_have_text(
        "Lydværket ApS is now a member; the contact person is invited as member admin."
    )
    page.goto(reverse("membership:memberships"))
    row = page.locator("tbody tr", has_text="Lydværket ApS")
    expect(row.locator("td[data-status]")).to_have_text("Active")

    organisation = Organisation.objects.get(registry_number="10000009")
    assert organisation.membership_status == "member"
    assert Membership.objects.get(organisation=organisation).status == "active"
    assert Invoice.objects.get(organisation=organisation).total == Decimal("15000.00")
    invitations = [m for m in mail.outbox if m.subject == "Your invitation to Media City Odense"]
    assert [m.to for m in invitations] == [["karen@lydvaerket.example"]]
    link = re.search(
        re.escape(live_server.url) + r"/accounts/invitations/accept/\S+", invitations[0].body
    ).group(0)

    # The applicant's side: accept the invitation, then see the membership and its invoice.
    page.get_by_role("button", name="Sign out").click()
    expect(header_sign_in(page)).to_be_visible()
    page.goto(link)
    expect(page.locator("main h1")).to_have_text("Welcome to Media City Odense")
    expect(page.locator("main")).to_contain_text(
        "invites you to join as Member administrator of Lydværket ApS."
    )
    page.get_by_label("Your name").fill("Karen Kontakt")
    page.get_by_label("Choose a password").fill("lyd-og-billede-2026")
    page.get_by_label("Repeat the password").fill("lyd-og-billede-2026")
    page.get_by_role("button", name="Accept the invitation").click()
    expect(page).to_have_url(re.compile(re.escape(reverse("core:dashboard")) + "$"))
    expect(page.locator(".message-success")).to_have_text("Welcome! Your invitation is accepted.")

    page.locator("header").get_by_role("link", name="Your membership").click()
    section = page.locator("main section", has_text="Lydværket ApS")
    expect(section.locator("[data-membership-status]")).to_have_attribute(
        "data-membership-status", "active"
    )
    expect(section.locator("[data-membership-status]")).to_contain_text(
        "Small company membership, Active"
    )
    invoice = Invoice.objects.get(organisation=organisation)
    row = section.locator("tbody tr", has_text=str(invoice.number))
    expect(row).to_contain_text("15,000.00")
    expect(row).to_contain_text("Sent")
    assert console_errors == []
