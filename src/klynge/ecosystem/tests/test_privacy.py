import datetime
import json
import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from klynge.accounts import services as account_services
from klynge.accounts.models import ApiToken, Invitation, User
from klynge.accounts.tests.factories import PASSWORD, UserFactory, user_with_role
from klynge.core import audit
from klynge.core.models import AuditEntry
from klynge.ecosystem import privacy, services
from klynge.ecosystem.models import Affiliation, ConsentRecord, Person, Tag
from klynge.ecosystem.tests.factories import AffiliationFactory, PersonFactory

pytestmark = pytest.mark.django_db

T1 = datetime.datetime(2026, 3, 2, 9, 30, tzinfo=datetime.UTC)
T2 = datetime.datetime(2026, 3, 5, 14, 0, tzinfo=datetime.UTC)
T3 = datetime.datetime(2026, 4, 1, 8, 15, 30, tzinfo=datetime.UTC)


def _rich_person(user, member_org, other_org, staff):
    """Gives `user`'s person every kind of personal data the download and erasure cover."""
    person = user.person
    Person.objects.filter(pk=person.pk).update(
        first_name="Emil",
        last_name="Ansat",
        other_emails=["emil@private.example"],
        title="Sound designer",
        phone="+45 12 34 56 78",
        languages=["da", "en"],
        bio="Mixes podcasts.",
    )
    person.refresh_from_db()
    person.interests.set([Tag.objects.create(name="Podcast"), Tag.objects.create(name="Audio")])
    services.set_consent(
        actor=user, person=person, kind="directory", granted=True, source="privacy page"
    )
    services.set_consent(actor=staff, person=person, kind="newsletter", granted=True, source="form")
    ConsentRecord.objects.filter(person=person).update(recorded_at=T1)
    AffiliationFactory(
        person=person,
        organisation=other_org,
        role="board_member",
        start_date=datetime.date(2020, 1, 1),
        end_date=datetime.date(2022, 12, 31),
    )
    invitation = account_services.invite(
        actor=staff, email=user.email, role="member_admin", organisation=member_org, message="Hej"
    )
    Invitation.objects.filter(pk=invitation.pk).update(
        created_at=T1, expires_at=T3 + datetime.timedelta(days=365)
    )
    kept, secret = account_services.create_api_token(actor=user, user=user, name="script")
    old, _old_secret = account_services.create_api_token(actor=user, user=user, name="old")
    account_services.revoke_api_token(actor=user, token=old)
    ApiToken.objects.filter(pk=kept.pk).update(created_at=T1, last_used_at=T2)
    ApiToken.objects.filter(pk=old.pk).update(created_at=T2, revoked_at=T3)
    User.objects.filter(pk=user.pk).update(date_joined=T1, last_login=T2, language="da")
    Person.objects.filter(pk=person.pk).update(created_at=T1, updated_at=T2)
    AuditEntry.objects.update(created_at=T1)
    person.refresh_from_db()
    return person, secret


# --- Download -------------------------------------------------------------------------------------


def test_download_holds_every_part_with_exact_values_and_no_token_digests(
    client, employee, member_org, other_org, staff
):
    person, _secret = _rich_person(employee, member_org, other_org, staff)
    client.force_login(employee)
    User.objects.filter(pk=employee.pk).update(last_login=T2)  # signing in set it to now
    response = client.get(reverse("ecosystem:privacy_export"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == (
        f'attachment; filename="klynge-data-{timezone.localdate().isoformat()}.json"'
    )
    body = response.content.decode()
    for token in ApiToken.objects.all():
        assert token.token_hash not in body
    data = json.loads(body)
    assert list(data) == ["generated_at", *(part.name for part in privacy.personal_data_parts())]
    assert list(data)[1:8] == [
        "account",
        "person",
        "affiliations",
        "consent_history",
        "invitations",
        "api_tokens",
        "audit_log",
    ]
    assert data["account"] == {
        "email": "emp@fynsklyd.example",
        "name": "Emil Ansat",
        "language": "da",
        "date_joined": "2026-03-02T09:30:00Z",
        "last_login": "2026-03-05T14:00:00Z",
    }
    expected_person = {
        "id": person.pk,
        "created_at": "2026-03-02T09:30:00Z",
        "updated_at": "2026-03-05T14:00:00Z",
        "first_name": "Emil",
        "last_name": "Ansat",
        "email": "emp@fynsklyd.example",
        "other_emails": ["emil@private.example"],
        "title": "Sound designer",
        "phone": "+45 12 34 56 78",
        "languages": ["da", "en"],
        "bio": "Mixes podcasts.",
        "listed_in_directory": True,
        "newsletter": True,
        "photos": False,
        "erased_at": None,
        "interests": ["Audio", "Podcast"],
    }
    # Every field of the model is downloaded, including any added later.
    model_fields = {f.name for f in Person._meta.concrete_fields if not f.is_relation}
    assert set(data["person"]) == model_fields | {"interests"}
    assert {key: data["person"][key] for key in expected_person} == expected_person
    assert data["affiliations"] == [
        {
            "organisation": "Bergen Pixel AS",
            "role": "board_member",
            "start_date": "2020-01-01",
            "end_date": "2022-12-31",
        },
        {"organisation": "Fynsk Lyd ApS", "role": "employee", "start_date": None, "end_date": None},
    ]
    assert data["consent_history"] == [
        {
            "consent": "directory",
            "granted": True,
            "recorded_at": "2026-03-02T09:30:00Z",
            "source": "privacy page",
        },
        {
            "consent": "newsletter",
            "granted": True,
            "recorded_at": "2026-03-02T09:30:00Z",
            "source": "form",
        },
    ]
    assert data["invitations"] == [
        {
            "email": "emp@fynsklyd.example",
            "role": "member_admin",
            "organisation": "Fynsk Lyd ApS",
            "message": "Hej",
            "sent_at": "2026-03-02T09:30:00Z",
            "expires_at": "2027-04-01T08:15:30Z",
            "accepted_at": None,
            "revoked_at": None,
        }
    ]
    assert data["api_tokens"] == [
        {
            "name": "script",
            "prefix": ApiToken.objects.get(name="script").prefix,
            "created_at": "2026-03-02T09:30:00Z",
            "last_used_at": "2026-03-05T14:00:00Z",
            "revoked_at": None,
        },
        {
            "name": "old",
            "prefix": ApiToken.objects.get(name="old").prefix,
            "created_at": "2026-03-05T14:00:00Z",
            "last_used_at": None,
            "revoked_at": "2026-04-01T08:15:30Z",
        },
    ]
    # By them or about them; the staff's invitation to them targets the invitation, not them.
    assert data["audit_log"][:-1] == [
        {"action": "ecosystem.consent.change", "time": "2026-03-02T09:30:00Z"},
        {"action": "ecosystem.consent.change", "time": "2026-03-02T09:30:00Z"},
        {"action": "accounts.api_token.create", "time": "2026-03-02T09:30:00Z"},
        {"action": "accounts.api_token.create", "time": "2026-03-02T09:30:00Z"},
        {"action": "accounts.api_token.revoke", "time": "2026-03-02T09:30:00Z"},
    ]
    assert data["audit_log"][-1]["action"] == "ecosystem.person.export"
    export = AuditEntry.objects.get(action="ecosystem.person.export")
    assert (export.actor, export.target_id, export.target_label) == (
        employee,
        str(person.pk),
        "Emil Ansat",
    )


def test_download_for_a_login_without_a_person(staff):
    User.objects.filter(pk=staff.pk).update(date_joined=T1)
    staff.refresh_from_db()
    data = privacy.export_personal_data(actor=staff, user=staff)
    assert data["account"] == {
        "email": "staff@cluster.example",
        "name": "Sara Staff",
        "language": "",
        "date_joined": T1,
        "last_login": None,
    }
    assert [data[key] for key in ("person", "affiliations", "consent_history", "invitations")] == [
        None,
        [],
        [],
        [],
    ]
    assert data["api_tokens"] == []
    assert [entry["action"] for entry in data["audit_log"]] == ["ecosystem.person.export"]
    entry = AuditEntry.objects.get(action="ecosystem.person.export")
    assert (entry.target_type.model, entry.target_id) == ("user", str(staff.pk))


def test_other_apps_add_their_part_to_the_download(employee, monkeypatch):
    monkeypatch.setattr(privacy, "_CONTRIBUTORS", dict(privacy._CONTRIBUTORS))
    privacy.register_personal_data(
        "lockers", lambda user: [{"locker": "A1", "user": user.email}], label="Lockers"
    )
    data = privacy.personal_data(employee)
    assert data["lockers"] == [{"locker": "A1", "user": "emp@fynsklyd.example"}]
    assert [part.label for part in privacy.personal_data_parts()][-1] == "Lockers"


# --- "Your data" and consents ------------------------------------------------------------------


def test_your_data_page_shows_consents_and_saves_changes_with_history(client, employee):
    person = employee.person
    client.force_login(employee)
    response = client.get(reverse("ecosystem:privacy"))
    assert response.status_code == 200
    assert response.context["consent_form"].initial == {
        "directory": False,
        "newsletter": False,
        "photos": False,
    }
    page = response.content.decode()
    assert 'href="/directory/privacy/export/"' in page
    assert 'href="/directory/privacy/erasure/"' in page
    assert "Your entry in the directory" in page

    response = client.post(reverse("ecosystem:privacy"), {"directory": "on", "photos": "on"})
    assert response.status_code == 302
    assert response["Location"] == "/directory/privacy/"
    person.refresh_from_db()
    assert (person.listed_in_directory, person.newsletter, person.photos) == (True, False, True)
    assert sorted(
        ConsentRecord.objects.filter(person=person).values_list(
            "kind", "granted", "source", "recorded_by"
        )
    ) == [
        ("directory", True, "privacy page", employee.pk),
        ("photos", True, "privacy page", employee.pk),
    ]
    client.post(reverse("ecosystem:privacy"), {"photos": "on"})
    assert ConsentRecord.objects.filter(person=person).count() == 3
    assert ConsentRecord.objects.filter(person=person).first().granted is False


def test_your_data_page_for_a_login_without_a_person(client, staff):
    client.force_login(staff)
    response = client.get(reverse("ecosystem:privacy"))
    assert (response.status_code, response.context["consent_form"]) == (200, None)
    response = client.post(reverse("ecosystem:privacy"), {"directory": "on"})
    assert response.status_code == 302
    assert ConsentRecord.objects.count() == 0


@pytest.mark.parametrize(
    "name,args",
    [
        ("privacy", []),
        ("privacy_export", []),
        ("privacy_erasure_request", []),
        ("privacy_requests", []),
        ("privacy_erase", ["PERSON"]),
    ],
)
def test_anonymous_visitors_are_sent_to_sign_in(client, employee, name, args):
    args = [employee.person.pk if arg == "PERSON" else arg for arg in args]
    url = reverse(f"ecosystem:{name}", args=args)
    response = client.get(url)
    assert (response.status_code, response["Location"]) == (302, f"/accounts/login/?next={url}")


# --- Erasure requests --------------------------------------------------------------------------


def test_erasure_request_records_it_and_emails_staff_and_the_person(
    client, employee, staff, staff_admin, django_capture_on_commit_callbacks
):
    UserFactory(email="former@cluster.example", is_staff=True, is_active=False)
    Person.objects.filter(user=employee).update(first_name="Emil", last_name="Ansat")
    client.force_login(employee)
    assert client.get(reverse("ecosystem:privacy_erasure_request")).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        wrong = client.post(
            reverse("ecosystem:privacy_erasure_request"), {"confirm_email": "x@example.org"}
        )
    assert wrong.status_code == 400
    assert wrong.context["form"].errors == {
        "confirm_email": ["Type the e-mail address you sign in with: emp@fynsklyd.example."]
    }
    assert (AuditEntry.objects.count(), mail.outbox) == (0, [])

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("ecosystem:privacy_erasure_request"),
            {"confirm_email": " EMP@fynsklyd.example "},
        )
    assert (response.status_code, response["Location"]) == (302, "/directory/privacy/")
    entry = AuditEntry.objects.get(action="ecosystem.person.erasure_request")
    assert (entry.actor, entry.target_id) == (employee, str(employee.person.pk))
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["admin@cluster.example"], "Erasure request from Emil Ansat"),
        (["staff@cluster.example"], "Erasure request from Emil Ansat"),
        (["emp@fynsklyd.example"], "We received your erasure request at Media City Odense"),
    ]
    assert "http://testserver/directory/privacy/requests/" in mail.outbox[0].body
    assert "(emp@fynsklyd.example)" in mail.outbox[0].body
    # The person stays active until staff act, and sees that the request is pending.
    employee.refresh_from_db()
    assert employee.is_active is True
    assert client.get(reverse("ecosystem:privacy")).context["open_request"] == entry

    again = client.post(
        reverse("ecosystem:privacy_erasure_request"), {"confirm_email": "emp@fynsklyd.example"}
    )
    assert again.status_code == 400
    assert again.context["form"].non_field_errors() == [
        "You have already asked for erasure; the staff will handle it."
    ]
    assert AuditEntry.objects.filter(action="ecosystem.person.erasure_request").count() == 1


def test_erasure_request_from_a_login_without_a_person_gives_staff_someone_to_erase(staff):
    loner = UserFactory(email="loner@example.org", name="Lone Wolf")
    privacy.request_erasure(actor=loner, confirm_email="loner@example.org")
    person = Person.objects.get(user=loner)
    assert (person.first_name, person.last_name, person.email) == (
        "Lone",
        "Wolf",
        "loner@example.org",
    )
    assert list(privacy.erasure_requests()) == [person]


def _request_erasure_as_new_person(n):
    user = user_with_role("employee", None, email=f"leaver{n}@example.org", name=f"Leaver {n}")
    privacy.request_erasure(actor=user, confirm_email=user.email)
    return user.person


def test_staff_see_open_requests_in_constant_queries(
    client, staff, member_org, django_assert_num_queries
):
    first = _request_erasure_as_new_person(0)
    AffiliationFactory(person=first, organisation=member_org)
    client.force_login(staff)
    client.get(reverse("ecosystem:privacy_requests"))  # warms the content type cache
    # session, user, roles (navigation), count, people, affiliations, the audit entry of the view
    with django_assert_num_queries(7):
        response = client.get(reverse("ecosystem:privacy_requests"))
    assert [p.pk for p in response.context["page"]] == [first.pk]
    assert "Fynsk Lyd ApS (Employee)" in response.content.decode()

    more = [_request_erasure_as_new_person(n) for n in (1, 2)]
    with django_assert_num_queries(7):
        response = client.get(reverse("ecosystem:privacy_requests"))
    assert [p.pk for p in response.context["page"]] == [first.pk, more[0].pk, more[1].pk]
    view = AuditEntry.objects.filter(action="ecosystem.person.view").first()
    assert (view.actor, view.data) == (
        staff,
        {"page": "erasure requests", "people": [first.pk, more[0].pk, more[1].pk]},
    )

    privacy.erase_person(actor=staff, person=first)
    assert [p.pk for p in privacy.erasure_requests()] == [more[0].pk, more[1].pk]


def test_non_staff_cannot_see_requests_or_erase(client, employee, member_admin):
    target = member_admin.person
    name = target.first_name
    client.force_login(employee)
    assert client.get(reverse("ecosystem:privacy_requests")).status_code == 403
    assert client.get(reverse("ecosystem:privacy_erase", args=[target.pk])).status_code == 403
    assert client.post(reverse("ecosystem:privacy_erase", args=[target.pk])).status_code == 403
    # Not even themselves: erasure is the staff's step.
    own = employee.person.pk
    assert client.post(reverse("ecosystem:privacy_erase", args=[own])).status_code == 403
    target.refresh_from_db()
    assert (target.erased_at, target.first_name) == (None, name)
    assert client.get(reverse("ecosystem:privacy_erase", args=[999999])).status_code == 404


# --- Erasure -----------------------------------------------------------------------------------


def test_staff_erase_a_person_and_everything_naming_them(
    client, employee, member_org, other_org, staff, django_capture_on_commit_callbacks
):
    person, secret = _rich_person(employee, member_org, other_org, staff)
    old_email = employee.email
    # Someone else's invitation, naming the person's private e-mail, and an expired one.
    account_services.invite(
        actor=staff, email="emil@private.example", role="employee", organisation=other_org
    )
    expired = account_services.invite(
        actor=staff, email=old_email, role="employee", organisation=other_org
    )
    Invitation.objects.filter(pk=expired.pk).update(expires_at=T1)
    account_services.update_profile(
        actor=employee,
        user=employee,
        name="Emil Ansat",
        language="da",
        title="Sound designer",
        phone="+45 99 99 99 99",
    )
    namesake = PersonFactory(first_name="Emil", last_name="Ansatsen", email="namesake@example.org")
    services.create_person(actor=staff, first_name="Other", last_name="Person")
    organisation_counts = {org.pk: org.affiliations.count() for org in (member_org, other_org)}
    privacy.request_erasure(actor=employee, confirm_email=old_email)
    their_browser = Client()
    their_browser.force_login(employee)
    assert their_browser.get(reverse("ecosystem:privacy")).status_code == 200

    client.force_login(staff)
    page = client.get(reverse("ecosystem:privacy_erase", args=[person.pk]))
    assert page.status_code == 200
    assert "Emil Ansat" in page.content.decode()
    viewed = AuditEntry.objects.get(action="ecosystem.person.view")
    assert (viewed.actor, viewed.target_id) == (staff, str(person.pk))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("ecosystem:privacy_erase", args=[person.pk]))
    assert (response.status_code, response["Location"]) == (302, "/directory/privacy/requests/")

    person.refresh_from_db()
    label = f"Erased person {person.pk}"
    assert {
        field: getattr(person, field)
        for field in (
            "first_name",
            "last_name",
            "email",
            "other_emails",
            "title",
            "phone",
            "bio",
            "languages",
            "listed_in_directory",
            "newsletter",
            "photos",
        )
    } == {
        "first_name": "Erased person",
        "last_name": str(person.pk),
        "email": "",
        "other_emails": [],
        "title": "",
        "phone": "",
        "bio": "",
        "languages": [],
        "listed_in_directory": False,
        "newsletter": False,
        "photos": False,
    }
    assert person.full_name == label
    assert person.erased_at is not None
    assert list(person.interests.all()) == []
    assert list(
        ConsentRecord.objects.filter(person=person, source="erasure")
        .order_by("kind")
        .values_list("kind", "granted", "recorded_by")
    ) == [("directory", False, staff.pk), ("newsletter", False, staff.pk)]
    # Aggregates per organisation are unchanged.
    assert {
        org.pk: org.affiliations.count() for org in (member_org, other_org)
    } == organisation_counts
    assert Affiliation.objects.filter(person=person).count() == 2

    user = User.objects.get(pk=employee.pk)
    assert (user.is_active, user.email, user.name, user.has_usable_password()) == (
        False,
        f"erased-{user.pk}@invalid",
        "",
        False,
    )
    assert user.check_password(PASSWORD) is False
    # A session they had open stops working.
    assert their_browser.get(reverse("ecosystem:privacy")).status_code == 302
    client.logout()
    login = client.post(reverse("accounts:login"), {"username": old_email, "password": PASSWORD})
    assert (login.status_code, "_auth_user_id" in client.session) == (200, False)
    assert list(ApiToken.objects.filter(user=user, revoked_at__isnull=True)) == []
    assert account_services.authenticate_token(secret) is None
    assert sorted(
        (email, revoked_at is None, message)
        for email, revoked_at, message in Invitation.objects.values_list(
            "email", "revoked_at", "message"
        )
    ) == [
        (f"erased-{user.pk}@invalid", False, ""),
        (f"erased-{user.pk}@invalid", False, ""),
        (f"erased-{user.pk}@invalid", True, ""),  # the expired one stays expired
    ]
    assert Invitation.objects.filter(email__icontains="fynsklyd").count() == 0

    # The audit log keeps every entry but none names them any more.
    for entry in AuditEntry.objects.all():
        text = json.dumps([entry.actor_label, entry.target_label, entry.data]).lower()
        for trace in (old_email, "emil@private.example", "sound designer", "+45 99 99 99 99"):
            assert trace not in text, (entry.action, text)
        assert re.search(r"emil ansat(?!sen)", text) is None, (entry.action, text)
    assert set(AuditEntry.objects.filter(actor=user).values_list("actor_label", flat=True)) == {
        label
    }
    profile_update = AuditEntry.objects.get(action="accounts.profile.update")
    assert (profile_update.target_label, profile_update.data) == (
        label,
        {"name": label, "language": "da", "title": "", "phone": ""},
    )
    erase = AuditEntry.objects.get(action="ecosystem.person.erase")
    assert (erase.actor, erase.target_id, erase.target_label, erase.data) == (
        staff,
        str(person.pk),
        label,
        {"person": person.pk},
    )
    assert (
        AuditEntry.objects.get(
            action="ecosystem.person.create", target_label="Other Person"
        ).actor_label
        == "staff@cluster.example"
    )
    namesake.refresh_from_db()
    assert namesake.full_name == "Emil Ansatsen"
    # The confirmation is in the person's own language (set to Danish above).
    assert [(m.to, m.subject) for m in mail.outbox] == [
        ([old_email], "Dine data hos Media City Odense er slettet")
    ]
    assert list(privacy.erasure_requests()) == []


def test_erasure_is_idempotent(employee, member_org, other_org, staff):
    person, _secret = _rich_person(employee, member_org, other_org, staff)
    privacy.erase_person(actor=staff, person=person)
    snapshot = (
        list(Person.objects.filter(pk=person.pk).values()),
        list(User.objects.filter(pk=employee.pk).values()),
        list(AuditEntry.objects.values()),
        list(ConsentRecord.objects.values()),
        list(Invitation.objects.values()),
        list(ApiToken.objects.values()),
    )
    again = privacy.erase_person(actor=staff, person=person)
    assert again.pk == person.pk
    assert snapshot == (
        list(Person.objects.filter(pk=person.pk).values()),
        list(User.objects.filter(pk=employee.pk).values()),
        list(AuditEntry.objects.values()),
        list(ConsentRecord.objects.values()),
        list(Invitation.objects.values()),
        list(ApiToken.objects.values()),
    )


def test_erasing_a_contact_without_a_login(client, staff, member_org):
    contact = services.create_person(
        actor=staff, first_name="Kim", last_name="Kontakt", email="kim@example.org", phone="112"
    )
    services.affiliate(actor=staff, person=contact, organisation=member_org, role="contact")
    privacy.erase_person(actor=staff, person=contact)
    contact.refresh_from_db()
    assert (contact.full_name, contact.email, contact.phone, contact.user) == (
        f"Erased person {contact.pk}",
        "",
        "",
        None,
    )
    assert sorted(
        AuditEntry.objects.filter(
            target_type__model="person", target_id=str(contact.pk)
        ).values_list("action", "target_label")
    ) == [
        ("ecosystem.person.create", f"Erased person {contact.pk}"),
        ("ecosystem.person.erase", f"Erased person {contact.pk}"),
    ]
    affiliation_entry = AuditEntry.objects.get(action="ecosystem.affiliation.create")
    assert affiliation_entry.target_label == (
        f"Erased person {contact.pk} · Contact person · Fynsk Lyd ApS"
    )
    client.force_login(staff)
    response = client.get(reverse("ecosystem:privacy_erase", args=[contact.pk]))
    assert "This person was erased on" in response.content.decode()
    response = client.post(reverse("ecosystem:privacy_erase", args=[contact.pk]))
    assert response.status_code == 302
    assert AuditEntry.objects.filter(action="ecosystem.person.erase").count() == 1


def test_other_apps_erasure_steps_run_inside_the_erasure(staff, employee, monkeypatch):
    monkeypatch.setattr(privacy, "_ERASURE_STEPS", {})
    seen = []
    privacy.register_erasure_step(
        "bookings",
        lambda *, actor, person, user, old_emails: seen.append((actor, person.first_name, user)),
    )
    privacy.erase_person(actor=staff, person=employee.person)
    assert seen == [(staff, "Erased person", employee)]


def test_record_personal_data_view(staff, employee):
    privacy.record_personal_data_view(actor=staff, person=employee.person)
    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.action, entry.target_id, entry.target_label) == (
        staff,
        "ecosystem.person.view",
        str(employee.person.pk),
        employee.person.full_name,
    )


def test_audit_record_helper_is_the_one_write_path(staff):
    # Guards the assumption the label rewrite relies on: labels are the user's e-mail and str().
    entry = audit.record(actor=staff, action="x.y.z", target=staff)
    assert (entry.actor_label, entry.target_label) == ("staff@cluster.example", "Sara Staff")
