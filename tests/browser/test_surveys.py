"""Staff send the annual member survey, a member answers it from the e-mailed link, and staff see
the result: the response rate moves on the open survey page by itself (HTMX), and the results
page has the chart. The live server runs in this process, so its e-mail lands in
django.core.mail.outbox."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse
from playwright.sync_api import expect

from klynge.accounts.tests.factories import PASSWORD, UserFactory
from klynge.ecosystem.models import AffiliationRole
from klynge.ecosystem.tests.factories import AffiliationFactory, OrganisationFactory, PersonFactory
from klynge.membership.tests.factories import MembershipFactory, TierFactory
from klynge.surveys.models import Question, Response, Survey
from tests.browser import test_roles
from tests.browser.test_roles import CSP_LISTENER, TIMEOUT_MS, submit_login

browser = test_roles.browser
page = test_roles.page
console_errors = test_roles.console_errors

pytestmark = pytest.mark.browser


@pytest.fixture
def cluster(transactional_db):
    """Staff, and two member organisations: one contact with a login (English), one without."""
    staff = UserFactory(email="sara@cluster.example", name="Sara Staff", is_staff=True)
    tier = TierFactory(name="Small company")
    studio = OrganisationFactory(name="Fynsk Lyd ApS", slug="fynsk-lyd", employees=8)
    films = OrganisationFactory(name="Odense Film A/S", slug="odense-film", employees=60)
    for organisation in (studio, films):
        MembershipFactory(organisation=organisation, tier=tier)
    member = UserFactory(email="mette@fynsklyd.example", name="Mette Madsen", language="en")
    person = PersonFactory(first_name="Mette", last_name="Madsen", email=member.email, user=member)
    AffiliationFactory(person=person, organisation=studio, role=AffiliationRole.MEMBER_ADMIN)
    AffiliationFactory(
        person=PersonFactory(first_name="Ole", last_name="Olsen", email="ole@odensefilm.example"),
        organisation=films,
        role=AffiliationRole.CONTACT,
    )
    return staff


def _question(survey: Survey, key: str) -> Question:
    return survey.questions.get(key=key)


def test_staff_send_the_member_survey_a_member_answers_staff_see_the_result(
    page, browser, live_server, cluster, console_errors
):
    # Staff create the annual member survey from the template, open it and invite the members.
    page.goto(reverse("accounts:login"))
    submit_login(page, cluster.email, PASSWORD)
    page.goto(reverse("surveys:manage"))
    page.get_by_label("Annual member survey about").fill("2025")
    page.get_by_role("button", name="Create the annual member survey").click()
    expect(page.locator(".message-success")).to_have_text(
        "The annual member survey is ready as a draft. Check it, then open it and invite."
    )
    expect(page.locator("main h1")).to_have_text("Annual member survey 2025")
    survey = Survey.objects.get()
    expect(page.locator("#questions article")).to_have_count(13)

    page.locator("#open").get_by_role("button", name="Open the survey").click()
    expect(page.locator(".message-success")).to_have_text(
        "The survey is open. Invite its audience now."
    )
    page.get_by_label("Members (organisations with a current membership)").check()
    page.get_by_role("button", name="Count who this reaches").click()
    expect(page.locator("#audience-preview")).to_have_text(
        "This reaches 2 people · 2 organisations."
    )
    page.get_by_role("button", name="Send the invitations").click()
    expect(page.locator(".message-success")).to_have_text(
        "2 invited; their e-mails are on their way."
    )
    expect(page.locator("#rate-counts")).to_have_text("0 of 2 invited have answered")

    # The member's invitation, in her language, with her personal link.
    (invitation,) = [m for m in mail.outbox if m.to == ["mette@fynsklyd.example"]]
    assert invitation.subject == "Survey: Annual member survey 2025"
    link = re.search(r"https?://\S+/surveys/answer/\S+/", invitation.body).group(0)
    assert link.startswith(live_server.url)

    # She opens the link (not signed in) and answers in the browser.
    context = browser.new_context(base_url=live_server.url, locale="en-US")
    context.set_default_timeout(TIMEOUT_MS)
    context.add_init_script(CSP_LISTENER)
    member = context.new_page()
    member_errors: list[str] = []
    member.on(
        "console",
        lambda message: member_errors.append(message.text) if message.type == "error" else None,
    )
    member.on("pageerror", lambda error: member_errors.append(f"page error: {error}"))
    member.goto(link)
    expect(member.locator("main h1")).to_have_text("Annual member survey 2025")

    def question(key: str):
        return member.locator(f"#question-{_question(survey, key).pk}")

    question("nps").get_by_label("9", exact=True).check()
    question("satisfaction").get_by_label("4", exact=True).check()
    # Conditional questions appear only after the answers they depend on.
    expect(question("satisfaction-events")).to_be_hidden()
    question("services-used").get_by_label("Events and network meetings").check()
    expect(question("satisfaction-events")).to_be_visible()
    expect(question("satisfaction-studios")).to_be_hidden()
    question("satisfaction-events").get_by_label("5", exact=True).check()
    question("needs").get_by_role("textbox").fill("A virtual production stage for a pilot.")
    expect(question("cluster-contribution")).to_be_hidden()
    question("launched-innovation").get_by_label("Yes").check()
    question("cluster-contribution").get_by_label("Yes, a lot").check()
    # The funding question is required: sending without it is refused, with a message on it.
    member.get_by_role("button", name="Send your answers").click()
    expect(question("received-funding").locator(".error")).to_have_text(
        "This question needs an answer."
    )
    assert Response.objects.count() == 0
    question("received-funding").get_by_label("No").check()
    member.get_by_role("button", name="Send your answers").click()
    expect(member.locator(".message-success")).to_have_text("Thank you: your answers are recorded.")
    expect(member.locator("#survey-answered")).to_contain_text("You can change your answers")
    # Only the deliberate refusal (a 400 answer) logged anything: no script or CSP error.
    assert member_errors == [
        "Failed to load resource: the server responded with a status of 400 (Bad Request)"
    ]
    context.close()

    # The survey page, still open in the staff browser, refreshes the rate by itself (every
    # ten seconds).
    expect(page.locator("#rate-counts")).to_have_text(
        "1 of 2 invited have answered", timeout=TIMEOUT_MS
    )
    expect(page.locator("#rate-percent")).to_have_text("50 %")

    # The results: the response rate, the NPS and its chart.
    page.get_by_role("link", name="Results").click()
    expect(page.locator("#figure-rate")).to_have_text("50 %")
    nps = _question(survey, "nps")
    expect(page.locator(f"#nps-{nps.pk}")).to_have_text("100")
    chart = page.locator(f"#result-{nps.pk} figure.chart svg")
    expect(chart).to_have_attribute("aria-label", "Question 1: promoters, passives and detractors")
    expect(chart.locator("text.chart-value")).to_have_text(["0%", "0%", "100%"])
    expect(
        page.locator(f"#result-{_question(survey, 'needs').pk} .survey-texts li")
    ).to_contain_text("A virtual production stage for a pilot.")
    assert console_errors == []
