"""Ties the other apps record, on the ecosystem map: events organised together, B2B meetings
and joint projects (registered from `network_sources` without touching those apps)."""

import datetime

import pytest
from django.core.cache import cache
from django.utils import timezone

from klynge.ecosystem import network
from klynge.ecosystem.models import MembershipStatus
from klynge.ecosystem.network import (
    SCOPE_PUBLIC,
    SCOPE_STAFF,
    NetworkFilters,
    build_network,
    map_ties,
)
from klynge.ecosystem.network_sources import B2B_MEETING, CO_ORGANISED_EVENT, JOINT_PROJECT
from klynge.ecosystem.tests.factories import OrganisationFactory, PersonFactory
from klynge.events.models import EventStatus
from klynge.events.tests.factories import EventFactory
from klynge.matchmaking.models import Match

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def orgs(db):
    return {
        slug: OrganisationFactory(name=slug.title(), slug=slug, membership_status=status)
        for slug, status in [
            ("alpha", MembershipStatus.MEMBER),
            ("beta", MembershipStatus.MEMBER),
            ("gamma", MembershipStatus.PARTNER),
            ("prospect", MembershipStatus.PROSPECT),
        ]
    }


def _edges(graph, kind):
    by_id = {node.id: node.slug for node in graph.nodes}
    return sorted((by_id[e.a], by_id[e.b], e.weight) for e in graph.edges if e.kind == kind)


def test_events_organised_together_tie_their_organisers(orgs):
    one = EventFactory(organiser=orgs["alpha"])
    one.co_organisers.set([orgs["beta"], orgs["gamma"]])
    two = EventFactory(organiser=orgs["beta"])
    two.co_organisers.set([orgs["alpha"], orgs["prospect"]])
    draft = EventFactory(organiser=orgs["gamma"], status=EventStatus.DRAFT)
    draft.co_organisers.set([orgs["alpha"]])

    public = build_network(SCOPE_PUBLIC, NetworkFilters())
    assert _edges(public, CO_ORGANISED_EVENT) == [
        ("alpha", "beta", 2),
        ("alpha", "gamma", 1),
        ("beta", "gamma", 1),
    ]  # no prospect for the public, no draft
    staff = build_network(SCOPE_STAFF, NetworkFilters())
    assert _edges(staff, CO_ORGANISED_EVENT) == [
        ("alpha", "beta", 2),
        ("alpha", "gamma", 2),
        ("alpha", "prospect", 1),
        ("beta", "gamma", 1),
        ("beta", "prospect", 1),
    ]
    labels = {tie.label for tie in map_ties(staff)}
    assert {"organised 2 events with", "organised 1 event with"} <= labels
    only = build_network(SCOPE_STAFF, NetworkFilters(tie=CO_ORGANISED_EVENT))
    assert {e.kind for e in only.edges} == {CO_ORGANISED_EVENT}


def test_a_new_co_organiser_shows_on_the_cached_map_at_once(orgs):
    event = EventFactory(organiser=orgs["alpha"])
    before = network.ecosystem_map(SCOPE_PUBLIC, NetworkFilters())
    assert _edges(before, CO_ORGANISED_EVENT) == []
    event.co_organisers.add(orgs["beta"])  # changes no organisation, relation or affiliation
    after = network.ecosystem_map(SCOPE_PUBLIC, NetworkFilters())
    assert _edges(after, CO_ORGANISED_EVENT) == [("alpha", "beta", 1)]


def test_joint_projects_and_b2b_meetings_are_for_staff(orgs):
    Match.objects.create(
        organisation_a=orgs["alpha"],
        organisation_b=orgs["beta"],
        origin="introduction",
        stage="joint_project",
        stage_on=datetime.date(2026, 1, 5),
    )
    Match.objects.create(
        organisation_a=orgs["alpha"],
        organisation_b=orgs["gamma"],
        origin="introduction",
        stage="met",  # only met: no project yet
        stage_on=datetime.date(2026, 1, 5),
    )
    from klynge.meetings import services as meetings
    from klynge.meetings.tests.factories import make_session

    session = make_session(event=EventFactory(starts_at=timezone.now() + datetime.timedelta(30)))
    sender, recipient = PersonFactory(), PersonFactory()
    meetings.opt_in(actor=None, session=session, person=sender, organisation=orgs["beta"])
    meetings.opt_in(actor=None, session=session, person=recipient, organisation=orgs["gamma"])
    request = meetings.send_request(actor=None, session=session, sender=sender, recipient=recipient)
    meetings.accept_request(actor=None, request=request)

    staff = build_network(SCOPE_STAFF, NetworkFilters())
    assert _edges(staff, JOINT_PROJECT) == [("alpha", "beta", 1)]
    assert _edges(staff, B2B_MEETING) == [("beta", "gamma", 1)]
    public = build_network(SCOPE_PUBLIC, NetworkFilters())
    assert _edges(public, JOINT_PROJECT) == _edges(public, B2B_MEETING) == []


def test_the_filter_and_legend_offer_the_new_ties(client, orgs, staff):
    client.force_login(staff)
    response = client.get("/directory/network/")
    kinds = [value for value, _label in response.context["tie_legend"]]
    assert kinds[-3:] == [CO_ORGANISED_EVENT, B2B_MEETING, JOINT_PROJECT]
    assert 'class="edge edge--co_organised_event"' in response.content.decode()
