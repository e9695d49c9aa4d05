"""Reads for the staff CRM: each list is a constant number of queries whatever its length."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import BooleanField, Case, Count, Q, QuerySet, Sum, Value, When
from django.shortcuts import get_object_or_404
from django.utils import timezone

from klynge.accounts.predicates import is_cluster_staff
from klynge.crm.models import Account, Interaction, Stage, Task
from klynge.ecosystem.models import Affiliation, Organisation, Person


def staff_users() -> QuerySet:
    """The people who can own accounts and be assigned tasks: active cluster staff."""
    return get_user_model().objects.filter(is_staff=True, is_active=True).order_by("name", "email")


# --- Fetching one object for a user (None for everyone but staff, so the permission refuses) ---


def get_organisation_for_user(user, slug: str) -> Organisation | None:
    if not is_cluster_staff(user):
        return None
    return get_object_or_404(Organisation.objects.select_related("crm_account__owner"), slug=slug)


def get_person_for_user(user, pk: int) -> Person | None:
    if not is_cluster_staff(user):
        return None
    return get_object_or_404(Person, pk=pk)


def get_task_for_user(user, pk: int) -> Task | None:
    if not is_cluster_staff(user):
        return None
    return get_object_or_404(Task, pk=pk)


def account_of(organisation: Organisation) -> Account | None:
    """The organisation's CRM record, or None before anyone set an owner or a stage."""
    try:
        return organisation.crm_account
    except Account.DoesNotExist:
        return None


# --- Interactions ---


def interactions_for(
    *, organisation: Organisation | None = None, person: Person | None = None
) -> QuerySet[Interaction]:
    """The interaction log of an organisation or of a person, newest first."""
    interactions = Interaction.objects.select_related("author", "organisation", "person")
    if organisation is not None:
        interactions = interactions.filter(organisation=organisation)
    if person is not None:
        interactions = interactions.filter(person=person)
    return interactions.order_by("-occurred_at", "-id")


def people_of(organisation: Organisation) -> QuerySet[Person]:
    """The people currently affiliated with the organisation (to pick in its forms)."""
    ids = Affiliation.objects.current().filter(organisation=organisation).values("person_id")
    return Person.objects.filter(pk__in=ids, erased_at__isnull=True).order_by(
        "last_name", "first_name", "id"
    )


def organisations_of(person: Person) -> QuerySet[Organisation]:
    ids = Affiliation.objects.current().filter(person=person).values("organisation_id")
    return Organisation.objects.filter(pk__in=ids).order_by("name")


# --- Tasks ---


def _with_overdue(tasks: QuerySet[Task]) -> QuerySet[Task]:
    today = timezone.localdate()
    return tasks.annotate(
        overdue=Case(
            When(done=False, due_date__lt=today, then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )


@dataclass(frozen=True)
class TaskFilter:
    assignee_id: int | None = None
    status: str = "open"  # open, done or all
    overdue_only: bool = False


def tasks(filters: TaskFilter = TaskFilter()) -> QuerySet[Task]:
    """Tasks matching the filter: open ones first, overdue first among them, then by due date."""
    rows = _with_overdue(Task.objects.select_related("assignee", "organisation", "person"))
    if filters.assignee_id is not None:
        rows = rows.filter(assignee_id=filters.assignee_id)
    if filters.status == "open":
        rows = rows.filter(done=False)
    elif filters.status == "done":
        rows = rows.filter(done=True)
    if filters.overdue_only:
        rows = rows.filter(overdue=True)
    return rows.order_by("done", "-overdue", "due_date", "id")


def open_tasks_of(user) -> QuerySet[Task]:
    """The user's open tasks, overdue first."""
    return tasks(TaskFilter(assignee_id=user.pk, status="open"))


def open_tasks_about(
    *, organisation: Organisation | None = None, person: Person | None = None
) -> QuerySet[Task]:
    rows = tasks(TaskFilter(status="open"))
    if organisation is not None:
        rows = rows.filter(organisation=organisation)
    if person is not None:
        rows = rows.filter(person=person)
    return rows


def task_with_relations(task: Task) -> Task:
    return tasks(TaskFilter(status="all")).get(pk=task.pk)


def task_summary(user) -> dict:
    """For the dashboard: the next five open tasks and the counts, in two queries."""
    today = timezone.localdate()
    counts = Task.objects.filter(assignee=user, done=False).aggregate(
        open=Count("id"), overdue=Count("id", filter=Q(due_date__lt=today))
    )
    return {
        "tasks": list(open_tasks_of(user)[:5]),
        "open": counts["open"],
        "overdue": counts["overdue"],
    }


# --- Pipeline ---

CENTS = Decimal("0.01")


@dataclass(frozen=True)
class PipelineFilter:
    owner: str = ""  # "" everyone, "none" no owner, else a user id
    country: str = ""


@dataclass
class Column:
    stage: str
    label: str
    accounts: list[Account] = field(default_factory=list)
    count: int = 0
    totals: list[tuple[str, Decimal]] = field(default_factory=list)  # (currency, sum)


def _filtered_accounts(filters: PipelineFilter) -> QuerySet[Account]:
    accounts = Account.objects.all()
    if filters.owner == "none":
        accounts = accounts.filter(owner__isnull=True)
    elif filters.owner:
        accounts = accounts.filter(owner_id=filters.owner)
    if filters.country:
        accounts = accounts.filter(organisation__country=filters.country)
    return accounts


def pipeline(filters: PipelineFilter = PipelineFilter()) -> list[Column]:
    """The board: one column per stage with its accounts (by organisation name) and totals of the
    expected annual fees per currency. Two queries: the cards, and the totals in one aggregate."""
    columns = {stage: Column(stage=stage, label=label) for stage, label in Stage.choices}
    accounts = _filtered_accounts(filters)
    for account in accounts.select_related("organisation", "owner").order_by(
        "organisation__name", "id"
    ):
        columns[account.stage].accounts.append(account)
    for row in (
        accounts.order_by()
        .values("stage", "currency")
        .annotate(n=Count("id"), total=Sum("expected_annual_fee"))
        .order_by("stage", "currency")
    ):
        column = columns[row["stage"]]
        column.count += row["n"]
        # SQLite sums decimals without their scale; money always has two decimal places here.
        total = (row["total"] or Decimal(0)).quantize(CENTS)
        column.totals.append((row["currency"], total))
    return list(columns.values())
