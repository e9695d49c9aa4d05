"""A new user finds an event, registers, gets the confirmation with the .ics, cancels, and the
next person on the waiting list is promoted: she gets the offer by e-mail, signs in, sees the
seat offered on the event page, accepts it and has her ticket (the live server runs in this
process, so its e-mail lands in django.core.mail.outbox)."""

from __future__ import annotations

import re

import icalendar
import pytest
from django.core import mail
from django.urls import reverse
from playwright.sync_api import expect

from klynge.accounts.tests.factories import PASSWORD, UserFactory
from klynge.ecosystem.tests.factories import PersonFactory
from klynge.events import services
from klynge.events.models import Registration
from klynge.events.tests.factories import EventFactory
from tests.browser import test_roles
from tests.browser.test_roles import submit_login

browser = test_roles.browser
page = test_roles.page
console_errors = test_roles.console_errors

pytestmark = pytest.mark.browser


@pytest.fixture
def event(transactional_db):
    return EventFactory(
        title="Breakfast on generative AI",
        slug="breakfast-on-generative-ai",
        kind="breakfast_seminar",
        capacity=1,
        offer_hours=24,
    )


@pytest.fixture
def newcomer(transactional_db):
    user = UserFactory(email="nina@example.org", name="Nina Ny")
    PersonFactory(first_name="Nina", last_name="Ny", email=user.email, user=user)
    return user


def test_register_get_the_ics_cancel_and_the_waiting_list_moves(
    page, live_server, event, newcomer, console_errors
):
    page.goto(reverse("accounts:login"))
    submit_login(page, newcomer.email, PASSWORD)
    page.goto(reverse("events:list"))
    page.get_by_label("Kind").select_option("breakfast_seminar")
    expect(page).to_have_url(re.compile(r"kind=breakfast_seminar"))
    page.get_by_role("link", name="Breakfast on generative AI").click()
    expect(page.locator("main h1")).to_have_text("Breakfast on generative AI")
    expect(page.locator("#free-seats")).to_have_text("1")
    page.get_by_role("button", name="Register").click()
    expect(page.locator(".message-success")).to_have_text(
        "You are registered. The confirmation is on its way."
    )
    expect(page.locator("#registration-status")).to_have_text("Your registration: Confirmed")

    (confirmation,) = mail.outbox
    assert confirmation.to == ["nina@example.org"]
    assert confirmation.subject == "You are registered: Breakfast on generative AI"
    name, content, mimetype = confirmation.attachments[0]
    assert (name, mimetype) == ("event.ics", "text/calendar")
    (entry,) = icalendar.Calendar.from_ical(content).walk("VEVENT")
    assert entry["dtstart"].dt == event.starts_at.replace(microsecond=0)
    code = Registration.objects.get(person__user=newcomer).code
    assert code in confirmation.body

    vera = UserFactory(email="vera@example.org", name="Vera Venter")
    waiting = PersonFactory(first_name="Vera", last_name="Venter", email=vera.email, user=vera)
    assert services.register(actor=None, event=event, person=waiting).status == "waitlisted"
    mail.outbox.clear()

    page.goto(reverse("events:mine"))
    row = page.locator("tbody tr", has_text="Breakfast on generative AI")
    expect(row.locator("td[data-status]")).to_have_text("Confirmed")
    row.get_by_role("button", name="Cancel").click()
    expect(page.locator(".message-success")).to_have_text("Your registration is cancelled.")
    expect(row.locator("td[data-status]")).to_have_text("Cancelled")

    promoted = Registration.objects.get(person=waiting)
    assert promoted.status == "offered"
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["nina@example.org"], "Registration cancelled: Breakfast on generative AI"),
        (["vera@example.org"], "A seat is free for you: Breakfast on generative AI"),
    ]
    assert f"{live_server.url}/events/breakfast-on-generative-ai/" in mail.outbox[1].body

    # Vera follows the offer's link, signs in, and takes the seat.
    mail.outbox.clear()
    page.locator('header form[action$="/accounts/logout/"] button').click()
    page.goto(reverse("events:detail", args=[event.slug]))
    page.get_by_role("link", name="Sign in to register").click()
    submit_login(page, vera.email, PASSWORD)
    expect(page.locator("main h1")).to_have_text("Breakfast on generative AI")
    expect(page.locator("#registration-status")).to_have_text("Your registration: Seat offered")
    expect(page.locator("#registration")).to_contain_text("A seat is free for you until")
    page.get_by_role("button", name="Accept the seat").click()
    expect(page.locator(".message-success")).to_have_text(
        "The seat is yours. The confirmation is on its way."
    )
    expect(page.locator("#registration-status")).to_have_text("Your registration: Confirmed")
    promoted.refresh_from_db()
    expect(page.locator("#ticket figcaption")).to_have_text(f"Ticket code: {promoted.code}")
    assert promoted.status == "confirmed"
    (ticket,) = mail.outbox
    assert (ticket.to, ticket.subject) == (
        ["vera@example.org"],
        "You are registered: Breakfast on generative AI",
    )
    assert promoted.code in ticket.body
    assert console_errors == []
