import pytest
from django.conf import settings
from django.urls import reverse

from klynge.accounts.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
LOGIN = reverse("accounts:login")


def test_login_with_email_and_password_reaches_the_dashboard(client):
    UserFactory(email="ida@example.org")
    response = client.post(LOGIN, {"username": "IDA@example.org", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("core:dashboard")
    assert client.get(reverse("core:dashboard")).context["user"].email == "ida@example.org"


def test_wrong_password_shows_a_clear_message_and_does_not_sign_in(client):
    UserFactory(email="ida@example.org")
    response = client.post(LOGIN, {"username": "ida@example.org", "password": "wrong"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "That e-mail and password do not match an account. Try again."
    ]
    assert "_auth_user_id" not in client.session


def test_wrong_password_message_is_localised(client):
    UserFactory(email="ida@example.org")
    response = client.post(
        LOGIN,
        {"username": "ida@example.org", "password": "wrong"},
        headers={"accept-language": "da"},
    )
    assert response.context["form"].non_field_errors() == [
        "E-mail og adgangskode passer ikke til en konto. Prøv igen."
    ]


def test_login_is_rate_limited_per_email_and_address(client):
    UserFactory(email="ida@example.org")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(LOGIN, {"username": "ida@example.org", "password": "wrong"})
    # Now even the right password is refused until the cool-off has passed.
    response = client.post(LOGIN, {"username": "ida@example.org", "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many sign-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_sets_the_users_language(client):
    UserFactory(email="ida@example.org", language="sv")
    response = client.post(LOGIN, {"username": "ida@example.org", "password": PASSWORD})
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "sv"


def test_logout_needs_post_and_ends_the_session(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_passwords_use_djangos_default_hasher_in_production_settings():
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    from klynge import settings as production_settings

    assert not hasattr(production_settings, "PASSWORD_HASHERS")
    assert PBKDF2PasswordHasher.algorithm == "pbkdf2_sha256"


def test_forged_forwarded_for_header_does_not_dodge_the_limit(client):
    UserFactory(email="ida@example.org")
    for n in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            LOGIN,
            {"username": "ida@example.org", "password": "wrong"},
            headers={"x-forwarded-for": f"203.0.113.{n}"},
        )
    response = client.post(
        LOGIN,
        {"username": "ida@example.org", "password": PASSWORD},
        headers={"x-forwarded-for": "198.51.100.7"},
    )
    assert response.status_code == 429


def test_behind_the_proxy_the_lock_out_is_for_the_visitors_address(client, settings):
    """All logins come from nginx; the failed attempts of one visitor (who also forges the left
    part of X-Forwarded-For) lock out that visitor, not everyone behind the proxy."""
    settings.KLYNGE_PROXY_COUNT = 1
    UserFactory(email="ida@example.org")
    for n in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            LOGIN,
            {"username": "ida@example.org", "password": "wrong"},
            REMOTE_ADDR="10.0.0.1",
            headers={"x-forwarded-for": f"203.0.113.{n}, 198.51.100.7"},
        )
    locked = client.post(
        LOGIN,
        {"username": "ida@example.org", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.1",
        headers={"x-forwarded-for": "198.51.100.7"},
    )
    assert locked.status_code == 429
    elsewhere = client.post(
        LOGIN,
        {"username": "ida@example.org", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.1",
        headers={"x-forwarded-for": "192.0.2.44"},
    )
    assert (elsewhere.status_code, elsewhere.url) == (302, reverse("core:dashboard"))
