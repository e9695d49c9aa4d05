"""Staff settle possible duplicates in the browser: compare a pair side by side, confirm and
merge it; mark another pair as not a duplicate, which the next search remembers."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from klynge.accounts.tests.factories import PASSWORD, UserFactory
from klynge.ecosystem.merging import scan_duplicates
from klynge.ecosystem.models import Organisation, OrganisationDuplicate
from klynge.ecosystem.tests.factories import AffiliationFactory, OrganisationFactory
from tests.browser import test_roles
from tests.browser.test_roles import submit_login

browser = test_roles.browser
page = test_roles.page
console_errors = test_roles.console_errors

pytestmark = pytest.mark.browser


def test_staff_compare_merge_and_dismiss_duplicates(page, live_server, console_errors):
    staff = UserFactory(email="staff@cluster.example", name="Sara Staff", is_staff=True)
    keep = OrganisationFactory(name="Fynsk Lyd ApS", city="Odense", registry_number="10150817")
    duplicate = OrganisationFactory(name="Fynsk Lyd A/S", city="", website="https://lyd.example")
    AffiliationFactory(organisation=duplicate, role="employee")
    OrganisationFactory(name="Kanal Syd ApS")
    OrganisationFactory(name="Kanal Syd A/S")
    scan_duplicates()

    page.goto(reverse("accounts:login"))
    submit_login(page, staff.email, PASSWORD)
    expect(page).to_have_url(re.compile(re.escape(reverse("core:dashboard")) + "$"))
    page.goto(reverse("ecosystem:duplicates"))
    expect(page.locator("main h1")).to_have_text("Possible duplicate organisations")
    rows = page.locator("main tbody tr")
    expect(rows).to_have_count(2)

    rows.filter(has_text="Fynsk Lyd A/S").get_by_role("button", name="Compare").click()
    expect(page.locator("main h1")).to_have_text("Compare before merging")
    expect(page.locator("main table").first).to_contain_text("https://lyd.example")
    page.get_by_label("Fynsk Lyd ApS").check()
    page.get_by_role("button", name="Merge", exact=True).click()
    # The browser refuses the form until the confirmation is ticked (required checkbox).
    expect(page.locator("main h1")).to_have_text("Compare before merging")
    page.get_by_label("I have compared them: they are the same, merge them.").check()
    page.get_by_role("button", name="Merge", exact=True).click()

    expect(page.locator(".message-success")).to_have_text(
        "Fynsk Lyd A/S is merged into Fynsk Lyd ApS."
    )
    duplicate.refresh_from_db()
    keep.refresh_from_db()
    assert duplicate.merged_into == keep
    assert keep.website == "https://lyd.example"
    assert keep.affiliations.count() == 1

    rows = page.locator("main tbody tr")
    expect(rows).to_have_count(1)
    rows.get_by_role("button", name="Not a duplicate").click()
    expect(page.locator(".message-success")).to_contain_text("are marked as not the same")
    expect(page.locator("main tbody")).to_contain_text("No possible duplicates found.")
    scan_duplicates()
    page.reload()
    expect(page.locator("main tbody")).to_contain_text("No possible duplicates found.")
    assert OrganisationDuplicate.objects.get().status == "dismissed"
    assert Organisation.objects.filter(merged_into__isnull=True).count() == 3
    assert console_errors == []
