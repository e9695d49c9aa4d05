import io

import pytest
from django.core.management import call_command
from django.test import Client

from klynge.accounts.models import User

pytestmark = pytest.mark.django_db


def test_create_api_token_prints_only_a_working_token(staff):
    out = io.StringIO()
    call_command("create_api_token", "STAFF@cluster.example", stdout=out)
    token = out.getvalue().strip()
    assert token.startswith("klg_") and "\n" not in token
    response = Client().get("/api/v1/people", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


def test_create_api_token_for_unknown_email_fails_clearly():
    from django.core.management.base import CommandError

    with pytest.raises(
        CommandError, match=r"No active user has the e-mail address 'nobody@example\.org'"
    ):
        call_command("create_api_token", "nobody@example.org")


def test_createsuperuser_noinput_uses_the_environment(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "Root@Example.org")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a long passphrase 42")
    call_command("createsuperuser", "--noinput", stdout=io.StringIO())
    user = User.objects.get()
    assert (user.email, user.is_staff, user.is_superuser) == ("root@example.org", True, True)
    assert user.check_password("a long passphrase 42")
