"""The audit log records which member of staff looked at whose personal data, on every staff
page that shows it (the API's are in test_api_people.py and membership/tests/test_api.py)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from klynge.accounts import services as account_services
from klynge.core.models import AuditEntry
from klynge.crm.tests.factories import InteractionFactory, TaskFactory
from klynge.ecosystem.tests.factories import AffiliationFactory, PersonFactory
from klynge.membership.tests.factories import ApplicationFactory

pytestmark = pytest.mark.django_db
VIEW = "ecosystem.person.view"


def _views():
    return list(AuditEntry.objects.filter(action=VIEW).order_by("id"))


def test_the_crm_page_of_an_organisation(client, staff, member_org):
    colleague = PersonFactory()
    AffiliationFactory(person=colleague, organisation=member_org)
    noted = PersonFactory()  # not a colleague any more, but named in the log
    InteractionFactory(organisation=member_org, person=noted)
    tasked = PersonFactory()
    TaskFactory(organisation=member_org, person=tasked, assignee=staff)
    client.force_login(staff)
    client.get(reverse("crm:organisation", args=[member_org.slug]))
    [entry] = _views()
    assert (entry.actor, entry.target_id, entry.data) == (
        staff,
        str(member_org.pk),
        {"page": "crm", "people": sorted([colleague.pk, noted.pk, tasked.pk])},
    )


def test_the_crm_page_of_a_person(client, staff):
    person = PersonFactory(first_name="Pia", last_name="Pedersen")
    client.force_login(staff)
    client.get(reverse("crm:person", args=[person.pk]))
    [entry] = _views()
    assert (entry.actor, entry.target_id, entry.target_label, entry.data) == (
        staff,
        str(person.pk),
        "Pia Pedersen",
        {"page": "crm"},
    )


def test_the_membership_applications_list_and_detail(client, staff):
    first, second = ApplicationFactory(), ApplicationFactory()
    ApplicationFactory(status="rejected")
    client.force_login(staff)
    client.get(reverse("membership:applications"))
    client.get(reverse("membership:application", args=[first.pk]))
    listed, detail = _views()
    assert listed.data == {"page": "membership applications", "applications": [first.pk, second.pk]}
    assert (detail.target_id, detail.data) == (
        str(first.pk),
        {"page": "membership application", "applications": [first.pk]},
    )


def test_an_empty_list_of_applications_records_nothing(client, staff):
    client.force_login(staff)
    client.get(reverse("membership:applications"))
    assert _views() == []


def test_the_invitations_list_for_staff_but_not_for_member_admins(
    client, staff, member_admin, member_org
):
    invitation = account_services.invite(
        actor=staff, email="ny@fynsklyd.example", role="employee", organisation=member_org
    )
    client.force_login(member_admin)
    client.get(reverse("accounts:invitations"))
    assert _views() == []
    client.force_login(staff)
    client.get(reverse("accounts:invitations"))
    [entry] = _views()
    assert (entry.actor, entry.data) == (
        staff,
        {"page": "invitations", "invitations": [invitation.pk]},
    )


def test_the_people_import_preview(client, staff):
    client.force_login(staff)
    content = b"first_name;last_name;email\nIda;Holm;ida@example.org\nBo;Berg;bo@example.org\n"
    client.post(
        reverse("ecosystem:import"),
        {"what": "people", "file": SimpleUploadedFile("kontakter.csv", content)},
    )
    try:
        client.get(reverse("ecosystem:import_preview"))
    finally:
        client.post(reverse("ecosystem:import_cancel"))
    [entry] = _views()
    assert (entry.actor, entry.data) == (
        staff,
        {"page": "people import preview", "file": "kontakter.csv", "rows": 2},
    )


def test_an_organisation_import_preview_records_nothing(client, staff):
    client.force_login(staff)
    content = b"name;registry_number;country\nLyd ApS;;DK\n"
    client.post(
        reverse("ecosystem:import"),
        {"what": "organisations", "file": SimpleUploadedFile("orgs.csv", content)},
    )
    try:
        client.get(reverse("ecosystem:import_preview"))
    finally:
        client.post(reverse("ecosystem:import_cancel"))
    assert _views() == []


def test_the_people_page_of_an_organisation(client, staff, member_admin, member_org):
    colleague = PersonFactory()
    AffiliationFactory(person=colleague, organisation=member_org)
    client.force_login(member_admin)
    client.get(reverse("ecosystem:organisation_people", args=[member_org.slug]))
    assert _views() == []  # the organisation's own admin: not a staff view
    client.force_login(staff)
    client.get(reverse("ecosystem:organisation_people", args=[member_org.slug]))
    [entry] = _views()
    assert (entry.target_id, entry.data) == (
        str(member_org.pk),
        {
            "page": "organisation people",
            "people": sorted([colleague.pk, member_admin.person.pk]),
        },
    )


def test_the_api_organisation_for_staff(api_client, staff, employee, member_org):
    api_client(employee).get(f"/api/v1/organisations/{member_org.pk}")
    assert _views() == []
    api_client(staff).get(f"/api/v1/organisations/{member_org.pk}")
    [entry] = _views()
    assert (entry.actor, entry.target_id, entry.data) == (
        staff,
        str(member_org.pk),
        {"page": "api organisation", "people": [employee.person.pk]},
    )
