"""Editing an organisation's profile, and person pages: who sees, who edits, what is audited."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from klynge.accounts.tests.factories import user_with_role
from klynge.core.models import AuditEntry
from klynge.ecosystem.models import (
    AffiliationRole,
    ConsentRecord,
    MembershipStatus,
    Organisation,
    Person,
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


def _png(size=(40, 40)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, "teal").save(buffer, "PNG")
    return SimpleUploadedFile("logo.png", buffer.getvalue(), content_type="image/png")


def _form(organisation, **changes) -> dict:
    data = {
        "name": organisation.name,
        "kind": organisation.kind,
        "country": organisation.country,
        "registry_number": organisation.registry_number,
        "city": organisation.city,
        "competences_tags": "",
        "offers_tags": "",
        "needs_tags": "",
    }
    data.update(changes)
    return data


def _edit_url(organisation):
    return reverse("ecosystem:organisation_edit", args=[organisation.slug])


def test_member_admin_edits_the_profile_with_tags_and_taxonomies(client, member_admin, member_org):
    Tag.objects.create(name="Podcast")
    client.force_login(member_admin)
    assert client.get(_edit_url(member_org)).status_code == 200
    response = client.post(
        _edit_url(member_org),
        _form(
            member_org,
            registry_number="DK 2425 6790",
            employees="42",
            description_en="Sound for film",
            competences_tags="podcast, Foley ,  foley",
            offers_tags="Studio time",
            needs_tags="",
            sectors=[Sector.objects.get(slug="audio").pk],
            sdgs=["9", "4"],
            logo=_png(),
        ),
    )
    assert response.status_code == 302
    assert response["Location"] == "/directory/fynsk-lyd/"
    member_org.refresh_from_db()
    assert (member_org.registry_number, member_org.employees, member_org.size_band) == (
        "24256790",
        42,
        "small",
    )
    assert sorted(t.name for t in member_org.competences.all()) == ["Foley", "Podcast"]
    assert [t.name for t in member_org.offers.all()] == ["Studio time"]
    assert Tag.objects.filter(name__iexact="podcast").count() == 1
    assert [s.slug for s in member_org.sectors.all()] == ["audio"]
    assert sorted(s.number for s in member_org.sdgs.all()) == [4, 9]
    assert member_org.logo.name.startswith("logos/")
    assert "foley" in member_org.search_text and "studio time" in member_org.search_text
    entry = AuditEntry.objects.get(action="ecosystem.organisation.update")
    assert entry.actor == member_admin
    assert entry.data["changed"]["registry_number"] == ["", "24256790"]


@pytest.mark.parametrize(
    ("logo", "message"),
    [
        (
            SimpleUploadedFile("big.png", b"0" * (2 * 1024 * 1024 + 1), "image/png"),
            "The logo is 2.0\xa0MB; it may be at most 2.0\xa0MB.",
        ),
        (
            SimpleUploadedFile("notes.png", b"just some text", "image/png"),
            "The logo is not an image Klynge can read.",
        ),
    ],
)
def test_a_bad_logo_is_refused_and_nothing_changes(client, staff, member_org, logo, message):
    client.force_login(staff)
    response = client.post(_edit_url(member_org), _form(member_org, name="Changed Name", logo=logo))
    assert response.status_code == 400
    assert response.context["form"].errors["logo"] == [message]
    member_org.refresh_from_db()
    assert (member_org.name, member_org.logo.name) == ("Fynsk Lyd ApS", "")
    assert not AuditEntry.objects.filter(action="ecosystem.organisation.update").exists()


def test_a_wrong_check_digit_is_shown_on_the_form(client, staff, member_org):
    client.force_login(staff)
    response = client.post(
        _edit_url(member_org), _form(member_org, registry_number="24256791", offers_tags="New")
    )
    assert response.status_code == 400
    assert response.context["form"].errors["registry_number"] == [
        "“24256791” is not a valid CVR: the check digit does not match."
    ]
    assert not Tag.objects.filter(name="New").exists()


@pytest.mark.parametrize("role", ["employee", "student", "founder"])
def test_only_staff_and_the_member_admin_edit(client, request, member_org, role):
    client.force_login(request.getfixturevalue(role))
    assert client.get(_edit_url(member_org)).status_code == 403
    assert client.post(_edit_url(member_org), _form(member_org, name="X")).status_code == 403
    member_org.refresh_from_db()
    assert member_org.name == "Fynsk Lyd ApS"


def test_member_admin_cannot_edit_another_organisation(client, member_admin, other_org):
    client.force_login(member_admin)
    assert client.get(_edit_url(other_org)).status_code == 403


def test_anonymous_is_sent_to_sign_in(client, member_org):
    response = client.get(_edit_url(member_org))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_edit_link_shown_to_those_who_may_edit(client, member_admin, employee, member_org):
    client.force_login(employee)
    assert "Edit the profile" not in client.get(member_org.get_absolute_url()).content.decode()
    client.force_login(member_admin)
    assert "Edit the profile" in client.get(member_org.get_absolute_url()).content.decode()


# --- People -----------------------------------------------------------------------------------


@pytest.fixture
def lise(member_org):
    person = PersonFactory(
        first_name="Lise",
        last_name="Lyd",
        title="Lydtekniker",
        email="lise@fynsklyd.example",
        phone="+45 1234 5678",
        bio="Mixer podcasts.",
        listed_in_directory=True,
    )
    AffiliationFactory(person=person, organisation=member_org, role=AffiliationRole.EMPLOYEE)
    return person


def _person_url(person, edit=False):
    return reverse("ecosystem:person_edit" if edit else "ecosystem:person", args=[person.pk])


def test_public_person_page_shows_public_fields_only(client, lise):
    html = client.get(_person_url(lise)).content.decode()
    assert "Lise Lyd" in html and "Lydtekniker" in html and "Mixer podcasts." in html
    assert '<a href="/directory/fynsk-lyd/">Fynsk Lyd ApS</a> (Employee)' in html
    assert "lise@fynsklyd.example" not in html and "+45 1234 5678" not in html
    assert "Receives the newsletter" not in html


def test_members_see_contact_details(client, lise, other_org):
    client.force_login(user_with_role(AffiliationRole.EMPLOYEE, other_org))
    html = client.get(_person_url(lise)).content.decode()
    assert "lise@fynsklyd.example" in html and "+45 1234 5678" in html
    assert "Receives the newsletter" not in html


def test_unlisted_people_are_hidden_except_from_staff_self_and_admin(
    client, lise, employee, member_admin, staff
):
    lise.listed_in_directory = False
    lise.save()
    assert client.get(_person_url(lise)).status_code == 404
    client.force_login(employee)
    assert client.get(_person_url(lise)).status_code == 404
    client.force_login(member_admin)
    assert client.get(_person_url(lise)).status_code == 200
    client.force_login(staff)
    assert "Receives the newsletter" in client.get(_person_url(lise)).content.decode()


def test_listed_person_of_a_prospect_is_for_members_not_the_public(client, employee):
    prospect = OrganisationFactory(membership_status=MembershipStatus.PROSPECT)
    person = PersonFactory(listed_in_directory=True)
    AffiliationFactory(person=person, organisation=prospect)
    assert client.get(_person_url(person)).status_code == 404
    client.force_login(employee)
    html = client.get(_person_url(person)).content.decode()
    assert person.full_name in html
    assert prospect.name not in html  # the prospect itself stays hidden


def test_staff_viewing_a_person_is_audited(client, staff, employee, lise):
    client.force_login(employee)
    client.get(_person_url(lise))
    assert not AuditEntry.objects.filter(action="ecosystem.person.view").exists()
    client.force_login(staff)
    client.get(_person_url(lise))
    entry = AuditEntry.objects.get(action="ecosystem.person.view")
    assert (entry.actor, entry.target_id, entry.target_label) == (staff, str(lise.pk), "Lise Lyd")


def _person_form(person, **changes):
    data = {
        "first_name": person.first_name,
        "last_name": person.last_name,
        "title": person.title,
        "phone": person.phone,
        "bio": person.bio,
        "interests": "",
    }
    data.update(changes)
    return data


def test_a_person_edits_themself_with_consents_and_interests(client, employee):
    person = employee.person
    client.force_login(employee)
    assert client.get(_person_url(person, edit=True)).status_code == 200
    response = client.post(
        _person_url(person, edit=True),
        _person_form(
            person,
            first_name="Emil",
            last_name="Ansat",
            title="Producer",
            languages=["da", "en"],
            interests="Podcast, VR",
            listed_in_directory="on",
            photos="on",
        ),
    )
    assert response.status_code == 302
    person = Person.objects.get(pk=person.pk)
    assert (person.full_name, person.title, person.languages) == (
        "Emil Ansat",
        "Producer",
        ["da", "en"],
    )
    assert sorted(t.name for t in person.interests.all()) == ["Podcast", "VR"]
    assert (person.listed_in_directory, person.newsletter, person.photos) == (True, False, True)
    assert sorted(ConsentRecord.objects.values_list("kind", "granted", "source")) == [
        ("directory", True, "profile page"),
        ("photos", True, "profile page"),
    ]
    assert AuditEntry.objects.filter(action="ecosystem.person.update", actor=employee).count() == 1
    assert AuditEntry.objects.filter(action="ecosystem.consent.change").count() == 2


def test_member_admin_edits_their_people_but_not_others(client, member_admin, lise, other_org):
    client.force_login(member_admin)
    response = client.post(_person_url(lise, edit=True), _person_form(lise, title="Chef"))
    assert response.status_code == 302
    lise.refresh_from_db()
    assert lise.title == "Chef"
    outsider = PersonFactory(listed_in_directory=True)
    AffiliationFactory(person=outsider, organisation=other_org)
    assert client.get(_person_url(outsider, edit=True)).status_code == 403


def test_colleague_cannot_edit_a_person(client, employee, lise):
    client.force_login(employee)
    assert client.post(_person_url(lise, edit=True), _person_form(lise)).status_code == 403


def test_bad_person_input_changes_nothing(client, employee):
    person = employee.person
    client.force_login(employee)
    response = client.post(
        _person_url(person, edit=True), _person_form(person, first_name="", newsletter="on")
    )
    assert response.status_code == 400
    assert response.context["form"].errors["first_name"] == ["This field is required."]
    person.refresh_from_db()
    assert person.newsletter is False
    assert not ConsentRecord.objects.exists()


def test_service_errors_reach_the_person_form(client, employee):
    person = employee.person
    client.force_login(employee)
    response = client.post(_person_url(person, edit=True), _person_form(person, interests="x" * 61))
    assert response.status_code == 400
    assert response.context["form"].errors["interests"] == [
        "A tag may be at most 60 characters: " + "x" * 61
    ]
    assert not Tag.objects.exists()
    assert Organisation.objects.count() == 1
    assert Sdg.objects.count() == 17
