"""The staff CRM in the API: the token user's open tasks and the prospect pipeline."""

from datetime import date, datetime
from decimal import Decimal

from ninja import Query, Router, Schema
from pydantic import Field

from klynge.core.permissions import ensure_api_permission
from klynge.crm.selectors import PipelineFilter, open_tasks_of, pipeline

# Ids beyond a 64-bit integer can exist in no table; refuse them with 422 instead of 500.
MAX_ID = 2**63 - 1

router = Router(tags=["crm"])


class RelatedOut(Schema):
    id: int
    name: str


class TaskOut(Schema):
    id: int
    title: str
    notes: str
    due_date: date
    overdue: bool
    assignee_id: int
    organisation: RelatedOut | None
    person: RelatedOut | None

    @staticmethod
    def resolve_organisation(task) -> dict | None:
        if task.organisation is None:
            return None
        return {"id": task.organisation.pk, "name": task.organisation.name}

    @staticmethod
    def resolve_person(task) -> dict | None:
        if task.person is None:
            return None
        return {"id": task.person.pk, "name": task.person.full_name}


class AccountOut(Schema):
    organisation_id: int
    organisation: str
    country: str
    owner_id: int | None
    owner: str | None
    expected_annual_fee: Decimal | None
    currency: str
    stage_changed_at: datetime
    lost_reason: str

    @staticmethod
    def resolve_organisation(account) -> str:
        return account.organisation.name

    @staticmethod
    def resolve_country(account) -> str:
        return account.organisation.country

    @staticmethod
    def resolve_owner(account) -> str | None:
        return account.owner.get_full_name() if account.owner else None


class TotalOut(Schema):
    currency: str
    amount: Decimal


class StageOut(Schema):
    stage: str
    label: str
    count: int
    totals: list[TotalOut]
    accounts: list[AccountOut]


class PipelineOut(Schema):
    stages: list[StageOut]


class PipelineFilterIn(Schema):
    owner: int | None = Field(None, ge=1, le=MAX_ID)
    country: str = ""


@router.get(
    "/crm/tasks",
    response=list[TaskOut],
    summary="The token user's open CRM tasks, overdue first (staff)",
)
def my_tasks(request):
    ensure_api_permission(request, "crm.view_tasks")
    return list(open_tasks_of(request.auth))


@router.get(
    "/crm/pipeline",
    response=PipelineOut,
    summary="Accounts grouped by pipeline stage, with fee totals per currency (staff)",
)
def get_pipeline(request, filters: Query[PipelineFilterIn]):
    ensure_api_permission(request, "crm.view_crm")
    columns = pipeline(
        PipelineFilter(
            owner=str(filters.owner) if filters.owner else "", country=filters.country.upper()
        )
    )
    return {
        "stages": [
            {
                "stage": column.stage,
                "label": str(column.label),
                "count": column.count,
                "totals": [
                    {"currency": currency, "amount": amount} for currency, amount in column.totals
                ],
                "accounts": column.accounts,
            }
            for column in columns
        ]
    }
