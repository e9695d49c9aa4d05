import pytest
from django.urls import reverse

from klynge.accounts.models import ApiToken
from klynge.ecosystem.models import Person

pytestmark = pytest.mark.django_db


def test_profile_requires_login(client):
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/accounts/profile/"


def test_profile_update_changes_user_and_person(client, employee):
    client.force_login(employee)
    response = client.post(
        reverse("accounts:profile"),
        {
            "name": "Emil Andersen",
            "language": "da",
            "title": "Producer",
            "phone": "+45 12 34 56 78",
        },
    )
    assert response.status_code == 302
    employee.refresh_from_db()
    person = Person.objects.get(user=employee)
    assert (employee.name, employee.language, person.title, person.phone) == (
        "Emil Andersen",
        "da",
        "Producer",
        "+45 12 34 56 78",
    )


def test_profile_rejects_blank_name_and_keeps_data(client, employee):
    client.force_login(employee)
    response = client.post(reverse("accounts:profile"), {"name": "  ", "language": "xx"})
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "name": ["This field is required."],
        "language": ["Select a valid choice. xx is not one of the available choices."],
    }
    employee.refresh_from_db()
    assert employee.name == "Emil Ansat"


def test_api_token_is_shown_once_stored_hashed_and_revocable(client, employee):
    client.force_login(employee)
    response = client.post(reverse("accounts:create_token"), {"name": "reporting script"})
    secret = response.context["new_secret"]
    assert secret.startswith("klg_")
    token = ApiToken.objects.get(user=employee)
    assert (token.name, token.prefix) == ("reporting script", secret[:8])
    assert secret not in token.token_hash
    # Shown once: the profile page afterwards does not contain it.
    assert secret not in client.get(reverse("accounts:profile")).content.decode()
    assert (
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    )

    client.post(reverse("accounts:revoke_token", args=[token.pk]))
    assert (
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    )


def test_token_needs_a_name(client, employee):
    client.force_login(employee)
    response = client.post(reverse("accounts:create_token"), {"name": ""})
    assert response.context["token_form"].errors == {"name": ["This field is required."]}
    assert ApiToken.objects.count() == 0


def test_cannot_revoke_someone_elses_token(client, employee, staff):
    from klynge.accounts.services import create_api_token

    token, _secret = create_api_token(actor=staff, user=staff, name="mine")
    client.force_login(employee)
    assert client.post(reverse("accounts:revoke_token", args=[token.pk])).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
