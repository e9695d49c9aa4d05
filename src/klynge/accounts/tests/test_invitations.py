import datetime
import re
import threading

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from klynge.accounts import services
from klynge.accounts.models import Invitation, User
from klynge.accounts.roles import Role, roles_for
from klynge.core.models import AuditEntry
from klynge.ecosystem.models import Affiliation, Person

pytestmark = pytest.mark.django_db


def _invite(client, data, capture):
    with capture(execute=True):
        return client.post(reverse("accounts:invite"), data)


def _link_from_mail() -> str:
    return re.search(
        r"http://testserver(/accounts/invitations/accept/\S+/)", mail.outbox[-1].body
    ).group(1)


def test_staff_invites_a_new_employee_who_accepts_and_signs_in(
    client, staff, member_org, django_capture_on_commit_callbacks
):
    client.force_login(staff)
    response = _invite(
        client,
        {
            "email": "New@Example.org",
            "role": "employee",
            "organisation": member_org.pk,
            "message": "Velkommen",
        },
        django_capture_on_commit_callbacks,
    )
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.role, invitation.organisation, invitation.status) == (
        "new@example.org",
        "employee",
        member_org,
        "pending",
    )
    assert mail.outbox[0].to == ["new@example.org"]
    assert "Velkommen" in mail.outbox[0].body
    assert AuditEntry.objects.filter(action="accounts.invitation.create", actor=staff).count() == 1

    client.logout()
    link = _link_from_mail()
    assert client.get(link).status_code == 200
    response = client.post(
        link,
        {
            "name": "Nina Ny",
            "password1": "a long passphrase 42",
            "password2": "a long passphrase 42",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(email="new@example.org")
    assert user.check_password("a long passphrase 42")
    person = Person.objects.get(user=user)
    assert (person.first_name, person.last_name) == ("Nina", "Ny")
    assert list(Affiliation.objects.filter(person=person).values_list("organisation", "role")) == [
        (member_org.pk, "employee")
    ]
    assert roles_for(user).has(Role.MEMBER_EMPLOYEE)
    invitation.refresh_from_db()
    assert invitation.status == "accepted"
    # The link is single-use.
    assert client.get(link).status_code == 404


def test_member_admin_invites_colleagues_to_their_own_organisation_only(
    client, member_admin, member_org, other_org, django_capture_on_commit_callbacks
):
    client.force_login(member_admin)
    ok = _invite(
        client,
        {"email": "colleague@example.org", "role": "employee", "organisation": member_org.pk},
        django_capture_on_commit_callbacks,
    )
    assert ok.status_code == 302
    refused = _invite(
        client,
        {"email": "x@example.org", "role": "employee", "organisation": other_org.pk},
        django_capture_on_commit_callbacks,
    )
    assert refused.status_code == 400
    assert "organisation" in refused.context["form"].errors
    staff_invite = _invite(
        client, {"email": "y@example.org", "role": "staff"}, django_capture_on_commit_callbacks
    )
    assert staff_invite.status_code == 400
    assert list(Invitation.objects.values_list("email", flat=True)) == ["colleague@example.org"]


def test_employee_cannot_invite(client, employee, member_org):
    client.force_login(employee)
    response = client.post(
        reverse("accounts:invite"),
        {"email": "z@example.org", "role": "employee", "organisation": member_org.pk},
    )
    assert response.status_code == 403
    assert Invitation.objects.count() == 0


def test_only_staff_admins_invite_staff(
    client, staff, staff_admin, django_capture_on_commit_callbacks
):
    client.force_login(staff)
    assert (
        _invite(
            client, {"email": "a@example.org", "role": "staff"}, django_capture_on_commit_callbacks
        ).status_code
        == 400
    )
    client.force_login(staff_admin)
    assert (
        _invite(
            client, {"email": "a@example.org", "role": "staff"}, django_capture_on_commit_callbacks
        ).status_code
        == 302
    )
    client.logout()
    client.post(
        _link_from_mail(),
        {
            "name": "Ny Kollega",
            "password1": "a long passphrase 42",
            "password2": "a long passphrase 42",
        },
    )
    assert User.objects.get(email="a@example.org").is_staff is True


def test_bad_invitation_input_changes_nothing(client, staff, django_capture_on_commit_callbacks):
    client.force_login(staff)
    response = _invite(
        client, {"email": "not-an-email", "role": "employee"}, django_capture_on_commit_callbacks
    )
    assert response.status_code == 400
    assert response.context["form"].errors["email"] == ["Enter a valid email address."]
    response = _invite(
        client, {"email": "ok@example.org", "role": "employee"}, django_capture_on_commit_callbacks
    )
    assert response.context["form"].errors["organisation"] == [
        "Choose the organisation the person is invited to."
    ]
    assert Invitation.objects.count() == 0
    assert mail.outbox == []


def test_weak_password_on_acceptance_is_refused_with_nothing_created(
    client, staff, member_org, django_capture_on_commit_callbacks
):
    client.force_login(staff)
    _invite(
        client,
        {"email": "new@example.org", "role": "employee", "organisation": member_org.pk},
        django_capture_on_commit_callbacks,
    )
    client.logout()
    response = client.post(
        _link_from_mail(), {"name": "Nina", "password1": "123", "password2": "123"}
    )
    assert response.status_code == 400
    assert (
        "This password is too short. It must contain at least 8 characters."
        in response.context["form"].errors["password1"]
    )
    assert not User.objects.filter(email="new@example.org").exists()
    assert Invitation.objects.get().status == "pending"


def test_revoked_and_expired_invitations_do_not_work(staff, member_org, client):
    invitation = services.invite(
        actor=staff, email="a@example.org", role="employee", organisation=member_org
    )
    services.revoke_invitation(actor=staff, invitation=invitation)
    assert invitation.status == "revoked"
    Invitation.objects.filter(pk=invitation.pk).update(
        revoked_at=None, expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    invitation.refresh_from_db()
    assert invitation.status == "expired"
    with pytest.raises(ValidationError):
        services.revoke_invitation(actor=staff, invitation=invitation)


def test_existing_user_accepts_while_signed_in(
    client, staff, member_org, employee, django_capture_on_commit_callbacks
):
    client.force_login(staff)
    _invite(
        client,
        {"email": employee.email, "role": "member_admin", "organisation": member_org.pk},
        django_capture_on_commit_callbacks,
    )
    link = _link_from_mail()
    client.force_login(employee)
    assert client.post(link).status_code == 302
    employee = User.objects.get(pk=employee.pk)
    assert roles_for(employee).has(Role.MEMBER_ADMIN)


def test_invitation_for_someone_else_is_refused(
    client, staff, member_org, employee, django_capture_on_commit_callbacks
):
    client.force_login(staff)
    _invite(
        client,
        {"email": "someone@example.org", "role": "employee", "organisation": member_org.pk},
        django_capture_on_commit_callbacks,
    )
    client.force_login(employee)
    response = client.post(_link_from_mail())
    assert response.status_code == 400
    assert Invitation.objects.get().status == "pending"


@pytest.mark.django_db(transaction=True)
def test_one_link_accepted_twice_at_once_creates_one_account(staff_admin, member_org):
    token_holder = {}

    def capture_link(**kwargs):
        token_holder["link"] = kwargs["context"]["link"]

    from unittest import mock

    with mock.patch("klynge.accounts.services.queue_email", side_effect=capture_link):
        services.invite(
            actor=staff_admin, email="race@example.org", role="employee", organisation=member_org
        )
    token = token_holder["link"].rstrip("/").rsplit("/", 1)[1]
    results: list[str] = []
    barrier = threading.Barrier(2)

    def accept():
        barrier.wait()
        try:
            services.accept_invitation(
                token=token, name="Race Runner", password="a long passphrase 42"
            )
            results.append("ok")
        except ValidationError:
            results.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=accept) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["ok", "refused"]
    assert User.objects.filter(email="race@example.org").count() == 1
    assert Affiliation.objects.filter(person__email="race@example.org").count() == 1


def test_invitation_list_shows_staff_everything_and_admins_their_own(
    client, staff, member_admin, member_org, other_org
):
    services.invite(actor=staff, email="a@example.org", role="employee", organisation=member_org)
    services.invite(actor=staff, email="b@example.org", role="employee", organisation=other_org)
    client.force_login(staff)
    assert [i.email for i in client.get(reverse("accounts:invitations")).context["page"]] == [
        "b@example.org",
        "a@example.org",
    ]
    client.force_login(member_admin)
    assert [i.email for i in client.get(reverse("accounts:invitations")).context["page"]] == [
        "a@example.org"
    ]


def test_member_admin_cannot_revoke_another_organisations_invitation(
    client, staff, member_admin, other_org
):
    invitation = services.invite(
        actor=staff, email="b@example.org", role="employee", organisation=other_org
    )
    client.force_login(member_admin)
    assert (
        client.post(reverse("accounts:revoke_invitation", args=[invitation.pk])).status_code == 404
    )
    invitation.refresh_from_db()
    assert invitation.status == "pending"
