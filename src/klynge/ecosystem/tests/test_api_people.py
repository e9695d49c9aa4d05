"""POST /api/v1/people: staff create contacts; the contract external scripts rely on."""

import pytest

from klynge.ecosystem.models import Person

pytestmark = pytest.mark.django_db
URL = "/api/v1/people"
JSON = "application/json"


def test_staff_create_a_person_and_get_201_with_the_id(api_client, staff):
    response = api_client(staff).post(
        URL, {"first_name": "Ida", "last_name": "Holm", "email": "Ida@Example.org"}, JSON
    )
    assert response.status_code == 201
    body = response.json()
    person = Person.objects.get(pk=body["id"])
    assert (person.first_name, person.last_name, person.email) == ("Ida", "Holm", "ida@example.org")
    assert body == {
        "id": person.pk,
        "first_name": "Ida",
        "last_name": "Holm",
        "email": "ida@example.org",
        "title": "",
        "affiliations": [],
    }


def test_a_taken_or_invalid_address_is_refused_and_nothing_changes(api_client, staff):
    client = api_client(staff)
    client.post(URL, {"first_name": "Ida", "last_name": "Holm", "email": "ida@example.org"}, JSON)
    before = Person.objects.count()

    taken = client.post(
        URL, {"first_name": "Ida", "last_name": "Other", "email": "IDA@example.org"}, JSON
    )
    assert taken.status_code == 400
    assert taken.json()["errors"] == {"email": ["Another person already has this e-mail address."]}

    invalid = client.post(
        URL, {"first_name": "A", "last_name": "B", "email": "not-an-address"}, JSON
    )
    assert invalid.status_code == 400
    assert invalid.json()["errors"] == {"email": ["Enter a valid email address."]}

    missing = client.post(URL, {"first_name": "A"}, JSON)
    assert missing.status_code == 422
    assert missing.json()["errors"] == {
        "last_name": ["This field is required."],
        "email": ["This field is required."],
    }
    assert Person.objects.count() == before


@pytest.mark.parametrize("role", ["employee", "member_admin", "student"])
def test_only_staff_create_people(api_client, request, role):
    response = api_client(request.getfixturevalue(role)).post(
        URL, {"first_name": "Ida", "last_name": "Holm", "email": "ida@example.org"}, JSON
    )
    assert response.status_code == 403
    assert not Person.objects.filter(email="ida@example.org").exists()
