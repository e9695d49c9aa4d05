import pytest
from django.test import Client

from klynge.accounts.models import Invitation
from klynge.ecosystem.tests.factories import AffiliationFactory, PersonFactory

pytestmark = pytest.mark.django_db


def test_people_needs_a_token():
    response = Client().get("/api/v1/people")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="klynge"'
    assert response.json() == {"detail": "Authentication required: send a valid API token."}


def test_wrong_token_is_401(client):
    response = client.get("/api/v1/people", headers={"Authorization": "Bearer klg_nonsense"})
    assert response.status_code == 401


def test_a_member_lists_only_the_people_they_may_see(api_client, employee, member_org):
    PersonFactory(first_name="Unlisted", last_name="Contact")
    listed = PersonFactory(first_name="Listed", last_name="Person", listed_in_directory=True)
    response = api_client(employee).get("/api/v1/people")
    assert response.status_code == 200
    # themselves (an unlisted Holm) and everyone listed, by last name; not unlisted contacts
    assert [item["id"] for item in response.json()["items"]] == [employee.person.pk, listed.pk]


def test_people_lists_people_with_affiliations_for_staff(api_client, staff, member_org):
    client = api_client(staff)
    person = PersonFactory(
        first_name="Ida", last_name="Aa", email="ida@example.org", title="Editor"
    )
    AffiliationFactory(person=person, organisation=member_org, role="ceo")
    response = client.get("/api/v1/people")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    assert body["items"] == [
        {
            "id": person.pk,
            "first_name": "Ida",
            "last_name": "Aa",
            "email": "ida@example.org",
            "title": "Editor",
            "affiliations": [
                {"organisation_id": member_org.pk, "organisation": "Fynsk Lyd ApS", "role": "ceo"}
            ],
        }
    ]


@pytest.mark.parametrize("count", [1, 3])
def test_people_query_count_does_not_grow_with_rows(
    api_client, staff, member_org, count, django_assert_num_queries
):
    client = api_client(staff)
    for _ in range(count):
        AffiliationFactory(organisation=member_org)
    # token lookup and its last-used stamp, roles, people count, people page, affiliations,
    # and the audit entry recording that staff read these people's data
    with django_assert_num_queries(7):
        assert client.get("/api/v1/people").json()["count"] == count


def test_me_reports_roles_and_affiliations(api_client, member_admin, member_org):
    response = api_client(member_admin).get("/api/v1/me")
    assert response.json() == {
        "id": member_admin.pk,
        "email": "boss@fynsklyd.example",
        "name": "Mette Boss",
        "language": "",
        "roles": ["member_admin", "member_employee"],
        "affiliations": [
            {
                "organisation_id": member_org.pk,
                "organisation": "Fynsk Lyd ApS",
                "role": "member_admin",
            }
        ],
    }


def test_member_admin_invites_through_the_api_with_the_same_rules(
    api_client, member_admin, member_org, other_org
):
    client = api_client(member_admin)
    created = client.post(
        "/api/v1/invitations",
        {"email": "c@example.org", "role": "employee", "organisation": member_org.pk},
        content_type="application/json",
    )
    assert created.status_code == 201
    assert created.json()["status"] == "pending"
    assert created.json()["organisation"] == member_org.pk
    forbidden = client.post(
        "/api/v1/invitations",
        {"email": "d@example.org", "role": "employee", "organisation": other_org.pk},
        content_type="application/json",
    )
    assert forbidden.status_code == 403
    assert list(Invitation.objects.values_list("email", flat=True)) == ["c@example.org"]


def test_api_input_errors_are_per_field_and_localised(api_client, staff):
    client = api_client(staff, **{"Accept-Language": "da"})
    missing = client.post(
        "/api/v1/invitations", {"role": "nonsense"}, content_type="application/json"
    )
    assert missing.status_code == 422
    assert missing.json()["errors"]["email"] == ["Dette felt er påkrævet."]
    assert list(missing.json()["errors"]) == ["email", "role"]
    rejected = client.post(
        "/api/v1/invitations",
        {"email": "not-an-email", "role": "employee"},
        content_type="application/json",
    )
    assert rejected.status_code == 400
    assert rejected.json()["errors"]["email"] == ["Indtast en gyldig e-mailadresse."]
    assert Invitation.objects.count() == 0


def test_malformed_json_is_a_clear_4xx(api_client, staff):
    response = api_client(staff).post(
        "/api/v1/invitations", "{not json", content_type="application/json"
    )
    assert 400 <= response.status_code < 500
    assert Invitation.objects.count() == 0
