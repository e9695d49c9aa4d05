"""The directory page: search, facets, sorting, pages, HTMX and a constant query count."""

import datetime

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from klynge.ecosystem.models import MembershipStatus, Organisation, Sdg, Sector, Tag
from klynge.ecosystem.search import (
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
    # index matches, facet groups (rows and sectors), SDG facet, the page, its sectors
    with django_assert_num_queries(5 if connection.vendor == "sqlite" else 4):
        response = client.get(URL, {"q": "podcast", "sort": "name"})
    assert response.context["result"].count == rows


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
