"""My tasks (overdue first), all staff tasks with a filter, completing and reopening."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from klynge.crm.selectors import task_summary
from klynge.crm.tests.factories import StaffFactory, TaskFactory

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def _days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def test_my_tasks_are_my_open_tasks_with_the_overdue_first_and_highlighted(
    client, staff, staff_admin, member_org
):
    TaskFactory(assignee=staff, title="Next week", due_date=_days(7))
    TaskFactory(assignee=staff, title="Today", due_date=_days(0))
    TaskFactory(assignee=staff, title="Long overdue", due_date=_days(-10), organisation=member_org)
    TaskFactory(assignee=staff, title="Yesterday", due_date=_days(-1))
    TaskFactory(
        assignee=staff, title="Done", due_date=_days(-20), done=True, completed_at=timezone.now()
    )
    TaskFactory(assignee=staff_admin, title="Someone else's", due_date=_days(-30))
    client.force_login(staff)
    response = client.get(reverse("crm:tasks"))
    assert response.status_code == 200
    rows = list(response.context["page"])
    assert [(t.title, t.overdue) for t in rows] == [
        ("Long overdue", True),
        ("Yesterday", True),
        ("Today", False),
        ("Next week", False),
    ]
    html = response.content.decode()
    assert html.count('class="crm-overdue"') == 2
    assert html.count('<strong class="crm-flag">Overdue</strong>') == 2
    assert "4 open tasks, overdue ones first." in html


@pytest.mark.parametrize("rows", [1, 3])
def test_my_tasks_query_count_is_constant(
    client, staff, member_org, rows, django_assert_num_queries
):
    for n in range(rows):
        TaskFactory(assignee=staff, organisation=member_org, due_date=_days(n - 1))
    client.force_login(staff)
    with django_assert_num_queries(6):
        response = client.get(reverse("crm:tasks"))
    assert len(response.context["page"]) == rows


@pytest.mark.parametrize("rows", [1, 3])
def test_all_tasks_query_count_is_constant(
    client, staff, member_org, rows, django_assert_num_queries
):
    for n in range(rows):
        TaskFactory(organisation=member_org, due_date=_days(n))
    client.force_login(staff)
    with django_assert_num_queries(6):
        response = client.get(reverse("crm:all_tasks"))
    assert len(response.context["page"]) == rows


def test_all_tasks_filter_by_assignee_status_and_overdue(client, staff, staff_admin):
    TaskFactory(assignee=staff, title="A", due_date=_days(-2))
    TaskFactory(assignee=staff_admin, title="B", due_date=_days(1))
    TaskFactory(assignee=staff_admin, title="C", due_date=_days(-1))
    TaskFactory(
        assignee=staff, title="D", due_date=_days(-5), done=True, completed_at=timezone.now()
    )
    client.force_login(staff)
    url = reverse("crm:all_tasks")

    def titles(**params):
        return [t.title for t in client.get(url, params).context["page"]]

    assert titles() == ["A", "C", "B"]
    assert titles(assignee=staff_admin.pk) == ["C", "B"]
    assert titles(status="done") == ["D"]
    assert titles(status="all") == ["A", "C", "B", "D"]
    assert titles(overdue="on") == ["A", "C"]
    response = client.get(url, {"assignee": staff_admin.pk}, headers=HTMX)
    assert response.templates[0].name == "crm/partials/task_results.html"


def test_complete_and_reopen_with_htmx_swap_the_row(client, staff):
    task = TaskFactory(assignee=staff, title="Call back", due_date=_days(-1))
    client.force_login(staff)
    response = client.post(reverse("crm:task_complete", args=[task.pk]), headers=HTMX)
    assert response.status_code == 200
    assert response.templates[0].name == "crm/partials/task_row.html"
    html = response.content.decode()
    assert html.startswith(f'<tr id="task-{task.pk}" class="crm-done">')
    assert "Reopen" in html
    task.refresh_from_db()
    assert task.done is True
    assert task.completed_at is not None
    response = client.post(reverse("crm:task_reopen", args=[task.pk]), headers=HTMX)
    assert response.content.decode().startswith(f'<tr id="task-{task.pk}" class="crm-overdue">')
    task.refresh_from_db()
    assert (task.done, task.completed_at) == (False, None)


def test_complete_without_javascript_goes_back_to_a_safe_page(client, staff, member_org):
    task = TaskFactory(assignee=staff)
    client.force_login(staff)
    page = reverse("crm:organisation", args=[member_org.slug])
    response = client.post(reverse("crm:task_complete", args=[task.pk]), {"next": page})
    assert (response.status_code, response["Location"]) == (302, page)
    response = client.post(
        reverse("crm:task_reopen", args=[task.pk]), {"next": "https://evil.example/"}
    )
    assert (response.status_code, response["Location"]) == (302, reverse("crm:tasks"))


def test_tasks_need_post(client, staff):
    task = TaskFactory(assignee=staff)
    client.force_login(staff)
    assert client.get(reverse("crm:task_complete", args=[task.pk])).status_code == 405
    task.refresh_from_db()
    assert task.done is False


def test_add_a_task_from_my_tasks_and_refuse_a_bad_due_date(client, staff):
    client.force_login(staff)
    response = client.post(
        reverse("crm:task_create"),
        {"title": "Plan the board meeting", "due_date": "not a date", "assignee": staff.pk},
    )
    assert response.status_code == 400
    assert response.context["task_form"].errors == {"due_date": ["Enter a valid date."]}
    assert list(response.context["page"]) == []
    response = client.post(
        reverse("crm:task_create"),
        {"title": "Plan the board meeting", "due_date": "2026-12-10", "assignee": staff.pk},
    )
    assert (response.status_code, response["Location"]) == (302, reverse("crm:tasks"))
    assert [t.title for t in client.get(reverse("crm:tasks")).context["page"]] == [
        "Plan the board meeting"
    ]


def test_dashboard_panel_shows_the_next_five_and_the_overdue_count(client, staff):
    for n in range(7):
        TaskFactory(assignee=staff, title=f"T{n}", due_date=_days(n - 2))
    TaskFactory(assignee=StaffFactory(), due_date=_days(-9))
    summary = task_summary(staff)
    assert [t.title for t in summary["tasks"]] == ["T0", "T1", "T2", "T3", "T4"]
    assert (summary["open"], summary["overdue"]) == (7, 2)
    client.force_login(staff)
    html = client.get(reverse("core:dashboard")).content.decode()
    assert "7 open tasks" in html
    assert "2 overdue" in html
