"""Staff import a pretalx programme in the browser (dry run first); an attendee stars a session.

The event comes from the programme tests' factory; the live server runs in this process, so the
database the browser writes to is the one the test reads.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from klynge.accounts.tests.factories import PASSWORD, UserFactory
from klynge.schedule.models import AgendaEntry, ScheduleImport, Session
from klynge.schedule.tests.factories import EventFactory
from tests.browser import test_roles
from tests.browser.test_roles import submit_login

browser = test_roles.browser
page = test_roles.page
console_errors = test_roles.console_errors

pytestmark = pytest.mark.browser

DEMOCON = (
    Path(__file__).resolve().parents[3] / "shared" / "data" / "schedules" / "pretalx-democon.json"
)
SESSION_TITLE = "Focused 5thgeneration hardware"


@pytest.fixture
def event(transactional_db):
    return EventFactory(slug="democon", title="DemoCon in Odense")


@pytest.fixture
def staff_user(transactional_db):
    return UserFactory(email="staff@cluster.example", name="Sara Staff", is_staff=True)


@pytest.fixture
def attendee(transactional_db):
    return UserFactory(email="anna@example.org", name="Anna Attendee")


def sign_in(page, user):
    page.context.clear_cookies()
    page.goto(reverse("accounts:login"))
    submit_login(page, user.email, PASSWORD)
    expect(page).to_have_url(re.compile(re.escape(reverse("core:dashboard")) + "$"))


def test_staff_import_a_pretalx_programme_and_an_attendee_stars_a_session(
    page, live_server, event, staff_user, attendee, console_errors
):
    if not DEMOCON.is_file():
        pytest.skip(f"the shared schedule data is missing ({DEMOCON})")
    sign_in(page, staff_user)
    page.goto(reverse("schedule:manage", args=[event.slug]))
    expect(page.locator("main h1")).to_have_text("Edit the programme")
    page.get_by_role("button", name="Import a schedule").click()
    expect(page.locator("main h1")).to_have_text("Import a schedule")
    page.get_by_label("Schedule file").set_input_files(str(DEMOCON))
    page.get_by_role("button", name="Check the file").click()

    # The dry run: nothing is saved yet.
    expect(page.locator("main h1")).to_have_text("Check the import")
    sessions_row = page.locator("tbody tr", has=page.locator("th", has_text="Sessions"))
    expect(sessions_row.locator("td")).to_have_text(["36", "0", "0"])
    speakers_row = page.locator("tbody tr", has=page.locator("th", has_text="Speakers"))
    expect(speakers_row.locator("td").first).to_have_text("27")
    assert Session.objects.filter(event=event).count() == 0
    page.get_by_role("button", name="Import", exact=True).click()

    expect(page).to_have_url(
        re.compile(re.escape(reverse("schedule:programme", args=[event.slug])))
    )
    expect(page.locator(".message-success")).to_contain_text("Imported: 36 sessions created")
    assert Session.objects.filter(event=event).count() == 36
    assert ScheduleImport.objects.get(event=event).applied_at is not None

    # An attendee stars a session (HTMX swaps the button) and finds it in their agenda.
    sign_in(page, attendee)
    page.goto(reverse("schedule:programme", args=[event.slug]))
    row = page.locator("table.programme tbody tr", has_text=SESSION_TITLE)
    row.get_by_role("button", name=re.compile("Add to my agenda")).click()
    expect(row.get_by_role("button", name=re.compile("In my agenda"))).to_have_attribute(
        "aria-pressed", "true"
    )
    session = Session.objects.get(event=event, title=SESSION_TITLE)
    assert AgendaEntry.objects.filter(user=attendee, session=session).count() == 1

    page.get_by_role("link", name="My agenda").first.click()
    expect(page.locator("main h1")).to_have_text("My agenda")
    agenda_rows = page.locator("table.programme tbody tr")
    expect(agenda_rows).to_have_count(1)
    expect(agenda_rows.first).to_contain_text(SESSION_TITLE)

    # The grid of the first day loads with its stylesheet and no CSP violation.
    page.goto(reverse("schedule:grid", args=[event.slug]))
    expect(page.locator("table.programme-grid thead th").first).to_have_text("Time")
    expect(page.locator("td.session.starred")).to_contain_text(SESSION_TITLE)
    assert console_errors == []
