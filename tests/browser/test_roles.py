"""End-to-end flows in Debian's Chromium (Playwright) against the live server, in English and Danish.

Every demo login signs in through the login form, lands on its dashboard panel with its role
badge, sees the administration link only when it is a staff administrator, and signs out. The
public home page must load without console errors or Content-Security-Policy violations.

One browser per module, a fresh context (cookies, storage) per test. The demo data is loaded in
each test: the live server needs a transactional database, which is emptied after every test.
"""

from __future__ import annotations

import io
import os
import re
import tempfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import Page, expect, sync_playwright

from klynge.ecosystem.demo import DEMO_LOGINS, DEMO_PASSWORD

pytestmark = pytest.mark.browser

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
TIMEOUT_MS = 15_000
LANGUAGES = ["en", "da"]
# What the pages must say in each language (the Danish ones come from the Danish catalogue).
SIGN_IN = {"en": "Sign in", "da": "Log ind"}
GREETING = {"en": re.compile(r"^Hello,"), "da": re.compile(r"^Hej,")}
WRONG_LOGIN = "That e-mail and password do not match an account. Try again."

# Reports CSP violations on the console too, so the console listener sees every one of them
# (an init script runs through the DevTools protocol, outside the page's CSP).
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI || "inline"}`);
});
"""


@pytest.fixture(scope="module")
def browser(chromium_path):
    # Playwright's sync API keeps an event loop in this thread; Django's ORM (load_demo, the
    # database flush between tests) would otherwise refuse to run here.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
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
def demo(transactional_db, live_server):
    call_command("load_demo", stdout=io.StringIO())
    return DEMO_LOGINS


@pytest.fixture
def console_errors():
    return []


@pytest.fixture
def page(browser, live_server, console_errors, failure_check, request):
    # An English browser: Danish only ever comes from the language form.
    context = browser.new_context(base_url=live_server.url, locale="en-US")
    context.set_default_timeout(TIMEOUT_MS)
    context.add_init_script(CSP_LISTENER)
    page = context.new_page()

    def on_console(message):
        url = message.location.get("url", "")
        if message.type == "error":
            console_errors.append(f"{message.text} ({url})")

    page.on("console", on_console)
    page.on("pageerror", lambda error: console_errors.append(f"page error: {error}"))
    yield page
    if failure_check():
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)[-150:]
        path = Path(tempfile.gettempdir()) / f"klynge-{name}.png"
        try:
            page.screenshot(path=str(path), full_page=True)
            print(f"Screenshot: {path}")
        except Exception as error:  # the page may be gone; the screenshot is only a courtesy
            print(f"No screenshot ({error})")
    context.close()


def translated(message: str, language: str) -> str:
    with translation.override(language):
        return gettext(message)


def switch_language(page: Page, language: str) -> None:
    """Picks the language in the footer form; app.js submits the form on change."""
    with page.expect_navigation():
        page.select_option("#language-select", language)
    expect(page.locator("html")).to_have_attribute("lang", language)


def open_home(page: Page, language: str) -> None:
    page.goto(reverse("core:home"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    if language != "en":
        switch_language(page, language)


def header_sign_in(page: Page):
    """The header's "Sign in" link (styled as a button)."""
    return page.locator(f'header a[href="{reverse("accounts:login")}"]')


def open_login(page: Page, language: str) -> None:
    expect(header_sign_in(page)).to_have_text(SIGN_IN[language])
    header_sign_in(page).click()
    expect(page).to_have_url(re.compile(re.escape(reverse("accounts:login")) + "$"))
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator("main form button[type=submit]")).to_have_text(SIGN_IN[language])


def submit_login(page: Page, email: str, password: str) -> None:
    form = page.locator("main form").filter(has=page.locator("input[name=password]"))
    form.locator("input[name=username]").fill(email)
    form.locator("input[name=password]").fill(password)
    form.locator("button[type=submit]").click()


@pytest.mark.parametrize("language", LANGUAGES)
def test_home_page_loads_cleanly(page, demo, console_errors, language):
    open_home(page, language)

    expect(page.locator("main h1")).to_have_text(settings.KLYNGE_CLUSTER_NAME)
    expect(header_sign_in(page)).to_have_text(SIGN_IN[language])
    page.wait_for_load_state("load")
    assert console_errors == []


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("login", DEMO_LOGINS, ids=lambda login: login.role)
def test_demo_login_signs_in_and_out(page, demo, console_errors, language, login):
    open_home(page, language)
    open_login(page, language)

    submit_login(page, login.email, DEMO_PASSWORD)

    expect(page).to_have_url(re.compile(re.escape(reverse("core:dashboard")) + "$"))
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator("main h1").first).to_have_text(GREETING[language])
    expect(page.locator(f"article#panel-{login.panel}")).to_be_visible()
    expect(page.locator(f'main .badge[data-role="{login.role}"]')).to_be_visible()
    admin_links = page.locator(f'header nav a[href="{reverse("admin:index")}"]')
    expect(admin_links).to_have_count(1 if login.role == "staff_admin" else 0)

    page.locator('header form[action$="/accounts/logout/"] button').click()

    expect(page).to_have_url(re.compile(re.escape(reverse("core:home")) + "$"))
    expect(header_sign_in(page)).to_have_text(SIGN_IN[language])
    expect(page.locator('form[action$="/accounts/logout/"]')).to_have_count(0)
    page.goto(reverse("core:dashboard"))  # signed out for real: the dashboard asks to sign in
    expect(page).to_have_url(re.compile(re.escape(reverse("accounts:login")) + r"\?next="))
    assert console_errors == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_wrong_password_stays_on_login_page(page, demo, console_errors, language):
    open_home(page, language)
    open_login(page, language)

    submit_login(page, demo[0].email, DEMO_PASSWORD + "-wrong")

    expected = WRONG_LOGIN if language == "en" else translated(WRONG_LOGIN, language)
    expect(page.locator("main [role=alert]")).to_contain_text(expected)
    if language != "en":
        assert expected != WRONG_LOGIN, f"no {language} translation for the wrong-login message"
    expect(page).to_have_url(re.compile(re.escape(reverse("accounts:login")) + "$"))
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator("input[name=password]")).to_be_visible()
    assert console_errors == []
