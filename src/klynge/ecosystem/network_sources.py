"""Ties the other apps record, for the ecosystem map: events organised together, B2B meetings
held at events and joint projects that came out of matchmaking.

The ecosystem app does not import those apps (they depend on it); it reads their models
through the app registry, and registers a source only for an installed app. Each source runs
one or two queries whatever the number of organisations.
"""

from __future__ import annotations

from collections import defaultdict
from itertools import combinations

from django.apps import apps
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy, ngettext

from klynge.ecosystem.models import Organisation
from klynge.ecosystem.network import (
    SCOPE_STAFF,
    Edge,
    TieKind,
    register_edge_source,
    register_tie_kind,
)

CO_ORGANISED_EVENT = "co_organised_event"
B2B_MEETING = "b2b_meeting"
JOINT_PROJECT = "joint_project"

# Matchmaking stages from which two organisations work on something together.
PROJECT_STAGES = ("joint_project", "application", "funded")


def _edges(kind: str, pairs: dict[tuple[int, int], int]) -> list[Edge]:
    return [Edge(a, b, kind, weight) for (a, b), weight in sorted(pairs.items())]


def co_organised_event_edges(organisations: QuerySet[Organisation], scope: str) -> list[Edge]:
    """Two organisations organised an event together (the organiser and a co-organiser, or two
    co-organisers); the weight is the number of events. Outside staff, published events only
    (drafts and cancelled events are staff information). Two queries."""
    event_model = apps.get_model("events", "Event")
    events = event_model.objects.all()
    if scope != SCOPE_STAFF:
        events = events.filter(status="published")
    on_map = organisations.values("pk")
    by_event: dict[int, set[int]] = defaultdict(set)
    for event_id, organiser_id in events.filter(organiser__in=on_map).values_list(
        "pk", "organiser_id"
    ):
        by_event[event_id].add(organiser_id)
    through = event_model.co_organisers.through
    rows = through.objects.filter(event__in=events.values("pk"), organisation__in=on_map)
    for event_id, organisation_id in rows.values_list("event_id", "organisation_id"):
        by_event[event_id].add(organisation_id)
    weights: dict[tuple[int, int], int] = defaultdict(int)
    for organisation_ids in by_event.values():
        for pair in combinations(sorted(organisation_ids), 2):
            weights[pair] += 1
    return _edges(CO_ORGANISED_EVENT, weights)


def b2b_meeting_edges(organisations: QuerySet[Organisation], scope: str) -> list[Edge]:
    """Two organisations whose people met at a B2B meeting (confirmed meetings only); the
    weight is the number of meetings. Who met whom is staff information. One query."""
    if scope != SCOPE_STAFF:
        return []
    meeting_model = apps.get_model("meetings", "Meeting")
    on_map = organisations.values("pk")
    rows = meeting_model.objects.filter(
        status="confirmed",
        request__sender__organisation__in=on_map,
        request__recipient__organisation__in=on_map,
    ).values_list("request__sender__organisation_id", "request__recipient__organisation_id")
    weights: dict[tuple[int, int], int] = defaultdict(int)
    for a, b in rows:
        if a != b:
            weights[(min(a, b), max(a, b))] += 1
    return _edges(B2B_MEETING, weights)


def joint_project_edges(organisations: QuerySet[Organisation], scope: str) -> list[Edge]:
    """Two organisations that went on to a joint project, a funding application or a funded
    project after the cluster brought them together (matchmaking's recorded outcomes); the
    weight is the number of such matches. Staff information. One query."""
    if scope != SCOPE_STAFF:
        return []
    match_model = apps.get_model("matchmaking", "Match")
    on_map = organisations.values("pk")
    rows = match_model.objects.filter(
        stage__in=PROJECT_STAGES, organisation_a__in=on_map, organisation_b__in=on_map
    ).values_list("organisation_a_id", "organisation_b_id")
    weights: dict[tuple[int, int], int] = defaultdict(int)
    for a, b in rows:
        weights[(min(a, b), max(a, b))] += 1
    return _edges(JOINT_PROJECT, weights)


def register() -> None:
    """Registers the sources of the installed apps (from `EcosystemConfig.ready`)."""
    if apps.is_installed("klynge.events"):
        event_model = apps.get_model("events", "Event")
        register_tie_kind(
            TieKind(
                CO_ORGANISED_EVENT,
                gettext_lazy("Events organised together"),
                lambda n: (
                    ngettext("organised %(count)s event with", "organised %(count)s events with", n)
                    % {"count": n}
                ),
            )
        )
        register_edge_source(
            co_organised_event_edges, stamps=(event_model, event_model.co_organisers.through)
        )
    if apps.is_installed("klynge.meetings"):
        register_tie_kind(
            TieKind(
                B2B_MEETING,
                gettext_lazy("B2B meetings"),
                lambda n: (
                    ngettext("had %(count)s B2B meeting with", "had %(count)s B2B meetings with", n)
                    % {"count": n}
                ),
            )
        )
        register_edge_source(
            b2b_meeting_edges,
            stamps=(
                apps.get_model("meetings", "Meeting"),
                apps.get_model("meetings", "Participant"),
            ),
        )
    if apps.is_installed("klynge.matchmaking"):
        register_tie_kind(
            TieKind(
                JOINT_PROJECT,
                gettext_lazy("Joint projects"),
                lambda n: (
                    ngettext(
                        "has %(count)s joint project with", "has %(count)s joint projects with", n
                    )
                    % {"count": n}
                ),
            )
        )
        register_edge_source(joint_project_edges, stamps=(apps.get_model("matchmaking", "Match"),))
