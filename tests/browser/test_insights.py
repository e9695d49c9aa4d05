"""A member admin gives their organisation's yearly figures (a wrong value first); staff see
the KPIs and the rows behind them, create a board link, and the board view opens without a
login, hiding the figures that rest on fewer than 3 organisations."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from klynge.accounts.tests.factories import PASSWORD, UserFactory, user_with_role
from klynge.ecosystem.models import AffiliationRole
from klynge.ecosystem.tests.factories import OrganisationFactory
from klynge.insights.models import OrganisationYear
from klynge.membership.tests.factories import MembershipFactory
from tests.browser import test_roles
from tests.browser.test_roles import submit_login

browser = test_roles.browser
page = test_roles.page
console_errors = test_roles.console_errors

pytestmark = pytest.mark.browser
LAST_YEAR = timezone.localdate().year - 1


@pytest.fixture
def people(transactional_db):
    organisation = OrganisationFactory(name="Fynsk Lyd ApS", slug="fynsk-lyd")
    MembershipFactory(
        organisation=organisation,
        start_date=datetime.date(LAST_YEAR - 2, 1, 1),
        end_date=datetime.date(LAST_YEAR + 2, 12, 31),
    )
    admin = user_with_role(
        AffiliationRole.MEMBER_ADMIN, organisation, email="boss@fynsklyd.example", name="Mette Boss"
    )
    staff = UserFactory(email="staff@cluster.example", name="Sara Staff", is_staff=True)
    return organisation, admin, staff


def test_a_member_gives_figures_and_staff_share_the_board_view(page, people, console_errors):
    _organisation, admin, staff = people
    page.goto(reverse("accounts:login"))
    submit_login(page, admin.email, PASSWORD)
    expect(page.locator("#panel-insights_member")).to_contain_text(f"{LAST_YEAR} figures missing")
    page.locator("#panel-insights_member").get_by_role("link", name="Fynsk Lyd ApS").click()
    expect(page.locator("main h1")).to_have_text("Figures of Fynsk Lyd ApS")

    page.get_by_label("Year").fill(str(LAST_YEAR))
    page.get_by_label("Personnel costs").fill("6.000.000")
    page.get_by_label("Operating profit").fill("1500000")
    page.get_by_label("Employees (full-time equivalents)").fill("-12")
    page.get_by_role("button", name="Save the figures").click()
    expect(page.locator("main form")).to_contain_text("The number of employees cannot be negative.")
    assert OrganisationYear.objects.count() == 0

    page.get_by_label("Employees (full-time equivalents)").fill("12")
    page.get_by_role("button", name="Save the figures").click()
    expect(page.locator(".messages")).to_contain_text(f"The {LAST_YEAR} figures of Fynsk Lyd ApS")
    expect(page.locator("#years")).to_contain_text("6,000,000")
    expect(page.locator("#history")).to_contain_text("The member organisation")
    page.get_by_role("button", name="Sign out").click()

    page.goto(reverse("accounts:login"))
    submit_login(page, staff.email, PASSWORD)
    page.goto(f"{reverse('insights:dashboard')}?year={LAST_YEAR}")
    card = page.locator("#kpi-value_creation")
    # (6,000,000 + 1,500,000) / 12 = 625,000 per employee, from 1 of 1 members.
    expect(card).to_contain_text("625,000 DKK per employee")
    expect(card).to_contain_text("Coverage: 1 of 1 members")
    card.get_by_role("link", name="The rows behind this figure").click()
    expect(page.locator("main table")).to_contain_text("Fynsk Lyd ApS")

    page.goto(reverse("insights:board_links"))
    page.get_by_label("Who is it for").fill("Board meeting")
    page.get_by_role("button", name="Create a link").click()
    link = page.locator("#new-link a").get_attribute("href")
    assert re.search(r"/insights/board/[\w-]+/$", link)
    page.get_by_role("button", name="Sign out").click()

    page.goto(f"{link}?year={LAST_YEAR}")
    expect(page.locator("main h1")).to_contain_text(f"impact {LAST_YEAR}")
    expect(page.locator("#kpi-value_creation")).to_contain_text("fewer than 3")
    expect(page.locator("main")).not_to_contain_text("625,000")
    # The refused form answered 422 (as the house rules ask), which Chromium logs; nothing else.
    assert [error for error in console_errors if "status of 422" not in error] == []
