import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from klynge.accounts.models import Invitation
from klynge.core.models import AuditEntry
from klynge.ecosystem.merging import (
    merge_organisations,
    normalise_name,
    possible_duplicates,
)
from klynge.ecosystem.models import (
    Affiliation,
    Organisation,
    OrganisationRelation,
    Sdg,
    Tag,
)
from klynge.ecosystem.tests.factories import (
    AffiliationFactory,
    OrganisationFactory,
    PersonFactory,
)

pytestmark = pytest.mark.django_db


def test_normalise_name_drops_legal_forms_case_and_punctuation():
    assert normalise_name("Fynsk Lyd ApS") == "fynsk lyd"
    assert normalise_name("FYNSK-LYD A/S.") == "fynsk lyd"
    assert normalise_name("Bergen Pixel AS") == normalise_name("bergen pixel, asa")
    assert normalise_name("Svensk Film AB (publ)") == "svensk film"
    assert normalise_name("Media Ltd") == normalise_name("Media GmbH") == "media"
    assert normalise_name("AS") == "as"


def test_merge_moves_people_relations_invitations_tags_and_keeps_the_history(staff):
    keep = OrganisationFactory(name="Fynsk Lyd ApS", registry_number="", website="", city="")
    duplicate = OrganisationFactory(
        name="Fynsk Lyd A/S",
        registry_number="10150817",
        website="https://fynsklyd.example",
        city="Odense",
        employees=30,
        offers_text="Lydstudie",
    )
    partner = OrganisationFactory(name="Partner")
    person, both, ended = PersonFactory(), PersonFactory(), PersonFactory()
    moved = AffiliationFactory(person=person, organisation=duplicate, role="employee")
    AffiliationFactory(person=both, organisation=keep, role="contact")
    clash = AffiliationFactory(person=both, organisation=duplicate, role="contact")
    old = AffiliationFactory(
        person=ended,
        organisation=duplicate,
        role="contact",
        start_date=datetime.date(2020, 1, 1),
        end_date=datetime.date(2021, 1, 1),
    )
    out = OrganisationRelation.objects.create(source=duplicate, target=partner, kind="partner")
    between = OrganisationRelation.objects.create(source=duplicate, target=keep, kind="owner")
    invitation = Invitation.objects.create(
        email="x@example.org",
        role="employee",
        organisation=duplicate,
        token_hash="a" * 64,
        expires_at=timezone.now() + datetime.timedelta(days=3),
    )
    earlier = OrganisationFactory(name="Fynsk Lyd I/S", merged_into=duplicate)
    lyd, video = Tag.objects.create(name="lyd"), Tag.objects.create(name="video")
    keep.competences.set([lyd])
    duplicate.competences.set([lyd, video])
    sdg = Sdg.objects.get(number=9)
    duplicate.sdgs.set([sdg])

    result = merge_organisations(actor=staff, keep=keep, duplicate=duplicate)

    assert result == keep
    keep.refresh_from_db()
    duplicate.refresh_from_db()
    assert duplicate.merged_into == keep
    assert (keep.name, keep.registry_number, keep.website, keep.city, keep.size_band) == (
        "Fynsk Lyd ApS",
        "10150817",
        "https://fynsklyd.example",
        "Odense",
        "small",
    )
    assert keep.offers_text == "Lydstudie"
    assert set(Affiliation.objects.filter(organisation=keep).values_list("pk", flat=True)) == {
        moved.pk,
        old.pk,
        Affiliation.objects.get(person=both, organisation=keep).pk,
    }
    # The open tie keep already had stays with the duplicate rather than break uniqueness.
    assert Affiliation.objects.get(pk=clash.pk).organisation == duplicate
    out.refresh_from_db()
    between.refresh_from_db()
    assert (out.source, between.source) == (keep, duplicate)  # no relation of keep to itself
    invitation.refresh_from_db()
    assert invitation.organisation == keep
    earlier.refresh_from_db()
    assert earlier.merged_into == keep
    assert sorted(keep.competences.values_list("name", flat=True)) == ["lyd", "video"]
    assert list(keep.sdgs.all()) == [sdg]
    assert sorted(duplicate.competences.values_list("name", flat=True)) == ["lyd", "video"]

    entry = AuditEntry.objects.get(action="ecosystem.organisation.merge")
    assert (entry.actor, entry.target_id) == (staff, str(keep.pk))
    assert entry.data == {
        "keep": keep.pk,
        "duplicate": duplicate.pk,
        "duplicate_name": "Fynsk Lyd A/S",
        "moved": {
            "accounts.Invitation.organisation": 1,
            "ecosystem.Affiliation.organisation": 2,
            "ecosystem.Organisation.merged_into": 1,
            "ecosystem.OrganisationRelation.source": 1,
        },
        "skipped": {
            "ecosystem.Affiliation.organisation": 1,
            "ecosystem.OrganisationRelation.source": 1,
        },
        "tags": {"competences": 1, "sdgs": 1},
        "copied": ["registry_number", "employees", "city", "website", "offers_text"],
    }
    # Both organisations keep their own audit trail; the duplicate no longer counts as live.
    assert (
        Organisation.objects.filter(merged_into__isnull=True, name__startswith="Fynsk").count() == 1
    )


def test_merge_refuses_itself_and_already_merged_organisations(staff):
    one, two = OrganisationFactory(), OrganisationFactory()
    with pytest.raises(ValidationError) as caught:
        merge_organisations(actor=staff, keep=one, duplicate=one)
    assert caught.value.messages == ["An organisation cannot be merged into itself."]
    merge_organisations(actor=staff, keep=one, duplicate=two)
    with pytest.raises(ValidationError) as caught:
        merge_organisations(actor=staff, keep=two, duplicate=one)
    assert caught.value.messages == [
        f"{two.name} has already been merged into another organisation."
    ]
    assert AuditEntry.objects.filter(action="ecosystem.organisation.merge").count() == 1


def test_possible_duplicates_finds_same_and_similar_names_in_one_country():
    a = OrganisationFactory(name="Fynsk Lyd ApS", country="DK")
    b = OrganisationFactory(name="Fynsk Lyd A/S", country="DK")
    c = OrganisationFactory(name="Nordisk Filmproduktion", country="DK")
    d = OrganisationFactory(name="Nordisk Filmproduktiom", country="DK")
    OrganisationFactory(name="Fynsk Lyd AB", country="SE")  # another country
    OrganisationFactory(name="Helt Andet", country="DK")
    merged = OrganisationFactory(name="Fynsk Lyd IVS", country="DK")
    merged.merged_into = a
    merged.save()

    pairs = possible_duplicates(limit=10)

    assert [(p.first, p.second, p.reason) for p in pairs] == [
        (a, b, "same_name"),
        (c, d, "similar_name"),
    ]
    assert pairs[1].score == 0.955
    assert possible_duplicates(limit=1)[0].first == a


def test_possible_duplicates_compares_neighbours_not_everything(django_assert_num_queries):
    OrganisationFactory.create_batch(60)  # "Studio N ApS": similar, but not 0.9 alike
    OrganisationFactory(name="Kanal 2", country="DK")
    OrganisationFactory(name="Kanal 4", country="DK")
    with django_assert_num_queries(2):  # numbers shared, names; no pair to fetch
        assert possible_duplicates() == []


def _pairs(count):
    for n in range(count):
        OrganisationFactory(name=f"Lydhus {n}00 ApS")
        OrganisationFactory(name=f"Lydhus {n}00 A/S")


@pytest.mark.parametrize("count", [1, 3])
def test_duplicates_page_lists_pairs_in_constant_queries(
    client, staff, count, django_assert_num_queries
):
    _pairs(count)
    client.force_login(staff)
    client.get(reverse("ecosystem:duplicates"))  # warm the session and user caches
    with django_assert_num_queries(6):
        response = client.get(reverse("ecosystem:duplicates"))
    assert response.status_code == 200
    assert len(response.context["pairs"]) == count
    assert (
        response.content.decode().count('action="/directory/import/duplicates/merge/"') == 2 * count
    )


def test_staff_merge_from_the_page(client, staff):
    keep = OrganisationFactory(name="Lydhus ApS")
    duplicate = OrganisationFactory(name="Lydhus A/S")
    client.force_login(staff)
    response = client.post(reverse("ecosystem:merge"), {"keep": keep.pk, "duplicate": duplicate.pk})
    assert response.status_code == 302
    duplicate.refresh_from_db()
    assert duplicate.merged_into == keep
    again = client.post(reverse("ecosystem:merge"), {"keep": keep.pk, "duplicate": duplicate.pk})
    assert again.status_code == 404
    bad = client.post(reverse("ecosystem:merge"), {"keep": "x"})
    assert bad.status_code == 302
    assert AuditEntry.objects.filter(action="ecosystem.organisation.merge").count() == 1


def test_only_staff_may_merge(client, member_admin, member_org, other_org):
    client.force_login(member_admin)
    assert client.get(reverse("ecosystem:duplicates")).status_code == 403
    response = client.post(
        reverse("ecosystem:merge"), {"keep": member_org.pk, "duplicate": other_org.pk}
    )
    assert response.status_code == 403
    other_org.refresh_from_db()
    assert other_org.merged_into is None
