"""The directory page: search, facets, sorting, pages, HTMX and a constant query count."""

import datetime

import pytest
from django.apps import apps
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from klynge.ecosystem.models import MembershipStatus, Organisation, Sdg, Sector, Tag
from klynge.ecosystem.search import (
    DENSE_MATCHES,
    DirectoryFilters,
    build_search_text,
    directory_results,
    query_terms,
    refresh_search_text,
)
from klynge.ecosystem.selectors import directory_queryset
from klynge.ecosystem.tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db
URL = reverse("ecosystem:directory")


def _names(response) -> list[str]:
    return [organisation.name for organisation in response.context["page"]]


def _facet(response, name) -> dict:
    return {item.value: item.count for item in response.context["result"].facets[name]}


@pytest.fixture
def cluster(db):
    audio, film = Sector.objects.get(slug="audio"), Sector.objects.get(slug="film")
    ai = Sector.objects.get(slug="ai")
    lyd = OrganisationFactory(
        name="Fynsk Lyd ApS",
        city="Odense",
        region="Syddanmark",
        employees=12,
        description_en="Sound studio for film",
    )
    lyd.sectors.set([audio])
    lyd.sdgs.set([Sdg.objects.get(number=9)])
    lyd.competences.set([Tag.objects.create(name="Foley")])
    pixel = OrganisationFactory(
        name="Bergen Pixel AS",
        country="NO",
        city="Bergen",
        region="Vestland",
        kind="startup",
        employees=300,
        offers_text="Animation and visual effects",
    )
    pixel.sectors.set([film, ai])
    pixel.sdgs.set([Sdg.objects.get(number=9), Sdg.objects.get(number=4)])
    uni = OrganisationFactory(
        name="Syddansk Universitet",
        kind="university",
        region="Syddanmark",
        membership_status=MembershipStatus.PARTNER,
        needs_text="Partners for film research",
    )
    uni.sectors.set([Sector.objects.get(slug="education_research")])
    OrganisationFactory(
        name="Hemmelig Prospekt ApS",
        region="Syddanmark",
        membership_status=MembershipStatus.PROSPECT,
        description_en="Film",
    )
    Organisation.objects.filter(pk=pixel.pk).update(
        created_at=timezone.now() + datetime.timedelta(days=1)
    )
    return {"lyd": lyd, "pixel": pixel, "uni": uni}


def test_visitors_see_members_and_partners_with_facet_counts(client, cluster):
    response = client.get(URL)
    assert response.status_code == 200
    assert _names(response) == ["Bergen Pixel AS", "Fynsk Lyd ApS", "Syddansk Universitet"]
    assert response.context["result"].count == 3
    assert _facet(response, "kind") == {"company": 1, "startup": 1, "university": 1}
    assert _facet(response, "region") == {"Syddanmark": 2, "Vestland": 1}
    assert _facet(response, "country") == {"DK": 2, "NO": 1}
    assert _facet(response, "membership_status") == {"member": 2, "partner": 1}
    # Film and AI are both "content"/"technology" children: counted under their top level.
    assert _facet(response, "sector") == {
        "content": 2,
        "technology": 1,
        "education_research": 1,
    }
    assert _facet(response, "sdg") == {4: 1, 9: 2}
    html = response.content.decode()
    assert "Hemmelig Prospekt" not in html
    assert '<input type="checkbox" name="kind" value="startup"> Startup <small>(1)</small>' in html


def test_staff_also_find_prospects(client, staff, cluster):
    client.force_login(staff)
    response = client.get(URL, {"membership_status": "prospect"})
    assert _names(response) == ["Hemmelig Prospekt ApS"]
    assert _facet(response, "membership_status") == {"member": 2, "partner": 1, "prospect": 1}
    assert _facet(response, "kind") == {"company": 1}


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("film", ["Fynsk Lyd ApS", "Syddansk Universitet"]),  # description and needs text
        ("FOLEY", ["Fynsk Lyd ApS"]),  # a competence tag, any case
        ("visual effects", ["Bergen Pixel AS"]),  # offers text, every word must occur
        ("bergen", ["Bergen Pixel AS"]),  # name and city
        ("odense film", ["Fynsk Lyd ApS", "Syddansk Universitet"]),
        ("ab", []),  # a short word is matched as a substring too
        ("nothing-like-this", []),
        ('"quote" AND', []),  # search syntax is not interpreted
    ],
)
def test_search_matches_names_texts_tags_and_city(client, cluster, query, names):
    assert _names(client.get(URL, {"q": query})) == names


def test_facets_combine_and_exclude_their_own_filter(client, cluster):
    response = client.get(URL, {"region": "Syddanmark", "kind": ["company", "university"]})
    assert _names(response) == ["Fynsk Lyd ApS", "Syddansk Universitet"]
    # Kind counts ignore the kind filter (what else could be added), not the region filter.
    assert _facet(response, "kind") == {"company": 1, "university": 1}
    assert _facet(response, "region") == {"Syddanmark": 2}
    response = client.get(URL, {"sector": "content", "sdg": "9"})
    assert _names(response) == ["Bergen Pixel AS", "Fynsk Lyd ApS"]
    assert _facet(response, "sdg") == {4: 1, 9: 2}
    assert _facet(response, "sector") == {"content": 2, "technology": 1}


def test_sorting_by_newest_and_size(client, cluster):
    assert _names(client.get(URL, {"sort": "newest"}))[0] == "Bergen Pixel AS"
    assert _names(client.get(URL, {"sort": "size"})) == [
        "Bergen Pixel AS",
        "Fynsk Lyd ApS",
        "Syddansk Universitet",
    ]


def test_wrong_filter_values_are_ignored_not_an_error(client, cluster):
    response = client.get(URL, {"kind": "spaceship", "sdg": "x", "sort": "random", "page": "z"})
    assert response.status_code == 200
    assert len(_names(response)) == 3


def test_pagination_25_per_page_keeps_the_filters(client):
    OrganisationFactory.create_batch(30, city="Aarhus")
    response = client.get(URL, {"q": "aarhus", "page": 2})
    assert len(_names(response)) == 5
    page = response.context["page"]
    assert (page.number, page.paginator.num_pages, page.paginator.count) == (2, 2, 30)
    assert '<a href="?q=aarhus&amp;page=1">' in response.content.decode()


def test_htmx_gets_the_results_and_facets_only(client, cluster):
    response = client.get(URL, {"kind": "startup"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "<html" not in html
    assert 'id="directory-count"' in html
    assert '<input type="checkbox" name="kind" value="startup" checked>' in html
    assert _names(response) == ["Bergen Pixel AS"]


def test_full_page_has_a_form_that_works_without_javascript(client, cluster):
    html = client.get(URL, {"q": "film"}).content.decode()
    assert 'method="get" action="/directory/"' in html
    assert 'hx-push-url="true"' in html
    assert 'value="film"' in html
    assert '<button type="submit">Search</button>' in html


@pytest.mark.parametrize("rows", [1, 3, 30])
def test_constant_query_count(client, django_assert_num_queries, rows):
    for organisation in OrganisationFactory.create_batch(rows, description_en="Podcast"):
        organisation.sectors.set([Sector.objects.get(slug="audio")])
    # The data version; the counts (SQLite: index matches, facet groups for the rows and
    # sectors, SDG facet; PostgreSQL: every facet in one statement); the page, its sectors.
    with django_assert_num_queries(6 if connection.vendor == "sqlite" else 4):
        response = client.get(URL, {"q": "podcast", "sort": "name"})
    assert response.context["result"].count == rows
    # The same search again: the counts come from the cache (same version), the page is read.
    with django_assert_num_queries(3):
        again = client.get(URL, {"q": "podcast", "sort": "name"})
    assert again.context["result"].count == rows
    assert again.context["result"].facets == response.context["result"].facets
    assert _names(again) == _names(response)


def test_search_text_follows_edits_and_tags(cluster):
    lyd = cluster["lyd"]
    lyd.refresh_from_db()
    assert lyd.search_text == build_search_text(
        ["Fynsk Lyd ApS", "Odense", "Sound studio for film"], ["Foley"]
    )
    lyd.name = "Fynsk Lydstudie"
    lyd.save()
    lyd.offers.add(Tag.objects.create(name="Mixing"))
    base = directory_queryset(None)

    def found(q):
        return [o.name for o in directory_results(base, DirectoryFilters(q=q)).page]

    assert found("lydstudie mixing") == ["Fynsk Lydstudie"]
    lyd.offers.clear()
    assert found("mixing") == []
    Organisation.objects.filter(pk=lyd.pk).update(city="Svendborg")  # bypasses the signals
    assert found("svendborg") == []
    refresh_search_text(lyd)
    assert found("svendborg") == ["Fynsk Lydstudie"]


def test_the_sqlite_index_is_in_sync_with_the_rows(cluster):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's FTS5 index")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rowid FROM ecosystem_organisation_fts "
            "WHERE ecosystem_organisation_fts MATCH 'foley'"
        )
        assert [row[0] for row in cursor.fetchall()] == [cluster["lyd"].pk]
    cluster["lyd"].delete()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM ecosystem_organisation_fts "
            "WHERE ecosystem_organisation_fts MATCH 'foley'"
        )
        assert cursor.fetchone()[0] == 0


def test_query_terms_are_lowercased_words():
    assert query_terms('  Film "og" LYD, film!  ') == ["film", "og", "lyd"]
    assert query_terms("") == []


# --- Membership tiers: a facet and a filter for members and staff ------------------------------


def _membership(organisation, tier, status, year=2026):
    # Through the app registry: the ecosystem app does not import the membership app.
    return apps.get_model("membership", "Membership").objects.create(
        organisation=organisation,
        tier=tier,
        status=status,
        start_date=datetime.date(year, 1, 1),
        end_date=datetime.date(year, 12, 31),
    )


@pytest.fixture
def member_org(cluster):
    """The `employee` fixture's organisation: Fynsk Lyd, a member."""
    return cluster["lyd"]


@pytest.fixture
def tiers(cluster):
    tier = apps.get_model("membership", "Tier")
    gold = tier.objects.create(name="Guld", position=1)
    silver = tier.objects.create(name="Sølv", position=2)
    bronze = tier.objects.create(name="Bronze", position=3)
    lyd, pixel, uni = cluster["lyd"], cluster["pixel"], cluster["uni"]
    prospect = Organisation.objects.get(name="Hemmelig Prospekt ApS")
    lapsed = OrganisationFactory(name="Odense Lyd ApS", region="Syddanmark")
    ended = OrganisationFactory(name="Aarhus Film ApS", region="Midtjylland")
    _membership(lyd, gold, "active")
    _membership(pixel, silver, "grace")
    _membership(uni, gold, "ended", year=2024)  # history: its current membership is silver
    _membership(uni, silver, "active")
    _membership(prospect, gold, "active")  # a prospect: found by staff only
    _membership(lapsed, gold, "lapsed")
    _membership(ended, bronze, "ended")
    _membership(ended, silver, "applied")
    return {"gold": gold, "silver": silver, "bronze": bronze}


def _tier_facet(response) -> list[tuple]:
    return [
        (item.value, item.label, item.count, item.selected)
        for item in response.context["result"].facets["tier"]
    ]


def test_members_see_tier_counts_of_current_memberships_only(client, employee, tiers):
    client.force_login(employee)
    response = client.get(URL)
    assert response.context["result"].count == 5
    # Active and grace count; lapsed, ended and applied do not. Bronze has no current member.
    # In the tiers' order (position), not by count.
    assert _tier_facet(response) == [
        (tiers["gold"].pk, "Guld", 1, False),
        (tiers["silver"].pk, "Sølv", 2, False),
    ]
    html = response.content.decode()
    assert "<summary>Membership tier</summary>" in html
    assert (
        f'<input type="checkbox" name="tier" value="{tiers["silver"].pk}"> Sølv <small>(2)</small>'
        in html
    )


def test_staff_tier_counts_include_the_organisations_only_staff_find(client, staff, tiers):
    client.force_login(staff)
    response = client.get(URL)
    assert _tier_facet(response) == [
        (tiers["gold"].pk, "Guld", 2, False),
        (tiers["silver"].pk, "Sølv", 2, False),
    ]


def test_tier_filter_narrows_the_results_and_the_other_facets(client, employee, tiers):
    client.force_login(employee)
    response = client.get(URL, {"tier": tiers["silver"].pk})
    assert _names(response) == ["Bergen Pixel AS", "Syddansk Universitet"]
    assert response.context["result"].count == 2
    assert response.context["filters"].active is True
    # Other facets count within the tier; the tier facet ignores its own filter.
    assert _facet(response, "kind") == {"startup": 1, "university": 1}
    assert _facet(response, "membership_status") == {"member": 1, "partner": 1}
    assert _tier_facet(response) == [
        (tiers["gold"].pk, "Guld", 1, False),
        (tiers["silver"].pk, "Sølv", 2, True),
    ]
    assert (
        f'<input type="checkbox" name="tier" value="{tiers["silver"].pk}" checked> Sølv'
        in response.content.decode()
    )
    # Several tiers: any of them.
    response = client.get(URL, {"tier": [tiers["gold"].pk, tiers["silver"].pk]})
    assert _names(response) == ["Bergen Pixel AS", "Fynsk Lyd ApS", "Syddansk Universitet"]


def test_tier_filter_combines_with_search_and_other_filters(client, employee, tiers):
    client.force_login(employee)
    response = client.get(URL, {"tier": tiers["gold"].pk, "q": "film"})
    assert _names(response) == ["Fynsk Lyd ApS"]
    # The tier facet counts within the search: Syddansk Universitet (silver) matches "film".
    assert _tier_facet(response) == [
        (tiers["gold"].pk, "Guld", 1, True),
        (tiers["silver"].pk, "Sølv", 1, False),
    ]
    response = client.get(URL, {"tier": tiers["silver"].pk, "kind": "university"})
    assert _names(response) == ["Syddansk Universitet"]
    assert _facet(response, "kind") == {"startup": 1, "university": 1}


def test_a_chosen_tier_without_matches_stays_listed_to_be_unchosen(client, employee, tiers):
    client.force_login(employee)
    response = client.get(URL, {"tier": tiers["bronze"].pk})
    assert _names(response) == []
    assert _tier_facet(response) == [
        (tiers["gold"].pk, "Guld", 1, False),
        (tiers["silver"].pk, "Sølv", 2, False),
        (tiers["bronze"].pk, "Bronze", 0, True),
    ]


@pytest.mark.parametrize("value", ["abc", "-1", "0", "999999", str(10**30)])
def test_wrong_tier_values_are_ignored(client, employee, tiers, value):
    client.force_login(employee)
    response = client.get(URL, {"tier": value})
    assert response.status_code == 200
    assert len(_names(response)) == 5
    assert response.context["filters"].tier == []


def test_visitors_see_no_tiers_and_their_tier_filter_is_ignored(client, tiers):
    response = client.get(URL, {"tier": tiers["gold"].pk})
    assert _names(response) == [
        "Aarhus Film ApS",
        "Bergen Pixel AS",
        "Fynsk Lyd ApS",
        "Odense Lyd ApS",
        "Syddansk Universitet",
    ]
    assert "tier" not in response.context["result"].facets
    assert response.context["filters"].tier == []
    assert response.context["filters"].active is False
    html = response.content.decode()
    assert "Membership tier" not in html
    assert 'name="tier"' not in html
    assert "Guld" not in html


def test_signed_in_non_members_see_no_tiers(client, founder, tiers):
    client.force_login(founder)  # the founder of a prospect: not a member
    response = client.get(URL, {"tier": tiers["gold"].pk})
    assert len(_names(response)) == 5
    assert "tier" not in response.context["result"].facets


def test_tier_facet_with_many_search_matches(tiers):
    """With many matches SQLite probes the match list from the memberships' side (and the
    other queries from the organisations'): the same counts."""
    base = directory_queryset(None)
    filters = DirectoryFilters(q="film", matches=DENSE_MATCHES + 1, tier=[tiers["gold"].pk])
    result = directory_results(base, filters, tiers=True)
    assert [o.name for o in result.page] == ["Fynsk Lyd ApS"]
    assert [(item.label, item.count) for item in result.facets["tier"]] == [
        ("Guld", 1),
        ("Sølv", 1),
    ]


def test_staff_export_follows_the_tier_filter(client, staff, tiers):
    client.force_login(staff)
    response = client.get(
        reverse("ecosystem:directory_export", args=["csv"]), {"tier": tiers["gold"].pk}
    )
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert [line.split(",")[1] for line in lines[1:]] == [
        "Fynsk Lyd ApS",
        "Hemmelig Prospekt ApS",
    ]


@pytest.mark.parametrize("rows", [1, 3, 30])
def test_constant_query_count_with_the_tier_facet(
    client, django_assert_num_queries, employee, rows
):
    tier = apps.get_model("membership", "Tier").objects.create(name="Guld")
    for organisation in OrganisationFactory.create_batch(rows, description_en="Podcast"):
        organisation.sectors.set([Sector.objects.get(slug="audio")])
        _membership(organisation, tier, "active")
    client.force_login(employee)
    client.get(URL)  # the session and the user's roles are read the same way on every page
    # session, user, roles, the tiers, the data version; the counts (SQLite: index matches,
    # facet groups, SDG facet, tier facet; PostgreSQL: every facet in one statement); page,
    # sectors. Then the same again with the counts from the cache.
    with django_assert_num_queries(11 if connection.vendor == "sqlite" else 8):
        response = client.get(URL, {"q": "podcast", "tier": tier.pk})
    assert response.context["result"].count == rows
    assert _tier_facet(response) == [(tier.pk, "Guld", rows, True)]
    with django_assert_num_queries(7):
        again = client.get(URL, {"q": "podcast", "tier": tier.pk})
    assert _tier_facet(again) == [(tier.pk, "Guld", rows, True)]


API_URL = "/api/v1/organisations"


def _api_names(response) -> list[str]:
    return [item["name"] for item in response.json()["items"]]


def test_api_filters_by_tier_for_members(api_client, employee, tiers):
    response = api_client(employee).get(API_URL, {"tier": tiers["silver"].pk})
    assert response.status_code == 200
    assert _api_names(response) == ["Bergen Pixel AS", "Syddansk Universitet"]
    assert response.json()["count"] == 2
    response = api_client(employee).get(
        API_URL, {"tier": [tiers["gold"].pk, tiers["bronze"].pk], "kind": "company"}
    )
    assert _api_names(response) == ["Fynsk Lyd ApS"]


def test_api_tier_filter_for_staff_and_ignored_for_others(api_client, staff, founder, tiers):
    response = api_client(staff).get(API_URL, {"tier": tiers["gold"].pk})
    assert _api_names(response) == ["Fynsk Lyd ApS", "Hemmelig Prospekt ApS"]
    response = api_client(founder).get(API_URL, {"tier": tiers["gold"].pk})
    assert response.json()["count"] == 5  # not a member: every public organisation
    for wrong in ("gold", "0", str(10**30)):
        assert api_client(staff).get(API_URL, {"tier": wrong}).status_code == 422


# --- Cached counts stay exact ------------------------------------------------------------------


def _counts(base=None, **filters) -> tuple[int, dict]:
    result = directory_results(base or directory_queryset(None), DirectoryFilters(**filters))
    return result.count, {item.value: item.count for item in result.facets["kind"]}


def _uncached(base=None, **filters) -> tuple[int, dict]:
    result = directory_results(
        base or directory_queryset(None), DirectoryFilters(**filters), cached=False
    )
    return result.count, {item.value: item.count for item in result.facets["kind"]}


def test_every_kind_of_write_changes_the_data_version(cluster):
    from klynge.ecosystem.search import directory_version

    versions = [directory_version()]
    lyd = cluster["lyd"]
    lyd.city = "Svendborg"
    lyd.save()  # a model save
    versions.append(directory_version())
    Organisation.objects.filter(pk=lyd.pk).update(kind="startup")  # a queryset update
    versions.append(directory_version())
    Organisation.objects.bulk_create([Organisation(name="Bulk", slug="bulk", kind="company")])
    versions.append(directory_version())
    with connection.cursor() as cursor:  # raw SQL
        cursor.execute("UPDATE ecosystem_organisation SET region = 'Fyn' WHERE slug = 'bulk'")
    versions.append(directory_version())
    Organisation.objects.filter(slug="bulk").delete()
    versions.append(directory_version())
    assert None not in versions
    assert len(set(versions)) == len(versions)


def test_cached_counts_follow_every_write_exactly(cluster):
    assert _counts() == _uncached() == (3, {"company": 1, "startup": 1, "university": 1})
    assert _counts(q="film") == (2, {"company": 1, "university": 1})

    Organisation.objects.filter(pk=cluster["lyd"].pk).update(kind="startup")  # no signals
    assert _counts() == _uncached() == (3, {"startup": 2, "university": 1})
    assert _counts(q="film") == (2, {"startup": 1, "university": 1})

    Organisation.objects.bulk_create(
        [
            Organisation(
                name="Film Bulk",
                slug="film-bulk",
                kind="investor",
                membership_status=MembershipStatus.MEMBER,
                search_text="film bulk",
            )
        ]
    )
    assert (
        _counts(q="film")
        == _uncached(q="film")
        == (3, {"startup": 1, "university": 1, "investor": 1})
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE ecosystem_organisation SET membership_status = 'prospect' WHERE slug = %s",
            ["film-bulk"],
        )
    assert _counts(q="film") == (2, {"startup": 1, "university": 1})
    # Staff (who also find prospects) have their own entry, as exact.
    staff_base = Organisation.objects.filter(merged_into__isnull=True)
    assert _counts(staff_base, q="film") == _uncached(staff_base, q="film")
    assert _counts(staff_base, q="film")[0] == 4


def test_counts_cached_inside_a_rolled_back_transaction_are_never_served(cluster):
    from django.db import transaction

    assert _counts() == (3, {"company": 1, "startup": 1, "university": 1})
    with transaction.atomic():
        OrganisationFactory(name="Gone Again", kind="school")
        assert _counts() == (4, {"company": 1, "startup": 1, "university": 1, "school": 1})
        transaction.set_rollback(True)
    assert _counts() == (3, {"company": 1, "startup": 1, "university": 1})
    OrganisationFactory(name="Here To Stay", kind="investor")  # another single change
    assert (
        _counts()
        == _uncached()
        == (
            4,
            {"company": 1, "startup": 1, "university": 1, "investor": 1},
        )
    )


def test_a_cached_count_is_shared_across_requests_until_the_data_changes(
    client, cluster, django_assert_num_queries
):
    first = client.get(URL, {"kind": "company"})
    with django_assert_num_queries(3):  # the version, the page, its sectors
        second = client.get(URL, {"kind": "company"})
    assert second.context["result"].facets == first.context["result"].facets
    OrganisationFactory(name="Nyt Firma", kind="company")
    # the version; SQLite: facet groups, SDG facet; PostgreSQL: one statement; page, sectors
    with django_assert_num_queries(5 if connection.vendor == "sqlite" else 4):
        third = client.get(URL, {"kind": "company"})
    assert _facet(third, "kind") == {"company": 2, "startup": 1, "university": 1}
    assert _names(third) == ["Fynsk Lyd ApS", "Nyt Firma"]
