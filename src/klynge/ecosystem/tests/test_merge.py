import datetime
import io
import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from klynge.accounts.models import Invitation, User
from klynge.core.models import AuditEntry
from klynge.ecosystem.merging import (
    merge_organisations,
    merge_people,
    normalise_name,
    possible_duplicates,
    scan_duplicates,
)
from klynge.ecosystem.models import (
    Affiliation,
    Organisation,
    OrganisationDuplicate,
    OrganisationRelation,
    Person,
    PersonDuplicate,
    Sdg,
    Tag,
)
from klynge.ecosystem.services import set_consent
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
    # The open tie keep already had (same person and role) becomes one: nobody keeps an open
    # tie to the merged duplicate.
    assert not Affiliation.objects.filter(pk=clash.pk).exists()
    assert not Affiliation.objects.filter(organisation=duplicate, end_date__isnull=True).exists()
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
        "skipped": {"ecosystem.OrganisationRelation.source": 1},
        "tags": {"competences": 1, "sdgs": 1},
        "copied": ["registry_number", "employees", "city", "website", "offers_text"],
        "combined_affiliations": 1,
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
def test_duplicates_page_reads_stored_pairs_in_constant_queries(
    client, staff, count, django_assert_num_queries
):
    _pairs(count)
    scan = scan_duplicates()
    assert (scan.pairs, OrganisationDuplicate.objects.count()) == (count, count)
    client.force_login(staff)
    client.get(reverse("ecosystem:duplicates"))  # warm the session and user caches
    # session, user, roles; the countries, the count, the page, the last scan
    with django_assert_num_queries(7):
        response = client.get(reverse("ecosystem:duplicates"))
    assert response.status_code == 200
    assert len(response.context["pairs"]) == count
    html = response.content.decode()
    assert html.count('action="/directory/import/duplicates/dismiss/"') == count
    assert html.count("/directory/import/duplicates/compare/?what=organisations&amp;") == count


def test_duplicates_page_paginates_and_filters_by_country(client, staff):
    for n in range(30):
        OrganisationFactory(name=f"Studie {n}00 ApS", country="DK")
        OrganisationFactory(name=f"Studie {n}00 A/S", country="DK")
    OrganisationFactory(name="Bergen Lyd AS", country="NO")
    OrganisationFactory(name="Bergen Lyd ASA", country="NO")
    scan_duplicates()
    client.force_login(staff)
    first = client.get(reverse("ecosystem:duplicates"))
    assert (len(first.context["pairs"]), first.context["page"].paginator.count) == (25, 31)
    second = client.get(reverse("ecosystem:duplicates"), {"page": 2})
    assert len(second.context["pairs"]) == 6
    norway = client.get(reverse("ecosystem:duplicates"), {"country": "NO"})
    assert [(p.first.name, p.second.name) for p in norway.context["pairs"]] == [
        ("Bergen Lyd AS", "Bergen Lyd ASA")
    ]


def test_not_a_duplicate_is_remembered_across_scans_and_can_be_undone(client, staff):
    one, two = OrganisationFactory(name="Kanal Syd ApS"), OrganisationFactory(name="Kanal Syd A/S")
    scan_duplicates()
    client.force_login(staff)
    response = client.post(
        reverse("ecosystem:duplicates_dismiss"),
        {"what": "organisations", "first": two.pk, "second": one.pk},
    )
    assert response.status_code == 302
    pair = OrganisationDuplicate.objects.get()
    assert (pair.first, pair.second, pair.status, pair.decided_by) == (one, two, "dismissed", staff)
    assert scan_duplicates().pairs == 0  # a new scan finds them again, but they stay dismissed
    assert client.get(reverse("ecosystem:duplicates")).context["pairs"].__len__() == 0
    dismissed = client.get(reverse("ecosystem:duplicates"), {"status": "dismissed"})
    assert [p.pk for p in dismissed.context["pairs"]] == [pair.pk]
    assert AuditEntry.objects.filter(action="ecosystem.organisation.not_duplicate").count() == 1
    client.post(reverse("ecosystem:duplicates_restore"), {"what": "organisations", "pair": pair.pk})
    pair.refresh_from_db()
    assert pair.status == "open"


def test_compare_shows_both_side_by_side_and_merging_needs_the_confirmation(client, staff):
    keep = OrganisationFactory(name="Lydhus ApS", city="Odense")
    duplicate = OrganisationFactory(name="Lydhus A/S", city="")
    AffiliationFactory(organisation=duplicate, role="employee")
    client.force_login(staff)
    page = client.get(
        reverse("ecosystem:duplicates_compare"),
        {"what": "organisations", "first": duplicate.pk, "second": keep.pk},
    )
    assert page.status_code == 200
    assert (page.context["first"], page.context["second"]) == (keep, duplicate)
    rows = {row["label"]: (row["first"], row["second"]) for row in page.context["rows"]}
    assert rows["name"] == ("Lydhus ApS", "Lydhus A/S")
    assert rows["city"] == ("Odense", "")
    assert {row["label"]: (row["first"], row["second"]) for row in page.context["holdings"]}[
        "affiliations"
    ] == (0, 1)
    form = {"what": "organisations", "keep": keep.pk, "first": keep.pk, "second": duplicate.pk}
    unconfirmed = client.post(reverse("ecosystem:merge"), form)
    assert unconfirmed.status_code == 302
    duplicate.refresh_from_db()
    assert duplicate.merged_into is None
    merged = client.post(reverse("ecosystem:merge"), {**form, "confirm": "on"})
    assert merged.status_code == 302
    duplicate.refresh_from_db()
    assert duplicate.merged_into == keep
    again = client.post(reverse("ecosystem:merge"), {**form, "confirm": "on"})
    assert again.status_code == 404
    assert AuditEntry.objects.filter(action="ecosystem.organisation.merge").count() == 1


def test_staff_pair_two_organisations_the_scan_did_not(client, staff):
    a = OrganisationFactory(name="Odense Filmværksted", registry_number="10150817")
    b = OrganisationFactory(name="Filmværkstedet i Odense")
    client.force_login(staff)
    response = client.get(
        reverse("ecosystem:duplicates_compare"),
        {"what": "organisations", "pair-first": "10150817", "pair-second": f"/directory/{b.slug}/"},
    )
    assert response.status_code == 302
    assert response["Location"] == (
        f"/directory/import/duplicates/compare/?what=organisations&first={a.pk}&second={b.pk}"
    )
    unknown = client.get(
        reverse("ecosystem:duplicates_compare"),
        {"what": "organisations", "pair-first": "Nobody ApS", "pair-second": b.slug},
    )
    assert unknown.status_code == 400
    assert unknown.context["pair_form"].errors == {"first": ["No organisation fits “Nobody ApS”."]}


def test_only_staff_may_merge(client, member_admin, member_org, other_org):
    client.force_login(member_admin)
    assert client.get(reverse("ecosystem:duplicates")).status_code == 403
    response = client.post(
        reverse("ecosystem:merge"),
        {"keep": member_org.pk, "duplicate": other_org.pk, "confirm": "on"},
    )
    assert response.status_code == 403
    other_org.refresh_from_db()
    assert other_org.merged_into is None
    assert (
        client.post(
            reverse("ecosystem:duplicates_dismiss"),
            {"what": "organisations", "first": member_org.pk, "second": other_org.pk},
        ).status_code
        == 403
    )


def test_different_registry_numbers_are_never_paired():
    OrganisationFactory(name="Tellu AS", country="NO", registry_number="917519919")
    OrganisationFactory(name="Tellu AS", country="NO", registry_number="989743295")
    assert possible_duplicates() == []


# --- People ------------------------------------------------------------------------------------


def test_merge_people_keeps_both_histories_and_combines_addresses(staff):
    organisation = OrganisationFactory()
    keep = PersonFactory(first_name="Ida", last_name="Holm", email="ida@lyd.example", phone="")
    duplicate = PersonFactory(
        first_name="Ida",
        last_name="Holm",
        email="ida.holm@gmail.example",
        phone="+45 12 34 56 78",
        other_emails=["ida@old.example"],
    )
    AffiliationFactory(person=keep, organisation=organisation, role="employee")
    clash = AffiliationFactory(person=duplicate, organisation=organisation, role="employee")
    other = AffiliationFactory(person=duplicate, role="board_member")
    set_consent(actor=staff, person=keep, kind="newsletter", granted=True)
    set_consent(actor=staff, person=duplicate, kind="newsletter", granted=True)
    set_consent(actor=staff, person=duplicate, kind="newsletter", granted=False)  # the latest
    user = User.objects.create_user("ida.holm@gmail.example")
    Person.objects.filter(pk=duplicate.pk).update(user=user)
    duplicate.refresh_from_db()

    merge_people(actor=staff, keep=keep, duplicate=duplicate)

    keep.refresh_from_db()
    duplicate.refresh_from_db()
    assert (duplicate.merged_into, duplicate.email, duplicate.user) == (keep, "", None)
    assert keep.email == "ida@lyd.example"
    assert keep.other_emails == ["ida.holm@gmail.example", "ida@old.example"]
    assert (keep.phone, keep.user) == ("+45 12 34 56 78", user)
    assert not keep.newsletter  # the latest answer of either
    assert keep.consent_records.count() == 3  # both histories
    assert not Affiliation.objects.filter(pk=clash.pk).exists()
    other.refresh_from_db()
    assert other.person == keep
    entry = AuditEntry.objects.get(action="ecosystem.person.merge")
    assert (entry.data["duplicate"], entry.data["login_moved"], entry.data["emails_added"]) == (
        duplicate.pk,
        True,
        2,
    )


def test_merge_people_refuses_two_logins_and_erased_people(staff):
    a, b = PersonFactory(), PersonFactory()
    Person.objects.filter(pk=a.pk).update(user=User.objects.create_user("a@x.example"))
    Person.objects.filter(pk=b.pk).update(user=User.objects.create_user("b@x.example"))
    with pytest.raises(ValidationError) as caught:
        merge_people(actor=staff, keep=a, duplicate=b)
    assert caught.value.messages == [
        "Both people have a login. Ask one of them to stop using theirs, then merge."
    ]
    erased = PersonFactory(erased_at=timezone.now())
    with pytest.raises(ValidationError):
        merge_people(actor=staff, keep=PersonFactory(), duplicate=erased)
    assert not AuditEntry.objects.filter(action="ecosystem.person.merge").exists()


def test_the_scan_pairs_people_by_address_or_by_name_and_organisation(client, staff):
    organisation = OrganisationFactory()
    a = PersonFactory(first_name="Lars", last_name="Berg", email="lars@one.example")
    b = PersonFactory(first_name="LARS", last_name="Berg ", email="", other_emails=[])
    AffiliationFactory(person=a, organisation=organisation)
    AffiliationFactory(person=b, organisation=organisation)
    c = PersonFactory(email="c@two.example")
    d = PersonFactory(other_emails=["C@two.example"])
    PersonFactory(first_name="Lars", last_name="Berg")  # same name, no shared organisation
    scan_duplicates()
    assert sorted(PersonDuplicate.objects.values_list("first", "second", "reason")) == sorted(
        [(a.pk, b.pk, "same_name"), (c.pk, d.pk, "same_email")]
    )
    client.force_login(staff)
    page = client.get(reverse("ecosystem:duplicates"), {"what": "people"})
    assert len(page.context["pairs"]) == 2
    merged = client.post(
        reverse("ecosystem:merge"),
        {"what": "people", "keep": c.pk, "first": c.pk, "second": d.pk, "confirm": "on"},
    )
    assert merged.status_code == 302
    d.refresh_from_db()
    assert d.merged_into == c
    assert not PersonDuplicate.objects.filter(first=c, second=d).exists()


# --- The import flags likely duplicates ---------------------------------------------------------


def test_the_dry_run_flags_rows_like_an_existing_organisation_or_another_row(tmp_path):
    OrganisationFactory(name="Fynsk Lyd ApS", country="DK")
    OrganisationFactory(name="Tellu AS", country="NO", registry_number="917519919")
    path = tmp_path / "orgs.csv"
    path.write_text(
        "name,registry_number,country\n"
        "Fynsk Lyd A/S,,DK\n"  # like an organisation in the directory
        "Nordisk Filmproduktion,,DK\n"
        "Nordisk Filmproduktiom,,DK\n"  # like the row above
        "Tellu AS,989743295,NO\n"  # same name, another registry number: another entity
        "Helt Andet,,DK\n",
        encoding="utf-8",
    )
    out = io.StringIO()
    call_command("import_organisations", str(path), "--dry-run", "--json", stdout=out)
    assert json.loads(out.getvalue()) == {
        "created": 5,
        "updated": 0,
        "unchanged": 0,
        "errors": [],
        "warnings": [
            {
                "line": 2,
                "column": "name",
                "message": "Possibly a duplicate of “Fynsk Lyd ApS”, already in the directory.",
            },
            {
                "line": 4,
                "column": "name",
                "message": "Possibly a duplicate of “Nordisk Filmproduktion” on line 3.",
            },
        ],
    }
    assert Organisation.objects.count() == 2


def test_ids_in_the_forms_and_links_are_never_localised(client, staff):
    # USE_THOUSAND_SEPARATOR: an id of 12345 must not become "12,345" in a link or a form.
    first = OrganisationFactory(id=12345, name="Lydhus 1 ApS")
    second = OrganisationFactory(id=12346, name="Lydhus 1 A/S")
    scan_duplicates()
    client.force_login(staff)
    html = client.get(reverse("ecosystem:duplicates")).content.decode()
    assert "first=12345&amp;second=12346" in html
    assert 'name="first" value="12345"' in html
    compare = client.get(
        reverse("ecosystem:duplicates_compare"),
        {"what": "organisations", "first": first.pk, "second": second.pk},
    ).content.decode()
    assert 'name="keep" value="12346"' in compare
    assert "12,345" not in html + compare
