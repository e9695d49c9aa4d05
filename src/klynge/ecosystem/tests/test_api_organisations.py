"""/api/v1/organisations: search with facets, create, read and update, with the pages' rules."""

import pytest

from klynge.core.models import AuditEntry
from klynge.ecosystem.models import MembershipStatus, Organisation, Sector
from klynge.ecosystem.tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/organisations"


@pytest.fixture
def cluster(member_org, other_org):
    member_org.description_en = "Podcast studio"
    member_org.region = "Syddanmark"
    member_org.save()
    member_org.sectors.set([Sector.objects.get(slug="audio")])
    other_org.sdgs.set([9])
    OrganisationFactory(
        name="Podcast Prospekt", slug="prospekt", membership_status=MembershipStatus.PROSPECT
    )
    return member_org


def test_list_answers_items_and_count_with_search(api_client, employee, cluster):
    response = api_client(employee).get(URL, {"q": "podcast"})
    assert response.status_code == 200
    assert response.json() == {
        "items": [
            {
                "id": cluster.pk,
                "slug": "fynsk-lyd",
                "name": "Fynsk Lyd ApS",
                "kind": "company",
                "city": "Odense",
                "region": "Syddanmark",
                "country": "DK",
                "website": "",
                "membership_status": "member",
            }
        ],
        "count": 1,
    }


@pytest.mark.parametrize(
    ("params", "names"),
    [
        ({}, ["Bergen Pixel AS", "Fynsk Lyd ApS"]),
        ({"country": "NO"}, ["Bergen Pixel AS"]),
        ({"sector": "content"}, ["Fynsk Lyd ApS"]),
        ({"sdg": 9}, ["Bergen Pixel AS"]),
        ({"region": "Syddanmark", "kind": "company"}, ["Fynsk Lyd ApS"]),
        ({"membership_status": "prospect"}, []),
        ({"sort": "newest"}, ["Bergen Pixel AS", "Fynsk Lyd ApS"]),
    ],
)
def test_list_filters_like_the_directory(api_client, employee, cluster, params, names):
    data = api_client(employee).get(URL, params).json()
    assert [item["name"] for item in data["items"]] == names
    assert data["count"] == len(names)


def test_staff_list_prospects(api_client, staff, cluster):
    data = api_client(staff).get(URL, {"membership_status": "prospect"}).json()
    assert [item["name"] for item in data["items"]] == ["Podcast Prospekt"]


def test_list_refuses_a_wrong_facet_value(api_client, employee, cluster):
    response = api_client(employee).get(URL, {"kind": "spaceship"})
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["kind.0"]


def test_list_query_count_is_constant(api_client, staff, django_assert_num_queries):
    client = api_client(staff)
    OrganisationFactory.create_batch(3)
    client.get(URL)  # the token's first use is recorded once
    # token, roles, count, page
    with django_assert_num_queries(4):
        assert client.get(URL).json()["count"] == 3
    OrganisationFactory.create_batch(27)
    with django_assert_num_queries(4):
        assert len(client.get(URL).json()["items"]) == 25


def test_staff_create_an_organisation(api_client, staff):
    response = api_client(staff).post(
        URL,
        {
            "name": "Odense Lydhus",
            "kind": "company",
            "country": "DK",
            "registry_number": "24 25 67 90",
            "sectors": ["audio"],
            "competences": ["Foley", "foley", "Mixing"],
        },
        content_type="application/json",
    )
    assert response.status_code == 201
    data = response.json()
    organisation = Organisation.objects.get(pk=data["id"])
    assert (organisation.name, organisation.registry_number, organisation.slug) == (
        "Odense Lydhus",
        "24256790",
        "odense-lydhus",
    )
    assert (data["registry_number"], data["sectors"], data["competences"]) == (
        "24256790",
        ["audio"],
        ["Foley", "Mixing"],
    )
    assert data["membership_status"] == "none"
    assert "foley" in organisation.search_text
    assert AuditEntry.objects.filter(action="ecosystem.organisation.create", actor=staff).exists()


@pytest.mark.parametrize(
    ("country", "number", "message"),
    [
        ("DK", "24256791", "“24256791” is not a valid CVR: the check digit does not match."),
        (
            "NO",
            "974760674",
            "“974760674” is not a valid organisasjonsnummer: the check digit does not match.",
        ),
        (
            "SE",
            "556036-0794",
            "“556036-0794” is not a valid organisationsnummer: the check digit does not match.",
        ),
        ("DK", "1234", "A CVR has 8 digits; “1234” does not."),
    ],
)
def test_a_wrong_check_digit_is_422_naming_the_field(api_client, staff, country, number, message):
    response = api_client(staff).post(
        URL,
        {"name": "Fejl ApS", "kind": "company", "country": country, "registry_number": number},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json() == {
        "detail": "The input is not valid.",
        "errors": {"registry_number": [message]},
    }
    assert not Organisation.objects.filter(name="Fejl ApS").exists()


def test_a_duplicate_registry_number_is_refused(api_client, staff, member_org):
    member_org.registry_number = "24256790"
    member_org.save()
    response = api_client(staff).post(
        URL,
        {"name": "Kopi ApS", "kind": "company", "country": "DK", "registry_number": "24256790"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "registry_number": ["Fynsk Lyd ApS already has this registry number."]
    }


def test_missing_fields_are_422(api_client, staff):
    response = api_client(staff).post(URL, {"name": "X"}, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["errors"] == {
        "kind": ["This field is required."],
        "country": ["This field is required."],
    }


@pytest.mark.parametrize("role", ["member_admin", "employee", "student"])
def test_only_staff_create(api_client, request, role):
    response = api_client(request.getfixturevalue(role)).post(
        URL,
        {"name": "Nyt ApS", "kind": "company", "country": "DK"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert not Organisation.objects.filter(name="Nyt ApS").exists()


def test_member_admin_patches_their_organisation(api_client, member_admin, member_org):
    response = api_client(member_admin).patch(
        f"{URL}/{member_org.pk}",
        {"employees": 60, "offers": ["Studio time"], "sdgs": [9], "website": None},
        content_type="application/json",
    )
    assert response.status_code == 200
    data = response.json()
    assert (data["employees"], data["size_band"], data["offers"], data["sdgs"]) == (
        60,
        "medium",
        ["Studio time"],
        [9],
    )
    member_org.refresh_from_db()
    assert (member_org.employees, member_org.name) == (60, "Fynsk Lyd ApS")
    assert "studio time" in member_org.search_text


def test_patch_with_a_wrong_check_digit_changes_nothing(api_client, staff, member_org):
    response = api_client(staff).patch(
        f"{URL}/{member_org.pk}",
        {"registry_number": "24256791", "name": "Nyt Navn"},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["registry_number"]
    member_org.refresh_from_db()
    assert member_org.name == "Fynsk Lyd ApS"


def test_patch_with_an_unknown_sector_is_400(api_client, staff, member_org):
    response = api_client(staff).patch(
        f"{URL}/{member_org.pk}", {"sectors": ["knitting"]}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"sectors": ["Unknown: knitting."]}


def test_others_cannot_patch(api_client, member_admin, employee, other_org, member_org):
    assert (
        api_client(member_admin)
        .patch(f"{URL}/{other_org.pk}", {"name": "X"}, content_type="application/json")
        .status_code
        == 403
    )
    assert (
        api_client(employee)
        .patch(f"{URL}/{member_org.pk}", {"name": "X"}, content_type="application/json")
        .status_code
        == 403
    )
    member_org.refresh_from_db()
    assert member_org.name == "Fynsk Lyd ApS"


def test_unknown_organisation_is_404(api_client, staff):
    assert api_client(staff).get(f"{URL}/999999").status_code == 404


@pytest.mark.parametrize("country", ["NL", "US", "IS"])
def test_any_iso_country_is_accepted_with_its_number_as_given(api_client, staff, country):
    response = api_client(staff).post(
        URL,
        {"name": "Partner BV", "kind": "company", "country": country, "registry_number": "12-34"},
        content_type="application/json",
    )
    assert response.status_code == 201
    organisation = Organisation.objects.get(pk=response.json()["id"])
    assert (organisation.country, organisation.registry_number) == (country, "1234")


def test_an_unknown_country_is_422_naming_the_field(api_client, staff):
    response = api_client(staff).post(
        URL,
        {"name": "Atlantis Ltd", "kind": "company", "country": "ZZ"},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["country"]
    assert not Organisation.objects.filter(name="Atlantis Ltd").exists()


def test_two_legal_entities_may_share_a_name_but_not_without_numbers(api_client, staff):
    client = api_client(staff)

    def create(number):
        return client.post(
            URL,
            {"name": "Tellu AS", "kind": "company", "country": "NO", "registry_number": number},
            content_type="application/json",
        )

    assert create("917519919").status_code == 201
    assert create("989743295").status_code == 201
    assert Organisation.objects.filter(name="Tellu AS").count() == 2
    assert create("").status_code == 201  # the first one of that name without a number
    refused = create("")
    assert refused.status_code == 400
    assert refused.json()["errors"] == {
        "name": [
            "An organisation without a registry number already has this name in this country. "
            "Give the registry number, or choose another name."
        ]
    }
    assert Organisation.objects.filter(name="Tellu AS").count() == 3
