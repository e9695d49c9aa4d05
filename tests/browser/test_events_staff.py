"""Staff run a festival in the browser: create a multi-day conference on the manage pages, import
its programme (a pretalx export), publish it, register someone, and check them in at the door,
watching the attendance number change. A visitor who is not signed in sees the published page
with its programme link and a seat count that follows the registration at once.
"""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from klynge.accounts.tests.factories import PASSWORD, UserFactory
from klynge.ecosystem.tests.factories import PersonFactory
from klynge.events.models import Event, Registration
from klynge.schedule.models import Session
from tests.browser import test_roles
from tests.browser.test_roles import submit_login

browser = test_roles.browser
page = test_roles.page
console_errors = test_roles.console_errors

pytestmark = pytest.mark.browser

DEMOCON = (
    Path(__file__).resolve().parents[3] / "shared" / "data" / "schedules" / "pretalx-democon.json"
)
TITLE = "MediaTech Festival 2027"
SLUG = "mediatech-festival-2027"


@pytest.fixture
def staff_user(transactional_db):
    return UserFactory(email="sara@cluster.example", name="Sara Staff", is_staff=True)


@pytest.fixture
def guest(transactional_db):
    return PersonFactory(first_name="Gustav", last_name="Gæst", email="gustav@example.org")


def test_staff_create_a_festival_import_its_programme_publish_and_check_someone_in(
    page, live_server, staff_user, guest, console_errors
):
    if not DEMOCON.is_file():
        pytest.skip(f"the shared schedule data is missing ({DEMOCON})")
    page.goto(reverse("accounts:login"))
    submit_login(page, staff_user.email, PASSWORD)
    expect(page).to_have_url(re.compile(re.escape(reverse("core:dashboard")) + "$"))

    # A three-day festival, saved as a draft.
    page.goto(reverse("events:create"))
    page.locator("#id_title_en").fill(TITLE)
    page.locator("#id_title_da").fill("MediaTech-festival 2027")
    page.locator("#id_kind").select_option("conference")
    page.locator("#id_format").select_option("hybrid")
    page.locator("#id_visibility").select_option("public")
    page.locator("#id_time_zone").select_option("Europe/Copenhagen")
    page.locator("#id_starts_at").fill("2027-06-09T09:00")
    page.locator("#id_ends_at").fill("2027-06-11T18:00")
    page.locator("#id_capacity").fill("300")
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(
        re.compile(re.escape(reverse("events:manage_registrations", args=[SLUG])) + "$")
    )
    expect(page.locator(".message-success")).to_have_text("The event is saved as a draft.")
    expect(page.locator("main h1")).to_have_text(TITLE)
    event = Event.objects.get(slug=SLUG)
    assert (event.status, event.kind, event.capacity) == ("draft", "conference", 300)
    assert event.ends_at - event.starts_at == datetime.timedelta(days=2, hours=9)

    # Its programme, from a pretalx export: checked first, then imported.
    page.goto(reverse("schedule:manage", args=[SLUG]))
    page.get_by_role("button", name="Import a schedule").click()
    page.get_by_label("Schedule file").set_input_files(str(DEMOCON))
    page.get_by_role("button", name="Check the file").click()
    expect(page.locator("main h1")).to_have_text("Check the import")
    assert Session.objects.filter(event=event).count() == 0
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.locator(".message-success")).to_contain_text("Imported: 36 sessions created")
    assert Session.objects.filter(event=event).count() == 36

    # Published: visitors who are not signed in see it, with its programme and free seats.
    page.goto(reverse("events:manage_registrations", args=[SLUG]))
    page.get_by_role("button", name="Publish").click()
    expect(page.locator(".message-success")).to_have_text("The event is published.")
    event.refresh_from_db()
    assert event.status == "published"
    visitor = page.context.browser.new_context(base_url=live_server.url, locale="en-US")
    public = visitor.new_page()
    public.goto(reverse("events:detail", args=[SLUG]))
    expect(public.locator("main h1")).to_have_text(TITLE)
    expect(public.get_by_role("link", name="Programme")).to_be_visible()
    expect(public.locator("#free-seats")).to_have_text("300")
    public.reload()  # the stored copy
    expect(public.locator("#free-seats")).to_have_text("300")

    # Staff register a guest on their behalf.
    page.get_by_label("E-mail of the person to register").fill(guest.email)
    page.get_by_role("button", name="Register", exact=True).click()
    expect(page.locator(".message-success")).to_have_text("Gustav Gæst: Confirmed.")
    public.reload()
    expect(public.locator("#free-seats")).to_have_text("299")
    visitor.close()

    # At the door: nobody has arrived; the guest's ticket code checks them in.
    page.get_by_role("link", name="Check-in").click()
    expect(page.locator("main h1")).to_have_text("Check-in")
    expect(page.locator("#attendance")).to_have_text("0 of 1 have arrived.")
    code = Registration.objects.get(event=event, person=guest).code
    page.get_by_label("Ticket code or name").fill(code.lower())
    page.get_by_role("button", name="Find").click()
    expect(page.locator(".message-success")).to_have_text("Gustav Gæst checked in.")
    expect(page.locator("#attendance")).to_have_text("1 of 1 have arrived.")
    expect(page.locator("main ul").last).to_contain_text("Gustav Gæst")
    assert Registration.objects.get(event=event, person=guest).checked_in_at is not None
    assert console_errors == []
