"""Who sees what of one organisation: every role against every field class, page and API."""

import pytest
from django.urls import reverse

from klynge.accounts.tests.factories import user_with_role
from klynge.core.models import AuditEntry
from klynge.ecosystem.models import (
    AffiliationRole,
    MembershipStatus,
    NaceCode,
    OrganisationRelation,
    Sdg,
    Sector,
    Tag,
)
from klynge.ecosystem.tests.factories import (
    AffiliationFactory,
    OrganisationFactory,
    PersonFactory,
)

pytestmark = pytest.mark.django_db

PUBLIC_VALUES = [
    "Fynsk Lyd ApS",
    "Syddanmark",
    "https://fynsklyd.example",
    "Lyd til film og podcasts",
    "Podcastproduktion",
    "Studietid om aftenen",
    "Audio and podcast",
    "9. Industry, innovation and infrastructure",
]
MEMBER_VALUES = [
    "24256790",
    "Medium (50–249 employees)",
    "1987",
    "Havnegade 5",
    "kontakt@fynsklyd.example",
    "+45 6612 3456",
    "59.20 Sound recording and music publishing activities",
    "Lise Listed",
    "Lydtekniker",
]
ADMIN_VALUES = ["Ulla Unlisted", "Bogholder"]
STAFF_VALUES = ["Membership status", "Triple helix", "lise@fynsklyd.example"]

PUBLIC_KEYS = {
    "id",
    "slug",
    "name",
    "kind",
    "city",
    "region",
    "country",
    "website",
    "logo",
    "description_en",
    "description_da",
    "sectors",
    "sdgs",
    "competences",
    "offers",
    "needs",
    "offers_text",
    "needs_text",
    "member_badge",
}
MEMBER_KEYS = PUBLIC_KEYS | {
    "registry_number",
    "size_band",
    "employees",
    "founded_year",
    "street",
    "postal_code",
    "municipality",
    "email",
    "phone",
    "nace_codes",
    "people",
}
STAFF_KEYS = MEMBER_KEYS | {
    "membership_status",
    "triple_helix",
    "merged_into",
    "created_at",
    "updated_at",
}


@pytest.fixture
def profile(member_org):
    org = member_org
    org.registry_number = "24256790"
    org.employees = 137
    org.founded_year = 1987
    org.street = "Havnegade 5"
    org.postal_code = "5000"
    org.region = "Syddanmark"
    org.website = "https://fynsklyd.example"
    org.email = "kontakt@fynsklyd.example"
    org.phone = "+45 6612 3456"
    org.description_en = "Lyd til film og podcasts"
    org.offers_text = "Studietid om aftenen"
    org.save()
    org.sectors.set([Sector.objects.get(slug="audio")])
    org.sdgs.set([Sdg.objects.get(number=9)])
    org.nace_codes.set([NaceCode.objects.get(code="59.20")])
    org.competences.set([Tag.objects.create(name="Podcastproduktion")])
    listed = PersonFactory(
        first_name="Lise",
        last_name="Listed",
        title="Lydtekniker",
        email="lise@fynsklyd.example",
        listed_in_directory=True,
    )
    unlisted = PersonFactory(first_name="Ulla", last_name="Unlisted", title="Bogholder")
    AffiliationFactory(person=listed, organisation=org, role=AffiliationRole.EMPLOYEE)
    AffiliationFactory(person=unlisted, organisation=org, role=AffiliationRole.EMPLOYEE)
    return org


@pytest.fixture
def other_employee(other_org):
    return user_with_role(AffiliationRole.EMPLOYEE, other_org, email="pixel@bergen.example")


ROLES = {
    # role: (public, member, all people, staff)
    "anonymous": (True, False, False, False),
    "student": (True, False, False, False),
    "founder": (True, False, False, False),  # of a startup that is a prospect, not a member
    "member_founder": (True, True, False, False),  # of a startup that is a member
    "other_employee": (True, True, False, False),
    "employee": (True, True, False, False),
    "member_admin": (True, True, True, False),
    "staff": (True, True, True, True),
}


@pytest.fixture
def member_founder(db):
    startup = OrganisationFactory(name="Klippebot IVS", slug="klippebot", kind="startup")
    return user_with_role(AffiliationRole.FOUNDER, startup, email="founder@klippebot.example")


def _user(request, role):
    return None if role == "anonymous" else request.getfixturevalue(role)


@pytest.mark.parametrize("role", ROLES)
def test_profile_page_shows_each_role_exactly_its_field_classes(client, request, profile, role):
    user = _user(request, role)
    if user is not None:
        client.force_login(user)
    response = client.get(reverse("ecosystem:organisation", args=[profile.slug]))
    assert response.status_code == 200
    html = response.content.decode()
    shows_public, shows_member, shows_all_people, shows_staff = ROLES[role]
    for values, shown in (
        (PUBLIC_VALUES, shows_public),
        (MEMBER_VALUES, shows_member),
        (ADMIN_VALUES, shows_all_people),
        (STAFF_VALUES, shows_staff),
    ):
        for value in values:
            assert (value in html) is shown, f"{role}: {value}"


@pytest.mark.parametrize("role", [r for r in ROLES if r != "anonymous"])
def test_api_answers_each_role_exactly_its_field_classes(api_client, request, profile, role):
    user = _user(request, role)
    response = api_client(user).get(f"/api/v1/organisations/{profile.pk}")
    assert response.status_code == 200
    data = response.json()
    _public, shows_member, shows_all_people, shows_staff = ROLES[role]
    expected = STAFF_KEYS if shows_staff else MEMBER_KEYS if shows_member else PUBLIC_KEYS
    assert set(data) == expected
    assert (data["name"], data["city"], data["region"], data["website"]) == (
        "Fynsk Lyd ApS",
        "Odense",
        "Syddanmark",
        "https://fynsklyd.example",
    )
    assert (data["sectors"], data["sdgs"], data["competences"], data["member_badge"]) == (
        ["audio"],
        [9],
        ["Podcastproduktion"],
        "member",
    )
    if shows_member:
        assert (data["registry_number"], data["employees"], data["size_band"]) == (
            "24256790",
            137,
            "medium",
        )
        assert (data["founded_year"], data["email"], data["nace_codes"]) == (
            1987,
            "kontakt@fynsklyd.example",
            ["59.20"],
        )
        names = [p["name"] for p in data["people"]]
        if shows_all_people:
            assert "Ulla Unlisted" in names and "Lise Listed" in names
        else:
            assert names == ["Lise Listed"]
            assert data["people"][0] == {
                "id": data["people"][0]["id"],
                "name": "Lise Listed",
                "title": "Lydtekniker",
                "role": "employee",
            }
    if shows_staff:
        assert data["membership_status"] == "member"
        lise = next(p for p in data["people"] if p["name"] == "Lise Listed")
        assert (lise["email"], lise["listed_in_directory"], lise["newsletter"]) == (
            "lise@fynsklyd.example",
            True,
            False,
        )
    else:
        assert all("email" not in person for person in data.get("people", []))


def test_api_needs_a_token(client, profile):
    assert client.get(f"/api/v1/organisations/{profile.pk}").status_code == 401


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 404),
        ("student", 404),
        ("employee", 404),
        ("founder", 200),  # their own prospect
        ("staff", 200),
    ],
)
def test_prospects_are_for_staff_and_their_own_people(client, request, role, status):
    user = _user(request, role)
    if role != "founder":
        request.getfixturevalue("founder")
    if user is not None:
        client.force_login(user)
    response = client.get(reverse("ecosystem:organisation", args=["nyhedsrobot"]))
    assert response.status_code == status


def test_prospects_in_the_api_are_staff_only(api_client, employee, staff, founder):
    prospect = founder.person.affiliations.get().organisation
    assert api_client(employee).get(f"/api/v1/organisations/{prospect.pk}").status_code == 404
    data = api_client(staff).get(f"/api/v1/organisations/{prospect.pk}").json()
    assert (data["membership_status"], data["member_badge"]) == ("prospect", None)
    own = api_client(founder).get(f"/api/v1/organisations/{prospect.pk}").json()
    assert "membership_status" not in own
    assert own["member_badge"] is None


def test_relations_are_shown_both_ways_and_linked(client, member_org, other_org):
    hidden = OrganisationFactory(
        name="Skjult Prospekt", slug="skjult", membership_status=MembershipStatus.PROSPECT
    )
    OrganisationRelation.objects.create(source=member_org, target=other_org, kind="partner")
    OrganisationRelation.objects.create(source=hidden, target=member_org, kind="investor")
    html = client.get(reverse("ecosystem:organisation", args=[member_org.slug])).content.decode()
    assert 'Partner of <a href="/directory/bergen-pixel/">Bergen Pixel AS</a>' in html
    assert "Skjult Prospekt" not in html
    html = client.get(reverse("ecosystem:organisation", args=[other_org.slug])).content.decode()
    assert '<a href="/directory/fynsk-lyd/">Fynsk Lyd ApS</a>: partner of Bergen Pixel AS' in html


def test_staff_see_the_investor_relation_of_a_prospect(client, staff, member_org):
    hidden = OrganisationFactory(
        name="Skjult Prospekt", slug="skjult", membership_status=MembershipStatus.PROSPECT
    )
    OrganisationRelation.objects.create(source=hidden, target=member_org, kind="investor")
    client.force_login(staff)
    html = client.get(reverse("ecosystem:organisation", args=[member_org.slug])).content.decode()
    assert '<a href="/directory/skjult/">Skjult Prospekt</a>: investor in Fynsk Lyd ApS' in html


@pytest.mark.parametrize("role", ROLES)
def test_only_staff_viewing_the_people_of_an_organisation_is_audited(
    client, request, profile, role
):
    user = _user(request, role)
    if user is not None:
        client.force_login(user)
    client.get(reverse("ecosystem:organisation", args=[profile.slug]))
    entries = AuditEntry.objects.filter(action="ecosystem.person.view")
    if role != "staff":
        assert not entries.exists()
        return
    entry = entries.get()
    people = sorted(profile.affiliations.values_list("person_id", flat=True))
    assert (entry.actor, entry.target_id, entry.target_label, entry.data) == (
        user,
        str(profile.pk),
        "Fynsk Lyd ApS",
        {"page": "organisation", "people": people},
    )


def test_member_admin_sees_neither_consents_nor_ties_to_hidden_organisations(
    client, member_admin, member_org
):
    from klynge.ecosystem.models import MembershipStatus
    from klynge.ecosystem.tests.factories import (
        AffiliationFactory,
        OrganisationFactory,
        PersonFactory,
    )

    person = PersonFactory(first_name="Pia", last_name="Prospekt", listed_in_directory=True)
    AffiliationFactory(person=person, organisation=member_org, role="employee")
    secret = OrganisationFactory(
        name="Secret Prospect A/S", slug="secret", membership_status=MembershipStatus.PROSPECT
    )
    AffiliationFactory(person=person, organisation=secret, role="board_member")
    client.force_login(member_admin)
    html = client.get(f"/directory/people/{person.pk}/").content.decode()
    assert "Pia Prospekt" in html
    assert "Secret Prospect A/S" not in html
    form = client.get(f"/directory/people/{person.pk}/edit/").context["form"]
    assert "newsletter" not in form.fields and "listed_in_directory" not in form.fields
