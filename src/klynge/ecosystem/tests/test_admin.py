"""Django admin shows organisations and people but never changes or deletes them: the services
(audit log, check digits, consent history, erasure by anonymising) are the only write path."""

import pytest
from django.urls import reverse

from klynge.accounts.models import User
from klynge.core.models import AuditEntry
from klynge.ecosystem.models import Affiliation, Organisation, Person

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", [Organisation, Person])
def test_staff_admins_look_up_but_cannot_add_change_or_delete(client, staff_admin, employee, model):
    obj = Organisation.objects.get() if model is Organisation else employee.person
    name = model._meta.model_name
    client.force_login(staff_admin)
    listing = client.get(reverse(f"admin:ecosystem_{name}_changelist"))
    assert listing.status_code == 200
    assert f'href="{obj.get_absolute_url()}"' in listing.content.decode()
    change_url = reverse(f"admin:ecosystem_{name}_change", args=[obj.pk])
    page = client.get(change_url)
    assert (page.status_code, page.context["has_change_permission"]) == (200, False)
    assert client.get(reverse(f"admin:ecosystem_{name}_add")).status_code == 403
    assert client.post(change_url, {"name": "Changed", "first_name": "Changed"}).status_code == 403
    delete_url = reverse(f"admin:ecosystem_{name}_delete", args=[obj.pk])
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    bulk = client.post(
        reverse(f"admin:ecosystem_{name}_changelist"),
        {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"},
    )
    assert bulk.status_code == 200  # the action is not offered: nothing happens
    assert model.objects.filter(pk=obj.pk).exists()
    assert Affiliation.objects.count() == 1
    assert not AuditEntry.objects.exists()


def test_a_login_is_never_deleted_in_admin_and_changes_are_recorded(client, staff_admin, employee):
    client.force_login(staff_admin)
    delete_url = reverse("admin:accounts_user_delete", args=[employee.pk])
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    assert User.objects.filter(pk=employee.pk).exists()
    change_url = reverse("admin:accounts_user_change", args=[employee.pk])
    response = client.post(
        change_url,
        {
            "email": employee.email,
            "name": employee.name,
            "language": "",
            "is_active": "on",
            "is_staff": "on",
            "last_login_0": "",
            "last_login_1": "",
            "date_joined_0": "2026-01-05",
            "date_joined_1": "10:00:00",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    employee.refresh_from_db()
    assert employee.is_staff is True
    entry = AuditEntry.objects.get(action="accounts.user.admin_change")
    assert (entry.actor, entry.target_id, entry.data) == (
        staff_admin,
        str(employee.pk),
        {"fields": ["date_joined", "is_staff"]},
    )
