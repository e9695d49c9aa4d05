"""B2B meetings in the browser: two participants opt in; one requests a meeting, the other
accepts, and both see it in their agendas at the same time and table."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from klynge.accounts.tests.factories import PASSWORD, UserFactory
from klynge.ecosystem.tests.factories import PersonFactory
from klynge.meetings.models import Meeting
from klynge.meetings.tests.factories import make_session
from tests.browser import test_roles
from tests.browser.test_roles import submit_login

browser = test_roles.browser
page = test_roles.page
console_errors = test_roles.console_errors

pytestmark = pytest.mark.browser


@pytest.fixture
def session(transactional_db):
    return make_session(slots=3, tables=4)


def _participant(email, first, last):
    user = UserFactory(email=email, name=f"{first} {last}")
    PersonFactory(email=email, user=user, first_name=first, last_name=last)
    return user


def _sign_in(page, email):
    page.goto(reverse("accounts:login"))
    submit_login(page, email, PASSWORD)
    expect(page).not_to_have_url(re.compile(re.escape(reverse("accounts:login")) + "$"))


def _opt_in(page, session, offers, looking_for):
    page.goto(reverse("meetings:opt_in", args=[session.pk]))
    page.get_by_label("I offer").fill(offers)
    page.get_by_label("I am looking for").fill(looking_for)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(
        re.compile(re.escape(reverse("meetings:participants", args=[session.pk])) + r"$")
    )


def _agenda_row(page, session) -> tuple[str, str]:
    page.goto(reverse("meetings:agenda", args=[session.pk]))
    row = page.locator("#agenda tbody tr").first
    return row.locator("td").nth(0).inner_text(), row.locator("td").nth(1).inner_text()


def test_one_requests_the_other_accepts_and_both_agendas_agree(
    page, browser, live_server, session, console_errors
):
    _participant("ane@example.org", "Ane", "Asker")
    _participant("bo@example.org", "Bo", "Host")
    other_context = browser.new_context(base_url=live_server.url, locale="en-US")
    host_page = other_context.new_page()
    try:
        _sign_in(host_page, "bo@example.org")
        _opt_in(host_page, session, "Podcast studio and sound design", "Video partners")

        _sign_in(page, "ane@example.org")
        _opt_in(page, session, "Video production", "A podcast studio")
        # The host is suggested (shared words) and listed; the search filters with HTMX.
        expect(page.locator("#recommended")).to_contain_text("Bo Host")
        page.get_by_label("Search names, organisations, offers and needs").fill("sound")
        expect(page.locator("#participant-rows tr")).to_have_count(1)
        page.locator("#participant-rows").get_by_role("link", name="Request a meeting").click()
        page.get_by_label("How much do you want this meeting?").select_option("3")
        page.get_by_label("A short note").fill("Let us talk about a video podcast")
        page.locator("main form button[type=submit]").click()
        expect(page.locator("#outgoing")).to_contain_text("Waiting for an answer")

        host_page.goto(reverse("meetings:session", args=[session.pk]))
        incoming = host_page.locator("#incoming")
        expect(incoming).to_contain_text("Let us talk about a video podcast")
        incoming.get_by_role("button", name="Accept").click()
        expect(host_page.locator(".messages")).to_contain_text("Accepted: you meet Ane Asker")

        meeting = Meeting.objects.select_related("slot", "table", "session__event").get()
        zone = meeting.session.event.zone
        expected_time = (
            f"{meeting.slot.starts_at.astimezone(zone):%H:%M}"
            f"–{meeting.slot.ends_at.astimezone(zone):%H:%M}"
        )
        asker_row = _agenda_row(page, session)
        host_row = _agenda_row(host_page, session)
        assert asker_row == host_row == (expected_time, "1")
        expect(page.locator("#agenda")).to_contain_text("Bo Host")
        expect(host_page.locator("#agenda")).to_contain_text("Ane Asker")
    finally:
        other_context.close()
    assert console_errors == []
