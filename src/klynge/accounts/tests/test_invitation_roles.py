"""The page and the API allow the same invitation roles (authorization review)."""

import pytest

from klynge.accounts.models import Invitation
from klynge.accounts.selectors import invitation_roles_for

pytestmark = pytest.mark.django_db


def test_roles_per_inviter(staff, staff_admin, member_admin, employee):
    assert invitation_roles_for(staff_admin) == [
        "staff",
        "member_admin",
        "employee",
        "student",
        "founder",
    ]
    assert invitation_roles_for(staff) == ["member_admin", "employee", "student", "founder"]
    assert invitation_roles_for(member_admin) == ["member_admin", "employee"]
    assert invitation_roles_for(employee) == []


@pytest.mark.parametrize(
    "payload",
    [
        {"email": "a@example.org", "role": "student"},
        {"email": "a@example.org", "role": "founder", "organisation": "OWN"},
        {"email": "a@example.org", "role": "employee"},
    ],
)
def test_member_admin_cannot_invite_outside_their_rights_through_the_api(
    api_client, member_admin, member_org, payload
):
    if payload.get("organisation") == "OWN":
        payload = {**payload, "organisation": member_org.pk}
    response = api_client(member_admin).post(
        "/api/v1/invitations", payload, content_type="application/json"
    )
    assert response.status_code == 403
    assert Invitation.objects.count() == 0
