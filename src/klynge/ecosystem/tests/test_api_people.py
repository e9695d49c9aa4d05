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


# --- Reading and changing people -----------------------------------------------------------------

from klynge.core.models import AuditEntry  # noqa: E402
from klynge.ecosystem.models import Affiliation, AffiliationRole, MembershipStatus  # noqa: E402
from klynge.ecosystem.tests.factories import (  # noqa: E402
    AffiliationFactory,
    OrganisationFactory,
    PersonFactory,
)


@pytest.fixture
def people(member_org, other_org):
    """Listed Lise at the member, unlisted Ulla at the member, listed Pia at a prospect."""
    prospect = OrganisationFactory(
        name="Prospekt ApS", slug="prospekt", membership_status=MembershipStatus.PROSPECT
    )
    lise = PersonFactory(
        first_name="Lise",
        last_name="Andersen",
        email="lise@fynsklyd.example",
        phone="+45 1111",
        listed_in_directory=True,
    )
    ulla = PersonFactory(first_name="Ulla", last_name="Bech", email="ulla@fynsklyd.example")
    pia = PersonFactory(
        first_name="Pia",
        last_name="Carlsen",
        email="pia@prospekt.example",
        listed_in_directory=True,
    )
    AffiliationFactory(person=lise, organisation=member_org, role=AffiliationRole.EMPLOYEE)
    AffiliationFactory(person=ulla, organisation=member_org, role=AffiliationRole.EMPLOYEE)
    AffiliationFactory(person=pia, organisation=prospect, role=AffiliationRole.CEO)
    return {"lise": lise, "ulla": ulla, "pia": pia}


def _names(response):
    return [item["first_name"] for item in response.json()["items"]]


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        # staff: everyone; a member: everyone listed and themselves; the member admin: also
        # their unlisted colleague; a student (not a member): the listed people of members only
        ("staff", ["Lise", "Ulla", "Pia"]),
        ("employee", ["Lise", "Pia", "Ida"]),
        ("member_admin", ["Lise", "Ulla", "Pia", "Ida"]),
        ("student", ["Lise", "Ida"]),
    ],
)
def test_each_role_lists_the_people_the_pages_show_it(api_client, request, people, role, expected):
    user = request.getfixturevalue(role)
    response = api_client(user).get(URL)
    assert response.status_code == 200
    # by last name; the user's own person is "Ida<n> Holm"
    assert [name.rstrip("0123456789") for name in _names(response)] == expected


def test_e_mail_addresses_are_for_members_only(api_client, student, employee, people):
    lise_for = {}
    for user in (student, employee):
        items = api_client(user).get(URL).json()["items"]
        lise_for[user.email] = next(item for item in items if item["first_name"] == "Lise")
    assert "email" not in lise_for["stud@sdu.example"]
    assert lise_for["emp@fynsklyd.example"]["email"] == "lise@fynsklyd.example"


def test_the_list_searches_names_and_filters_by_organisation(api_client, staff, member_org, people):
    client = api_client(staff)
    assert _names(client.get(URL, {"q": "lise"})) == ["Lise"]
    assert _names(client.get(URL, {"q": "fynsklyd.example"})) == ["Lise", "Ulla"]
    assert _names(client.get(URL, {"organisation": member_org.pk})) == ["Lise", "Ulla"]
    assert client.get(URL, {"organisation": 2**70}).status_code == 422


def test_staff_reading_the_list_is_audited_with_the_people_on_the_page(api_client, staff, people):
    api_client(staff).get(URL, {"limit": 2})
    entry = AuditEntry.objects.get(action="ecosystem.person.view")
    assert (entry.actor, entry.data) == (
        staff,
        {"page": "api people", "people": sorted([people["lise"].pk, people["ulla"].pk])},
    )


def test_a_member_reading_the_list_is_not_audited(api_client, employee, people):
    api_client(employee).get(URL)
    assert not AuditEntry.objects.filter(action="ecosystem.person.view").exists()


@pytest.mark.parametrize("count", [1, 3])
def test_the_list_has_a_constant_number_of_queries(
    api_client, employee, member_org, count, django_assert_num_queries
):
    client = api_client(employee)
    client.get(URL)  # stamps the token's last use
    for _ in range(count):
        AffiliationFactory(organisation=member_org, person=PersonFactory(listed_in_directory=True))
    # token, roles, count, page, affiliations
    with django_assert_num_queries(5):
        assert client.get(URL).json()["count"] == count + 1


def test_one_person_shows_the_fields_of_the_person_page(api_client, employee, staff, people):
    lise = people["lise"]
    as_member = api_client(employee).get(f"{URL}/{lise.pk}").json()
    assert as_member == {
        "id": lise.pk,
        "first_name": "Lise",
        "last_name": "Andersen",
        "email": "lise@fynsklyd.example",
        "phone": "+45 1111",
        "title": "",
        "bio": "",
        "languages": [],
        "interests": [],
        "affiliations": [
            {
                "organisation_id": lise.affiliations.get().organisation_id,
                "organisation": "Fynsk Lyd ApS",
                "role": "employee",
            }
        ],
    }
    as_staff = api_client(staff).get(f"{URL}/{lise.pk}").json()
    assert (as_staff["listed_in_directory"], as_staff["newsletter"], as_staff["other_emails"]) == (
        True,
        False,
        [],
    )
    entry = AuditEntry.objects.get(action="ecosystem.person.view")
    assert (entry.actor, entry.target_id, entry.data) == (staff, str(lise.pk), {"page": "api"})


def test_a_hidden_person_is_404(api_client, student, people):
    assert api_client(student).get(f"{URL}/{people['ulla'].pk}").status_code == 404
    assert api_client(student).get(f"{URL}/{people['pia'].pk}").status_code == 404
    assert api_client(student).get(f"{URL}/{2**70}").status_code == 422


def test_a_person_changes_themselves_and_their_consents(api_client, employee):
    person = employee.person
    response = api_client(employee).patch(
        f"{URL}/{person.pk}",
        {
            "title": "Producer",
            "languages": ["da", "en"],
            "interests": ["Podcast"],
            "newsletter": True,
        },
        JSON,
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["title"], body["languages"], body["interests"], body["newsletter"]) == (
        "Producer",
        ["da", "en"],
        ["Podcast"],
        True,
    )
    person.refresh_from_db()
    record = person.consent_records.get()
    assert (record.kind, record.granted, record.source, record.recorded_by) == (
        "newsletter",
        True,
        "api",
        employee,
    )


def test_a_member_admin_edits_a_colleague_but_not_their_consents(api_client, member_admin, people):
    ulla = people["ulla"]
    client = api_client(member_admin)
    assert client.patch(f"{URL}/{ulla.pk}", {"title": "Bogholder"}, JSON).status_code == 200
    refused = client.patch(f"{URL}/{ulla.pk}", {"newsletter": True}, JSON)
    assert (refused.status_code, refused.json()) == (
        403,
        {"detail": "Only the person and the cluster staff change consents."},
    )
    ulla.refresh_from_db()
    assert (ulla.title, ulla.newsletter) == ("Bogholder", False)


def test_bad_changes_are_refused_per_field_and_change_nothing(api_client, employee):
    person = employee.person
    client = api_client(employee)
    blank = client.patch(f"{URL}/{person.pk}", {"first_name": None, "title": "X"}, JSON)
    assert (blank.status_code, blank.json()["errors"]) == (
        400,
        {"first_name": ["This field is required."]},
    )
    unknown = client.patch(f"{URL}/{person.pk}", {"languages": ["xx"]}, JSON)
    assert unknown.status_code == 422
    assert list(unknown.json()["errors"]) == ["languages.0"]
    person.refresh_from_db()
    assert person.title == ""


def test_others_cannot_change_a_person(api_client, student, employee, people):
    response = api_client(student).patch(f"{URL}/{people['lise'].pk}", {"title": "X"}, JSON)
    assert response.status_code == 403


# --- An organisation's people ------------------------------------------------------------------


def test_a_member_admin_manages_colleagues_through_the_api(api_client, member_admin, member_org):
    client = api_client(member_admin)
    base = f"/api/v1/organisations/{member_org.pk}/people"
    added = client.post(
        base,
        {"role": "employee", "first_name": "Berit", "last_name": "Bog", "email": "b@f.example"},
        JSON,
    )
    assert added.status_code == 201
    tie = Affiliation.objects.get(person__email="b@f.example")
    assert added.json() == {
        "id": tie.pk,
        "person_id": tie.person_id,
        "first_name": "Berit",
        "last_name": "Bog",
        "email": "b@f.example",
        "has_login": False,
        "role": "employee",
        "start_date": tie.start_date.isoformat(),
        "end_date": None,
    }
    listed = client.get(base).json()
    assert sorted(item["email"] for item in listed) == ["b@f.example", "boss@fynsklyd.example"]
    changed = client.patch(f"/api/v1/affiliations/{tie.pk}", {"role": "contact"}, JSON)
    assert (changed.status_code, changed.json()["role"]) == (200, "contact")
    ended = client.post(f"/api/v1/affiliations/{changed.json()['id']}/end", {}, JSON)
    assert ended.json() == {"id": changed.json()["id"], "outcome": "withdrawn", "end_date": None}
    assert client.get(base).json()[0]["email"] == "boss@fynsklyd.example"


def test_the_api_refuses_what_the_page_refuses(api_client, member_admin, member_org, other_org):
    client = api_client(member_admin)
    PersonFactory(email="known@elsewhere.example")
    claim = client.post(
        f"/api/v1/organisations/{member_org.pk}/people",
        {
            "role": "employee",
            "first_name": "K",
            "last_name": "P",
            "email": "known@elsewhere.example",
        },
        JSON,
    )
    assert (claim.status_code, list(claim.json()["errors"])) == (400, ["email"])
    existing = client.post(
        f"/api/v1/organisations/{member_org.pk}/people",
        {"role": "employee", "person_id": PersonFactory().pk},
        JSON,
    )
    assert existing.status_code == 403
    own = Affiliation.objects.get(person__user=member_admin)
    last = client.post(f"/api/v1/affiliations/{own.pk}/end", {}, JSON)
    assert last.status_code == 400
    assert last.json()["errors"] == {
        "__all__": [
            "Fynsk Lyd ApS needs at least one member administrator: make a colleague member "
            "administrator first."
        ]
    }
    foreign = AffiliationFactory(organisation=other_org)
    assert client.post(f"/api/v1/affiliations/{foreign.pk}/end", {}, JSON).status_code == 403
    bad_role = client.patch(f"/api/v1/affiliations/{own.pk}", {"role": "king"}, JSON)
    assert bad_role.status_code == 422


def test_staff_tie_someone_in_the_directory_and_reading_is_audited(api_client, staff, member_org):
    someone = PersonFactory()
    client = api_client(staff)
    response = client.post(
        f"/api/v1/organisations/{member_org.pk}/people",
        {"role": "board_member", "person_id": someone.pk},
        JSON,
    )
    assert (response.status_code, response.json()["person_id"]) == (201, someone.pk)
    client.get(f"/api/v1/organisations/{member_org.pk}/people")
    entry = AuditEntry.objects.get(action="ecosystem.person.view")
    assert entry.data == {"page": "api organisation people", "people": [someone.pk]}


def test_staff_create_an_organisation_with_its_contact(api_client, staff):
    response = api_client(staff).post(
        "/api/v1/organisations",
        {
            "name": "Lydbølge ApS",
            "kind": "company",
            "country": "DK",
            "registry_number": "10000009",
            "membership_status": "prospect",
            "contact": {"first_name": "Karl", "last_name": "Kontakt", "email": "karl@l.example"},
        },
        JSON,
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["membership_status"], [p["name"] for p in body["people"]]) == (
        "prospect",
        ["Karl Kontakt"],
    )
    assert body["people"][0]["role"] == "contact"
    refused = api_client(staff).post(
        "/api/v1/organisations",
        {
            "name": "Anden ApS",
            "kind": "company",
            "country": "DK",
            "contact": {"first_name": "", "last_name": "K"},
        },
        JSON,
    )
    assert (refused.status_code, refused.json()["errors"]) == (
        400,
        {"contact.first_name": ["Enter the first name."]},
    )
    assert not Person.objects.filter(last_name="K").exists()
