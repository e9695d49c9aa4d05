import re

import pytest
from django.core import mail
from django.urls import reverse

from klynge.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_password_reset_mails_a_link_that_sets_a_new_password(
    client, django_capture_on_commit_callbacks
):
    user = UserFactory(email="ida@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:password_reset"), {"email": "ida@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ida@example.org"]
    assert message.subject == "Choose a new password for Media City Odense"
    link = re.search(r"http://testserver(/accounts/reset/\S+)", message.body).group(1)

    form_page = client.get(link, follow=True)
    assert form_page.context["validlink"] is True
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "a new long passphrase 42", "new_password2": "a new long passphrase 42"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a new long passphrase 42")


def test_password_reset_for_unknown_address_sends_nothing_and_says_the_same(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:password_reset"), {"email": "nobody@example.org"})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert mail.outbox == []
