"""Check-in at the door on a phone: staff point the phone's camera at a ticket's QR code and the
guest is checked in, no typing. Chromium gets a fake camera that films the real QR code of the
ticket (a Y4M video made here with segno and Pillow), so the page's own script (check_in.js,
with jsQR where Chromium has no BarcodeDetector) reads it as it would from a real camera.
"""

from __future__ import annotations

import io
import os
import re

import pytest
from django.urls import reverse
from PIL import Image
from playwright.sync_api import expect, sync_playwright

from klynge.accounts.tests.factories import PASSWORD, UserFactory
from klynge.ecosystem.tests.factories import PersonFactory
from klynge.events import services
from klynge.events.models import Registration
from klynge.events.tests.factories import EventFactory
from klynge.events.tickets import ticket_qr
from tests.browser import test_roles
from tests.browser.test_roles import CHROMIUM_ARGS, CSP_LISTENER, TIMEOUT_MS, submit_login

console_errors = test_roles.console_errors

pytestmark = pytest.mark.browser

CODE = "C0FFEE1234"
PHONE = {"width": 390, "height": 844}


def _y4m(code: str) -> bytes:
    """Ten frames (640x480, 4:2:0) of a white picture with the ticket's QR code in the middle."""
    qr = io.BytesIO()
    ticket_qr(code).save(qr, kind="png", scale=8, border=4)  # as on the ticket
    picture = Image.new("RGB", (640, 480), "white")
    code_image = Image.open(qr).convert("RGB")
    picture.paste(code_image, ((640 - code_image.width) // 2, (480 - code_image.height) // 2))
    y, cb, cr = picture.convert("YCbCr").split()
    half = (320, 240)
    frame = (
        b"FRAME\n"
        + y.tobytes()
        + cb.resize(half, Image.Resampling.BOX).tobytes()
        + cr.resize(half, Image.Resampling.BOX).tobytes()
    )
    return b"YUV4MPEG2 W640 H480 F10:1 Ip A1:1 C420jpeg\n" + frame * 10


@pytest.fixture(scope="module")
def browser(chromium_path, tmp_path_factory):
    video = tmp_path_factory.mktemp("camera") / "ticket.y4m"
    video.write_bytes(_y4m(CODE))
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(
            executable_path=chromium_path,
            args=[
                *CHROMIUM_ARGS,
                "--use-fake-ui-for-media-stream",
                "--use-fake-device-for-media-stream",
                f"--use-file-for-fake-video-capture={video}",
            ],
        )
        try:
            yield browser
        finally:
            browser.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def phone(browser, live_server, console_errors):
    context = browser.new_context(
        base_url=live_server.url,
        locale="en-US",
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
    )
    context.set_default_timeout(TIMEOUT_MS)
    context.add_init_script(CSP_LISTENER)
    context.grant_permissions(["camera"], origin=live_server.url)
    page = context.new_page()
    page.on(
        "console",
        lambda message: message.type == "error" and console_errors.append(message.text),
    )
    page.on("pageerror", lambda error: console_errors.append(f"page error: {error}"))
    yield page
    context.close()


def test_staff_check_a_guest_in_by_pointing_the_phone_at_the_ticket(
    phone, live_server, console_errors
):
    staff = UserFactory(email="door@cluster.example", name="Dora Door", is_staff=True)
    event = EventFactory(title="MediaTech Summit", slug="mediatech-summit", capacity=10)
    guest = PersonFactory(first_name="Gustav", last_name="Gæst", email="gustav@example.org")
    other = PersonFactory(first_name="Olga", last_name="Other", email="olga@example.org")
    registration = services.register(actor=None, event=event, person=guest)
    Registration.objects.filter(pk=registration.pk).update(code=CODE)
    services.register(actor=None, event=event, person=other)

    phone.goto(reverse("accounts:login"))
    submit_login(phone, staff.email, PASSWORD)
    phone.goto(reverse("events:check_in", args=[event.slug]))
    expect(phone.locator("#attendance")).to_have_text("0 of 2 have arrived.")
    # Typing stays possible next to the camera.
    expect(phone.get_by_label("Ticket code or name")).to_be_visible()
    phone.get_by_role("button", name="Scan a ticket with the camera").click()

    expect(phone.locator(".message-success")).to_have_text("Gustav Gæst checked in.")
    expect(phone.locator("#attendance")).to_have_text("1 of 2 have arrived.")
    registration.refresh_from_db()
    assert registration.checked_in_at is not None
    # The camera starts again for the next guest, and the ticket still in view is not read
    # twice.
    expect(phone.locator("[data-scan-status]")).to_have_text(
        "Hold the ticket’s QR code in front of the camera."
    )
    phone.evaluate("window.sameVisit = true")  # gone if the page were submitted again
    expect(phone.locator("[data-scanner]")).to_have_attribute("data-reads", re.compile(r"^\d{2,}$"))
    assert phone.evaluate("window.sameVisit") is True
    phone.get_by_role("button", name="Stop the camera").click()
    expect(phone.locator("[data-scan-status]")).to_have_text("The camera is off.")
    # Fits the phone: nothing wider than the screen.
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]
    assert console_errors == []
