"""The prospect pipeline board: columns, totals, filters in the URL, moving cards."""

from decimal import Decimal

import pytest
from django.urls import reverse

from klynge.core.models import AuditEntry
from klynge.crm.models import Account, Interaction
from klynge.crm.selectors import PipelineFilter, pipeline
from klynge.crm.tests.factories import AccountFactory, StaffFactory
from klynge.ecosystem.tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture
def board(staff, staff_admin):
    def org(name, country="DK"):
        return OrganisationFactory(name=name, country=country, membership_status="prospect")

    return {
        "a": AccountFactory(
            organisation=org("Aarhus Audio"),
            stage="contacted",
            owner=staff,
            expected_annual_fee=Decimal("10000.00"),
        ),
        "b": AccountFactory(
            organisation=org("Bornholm Broadcast"),
            stage="contacted",
            owner=staff_admin,
            expected_annual_fee=Decimal("2500.50"),
        ),
        "c": AccountFactory(organisation=org("Christiania Cast"), stage="contacted", owner=None),
        "d": AccountFactory(
            organisation=org("Drammen Drama", "NO"),
            stage="proposal",
            owner=staff,
            expected_annual_fee=Decimal("30000"),
            currency="NOK",
        ),
        "e": AccountFactory(
            organisation=org("Esbjerg Esports"),
            stage="proposal",
            owner=staff,
            expected_annual_fee=Decimal("5000"),
        ),
        "f": AccountFactory(
            organisation=org("Fanø Film"),
            stage="lost",
            owner=staff_admin,
            expected_annual_fee=Decimal("700"),
            lost_reason="Closed down",
        ),
    }


def test_pipeline_columns_cards_and_totals(board):
    columns = {c.stage: c for c in pipeline()}
    assert list(columns) == [
        "identified",
        "contacted",
        "meeting",
        "proposal",
        "applied",
        "member",
        "lost",
    ]
    assert [a.organisation.name for a in columns["contacted"].accounts] == [
        "Aarhus Audio",
        "Bornholm Broadcast",
        "Christiania Cast",
    ]
    assert (columns["contacted"].count, columns["contacted"].totals) == (
        3,
        [("DKK", Decimal("12500.50"))],
    )
    # Totals are per currency: a Norwegian prospect's fee is not added to Danish kroner.
    assert (columns["proposal"].count, columns["proposal"].totals) == (
        2,
        [("DKK", Decimal("5000.00")), ("NOK", Decimal("30000.00"))],
    )
    assert (columns["lost"].count, columns["lost"].totals) == (1, [("DKK", Decimal("700.00"))])
    assert (columns["identified"].count, columns["identified"].totals) == (0, [])


def test_pipeline_filters_by_owner_and_country(board, staff):
    def names(filters):
        return [a.organisation.name for c in pipeline(filters) for a in c.accounts]

    assert names(PipelineFilter(owner=str(staff.pk))) == [
        "Aarhus Audio",
        "Drammen Drama",
        "Esbjerg Esports",
    ]
    assert names(PipelineFilter(owner="none")) == ["Christiania Cast"]
    assert names(PipelineFilter(country="NO")) == ["Drammen Drama"]
    assert names(PipelineFilter(owner=str(staff.pk), country="DK")) == [
        "Aarhus Audio",
        "Esbjerg Esports",
    ]


def test_board_page_shows_columns_with_money_formatted_totals(client, staff, board):
    client.force_login(staff)
    response = client.get(reverse("crm:pipeline"))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<h2 id="stage-contacted">Contacted <small class="crm-count">(3)</small></h2>' in html
    assert '<p class="crm-total"><span>DKK12,500.50</span></p>' in html
    assert '<p class="crm-total"><span>DKK5,000.00</span> + <span>NOK30,000.00</span></p>' in html
    assert '<p class="crm-total"><span>DKK0.00</span></p>' in html  # an empty column
    assert "Why lost: Closed down" in html


def test_board_filters_are_kept_in_the_url_and_in_the_move_forms(client, staff, board):
    client.force_login(staff)
    response = client.get(reverse("crm:pipeline"), {"owner": staff.pk, "country": "DK"})
    columns = {c.stage: c for c in response.context["columns"]}
    assert [a.organisation.name for a in columns["proposal"].accounts] == ["Esbjerg Esports"]
    html = response.content.decode()
    assert f'<input type="hidden" name="owner" value="{staff.pk}">' in html
    assert '<input type="hidden" name="country" value="DK">' in html
    htmx = client.get(reverse("crm:pipeline"), {"country": "NO"}, headers=HTMX)
    assert htmx.templates[0].name == "crm/partials/board.html"


@pytest.mark.parametrize("rows", [1, 3])
def test_board_query_count_is_constant(client, staff, rows, django_assert_num_queries):
    for n in range(rows):
        AccountFactory(
            owner=StaffFactory(),
            stage=["contacted", "proposal", "lost"][n],
            expected_annual_fee=Decimal(1000 * (n + 1)),
        )
    client.force_login(staff)
    with django_assert_num_queries(6):
        response = client.get(reverse("crm:pipeline"))
    assert sum(c.count for c in response.context["columns"]) == rows


def test_moving_a_card_without_javascript_redirects_to_the_filtered_board(client, staff, board):
    client.force_login(staff)
    org = board["a"].organisation
    response = client.post(
        reverse("crm:stage", args=[org.slug]),
        {"stage": "meeting", "from": "board", "owner": staff.pk, "country": "DK"},
    )
    assert (response.status_code, response["Location"]) == (
        302,
        f"/crm/pipeline/?owner={staff.pk}&country=DK",
    )
    assert Account.objects.get(organisation=org).stage == "meeting"
    assert Interaction.objects.get(organisation=org).summary == (
        "Stage changed from Contacted to Meeting."
    )
    assert AuditEntry.objects.get(action="crm.account.stage").data == {
        "from": "contacted",
        "to": "meeting",
        "lost_reason": "",
    }


def test_moving_a_card_with_htmx_swaps_the_board(client, staff, board):
    client.force_login(staff)
    org = board["b"].organisation
    response = client.post(
        reverse("crm:stage", args=[org.slug]),
        {"stage": "applied", "from": "board", "owner": "", "country": ""},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert response.templates[0].name == "crm/partials/board.html"
    columns = {c.stage: c for c in response.context["columns"]}
    assert [a.organisation.name for a in columns["applied"].accounts] == ["Bornholm Broadcast"]
    assert columns["contacted"].totals == [("DKK", Decimal("10000.00"))]


@pytest.mark.parametrize("headers", [{}, HTMX])
def test_lost_without_a_reason_is_refused_on_the_card(client, staff, board, headers):
    client.force_login(staff)
    org = board["e"].organisation
    response = client.post(
        reverse("crm:stage", args=[org.slug]),
        {"stage": "lost", "lost_reason": "", "from": "board"},
        headers=headers,
    )
    assert response.status_code == 400
    assert response.context["failed"]["form"].errors == {
        "lost_reason": ["Say why the prospect was lost."]
    }
    html = response.content.decode()
    assert f'id="reason-{board["e"].pk}-error" role="alert">Say why the prospect was lost.' in html
    assert Account.objects.get(organisation=org).stage == "proposal"
    assert Interaction.objects.count() == 0
    assert AuditEntry.objects.count() == 0


def test_an_unknown_stage_is_refused(client, staff, board):
    client.force_login(staff)
    org = board["a"].organisation
    response = client.post(reverse("crm:stage", args=[org.slug]), {"stage": "won", "from": "board"})
    assert response.status_code == 400
    assert list(response.context["failed"]["form"].errors) == ["stage"]
    assert Account.objects.get(organisation=org).stage == "contacted"
