"""The ecosystem map: which organisations are tied to which, laid out as a network.

Reads only. Who sees what is decided by a *scope* derived from the user:

- ``public`` (anonymous visitors, signed-in people of no member organisation): members and
  partners only;
- ``members`` (people of a member organisation): every organisation except prospects;
- ``staff``: every organisation, prospects included.

Prospects are staff-only information, so every query here starts from `visible_organisations`.

Ties come from *edge sources*: functions ``(organisations, scope) -> iterable of Edge``: typed
relations and shared affiliations (one person affiliated with two organisations) here, and in
`network_sources` the events organised together, B2B meetings held and joint projects, read
from those apps through the app registry. More plug in with `register_edge_source` (and
`register_tie_kind` for their legend) without touching the layout or the page.

The layout is a deterministic Fruchterman–Reingold force simulation in plain Python (fixed
seed, nodes in id order), cached per scope and filter combination together with a cheap stamp
of the data it was built from, so a change shows at once and a repeat visit costs one query.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import combinations

import rules
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from klynge.accounts.predicates import is_cluster_staff, is_member_admin_of
from klynge.accounts.roles import Role, roles_for
from klynge.ecosystem.models import (
    HELIX_OF_KIND,
    Affiliation,
    MembershipStatus,
    Organisation,
    OrganisationRelation,
    Person,
    RelationKind,
    TripleHelix,
)
from klynge.ecosystem.taxonomy import SECTORS

# ---------------------------------------------------------------------------------------------
# Permissions. They belong in ecosystem/rules.py; registered here (once) until they move there.


@rules.predicate
def is_member_admin_of_relation_source(user, relation) -> bool:
    return relation is not None and relation.source_id in roles_for(user).administered_ids


_PERMISSIONS = {
    # Everyone may open the map and the breakdown; the scope decides what they contain.
    "ecosystem.view_network": rules.always_allow,
    "ecosystem.view_network_breakdown": rules.always_allow,
    "ecosystem.view_relations": rules.always_allow,
    # obj: the organisation the relation starts from.
    "ecosystem.add_relation": is_cluster_staff | is_member_admin_of,
    # obj: the relation.
    "ecosystem.remove_relation": is_cluster_staff | is_member_admin_of_relation_source,
}
for _name, _predicate in _PERMISSIONS.items():
    if not rules.perm_exists(_name):
        rules.add_perm(_name, _predicate)


# ---------------------------------------------------------------------------------------------
# Scope: who sees which organisations.

SCOPE_PUBLIC = "public"
SCOPE_MEMBERS = "members"
SCOPE_STAFF = "staff"

_VISIBLE_STATUSES = {
    SCOPE_PUBLIC: (MembershipStatus.MEMBER, MembershipStatus.PARTNER),
    # Members see on the map what the directory shows them: members and partners (a former
    # or non-member organisation's status is staff information).
    SCOPE_MEMBERS: (MembershipStatus.MEMBER, MembershipStatus.PARTNER),
    SCOPE_STAFF: tuple(MembershipStatus.values),
}


def scope_for(user) -> str:
    roles = roles_for(user)
    if roles.has(Role.STAFF):
        return SCOPE_STAFF
    if roles.has(Role.MEMBER_EMPLOYEE):
        return SCOPE_MEMBERS
    return SCOPE_PUBLIC


def visible_statuses(scope: str) -> tuple[str, ...]:
    return _VISIBLE_STATUSES[scope]


def visible_organisations(scope: str) -> QuerySet[Organisation]:
    """The live (not merged) organisations the scope may see."""
    return Organisation.objects.filter(
        merged_into__isnull=True, membership_status__in=visible_statuses(scope)
    )


def get_network_organisation_for_user(user, slug: str) -> Organisation:
    """The organisation with `slug` if the user may see it on the map; 404 otherwise."""
    organisation = visible_organisations(scope_for(user)).filter(slug=slug).first()
    if organisation is None:
        raise Http404
    return organisation


def get_relation_for_user(user, pk: int) -> OrganisationRelation:
    """A relation both of whose ends the user may see; 404 otherwise."""
    visible = visible_organisations(scope_for(user))
    relation = (
        OrganisationRelation.objects.filter(pk=pk, source__in=visible, target__in=visible)
        .select_related("source", "target")
        .first()
    )
    if relation is None:
        raise Http404
    return relation


def relations_of(user, organisation: Organisation) -> list[OrganisationRelation]:
    """The organisation's relations (both directions) whose other end the user may see."""
    visible = visible_organisations(scope_for(user))
    return list(
        OrganisationRelation.objects.filter(
            (Q(source=organisation) & Q(target__in=visible))
            | (Q(target=organisation) & Q(source__in=visible))
        )
        .select_related("source", "target")
        .order_by("kind", "source__name", "target__name", "pk")
    )


def relation_target_choices(user, exclude: Organisation, limit: int = 300) -> list[str]:
    """Names offered while typing the other organisation of a relation (a datalist)."""
    return list(
        visible_organisations(scope_for(user))
        .exclude(pk=exclude.pk)
        .order_by("name")
        .values_list("name", flat=True)[:limit]
    )


def find_relation_target(user, text: str) -> Organisation:
    """The visible organisation whose short name or exact name (any case) is `text`."""
    text = (text or "").strip()
    visible = visible_organisations(scope_for(user))
    found = list(visible.filter(Q(slug=text) | Q(name__iexact=text)).order_by("pk")[:2])
    if len(found) == 2:
        by_slug = [organisation for organisation in found if organisation.slug == text]
        if len(by_slug) == 1:
            return by_slug[0]
        raise ValidationError(
            {"target": _("Several organisations have this name; type the short name instead.")}
        )
    if not found:
        raise ValidationError(
            {"target": _("No organisation called “%(name)s” was found.") % {"name": text}}
        )
    return found[0]


# ---------------------------------------------------------------------------------------------
# Filters.

TOP_SECTORS = [(slug, label) for slug, parent, label in SECTORS if parent is None]
SHARED_PEOPLE = "shared_people"
TIE_KINDS = [*RelationKind.values, SHARED_PEOPLE]


@dataclass(frozen=True)
class TieKind:
    """A kind of tie an edge source adds: its value, its name in the legend and the filter, and
    how one tie reads between two names ("organised 2 events with")."""

    value: str
    label: object  # a lazy translation
    describe: Callable[[int], str]  # weight -> the words between the two names


EXTRA_TIE_KINDS: dict[str, TieKind] = {}


def register_tie_kind(kind: TieKind) -> TieKind:
    EXTRA_TIE_KINDS[kind.value] = kind
    if kind.value not in TIE_KINDS:
        TIE_KINDS.append(kind.value)
    return kind


def tie_choices() -> list[tuple[str, object]]:
    """Every kind of tie the map can show, for the filter and the legend."""
    return [
        *RelationKind.choices,
        (SHARED_PEOPLE, gettext_lazy("Shared people")),
        *((kind.value, kind.label) for kind in EXTRA_TIE_KINDS.values()),
    ]


@dataclass(frozen=True)
class NetworkFilters:
    sector: str = ""  # a top-level sector slug; its sub-sectors count too
    kind: str = ""  # organisation kind
    region: str = ""
    country: str = ""
    status: str = ""  # membership status, within what the scope may see
    tie: str = ""  # one kind of tie (a relation kind or shared people)

    def cache_part(self) -> str:
        return "|".join([self.sector, self.kind, self.region, self.country, self.status, self.tie])


def filtered_organisations(scope: str, filters: NetworkFilters) -> QuerySet[Organisation]:
    organisations = visible_organisations(scope)
    if filters.sector:
        through = Organisation.sectors.through
        organisations = organisations.filter(
            Exists(
                through.objects.filter(organisation=OuterRef("pk")).filter(
                    Q(sector__slug=filters.sector) | Q(sector__parent__slug=filters.sector)
                )
            )
        )
    if filters.kind:
        organisations = organisations.filter(kind=filters.kind)
    if filters.region:
        organisations = organisations.filter(region=filters.region)
    if filters.country:
        organisations = organisations.filter(country=filters.country)
    if filters.status:
        organisations = organisations.filter(membership_status=filters.status)
    return organisations


def region_choices(scope: str) -> list[str]:
    return list(
        visible_organisations(scope)
        .exclude(region="")
        .order_by("region")
        .values_list("region", flat=True)
        .distinct()
    )


# ---------------------------------------------------------------------------------------------
# Edge sources.


@dataclass(frozen=True)
class Edge:
    a: int  # organisation id (the relation's source when `directed`)
    b: int
    kind: str  # a RelationKind value, SHARED_PEOPLE, or a future source's kind
    weight: int = 1
    directed: bool = False


EdgeSource = Callable[[QuerySet[Organisation], str], Iterable[Edge]]
EDGE_SOURCES: list[EdgeSource] = []


# Models whose writes change the map, beyond organisations, relations and affiliations: the
# edge sources of other apps name theirs (see `data_stamp`).
STAMP_MODELS: list = []


def register_edge_source(source: EdgeSource | None = None, *, stamps: Iterable = ()):
    """Adds a source of ties to the map (usable as a decorator, with or without arguments).

    A source gets the organisations on the map (a queryset to use in a subquery) and the scope,
    and returns edges between them; it must run a constant number of queries. `stamps` are the
    models it reads, so that a change to them shows on the cached map at once.
    """

    def register(source: EdgeSource) -> EdgeSource:
        if source not in EDGE_SOURCES:
            EDGE_SOURCES.append(source)
        for model in stamps:
            if model not in STAMP_MODELS:
                STAMP_MODELS.append(model)
        return source

    return register if source is None else register(source)


@register_edge_source
def relation_edges(organisations: QuerySet[Organisation], scope: str) -> list[Edge]:
    """The typed relations recorded between organisations (source → target)."""
    rows = OrganisationRelation.objects.filter(
        source__in=organisations.values("pk"), target__in=organisations.values("pk")
    ).values_list("source_id", "target_id", "kind")
    return [Edge(a, b, kind, 1, directed=True) for a, b, kind in rows]


@register_edge_source
def shared_affiliation_edges(organisations: QuerySet[Organisation], scope: str) -> list[Edge]:
    """Two organisations share a person (say, a board member of one who works at the other).

    Current affiliations only; the weight is the number of people. Outside staff, only people
    who agreed to be listed in the directory count, and erased people never do.
    """
    people = Person.objects.filter(erased_at__isnull=True)
    if scope != SCOPE_STAFF:
        people = people.filter(listed_in_directory=True)
    rows = (
        Affiliation.objects.current()
        .filter(organisation__in=organisations.values("pk"), person__in=people.values("pk"))
        .values_list("person_id", "organisation_id")
        .order_by()
        .distinct()
    )
    by_person: dict[int, set[int]] = defaultdict(set)
    for person_id, organisation_id in rows:
        by_person[person_id].add(organisation_id)
    weights: dict[tuple[int, int], int] = defaultdict(int)
    for organisation_ids in by_person.values():
        for pair in combinations(sorted(organisation_ids), 2):
            weights[pair] += 1
    return [Edge(a, b, SHARED_PEOPLE, weight) for (a, b), weight in sorted(weights.items())]


# ---------------------------------------------------------------------------------------------
# Layout.

WIDTH = 960
HEIGHT = 640
MARGIN = 40
SEED = 20260101


def force_layout(
    node_ids: Iterable[int],
    links: Iterable[tuple[int, int, float]],
    *,
    width: float = WIDTH,
    height: float = HEIGHT,
    margin: float = MARGIN,
    iterations: int | None = None,
    seed: int = SEED,
) -> dict[int, tuple[float, float]]:
    """Fruchterman–Reingold positions for the nodes, fitted into the drawing, rounded to 0.1.

    Deterministic: the nodes are taken in id order and the start positions come from a fixed
    seed, so the same graph always gets the same picture (whatever order it is given in).
    O(n²) per iteration; fine for the few hundred nodes the map shows.
    """
    ids = sorted(set(node_ids))
    n = len(ids)
    if n == 0:
        return {}
    if n == 1:
        return {ids[0]: (round(width / 2, 1), round(height / 2, 1))}
    index = {node: i for i, node in enumerate(ids)}
    weights: dict[tuple[int, int], float] = defaultdict(float)
    for a, b, weight in links:
        if a != b and a in index and b in index:
            i, j = sorted((index[a], index[b]))
            weights[i, j] += weight
    springs = [(i, j, 1 + math.log(w)) for (i, j), w in sorted(weights.items())]

    rng = random.Random(seed)  # noqa: S311  (a reproducible drawing, not a secret)
    # Simulated in a box of the drawing's proportions, so the result fills it.
    side = 1000.0
    side_x = side * width / height
    xs = [rng.uniform(0, side_x) for _ in range(n)]
    ys = [rng.uniform(0, side) for _ in range(n)]
    k = math.sqrt(side_x * side / n)
    k2 = k * k
    gravity = 0.05
    steps = iterations if iterations is not None else (150 if n <= 60 else 100 if n <= 150 else 60)
    temperature = side / 10
    centre_x, centre_y = side_x / 2, side / 2
    for step in range(steps):
        dx = [0.0] * n
        dy = [0.0] * n
        for i in range(n):
            xi, yi = xs[i], ys[i]
            fx = fy = 0.0
            for j in range(i + 1, n):
                ddx = xi - xs[j]
                ddy = yi - ys[j]
                d2 = ddx * ddx + ddy * ddy
                if d2 < 1e-4:  # same spot: push apart along a fixed direction
                    ddx, ddy, d2 = 0.01 * (i - j), 0.01, 1e-4
                force = k2 / d2  # repulsion k²/d along the unit vector (dx/d, dy/d)
                rx, ry = ddx * force, ddy * force
                fx += rx
                fy += ry
                dx[j] -= rx
                dy[j] -= ry
            dx[i] += fx
            dy[i] += fy
        for i, j, strength in springs:
            ddx = xs[i] - xs[j]
            ddy = ys[i] - ys[j]
            distance = math.sqrt(ddx * ddx + ddy * ddy)
            force = distance * strength / k  # attraction d²/k along the unit vector
            dx[i] -= ddx * force
            dy[i] -= ddy * force
            dx[j] += ddx * force
            dy[j] += ddy * force
        for i in range(n):
            # A weak pull to the centre keeps loose organisations and small islands in view.
            gx = dx[i] - gravity * k * (xs[i] - centre_x) / 10
            gy = dy[i] - gravity * k * (ys[i] - centre_y) / 10
            length = math.sqrt(gx * gx + gy * gy)
            if length > 0:
                limit = min(length, temperature) / length
                xs[i] += gx * limit
                ys[i] += gy * limit
        temperature = side / 10 * (1 - (step + 1) / steps) + 1
    return _fit(ids, xs, ys, width, height, margin)


def _fit(ids, xs, ys, width, height, margin) -> dict[int, tuple[float, float]]:
    """Scales the positions uniformly into the drawing and centres them."""
    min_x, max_x, min_y, max_y = min(xs), max(xs), min(ys), max(ys)
    span_x, span_y = max(max_x - min_x, 1e-9), max(max_y - min_y, 1e-9)
    scale = min((width - 2 * margin) / span_x, (height - 2 * margin) / span_y)
    offset_x = (width - span_x * scale) / 2
    offset_y = (height - span_y * scale) / 2
    return {
        node: (
            round(offset_x + (x - min_x) * scale, 1),
            round(offset_y + (y - min_y) * scale, 1),
        )
        for node, x, y in zip(ids, xs, ys, strict=True)
    }


# ---------------------------------------------------------------------------------------------
# The map.

MAX_NODES = 150
LABELLED_NODES = 30
CACHE_SECONDS = 300


@dataclass(frozen=True)
class Node:
    id: int
    name: str
    slug: str
    kind: str
    status: str
    helix: str
    degree: int
    x: float
    y: float
    r: float
    labelled: bool

    @property
    def label_x(self) -> float:
        return round(self.x + self.r + 3, 1)

    @property
    def label_y(self) -> float:
        return round(self.y + 4, 1)


@dataclass(frozen=True)
class NetworkMap:
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    total: int  # organisations matching the filters
    left_out: int  # of those, not drawn because of the node cap
    width: int = WIDTH
    height: int = HEIGHT
    by_id: dict[int, Node] = field(default_factory=dict, compare=False)


def build_network(scope: str, filters: NetworkFilters, *, max_nodes: int = MAX_NODES) -> NetworkMap:
    """The graph for the scope and filters: nodes (most connected first, capped) with positions.

    Runs one query for the organisations and one per edge source.
    """
    organisations = filtered_organisations(scope, filters)
    rows = list(
        organisations.order_by("pk").values("pk", "name", "slug", "kind", "membership_status")
    )
    known = {row["pk"] for row in rows}
    edges: list[Edge] = []
    for source in EDGE_SOURCES:
        for edge in source(organisations, scope):
            if edge.a != edge.b and edge.a in known and edge.b in known:
                if not filters.tie or edge.kind == filters.tie:
                    edges.append(edge)

    neighbours: dict[int, set[int]] = defaultdict(set)
    for edge in edges:
        neighbours[edge.a].add(edge.b)
        neighbours[edge.b].add(edge.a)
    if filters.tie:
        # "Show the partners": the organisations with such a tie, not everyone else besides.
        rows = [row for row in rows if neighbours[row["pk"]]]
    rows.sort(key=lambda row: (-len(neighbours[row["pk"]]), row["name"].lower(), row["pk"]))
    shown = rows[:max_nodes]
    shown_ids = {row["pk"] for row in shown}
    edges = sorted(
        (edge for edge in edges if edge.a in shown_ids and edge.b in shown_ids),
        key=lambda edge: (edge.a, edge.b, edge.kind),
    )
    # Degrees within the drawing, so sizes match the lines a reader sees.
    drawn: dict[int, set[int]] = defaultdict(set)
    for edge in edges:
        drawn[edge.a].add(edge.b)
        drawn[edge.b].add(edge.a)
    positions = force_layout(shown_ids, [(edge.a, edge.b, edge.weight) for edge in edges])
    labelled = {row["pk"] for row in shown[:LABELLED_NODES] if drawn[row["pk"]]}
    if len(shown) <= LABELLED_NODES:
        labelled = shown_ids
    nodes = tuple(
        Node(
            id=row["pk"],
            name=row["name"],
            slug=row["slug"],
            kind=row["kind"],
            status=row["membership_status"],
            helix=str(HELIX_OF_KIND.get(row["kind"], TripleHelix.OTHER)),
            degree=len(drawn[row["pk"]]),
            x=positions[row["pk"]][0],
            y=positions[row["pk"]][1],
            r=round(5 + min(9.0, 2 * math.sqrt(len(drawn[row["pk"]]))), 1),
            labelled=row["pk"] in labelled,
        )
        for row in shown
    )
    return NetworkMap(
        nodes=nodes,
        edges=tuple(edges),
        total=len(rows),
        left_out=len(rows) - len(shown),
        by_id={node.id: node for node in nodes},
    )


def data_stamp() -> str:
    """A cheap fingerprint of what the map is built from, in one query.

    Any write to an organisation (its sectors included: the services save it), a relation or an
    affiliation changes a latest `updated_at` or a count. A person's consent change shows when
    the cached map expires (CACHE_SECONDS).
    """
    parts = []
    for model in (Organisation, OrganisationRelation, Affiliation, *STAMP_MODELS):
        # Table and column names come from the models, never from input. A table without an
        # `updated_at` (a many-to-many table) shows its changes in its newest id and its count.
        table = connection.ops.quote_name(model._meta.db_table)
        names = {field.name for field in model._meta.concrete_fields}
        column = "updated_at" if "updated_at" in names else model._meta.pk.column
        parts.append(f"(SELECT MAX({connection.ops.quote_name(column)}) FROM {table})")  # noqa: S608
        parts.append(f"(SELECT COUNT(*) FROM {table})")  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts))
        return "|".join(str(value) for value in cursor.fetchone())


def ecosystem_map(
    scope: str, filters: NetworkFilters, *, max_nodes: int | None = None
) -> NetworkMap:
    """The map for a scope and filters, from the cache while the data is unchanged."""
    max_nodes = MAX_NODES if max_nodes is None else max_nodes
    raw = f"{scope}|{filters.cache_part()}|{max_nodes}|{data_stamp()}"
    key = "klynge:network:" + hashlib.sha256(raw.encode()).hexdigest()
    network = cache.get(key)
    if network is None:
        network = build_network(scope, filters, max_nodes=max_nodes)
        cache.set(key, network, CACHE_SECONDS)
    return network


# ---------------------------------------------------------------------------------------------
# Breakdown: members against prospects by region and by sector.


@dataclass
class BreakdownRow:
    label: str
    members: int
    prospects: int
    members_width: float = 0.0  # bar lengths in per cent of the largest count of the table
    prospects_width: float = 0.0
    room_to_grow: bool = False


@dataclass
class Breakdown:
    show_prospects: bool
    regions: list[BreakdownRow]
    sectors: list[BreakdownRow]
    # Where prospects outnumber members, most room first: ("region" or "sector", row).
    growth: list[tuple[str, BreakdownRow]]


def membership_breakdown(scope: str, *, country: str = "") -> Breakdown:
    """Members (and, for staff, prospects) per region and per top-level sector. Two queries."""
    show_prospects = scope == SCOPE_STAFF
    counted = [MembershipStatus.MEMBER] + ([MembershipStatus.PROSPECT] if show_prospects else [])
    organisations = Organisation.objects.filter(
        merged_into__isnull=True, membership_status__in=counted
    )
    if country:
        organisations = organisations.filter(country=country)
    is_member = Q(membership_status=MembershipStatus.MEMBER)
    is_prospect = Q(membership_status=MembershipStatus.PROSPECT)
    by_region = (
        organisations.order_by()
        .values("region")
        .annotate(members=Count("pk", filter=is_member), prospects=Count("pk", filter=is_prospect))
    )
    regions = [
        BreakdownRow(row["region"] or _("No region given"), row["members"], row["prospects"])
        for row in sorted(by_region, key=lambda row: (row["region"] == "", row["region"].lower()))
    ]

    links = (
        Organisation.sectors.through.objects.filter(organisation__in=organisations.values("pk"))
        .values_list("organisation_id", "organisation__membership_status", "sector__slug")
        .order_by()
    )
    parent_of = {slug: parent or slug for slug, parent, _label in SECTORS}
    seen: dict[str, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    with_sector: dict[str, set[int]] = defaultdict(set)
    for organisation_id, status, slug in links:
        seen[parent_of.get(slug, slug)][status].add(organisation_id)
        with_sector[status].add(organisation_id)
    sectors = [
        BreakdownRow(
            str(label),
            len(seen[slug][MembershipStatus.MEMBER]),
            len(seen[slug][MembershipStatus.PROSPECT]),
        )
        for slug, label in TOP_SECTORS
    ]
    total_members = sum(row.members for row in regions)
    total_prospects = sum(row.prospects for row in regions)
    no_sector = BreakdownRow(
        _("No sector given"),
        total_members - len(with_sector[MembershipStatus.MEMBER]),
        total_prospects - len(with_sector[MembershipStatus.PROSPECT]),
    )
    if no_sector.members or no_sector.prospects:
        sectors.append(no_sector)

    for table in (regions, sectors):
        largest = max([1, *(max(row.members, row.prospects) for row in table)])
        for row in table:
            row.members_width = round(100 * row.members / largest, 1)
            row.prospects_width = round(100 * row.prospects / largest, 1)
            row.room_to_grow = show_prospects and row.prospects > row.members
    growth = sorted(
        [("region", row) for row in regions if row.room_to_grow]
        + [("sector", row) for row in sectors if row.room_to_grow],
        key=lambda item: (-(item[1].prospects - item[1].members), item[1].label.lower()),
    )
    return Breakdown(show_prospects, regions, sectors, growth)


# ---------------------------------------------------------------------------------------------
# Presentation: what the page draws and lists (translated at render time, never cached).


@dataclass(frozen=True)
class Tie:
    source: Node
    label: str
    target: Node
    kind: str
    weight: int
    x1: float
    y1: float
    x2: float
    y2: float

    @property
    def stroke_width(self) -> float:
        return round(1 + min(3.0, math.log(self.weight) * 1.5), 1) if self.weight > 1 else 1


def tie_label(kind: str, weight: int = 1) -> str:
    if kind == SHARED_PEOPLE:
        return ngettext("shares %(count)s person with", "shares %(count)s people with", weight) % {
            "count": weight
        }
    if kind in RelationKind.values:
        return str(RelationKind(kind).label)
    if kind in EXTRA_TIE_KINDS:
        return EXTRA_TIE_KINDS[kind].describe(weight)
    return kind


def map_ties(network: NetworkMap) -> list[Tie]:
    """The drawn ties, for the lines and for the table under the map (ordered by name)."""
    ties = []
    for edge in network.edges:
        source, target = network.by_id[edge.a], network.by_id[edge.b]
        ties.append(
            Tie(
                source=source,
                label=tie_label(edge.kind, edge.weight),
                target=target,
                kind=edge.kind,
                weight=edge.weight,
                x1=source.x,
                y1=source.y,
                x2=target.x,
                y2=target.y,
            )
        )
    ties.sort(key=lambda tie: (tie.source.name.lower(), tie.target.name.lower(), tie.label.lower()))
    return ties
