"""The ecosystem map, its layout and cache, the breakdown, and the relation services and pages."""

import random
import re

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.urls import reverse

from klynge.core.models import AuditEntry
from klynge.ecosystem import network
from klynge.ecosystem.models import (
    AffiliationRole,
    MembershipStatus,
    OrganisationRelation,
    Sector,
)
from klynge.ecosystem.network import (
    SCOPE_MEMBERS,
    SCOPE_PUBLIC,
    SCOPE_STAFF,
    SHARED_PEOPLE,
    NetworkFilters,
    build_network,
    force_layout,
    membership_breakdown,
)
from klynge.ecosystem.services_relations import add_relation, remove_relation
from klynge.ecosystem.tests.factories import (
    AffiliationFactory,
    OrganisationFactory,
    PersonFactory,
)

pytestmark = pytest.mark.django_db

MAP = "/directory/network/"


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def _sector(slug):
    return Sector.objects.get(slug=slug)


@pytest.fixture
def eco(db):
    """Five organisations, three relations and two people with two affiliations each."""
    o = {
        "alpha": OrganisationFactory(
            name="Alpha Media", slug="alpha", kind="company", region="Syddanmark"
        ),
        "beta": OrganisationFactory(
            name="Beta Uni", slug="beta", kind="university", region="Syddanmark"
        ),
        "gamma": OrganisationFactory(
            name="Gamma Kommune",
            slug="gamma",
            kind="public_body",
            region="Hovedstaden",
            membership_status=MembershipStatus.PARTNER,
        ),
        "neutral": OrganisationFactory(
            name="Neutral Net",
            slug="neutral",
            kind="company",
            region="Hovedstaden",
            country="NO",
            membership_status=MembershipStatus.NONE,
        ),
        "prospect": OrganisationFactory(
            name="Prospect Pixel",
            slug="prospect",
            kind="startup",
            region="Syddanmark",
            membership_status=MembershipStatus.PROSPECT,
        ),
    }
    o["alpha"].sectors.set([_sector("journalism")])
    o["beta"].sectors.set([_sector("education_research")])
    o["prospect"].sectors.set([_sector("games")])
    OrganisationRelation.objects.create(source=o["alpha"], target=o["beta"], kind="partner")
    OrganisationRelation.objects.create(source=o["alpha"], target=o["neutral"], kind="supplier")
    OrganisationRelation.objects.create(source=o["gamma"], target=o["prospect"], kind="investor")
    # Listed in the directory: a board member of Alpha who works at Gamma.
    listed = PersonFactory(first_name="Lise", listed_in_directory=True)
    AffiliationFactory(person=listed, organisation=o["alpha"], role=AffiliationRole.BOARD_MEMBER)
    AffiliationFactory(person=listed, organisation=o["gamma"], role=AffiliationRole.EMPLOYEE)
    # Not listed: counts for staff only.
    hidden = PersonFactory(first_name="Hans", listed_in_directory=False)
    AffiliationFactory(person=hidden, organisation=o["beta"], role=AffiliationRole.EMPLOYEE)
    AffiliationFactory(person=hidden, organisation=o["gamma"], role=AffiliationRole.BOARD_MEMBER)
    return o


def _names(graph):
    return sorted(node.name for node in graph.nodes)


def _edges(graph):
    by_id = {node.id: node.slug for node in graph.nodes}
    return sorted((by_id[e.a], by_id[e.b], e.kind, e.weight) for e in graph.edges)


# --- edges and scopes ---------------------------------------------------------------------------


def test_staff_sees_every_organisation_and_every_tie(eco):
    graph = build_network(SCOPE_STAFF, NetworkFilters())
    assert _names(graph) == [
        "Alpha Media",
        "Beta Uni",
        "Gamma Kommune",
        "Neutral Net",
        "Prospect Pixel",
    ]
    assert _edges(graph) == [
        ("alpha", "beta", "partner", 1),
        ("alpha", "gamma", SHARED_PEOPLE, 1),
        ("alpha", "neutral", "supplier", 1),
        ("beta", "gamma", SHARED_PEOPLE, 1),
        ("gamma", "prospect", "investor", 1),
    ]
    assert (graph.total, graph.left_out) == (5, 0)
    degrees = {node.slug: node.degree for node in graph.nodes}
    assert degrees == {"alpha": 3, "beta": 2, "gamma": 3, "neutral": 1, "prospect": 1}


def test_members_see_what_the_directory_shows_them_and_only_listed_people_ties(eco):
    # A non-member's or former member's status is staff information, as in the directory.
    graph = build_network(SCOPE_MEMBERS, NetworkFilters())
    assert _names(graph) == ["Alpha Media", "Beta Uni", "Gamma Kommune"]
    assert _edges(graph) == [
        ("alpha", "beta", "partner", 1),
        ("alpha", "gamma", SHARED_PEOPLE, 1),
    ]


def test_public_sees_members_and_partners_only(eco):
    graph = build_network(SCOPE_PUBLIC, NetworkFilters())
    assert _names(graph) == ["Alpha Media", "Beta Uni", "Gamma Kommune"]
    assert _edges(graph) == [
        ("alpha", "beta", "partner", 1),
        ("alpha", "gamma", SHARED_PEOPLE, 1),
    ]


def test_shared_people_weigh_by_person_and_ignore_ended_and_erased_affiliations(eco):
    import datetime

    from django.utils import timezone

    second = PersonFactory(listed_in_directory=True)
    AffiliationFactory(person=second, organisation=eco["alpha"], role=AffiliationRole.MENTOR)
    AffiliationFactory(person=second, organisation=eco["alpha"], role=AffiliationRole.CEO)
    AffiliationFactory(person=second, organisation=eco["gamma"], role=AffiliationRole.MENTOR)
    former = PersonFactory(listed_in_directory=True)
    AffiliationFactory(person=former, organisation=eco["alpha"])
    AffiliationFactory(
        person=former,
        organisation=eco["beta"],
        start_date=datetime.date(2020, 1, 1),
        end_date=datetime.date(2021, 1, 1),
    )
    erased = PersonFactory(listed_in_directory=True, erased_at=timezone.now())
    AffiliationFactory(person=erased, organisation=eco["alpha"])
    AffiliationFactory(person=erased, organisation=eco["beta"])

    graph = build_network(SCOPE_PUBLIC, NetworkFilters(tie=SHARED_PEOPLE))
    assert _edges(graph) == [("alpha", "gamma", SHARED_PEOPLE, 2)]


def test_a_new_edge_source_plugs_in(eco, monkeypatch):
    def co_organised_events(organisations, scope):
        return [network.Edge(eco["beta"].pk, eco["neutral"].pk, "event", 4)]

    monkeypatch.setattr(network, "EDGE_SOURCES", [*network.EDGE_SOURCES, co_organised_events])
    graph = build_network(SCOPE_STAFF, NetworkFilters(tie="event"))
    assert _names(graph) == ["Beta Uni", "Neutral Net"]
    assert _edges(graph) == [("beta", "neutral", "event", 4)]
    assert network.tie_label("event") == "event"


# --- filters ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filters", "names", "edges"),
    [
        (NetworkFilters(sector="journalism"), ["Alpha Media"], []),
        # A top-level sector takes in its sub-sectors (games is under content).
        (NetworkFilters(sector="content"), ["Prospect Pixel"], []),
        (NetworkFilters(kind="university"), ["Beta Uni"], []),
        (NetworkFilters(region="Hovedstaden"), ["Gamma Kommune", "Neutral Net"], []),
        (NetworkFilters(country="NO"), ["Neutral Net"], []),
        (NetworkFilters(status="partner"), ["Gamma Kommune"], []),
        (
            NetworkFilters(region="Syddanmark"),
            ["Alpha Media", "Beta Uni", "Prospect Pixel"],
            [("alpha", "beta", "partner", 1)],
        ),
        (
            # A kind of tie shows the organisations that have one.
            NetworkFilters(tie=SHARED_PEOPLE),
            ["Alpha Media", "Beta Uni", "Gamma Kommune"],
            [("alpha", "gamma", SHARED_PEOPLE, 1), ("beta", "gamma", SHARED_PEOPLE, 1)],
        ),
    ],
)
def test_filters(eco, filters, names, edges):
    graph = build_network(SCOPE_STAFF, filters)
    assert (_names(graph), _edges(graph)) == (names, edges)


def test_a_status_filter_never_widens_the_scope(eco):
    graph = build_network(SCOPE_PUBLIC, NetworkFilters(status="prospect"))
    assert _names(graph) == []


# --- layout -------------------------------------------------------------------------------------


def test_layout_is_deterministic_whatever_the_input_order():
    nodes = list(range(1, 31))
    links = [(i, i + 1, 1) for i in range(1, 30)] + [(1, 15, 2), (7, 22, 1)]
    first = force_layout(nodes, links)
    shuffled_nodes, shuffled_links = nodes[:], links[:]
    random.Random(3).shuffle(shuffled_nodes)
    random.Random(4).shuffle(shuffled_links)
    assert force_layout(shuffled_nodes, shuffled_links) == first
    assert len(first) == 30
    assert all(40 <= x <= 920 and 40 <= y <= 600 for x, y in first.values())
    xs = [x for x, _y in first.values()]
    ys = [y for _x, y in first.values()]
    # Fitted to the drawing: it touches the margins on the tighter axis and is centred.
    assert min(xs) == 40.0 or min(ys) == 40.0
    assert round((min(xs) + max(xs)) / 2) == 480
    assert round((min(ys) + max(ys)) / 2) == 320


def test_layout_exact_values():
    assert force_layout([], []) == {}
    assert force_layout([7], []) == {7: (480.0, 320.0)}
    triangle = force_layout([1, 2, 3], [(1, 2, 1), (2, 3, 1), (1, 3, 1)])
    assert triangle == force_layout([3, 2, 1], [(2, 3, 1), (1, 3, 1), (1, 2, 1)])
    # A pair ends up mirrored around the centre.
    pair = force_layout([1, 2], [(1, 2, 1)])
    (x1, y1), (x2, y2) = pair[1], pair[2]
    assert (round(x1 + x2, 1), round(y1 + y2, 1)) == (960.0, 640.0)
    # Connected nodes end up closer than unconnected ones.
    path = force_layout([1, 2, 3, 4], [(1, 2, 1), (2, 3, 1), (3, 4, 1)])

    def distance(a, b):
        return ((path[a][0] - path[b][0]) ** 2 + (path[a][1] - path[b][1]) ** 2) ** 0.5

    assert distance(1, 2) < distance(1, 4)
    assert distance(3, 4) < distance(1, 4)


def test_node_cap_keeps_the_most_connected(eco):
    graph = build_network(SCOPE_STAFF, NetworkFilters(), max_nodes=2)
    # Alpha and Gamma have three ties each; ties between equals are broken by name.
    assert _names(graph) == ["Alpha Media", "Gamma Kommune"]
    assert (graph.total, graph.left_out) == (5, 3)
    assert _edges(graph) == [("alpha", "gamma", SHARED_PEOPLE, 1)]


def test_map_is_cached_until_the_data_changes(eco, staff, django_assert_num_queries):
    first = network.ecosystem_map(SCOPE_STAFF, NetworkFilters())
    with django_assert_num_queries(1):  # the data stamp only
        again = network.ecosystem_map(SCOPE_STAFF, NetworkFilters())
    assert again == first
    add_relation(actor=staff, source=eco["beta"], target=eco["neutral"], kind="owner")
    changed = network.ecosystem_map(SCOPE_STAFF, NetworkFilters())
    assert ("beta", "neutral", "owner", 1) in _edges(changed)
    assert len(changed.edges) == len(first.edges) + 1


# --- the page -----------------------------------------------------------------------------------


def test_anonymous_map_shows_members_and_partners_but_never_a_prospect(client, eco):
    response = client.get(MAP)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Alpha Media" in html and "Gamma Kommune" in html
    assert "Prospect Pixel" not in html
    assert "Neutral Net" not in html
    assert 'href="/directory/alpha/"' in html
    assert "3 organisations match these filters." in html
    assert '<option value="prospect"' not in html
    # Even asking for prospects shows none.
    response = client.get(MAP, {"status": "prospect"})
    assert response.status_code == 400
    assert "Prospect Pixel" not in response.content.decode()


def test_member_map_shows_members_and_partners_only(client, eco, employee):
    client.force_login(employee)
    html = client.get(MAP).content.decode()
    assert "Alpha Media" in html
    assert "Neutral Net" not in html
    assert "Prospect Pixel" not in html


def test_staff_map_shows_prospects_and_the_ties_table(client, eco, staff):
    client.force_login(staff)
    response = client.get(MAP)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Prospect Pixel" in html
    rows = re.findall(
        r"<tr><td><a [^>]*>([^<]+)</a></td><td>([^<]+)</td><td><a [^>]*>([^<]+)</a></td></tr>",
        html,
    )
    assert rows == [
        ("Alpha Media", "Partner of", "Beta Uni"),
        ("Alpha Media", "shares 1 person with", "Gamma Kommune"),
        ("Alpha Media", "Supplier to", "Neutral Net"),
        ("Beta Uni", "shares 1 person with", "Gamma Kommune"),
        ("Gamma Kommune", "Investor in", "Prospect Pixel"),
    ]
    assert html.count("<circle cx=") == 5
    assert html.count('<line class="edge') == 5
    assert 'class="node node--academia"' in html
    assert 'class="node node--industry node--prospect"' in html
    assert '<title id="network-title">Ecosystem map</title>' in html
    assert 'aria-labelledby="network-title network-desc"' in html
    assert "network.css" in html
    assert "style=" not in html


def test_filters_by_get_and_htmx_partial(client, eco, staff):
    client.force_login(staff)
    response = client.get(MAP, {"region": "Hovedstaden"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert "2 organisations match these filters." in html
    assert "Gamma Kommune" in html and "Alpha Media" not in html


def test_map_says_how_many_were_left_out(client, eco, staff, monkeypatch):
    monkeypatch.setattr(network, "MAX_NODES", 2)
    client.force_login(staff)
    html = client.get(MAP).content.decode()
    assert "Only the 2 most connected are drawn; 3 organisations are left out." in html
    assert html.count("<circle cx=") == 2


def test_coordinates_are_not_localised(client, eco):
    client.cookies["django_language"] = "da"
    html = client.get(MAP, headers={"Accept-Language": "da"}).content.decode()
    assert '<html lang="da">' in html
    circles = re.findall(r'<circle cx="([^"]+)" cy="([^"]+)" r="([^"]+)"', html)
    assert len(circles) == 3
    assert all("," not in value for circle in circles for value in circle)


def _make_relations(count):
    organisations = [
        OrganisationFactory(name=f"Org {i}", slug=f"org-{i}") for i in range(count + 1)
    ]
    for i in range(count):
        OrganisationRelation.objects.create(
            source=organisations[i], target=organisations[i + 1], kind="partner"
        )
        person = PersonFactory(listed_in_directory=True)
        AffiliationFactory(person=person, organisation=organisations[i])
        AffiliationFactory(person=person, organisation=organisations[i + 1])


@pytest.mark.parametrize("count", [1, 3])
def test_map_query_count_is_constant(client, staff, count, django_assert_num_queries):
    _make_relations(count)
    client.force_login(staff)
    client.get("/")  # settle the session
    # session, user, roles, regions, stamp, organisations, relations, affiliations, events
    # (organisers, co-organisers), B2B meetings, joint projects
    with django_assert_num_queries(12):
        response = client.get(MAP)
    assert response.content.decode().count('<line class="edge') == 2 * count


# --- breakdown ----------------------------------------------------------------------------------


@pytest.fixture
def prospects(eco):
    quanta = OrganisationFactory(
        name="Quanta Film",
        region="Nordjylland",
        membership_status=MembershipStatus.PROSPECT,
    )
    quanta.sectors.set([_sector("film")])
    rho = OrganisationFactory(
        name="Rho Audio", region="Nordjylland", membership_status=MembershipStatus.PROSPECT
    )
    rho.sectors.set([_sector("audio"), _sector("tv")])
    return eco


def _rows(rows):
    return [(row.label, row.members, row.prospects, row.room_to_grow) for row in rows]


def test_breakdown_for_staff(prospects):
    breakdown = membership_breakdown(SCOPE_STAFF)
    assert breakdown.show_prospects is True
    assert _rows(breakdown.regions) == [
        ("Nordjylland", 0, 2, True),
        ("Syddanmark", 2, 1, False),
    ]
    assert _rows(breakdown.sectors) == [
        ("Journalism and news", 1, 0, False),
        ("Content production", 0, 3, True),
        ("Communication and marketing", 0, 0, False),
        ("Technology", 0, 0, False),
        ("Education and research", 1, 0, False),
    ]
    assert [(dimension, row.label) for dimension, row in breakdown.growth] == [
        ("sector", "Content production"),
        ("region", "Nordjylland"),
    ]
    assert [(row.members_width, row.prospects_width) for row in breakdown.regions] == [
        (0.0, 100.0),
        (100.0, 50.0),
    ]


def test_breakdown_for_the_public_counts_members_only(prospects, member_org):
    breakdown = membership_breakdown(SCOPE_PUBLIC)
    assert breakdown.show_prospects is False
    assert _rows(breakdown.regions) == [
        ("Syddanmark", 2, 0, False),
        ("No region given", 1, 0, False),
    ]
    assert _rows(breakdown.sectors)[-1] == ("No sector given", 1, 0, False)
    assert breakdown.growth == []


def test_breakdown_by_country(prospects):
    breakdown = membership_breakdown(SCOPE_STAFF, country="NO")
    assert _rows(breakdown.regions) == []


def test_breakdown_page_hides_prospects_from_non_staff(client, prospects, employee, staff):
    html = client.get(reverse("ecosystem:breakdown")).content.decode()
    assert "Nordjylland" not in html
    assert "Prospects" not in html
    assert "Room to grow" not in html
    client.force_login(employee)
    assert "Nordjylland" not in client.get(reverse("ecosystem:breakdown")).content.decode()
    client.force_login(staff)
    response = client.get(reverse("ecosystem:breakdown"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Nordjylland" in html
    assert 'class="bar bar--prospects" x="0" y="8" height="6" width="100.0"' in html
    assert "2 prospects, 0 members" in html
    assert "style=" not in html


# --- relation services --------------------------------------------------------------------------


def test_add_relation_records_it_in_the_audit_log(member_org, other_org, staff):
    relation = add_relation(
        actor=staff, source=member_org, target=other_org, kind="supplier", start_year=2019
    )
    assert (relation.source, relation.target, relation.kind, relation.start_year) == (
        member_org,
        other_org,
        "supplier",
        2019,
    )
    entry = AuditEntry.objects.get(action="ecosystem.relation.create")
    assert (entry.actor, entry.target_label) == (
        staff,
        "Fynsk Lyd ApS · Supplier to · Bergen Pixel AS",
    )
    assert entry.data == {
        "source": member_org.pk,
        "target": other_org.pk,
        "kind": "supplier",
        "start_year": 2019,
        "note": "",
    }


def test_self_relation_refused(member_org, staff):
    with pytest.raises(ValidationError) as error:
        add_relation(actor=staff, source=member_org, target=member_org, kind="partner")
    assert error.value.message_dict == {
        "target": ["An organisation cannot have a relation to itself."]
    }
    assert OrganisationRelation.objects.count() == 0


def test_duplicate_refused_and_partners_are_symmetric(member_org, other_org, staff):
    add_relation(actor=staff, source=member_org, target=other_org, kind="partner")
    message = "This relation is already recorded: Fynsk Lyd ApS · Partner of · Bergen Pixel AS."
    for source, target in ((member_org, other_org), (other_org, member_org)):
        with pytest.raises(ValidationError) as error:
            add_relation(actor=staff, source=source, target=target, kind="partner")
        assert error.value.message_dict == {"target": [message]}
    # Another kind, or the other direction of a directed kind, is a different relation.
    add_relation(actor=staff, source=member_org, target=other_org, kind="investor")
    add_relation(actor=staff, source=other_org, target=member_org, kind="investor")
    assert OrganisationRelation.objects.count() == 3


def test_year_and_merged_organisations_refused(member_org, other_org, staff):
    with pytest.raises(ValidationError) as error:
        add_relation(
            actor=staff, source=member_org, target=other_org, kind="owner", start_year=1700
        )
    assert list(error.value.message_dict) == ["start_year"]
    assert error.value.messages[0].startswith("The year must be between 1800 and ")
    survivor = OrganisationFactory(name="Survivor")
    other_org.merged_into = survivor
    other_org.save()
    with pytest.raises(ValidationError) as error:
        add_relation(actor=staff, source=member_org, target=other_org, kind="owner")
    assert error.value.message_dict == {
        "target": ["Bergen Pixel AS was merged into Survivor; relate to Survivor instead."]
    }


def test_remove_relation_is_audited(member_org, other_org, staff):
    relation = add_relation(actor=staff, source=member_org, target=other_org, kind="owner")
    pk = relation.pk
    remove_relation(actor=staff, relation=relation)
    assert OrganisationRelation.objects.count() == 0
    entry = AuditEntry.objects.get(action="ecosystem.relation.delete")
    assert (entry.target_id, entry.data["kind"]) == (str(pk), "owner")


# --- relation pages -----------------------------------------------------------------------------


def test_member_admin_adds_a_relation_from_their_own_organisation(
    client, member_admin, member_org, other_org
):
    client.force_login(member_admin)
    page = client.get(reverse("ecosystem:relations", args=[member_org.slug]))
    assert page.status_code == 200
    assert '<option value="Bergen Pixel AS">' in page.content.decode()
    response = client.post(
        reverse("ecosystem:relation_add", args=[member_org.slug]),
        {"kind": "partner", "target": "bergen-pixel", "start_year": "2021", "note": "Podcasts"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/directory/network/organisations/fynsk-lyd/"
    relation = OrganisationRelation.objects.get()
    assert (relation.source, relation.target, relation.kind, relation.note) == (
        member_org,
        other_org,
        "partner",
        "Podcasts",
    )
    assert (
        AuditEntry.objects.filter(action="ecosystem.relation.create", actor=member_admin).count()
        == 1
    )
    page = client.get(response["Location"]).content.decode()
    assert "Recorded: Fynsk Lyd ApS · Partner of · Bergen Pixel AS." in page
    assert "<td>Partner of</td>" in page and "<td>2021</td>" in page
    assert "<td>Podcasts</td>" in page


def test_add_form_shows_service_errors_with_400(client, member_admin, member_org, other_org):
    client.force_login(member_admin)
    url = reverse("ecosystem:relation_add", args=[member_org.slug])
    response = client.post(url, {"kind": "partner", "target": "Fynsk Lyd ApS"})
    assert response.status_code == 400
    assert "An organisation cannot have a relation to itself." in response.content.decode()
    response = client.post(url, {"kind": "partner", "target": "Nowhere Ltd"})
    assert response.status_code == 400
    assert "No organisation called “Nowhere Ltd” was found." in response.content.decode()
    assert OrganisationRelation.objects.count() == 0


def test_member_admin_cannot_relate_to_a_prospect(client, member_admin, member_org):
    OrganisationFactory(
        name="Secret Prospect", slug="secret", membership_status=MembershipStatus.PROSPECT
    )
    client.force_login(member_admin)
    page = client.get(reverse("ecosystem:relations", args=[member_org.slug])).content.decode()
    assert "Secret Prospect" not in page
    response = client.post(
        reverse("ecosystem:relation_add", args=[member_org.slug]),
        {"kind": "partner", "target": "secret"},
    )
    assert response.status_code == 400
    assert OrganisationRelation.objects.count() == 0


def test_who_may_add_relations(client, member_admin, employee, member_org, other_org, staff):
    data = {"kind": "partner", "target": "fynsk-lyd"}
    other_url = reverse("ecosystem:relation_add", args=[other_org.slug])
    own_url = reverse("ecosystem:relation_add", args=[member_org.slug])
    response = client.post(own_url, {"kind": "partner", "target": "bergen-pixel"})
    assert (response.status_code, response["Location"].split("?")[0]) == (302, "/accounts/login/")
    client.force_login(member_admin)
    assert client.post(other_url, data).status_code == 403
    client.force_login(employee)
    assert client.post(own_url, {"kind": "partner", "target": "bergen-pixel"}).status_code == 403
    page = client.get(reverse("ecosystem:relations", args=[member_org.slug])).content.decode()
    assert "Add a relation" not in page
    client.force_login(staff)
    assert client.post(other_url, data).status_code == 302
    assert OrganisationRelation.objects.count() == 1


def test_prospect_relations_page_is_staff_only(client, eco, staff):
    url = reverse("ecosystem:relations", args=["prospect"])
    assert client.get(url).status_code == 404
    gamma = client.get(reverse("ecosystem:relations", args=["gamma"])).content.decode()
    assert "Prospect Pixel" not in gamma
    client.force_login(staff)
    assert "Investor in" in client.get(url).content.decode()


def test_remove_relation_page(client, member_admin, member_org, other_org, staff, employee):
    relation = add_relation(actor=staff, source=member_org, target=other_org, kind="owner")
    url = reverse("ecosystem:relation_remove", args=[relation.pk])
    client.force_login(employee)
    assert client.post(url).status_code == 403
    client.force_login(member_admin)
    response = client.post(url, {"back": "bergen-pixel"})
    assert (response.status_code, response["Location"]) == (
        302,
        "/directory/network/organisations/bergen-pixel/",
    )
    assert OrganisationRelation.objects.count() == 0
    assert client.post(url).status_code == 404


def test_member_admin_cannot_remove_a_relation_into_their_organisation(
    client, member_admin, member_org, other_org, staff
):
    relation = add_relation(actor=staff, source=other_org, target=member_org, kind="investor")
    client.force_login(member_admin)
    page = client.get(reverse("ecosystem:relations", args=[member_org.slug])).content.decode()
    assert "Investor in" in page and "Remove" not in page
    assert client.post(reverse("ecosystem:relation_remove", args=[relation.pk])).status_code == 403
