"""A new member books the podcast studio in the browser, gets the confirmation and cancels; a
colleague on the waiting list is offered the freed slot and books it.

The live server runs in this process, so its e-mail lands in django.core.mail.outbox.
"""

from __future__ import annotations

import datetime
import mimetypes
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from klynge.accounts.tests.factories import PASSWORD, UserFactory, user_with_role
from klynge.bookings import availability, services
from klynge.bookings.models import Booking, BookingAddOn
from klynge.ecosystem.models import AffiliationRole
from klynge.ecosystem.tests.factories import OrganisationFactory
from klynge.membership.tests.factories import MembershipFactory, TierFactory
from tests.browser import test_roles
from tests.browser.test_roles import submit_login

browser = test_roles.browser
page = test_roles.page
console_errors = test_roles.console_errors

pytestmark = pytest.mark.browser


@pytest.fixture
def setting(transactional_db):
    organisation = OrganisationFactory(name="Lydværket ApS", slug="lydvaerket")
    tier = TierFactory(name="Small company", studio_hours_per_month=8)
    today = timezone.localdate()
    MembershipFactory(
        organisation=organisation,
        tier=tier,
        start_date=today - datetime.timedelta(days=30),
        end_date=today + datetime.timedelta(days=365),
    )
    first = user_with_role(
        AffiliationRole.EMPLOYEE, organisation, email="nina@lydvaerket.example", name="Nina Ny"
    )
    second = user_with_role(
        AffiliationRole.EMPLOYEE, organisation, email="otto@lydvaerket.example", name="Otto Anden"
    )
    studio = services.create_resource(
        actor=None, name="Podcast studio", kind="studio", location="Ground floor"
    )
    services.set_opening_hours(
        actor=None, resource=studio, periods=[(d, 8 * 60, 20 * 60) for d in range(7)]
    )
    return first, second, studio


def sign_in(page, user):
    page.context.clear_cookies()
    page.goto(reverse("accounts:login"))
    submit_login(page, user.email, PASSWORD)
    expect(page).to_have_url(re.compile(re.escape(reverse("core:dashboard")) + "$"))


def test_book_cancel_and_the_waiting_list_gets_the_slot(page, live_server, setting, console_errors):
    first, second, studio = setting
    today = timezone.localdate()
    # The Monday after next: cancelling it is free (the window is 24 hours) on any weekday.
    next_monday = today - datetime.timedelta(days=today.weekday()) + datetime.timedelta(days=14)
    start = availability.at_local(next_monday, 10 * 60)
    cell = f'td[data-start="{timezone.localtime(start).isoformat()}"]'

    # A new member opens the podcast studio and sees this week, then clicks two weeks on.
    sign_in(page, first)
    page.goto(reverse("bookings:resources"))
    page.get_by_role("link", name="Podcast studio").click()
    expect(page.locator("main h1")).to_have_text("Podcast studio")
    expect(page.locator("#week-grid table")).to_be_visible()
    page.get_by_role("link", name="Next week").click()
    expect(page).to_have_url(
        re.compile(r"\?week=" + (next_monday - datetime.timedelta(days=7)).isoformat() + "$")
    )
    page.get_by_role("link", name="Next week").click()
    expect(page).to_have_url(re.compile(r"\?week=" + next_monday.isoformat() + "$"))
    expect(page.locator(cell)).to_have_attribute("data-state", "free")

    # Books two hours.
    page.locator(cell).get_by_role("link").click()
    expect(page.locator("main h1")).to_have_text("Book Podcast studio")
    page.get_by_label("Length").select_option(label="2 h")
    page.get_by_role("button", name="Confirm the booking").click()
    expect(page.locator(".message-success")).to_have_text(
        "Booked. A confirmation is on its way by e-mail."
    )
    expect(page.locator("#booking-status")).to_have_text("Confirmed")
    booking = Booking.objects.get(user=first)
    assert (booking.start, booking.minutes) == (start, 120)
    confirmations = [m for m in mail.outbox if m.to == [first.email]]
    assert [m.subject for m in confirmations] == [
        f"Booked: Podcast studio, {next_monday.day} {next_monday:%B} 10:00"
    ]
    assert f"{live_server.url}/studios/bookings/{booking.pk}/booking.ics" in confirmations[0].body

    # A colleague finds the slot taken and joins the waiting list.
    sign_in(page, second)
    page.goto(reverse("bookings:resource", args=[studio.slug]) + f"?week={next_monday}")
    expect(page.locator(cell)).to_have_attribute("data-state", "taken")
    page.locator(cell).get_by_role("link").click()
    page.get_by_role("button", name="Join the waiting list").click()
    expect(page.locator(".message-success")).to_contain_text("You are on the waiting list.")

    # The first member cancels.
    sign_in(page, first)
    page.goto(reverse("bookings:mine"))
    page.locator("tbody a").first.click()
    page.get_by_role("button", name="Cancel the booking").click()
    expect(page.locator(".message-success")).to_have_text("The booking is cancelled.")
    expect(page.locator("#booking-status")).to_have_text("Cancelled")

    # The colleague is offered the freed slot by e-mail and books it.
    offers = [m for m in mail.outbox if m.to == [second.email]]
    assert len(offers) == 1
    link = re.search(r"(/studios/offers/\S+/)", offers[0].body).group(1)
    assert f"{live_server.url}{link}" in offers[0].body
    sign_in(page, second)
    page.goto(link)
    page.get_by_role("button", name="Book it").click()
    expect(page.locator(".message-success")).to_have_text("The time is yours: booked.")
    expect(page.locator("#booking-status")).to_have_text("Confirmed")
    assert Booking.objects.get(status="confirmed").user == second
    assert console_errors == []


def serve_media(page):
    """In production the reverse proxy serves /media/ from disk (docs/deploy.md); here the
    browser's requests for it are answered from MEDIA_ROOT the same way."""

    def handle(route):
        path = Path(settings.MEDIA_ROOT) / route.request.url.split("/media/", 1)[1]
        if path.is_file():
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            route.fulfill(status=200, body=path.read_bytes(), content_type=content_type)
        else:
            route.fulfill(status=404, body="")

    page.route("**/media/**", handle)


def photo(tmp_path, name, colour) -> str:
    path = tmp_path / name
    Image.new("RGB", (64, 48), colour).save(path, "PNG")
    return str(path)


def test_staff_add_photos_and_a_technician_a_member_books_with_it_and_removes_it(
    page, live_server, setting, console_errors, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    first, _second, studio = setting
    staff = UserFactory(email="sara@cluster.example", name="Sara Staff", is_staff=True)
    serve_media(page)

    # Staff upload two photos, describe them, and put the second first.
    sign_in(page, staff)
    page.goto(reverse("bookings:resource_edit", args=[studio.slug]))
    photos = page.locator("#photos")
    for name, colour, text in (
        ("desk.png", (200, 40, 40), "The mixing desk"),
        ("booth.png", (40, 40, 200), "The booth with four microphones"),
    ):
        photos.locator('input[type="file"]').set_input_files(photo(tmp_path, name, colour))
        photos.locator("#id_alt_text").fill(text)
        photos.get_by_role("button", name="Upload the photo").click()
        expect(page.locator(".message-success")).to_have_text("Saved.")
    page.locator("#photos").get_by_role("button", name="Move photo 2 earlier").click()
    expect(page.locator("#photos li img")).to_have_count(2)
    expect(page.locator("#photos li img").first).to_have_attribute(
        "alt", "The booth with four microphones"
    )

    # And a sound technician who serves one booking at a time.
    add_ons = page.locator("#add-ons")
    add_ons.locator('input[name="name"]').fill("Sound technician")
    add_ons.get_by_label("Price per booking").fill("450")
    add_ons.get_by_label("One booking at a time").check()
    add_ons.get_by_role("button", name="Add the add-on").click()
    expect(page.locator("#add-ons li").first).to_contain_text("Sound technician")

    # A member sees the photos in that order, each described and loaded.
    sign_in(page, first)
    page.goto(reverse("bookings:resource", args=[studio.slug]))
    images = page.locator(".resource-photos img")
    expect(images).to_have_count(2)
    expect(images.first).to_have_attribute("alt", "The booth with four microphones")
    expect(images.last).to_have_attribute("alt", "The mixing desk")
    assert images.first.evaluate("image => image.complete && image.naturalWidth") == 64

    # They book two hours with the technician, then change their mind about the technician.
    today = timezone.localdate()
    monday = today - datetime.timedelta(days=today.weekday()) + datetime.timedelta(days=14)
    start = availability.at_local(monday, 10 * 60)
    page.goto(reverse("bookings:resource", args=[studio.slug]) + f"?week={monday}")
    page.locator(f'td[data-start="{timezone.localtime(start).isoformat()}"]').get_by_role(
        "link"
    ).click()
    page.get_by_label("Length").select_option(label="2 h")
    page.get_by_label("Sound technician").check()
    page.get_by_role("button", name="Confirm the booking").click()
    expect(page.locator("#booking-status")).to_have_text("Confirmed")
    expect(page.locator("#booking-add-ons")).to_contain_text("Sound technician")
    booking = Booking.objects.get(user=first)
    assert [row.add_on.name for row in BookingAddOn.objects.filter(booking=booking)] == [
        "Sound technician"
    ]
    page.get_by_role("button", name="Remove Sound technician").click()
    expect(page.locator(".message-success")).to_have_text(
        "Sound technician is removed from the booking."
    )
    expect(page.locator("#booking-add-ons")).to_have_count(0)
    assert BookingAddOn.objects.filter(booking=booking).count() == 0
    assert console_errors == []
