"""GET /api/v1/crm/tasks and /api/v1/crm/pipeline: staff only, the same data as the pages."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from klynge.crm.tests.factories import AccountFactory, TaskFactory
from klynge.ecosystem.tests.factories import OrganisationFactory, PersonFactory

pytestmark = pytest.mark.django_db


def _days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def test_tasks_are_the_token_users_open_tasks_overdue_first(
    api_client, staff, staff_admin, member_org
):
    person = PersonFactory(first_name="Ida", last_name="Holm")
    later = TaskFactory(assignee=staff, title="Later", due_date=_days(5), person=person)
    late = TaskFactory(assignee=staff, title="Late", due_date=_days(-1), organisation=member_org)
    TaskFactory(assignee=staff, title="Done", done=True, completed_at=timezone.now())
    TaskFactory(assignee=staff_admin, title="Not mine")
    response = api_client(staff).get("/api/v1/crm/tasks")
    assert response.status_code == 200
    assert response.json() == [
        {
            "id": late.pk,
            "title": "Late",
            "notes": "",
            "due_date": _days(-1).isoformat(),
            "overdue": True,
            "assignee_id": staff.pk,
            "organisation": {"id": member_org.pk, "name": "Fynsk Lyd ApS"},
            "person": None,
        },
        {
            "id": later.pk,
            "title": "Later",
            "notes": "",
            "due_date": _days(5).isoformat(),
            "overdue": False,
            "assignee_id": staff.pk,
            "organisation": None,
            "person": {"id": person.pk, "name": "Ida Holm"},
        },
    ]


def test_pipeline_groups_accounts_by_stage_with_totals(api_client, staff):
    org = OrganisationFactory(name="Aarhus Audio", membership_status="prospect")
    AccountFactory(
        organisation=org, stage="proposal", owner=staff, expected_annual_fee=Decimal("1200.50")
    )
    AccountFactory(
        organisation=OrganisationFactory(name="Bergen Bits", country="NO"),
        stage="proposal",
        expected_annual_fee=Decimal("800"),
    )
    response = api_client(staff).get("/api/v1/crm/pipeline")
    assert response.status_code == 200
    stages = {s["stage"]: s for s in response.json()["stages"]}
    assert list(stages) == [
        "identified",
        "contacted",
        "meeting",
        "proposal",
        "applied",
        "member",
        "lost",
    ]
    proposal = stages["proposal"]
    assert (proposal["label"], proposal["count"], proposal["totals"]) == (
        "Proposal",
        2,
        [{"currency": "DKK", "amount": "2000.50"}],
    )
    assert [
        (a["organisation"], a["owner"], a["expected_annual_fee"]) for a in proposal["accounts"]
    ] == [
        ("Aarhus Audio", "Sara Staff", "1200.50"),
        ("Bergen Bits", None, "800.00"),
    ]
    assert stages["lost"] == {
        "stage": "lost",
        "label": "Lost",
        "count": 0,
        "totals": [],
        "accounts": [],
    }
    filtered = api_client(staff).get("/api/v1/crm/pipeline", {"country": "no"}).json()
    assert [a["organisation"] for s in filtered["stages"] for a in s["accounts"]] == ["Bergen Bits"]
    mine = api_client(staff).get("/api/v1/crm/pipeline", {"owner": staff.pk}).json()
    assert [a["organisation"] for s in mine["stages"] for a in s["accounts"]] == ["Aarhus Audio"]


@pytest.mark.parametrize("role", ["employee", "member_admin"])
def test_non_staff_tokens_get_403(api_client, role, request):
    client = api_client(request.getfixturevalue(role))
    for path in ("/api/v1/crm/tasks", "/api/v1/crm/pipeline"):
        response = client.get(path)
        assert (response.status_code, response.json()) == (
            403,
            {"detail": "You do not have permission to do this."},
        )


def test_no_token_is_401(client):
    assert client.get("/api/v1/crm/tasks").status_code == 401
    assert client.get("/api/v1/crm/pipeline").status_code == 401


def test_a_bad_owner_filter_is_422(api_client, staff):
    response = api_client(staff).get("/api/v1/crm/pipeline", {"owner": "me"})
    assert response.status_code == 422
    assert response.json()["errors"] == {"owner": ["Enter a whole number."]}
