"""An organisation's and a person's CRM pages: the log, owner, stage, tasks, HTMX updates."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from klynge.core.models import AuditEntry
from klynge.crm.models import Account, Interaction, Task
from klynge.crm.tests.factories import AccountFactory, InteractionFactory, TaskFactory
from klynge.ecosystem.tests.factories import (
    AffiliationFactory,
    OrganisationFactory,
    PersonFactory,
)

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def _at(day: int, hour: int = 10) -> datetime.datetime:
    return datetime.datetime(2026, 11, day, hour, 0, tzinfo=datetime.UTC)


def test_organisation_page_shows_log_newest_first_owner_stage_and_open_tasks(
    client, staff, staff_admin, member_org
):
    AccountFactory(
        organisation=member_org, owner=staff_admin, stage="proposal", expected_annual_fee=15000
    )
    InteractionFactory(organisation=member_org, summary="First call", occurred_at=_at(1))
    InteractionFactory(organisation=member_org, summary="Visit", occurred_at=_at(9))
    InteractionFactory(summary="About someone else", occurred_at=_at(5))
    TaskFactory(organisation=member_org, title="Send the offer", assignee=staff)
    TaskFactory(
        organisation=member_org,
        title="Old task",
        assignee=staff,
        done=True,
        completed_at=timezone.now(),
    )
    client.force_login(staff)
    response = client.get(reverse("crm:organisation", args=[member_org.slug]))
    assert response.status_code == 200
    assert [i.summary for i in response.context["interactions"]] == ["Visit", "First call"]
    assert [t.title for t in response.context["tasks"]] == ["Send the offer"]
    account = response.context["account"]
    assert (account.owner, account.stage) == (staff_admin, "proposal")
    html = response.content.decode()
    assert "Anders Admin" in html
    assert "DKK15,000.00" in html  # en_GB formatting of the expected fee
    assert "<strong>Proposal</strong>" in html


def test_adding_an_interaction_with_htmx_returns_the_updated_list(client, staff, member_org):
    person = PersonFactory(first_name="Ida", last_name="Holm")
    AffiliationFactory(person=person, organisation=member_org)
    InteractionFactory(organisation=member_org, summary="Older", occurred_at=_at(1))
    client.force_login(staff)
    response = client.post(
        reverse("crm:organisation_interaction", args=[member_org.slug]),
        {
            "kind": "call",
            "occurred_at": "2026-11-20T14:30",
            "summary": "Called about the studio",
            "related": person.pk,
        },
        headers=HTMX,
    )
    assert response.status_code == 200
    assert response.templates[0].name == "crm/partials/interactions.html"
    assert [i.summary for i in response.context["interactions"]] == [
        "Called about the studio",
        "Older",
    ]
    interaction = Interaction.objects.get(summary="Called about the studio")
    assert (interaction.kind, interaction.author, interaction.person, interaction.organisation) == (
        "call",
        staff,
        person,
        member_org,
    )
    assert timezone.localtime(interaction.occurred_at).strftime("%Y-%m-%d %H:%M") == (
        "2026-11-20 14:30"
    )
    # A fresh, empty form comes back for the next entry.
    assert response.context["interaction_form"].is_bound is False


def test_adding_an_interaction_without_javascript_redirects(client, staff, member_org):
    client.force_login(staff)
    url = reverse("crm:organisation_interaction", args=[member_org.slug])
    response = client.post(
        url, {"kind": "note", "occurred_at": "2026-11-20T09:00", "summary": "Noted."}
    )
    assert (response.status_code, response["Location"]) == (
        302,
        reverse("crm:organisation", args=[member_org.slug]),
    )
    assert list(Interaction.objects.values_list("summary", flat=True)) == ["Noted."]


@pytest.mark.parametrize("headers", [{}, HTMX])
def test_an_interaction_without_summary_is_refused_with_nothing_saved(
    client, staff, member_org, headers
):
    client.force_login(staff)
    response = client.post(
        reverse("crm:organisation_interaction", args=[member_org.slug]),
        {"kind": "call", "occurred_at": "2026-11-20T14:30", "summary": "   "},
        headers=headers,
    )
    assert response.status_code == 400
    assert response.context["interaction_form"].errors == {"summary": ["Write what happened."]}
    assert "Write what happened." in response.content.decode()
    assert Interaction.objects.count() == 0
    assert AuditEntry.objects.count() == 0


def test_an_interaction_with_a_bad_date_is_refused(client, staff, member_org):
    client.force_login(staff)
    response = client.post(
        reverse("crm:organisation_interaction", args=[member_org.slug]),
        {"kind": "call", "occurred_at": "yesterday-ish", "summary": "Hi"},
    )
    assert response.status_code == 400
    assert response.context["interaction_form"].errors == {
        "occurred_at": ["Enter a valid date/time."]
    }
    assert Interaction.objects.count() == 0


def test_a_person_from_another_organisation_cannot_be_chosen(client, staff, member_org):
    stranger = PersonFactory()
    client.force_login(staff)
    response = client.post(
        reverse("crm:organisation_interaction", args=[member_org.slug]),
        {"kind": "call", "occurred_at": "2026-11-20T14:30", "summary": "x", "related": stranger.pk},
    )
    assert response.status_code == 400
    assert list(response.context["interaction_form"].errors) == ["related"]
    assert Interaction.objects.count() == 0


def test_person_page_logs_interactions_with_their_organisation(client, staff, member_org):
    person = PersonFactory(first_name="Ida", last_name="Holm")
    AffiliationFactory(person=person, organisation=member_org)
    client.force_login(staff)
    url = reverse("crm:person", args=[person.pk])
    response = client.post(
        reverse("crm:person_interaction", args=[person.pk]),
        {
            "kind": "email",
            "occurred_at": "2026-11-21T08:15",
            "summary": "Sent the programme",
            "related": member_org.pk,
        },
    )
    assert (response.status_code, response["Location"]) == (302, url)
    page = client.get(url)
    assert [(i.summary, i.organisation) for i in page.context["interactions"]] == [
        ("Sent the programme", member_org)
    ]
    html = page.content.decode()
    assert "<h1>Ida Holm</h1>" in html
    assert f'href="/crm/organisations/{member_org.slug}/"' in html


@pytest.mark.parametrize("rows", [1, 3])
def test_organisation_page_query_count_is_constant(
    client, staff, member_org, rows, django_assert_num_queries
):
    AccountFactory(organisation=member_org, owner=staff)
    for n in range(rows):
        person = PersonFactory()
        AffiliationFactory(person=person, organisation=member_org)
        InteractionFactory(organisation=member_org, person=person, occurred_at=_at(n + 1))
        TaskFactory(organisation=member_org, person=person)
    client.force_login(staff)
    url = reverse("crm:organisation", args=[member_org.slug])
    client.get(url)  # warms the caches (the audit log's content types)
    # 12: the session and user, the page's reads, the people offered in the forms and the
    # audit entry of the viewing.
    with django_assert_num_queries(12):
        response = client.get(url)
    assert len(response.context["interactions"]) == rows


@pytest.mark.parametrize("rows", [1, 3])
def test_person_page_query_count_is_constant(client, staff, rows, django_assert_num_queries):
    person = PersonFactory()
    for n in range(rows):
        InteractionFactory(person=person, occurred_at=_at(n + 1))
        TaskFactory(person=person)
    client.force_login(staff)
    client.get(reverse("crm:person", args=[person.pk]))  # warms the caches
    with django_assert_num_queries(11):  # including the audit entry of the viewing
        response = client.get(reverse("crm:person", args=[person.pk]))
    assert len(response.context["interactions"]) == rows


def test_staff_change_the_owner_and_fee(client, staff, staff_admin, member_org):
    client.force_login(staff)
    response = client.post(
        reverse("crm:account", args=[member_org.slug]),
        {"owner": staff_admin.pk, "expected_annual_fee": "8000", "currency": "DKK"},
    )
    assert response.status_code == 302
    account = Account.objects.get()
    assert (account.owner, str(account.expected_annual_fee)) == (staff_admin, "8000.00")


def test_the_owner_must_be_staff_and_the_fee_a_number(client, staff, employee, member_org):
    client.force_login(staff)
    response = client.post(
        reverse("crm:account", args=[member_org.slug]),
        {"owner": employee.pk, "expected_annual_fee": "lots", "currency": "DKK"},
    )
    assert response.status_code == 400
    assert response.context["account_form"].errors == {
        "owner": ["Select a valid choice. That choice is not one of the available choices."],
        "expected_annual_fee": ["Enter a number."],
    }
    assert Account.objects.count() == 0


def test_stage_change_from_the_organisation_page(client, staff, member_org):
    client.force_login(staff)
    url = reverse("crm:stage", args=[member_org.slug])
    response = client.post(url, {"stage": "lost"})
    assert response.status_code == 400
    assert response.context["stage_form"].errors == {
        "lost_reason": ["Say why the prospect was lost."]
    }
    assert "Say why the prospect was lost." in response.content.decode()
    assert Account.objects.count() == 0
    assert Interaction.objects.count() == 0
    response = client.post(url, {"stage": "contacted"})
    assert response.status_code == 302
    assert Account.objects.get().stage == "contacted"
    assert Interaction.objects.get().summary == "Stage changed from Identified to Contacted."


def test_adding_a_task_on_the_organisation_page_with_htmx(client, staff, staff_admin, member_org):
    client.force_login(staff)
    response = client.post(
        reverse("crm:organisation_task", args=[member_org.slug]),
        {"title": "Book a meeting", "due_date": "2026-12-01", "assignee": staff_admin.pk},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert [t.title for t in response.context["tasks"]] == ["Book a meeting"]
    task = Task.objects.get()
    assert (task.organisation, task.assignee, task.due_date, task.created_by) == (
        member_org,
        staff_admin,
        datetime.date(2026, 12, 1),
        staff,
    )


@pytest.mark.parametrize("headers", [{}, HTMX])
def test_a_task_with_a_bad_due_date_or_no_title_is_refused(client, staff, member_org, headers):
    client.force_login(staff)
    url = reverse("crm:organisation_task", args=[member_org.slug])
    response = client.post(
        url, {"title": "Call", "due_date": "31/31/2026", "assignee": staff.pk}, headers=headers
    )
    assert response.status_code == 400
    assert response.context["task_form"].errors == {"due_date": ["Enter a valid date."]}
    response = client.post(
        url, {"title": "", "due_date": "2026-12-01", "assignee": staff.pk}, headers=headers
    )
    assert response.status_code == 400
    assert response.context["task_form"].errors == {"title": ["Give the task a title."]}
    assert Task.objects.count() == 0


def test_the_board_names_cards_by_plain_ids_beyond_a_thousand(client, staff):
    """Ids in attributes are never grouped: "card-2,233" broke the board once."""
    org = OrganisationFactory(pk=2233, name="Fynsk Lyd ApS", membership_status="prospect")
    AccountFactory(organisation=org, stage="proposal")
    client.force_login(staff)
    html = client.get(reverse("crm:pipeline")).content.decode()
    assert 'id="card-2233"' in html
    assert 'for="move-' in html and "2,233" not in html and "2.233" not in html
