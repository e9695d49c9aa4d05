"""The CRM in Debian's Chromium: HTMX updates in place, refused input shown where it was typed,
and no script or style blocked by the Content-Security-Policy."""

from __future__ import annotations

import datetime
import os
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect, sync_playwright

from klynge.accounts.tests.factories import PASSWORD
from klynge.crm.models import Account, Interaction, Task
from klynge.crm.tests.factories import AccountFactory, StaffFactory, TaskFactory
from klynge.ecosystem.tests.factories import OrganisationFactory

pytestmark = pytest.mark.browser

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"]
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI || "inline"}`);
});
"""


@pytest.fixture
def page(chromium_path, live_server, transactional_db):
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    errors: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        context = browser.new_context(base_url=live_server.url, locale="en-US")
        context.set_default_timeout(15_000)
        context.add_init_script(CSP_LISTENER)
        page = context.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.console_errors = errors
        try:
            yield page
        finally:
            browser.close()
            if previous is None:
                os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
            else:
                os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def _sign_in(page, user) -> None:
    page.goto(reverse("accounts:login"))
    form = page.locator("main form")
    form.locator("input[name=username]").fill(user.email)
    form.locator("input[name=password]").fill(PASSWORD)
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/dashboard/$"))


def test_staff_work_the_crm_in_place(page):
    staff = StaffFactory(email="sara@cluster.example", name="Sara Staff")
    org = OrganisationFactory(name="Fynsk Lyd ApS", slug="fynsk-lyd", membership_status="prospect")
    AccountFactory(
        organisation=org, owner=staff, stage="proposal", expected_annual_fee=Decimal("15000")
    )
    task = TaskFactory(
        assignee=staff,
        organisation=org,
        title="Send the offer",
        due_date=timezone.localdate() - datetime.timedelta(days=1),
    )
    _sign_in(page, staff)

    # The interaction log: an empty summary is refused in place, then the entry is logged.
    url = reverse("crm:organisation", args=[org.slug])
    page.goto(url)
    log = page.locator("#crm-interactions")
    log.get_by_role("button", name="Log it").click()
    expect(log.locator(".error")).to_have_text("Write what happened.")
    log.get_by_label("Summary").fill("Met at the studio")
    log.get_by_role("button", name="Log it").click()
    expect(log.locator(".crm-log li").first).to_contain_text("Met at the studio")
    assert page.url.endswith(url)
    assert Interaction.objects.get().summary == "Met at the studio"

    # Tasks: marking one done swaps its row.
    page.goto(reverse("crm:tasks"))
    row = page.locator(f"#task-{task.pk}")
    expect(row).to_have_class("crm-overdue")
    row.get_by_role("button", name="Mark done").click()
    expect(page.locator(f"#task-{task.pk}").get_by_role("button", name="Reopen")).to_be_visible()
    assert Task.objects.get().done is True

    # The board: lost without a reason is refused on the card; with one, the card moves.
    page.goto(reverse("crm:pipeline"))
    card = page.locator(f"#card-{org.pk}")
    card.get_by_label("Move to").select_option("lost")
    card.get_by_role("button", name="Move").click()
    expect(page.locator(f"#card-{org.pk} .error")).to_have_text("Say why the prospect was lost.")
    card = page.locator(f"#card-{org.pk}")
    card.get_by_label("Reason, if lost").fill("No budget")
    card.get_by_role("button", name="Move").click()
    expect(page.locator("section[data-stage=lost]")).to_contain_text("Fynsk Lyd ApS")
    assert (Account.objects.get().stage, Account.objects.get().lost_reason) == ("lost", "No budget")
    # The refused forms answer 400 on purpose; Chromium logs each such answer on the console.
    unexpected = [e for e in page.console_errors if "status of 400" not in e]
    assert (unexpected, len(page.console_errors)) == ([], 2)
