"""The CRM is for cluster staff only: anonymous visitors sign in, everyone else gets 403."""

import pytest
from django.urls import reverse

from klynge.crm.models import Account, Interaction, Task
from klynge.crm.tests.factories import TaskFactory
from klynge.ecosystem.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def urls(member_org, staff):
    person = PersonFactory()
    task = TaskFactory(assignee=staff, organisation=member_org)
    return {
        "get": [
            reverse("crm:pipeline"),
            reverse("crm:tasks"),
            reverse("crm:all_tasks"),
            reverse("crm:organisation", args=[member_org.slug]),
            reverse("crm:person", args=[person.pk]),
        ],
        "post": [
            (reverse("crm:organisation_interaction", args=[member_org.slug]), {"summary": "x"}),
            (reverse("crm:person_interaction", args=[person.pk]), {"summary": "x"}),
            (reverse("crm:organisation_task", args=[member_org.slug]), {"title": "x"}),
            (reverse("crm:person_task", args=[person.pk]), {"title": "x"}),
            (reverse("crm:task_create"), {"title": "x"}),
            (reverse("crm:account", args=[member_org.slug]), {"currency": "DKK"}),
            (reverse("crm:stage", args=[member_org.slug]), {"stage": "contacted"}),
            (reverse("crm:task_complete", args=[task.pk]), {}),
            (reverse("crm:task_reopen", args=[task.pk]), {}),
        ],
    }


def test_anonymous_visitors_are_sent_to_sign_in(client, urls):
    for url in urls["get"]:
        response = client.get(url)
        assert (response.status_code, response["Location"]) == (
            302,
            f"/accounts/login/?next={url}",
        ), url
    for url, data in urls["post"]:
        response = client.post(url, data)
        assert (response.status_code, response["Location"]) == (
            302,
            f"/accounts/login/?next={url}",
        ), url


@pytest.mark.parametrize("role", ["employee", "member_admin", "student", "founder"])
def test_non_staff_get_403_and_change_nothing(client, urls, role, request):
    client.force_login(request.getfixturevalue(role))
    for url in urls["get"]:
        assert client.get(url).status_code == 403, url
    for url, data in urls["post"]:
        assert client.post(url, data).status_code == 403, url
    assert (Interaction.objects.count(), Account.objects.count()) == (0, 0)
    assert list(Task.objects.values_list("done", flat=True)) == [False]


def test_staff_see_every_page(client, urls, staff):
    client.force_login(staff)
    assert [client.get(url).status_code for url in urls["get"]] == [200] * 5


def test_a_missing_organisation_is_404_for_staff_and_403_for_others(client, staff, employee):
    url = reverse("crm:organisation", args=["no-such-org"])
    client.force_login(staff)
    assert client.get(url).status_code == 404
    client.force_login(employee)
    assert client.get(url).status_code == 403


def test_the_dashboard_shows_the_tasks_panel_to_staff_only(client, staff, employee):
    client.force_login(staff)
    assert b'id="panel-crm_tasks"' in client.get(reverse("core:dashboard")).content
    client.force_login(employee)
    assert b'id="panel-crm_tasks"' not in client.get(reverse("core:dashboard")).content
