"""Reads of the matchmaking app: recommendations (with filters and feedback), the introduction
queue, the outcome funnel. Each is a fixed number of queries whatever the number of rows."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from django.db.models import Min, OuterRef, Subquery
from django.shortcuts import get_object_or_404

from klynge.ecosystem.models import Affiliation, MembershipStatus, Organisation, Person
from klynge.ecosystem.selectors import directory_queryset
from klynge.matchmaking.engine import Reason
from klynge.matchmaking.index import get_index
from klynge.matchmaking.models import (
    STAGE_ORDER,
    Feedback,
    Introduction,
    IntroductionStatus,
    Match,
    MatchStage,
)
from klynge.matchmaking.reasons import describe_all

MAX_K = 50


@dataclass
class Filters:
    kind: str = ""
    country: str = ""
    members_only: bool = False


@dataclass
class Suggestion:
    organisation: Organisation
    score: float
    reasons: list[str]
    useful: bool | None = None  # this user's feedback
    introduction: str = ""  # status of a pending or decided introduction request
    features: dict = field(default_factory=dict)


def _mask(index, filters: Filters, hidden_ids) -> np.ndarray:
    mask = np.zeros(index.n, dtype=bool)
    if filters.kind:
        labels = index.kind_labels
        code = labels.index(filters.kind) if filters.kind in labels else -1
        mask |= index.kind_codes != code
    if filters.country:
        labels = index.country_labels
        code = labels.index(filters.country) if filters.country in labels else -1
        mask |= index.country_codes != code
    if filters.members_only:
        mask |= ~index.members
    for pk in hidden_ids:
        position = index.position.get(pk)
        if position is not None:
            mask[position] = True
    return mask


def _visible(
    user, ids, filters: Filters, *, introductions_of: Organisation | None = None
) -> dict[int, Organisation]:
    """The organisations among `ids` that `user` may see and that pass the filters; with
    `introductions_of`, each carries `introduction_status`, the status of the newest "introduce
    us" request from that organisation to it ("" when none). One query."""
    queryset = directory_queryset(user).filter(pk__in=ids)
    if filters.kind:
        queryset = queryset.filter(kind=filters.kind)
    if filters.country:
        queryset = queryset.filter(country=filters.country)
    if filters.members_only:
        queryset = queryset.filter(membership_status=MembershipStatus.MEMBER)
    if introductions_of is not None:
        newest = Introduction.objects.filter(
            organisation=introductions_of, partner=OuterRef("pk")
        ).order_by("-created_at", "-id")
        queryset = queryset.annotate(introduction_status=Subquery(newest.values("status")[:1]))
    return {organisation.pk: organisation for organisation in queryset}


def recommendations_for_organisation(
    user, organisation: Organisation, *, k: int = 10, filters: Filters | None = None
) -> list[Suggestion]:
    """The top k partners for `organisation` that `user` may see, best first. Partners someone
    marked "not useful" for this organisation are left out. Two queries (the feedback; the
    partners with their visibility and introductions), whatever k."""
    filters = filters or Filters()
    k = max(1, min(k, MAX_K))
    index = get_index(organisation.pk)
    if organisation.pk not in index.position:
        return []
    hidden, mine = set(), {}
    for partner_id, useful, user_id in Feedback.objects.filter(
        organisation=organisation
    ).values_list("partner_id", "useful", "user_id"):
        if not useful:
            hidden.add(partner_id)
        if user_id == user.pk:
            mine[partner_id] = useful
    # A few spare ones replace partners that became invisible or changed since the index.
    found = index.recommend(organisation.pk, k + 10, exclude=_mask(index, filters, hidden))
    visible = _visible(user, [r.id for r in found], filters, introductions_of=organisation)
    return [
        Suggestion(
            organisation=visible[r.id],
            score=r.score,
            reasons=describe_all(r.reasons),
            useful=mine.get(r.id),
            introduction=visible[r.id].introduction_status or "",
            features=r.features,
        )
        for r in found
        if r.id in visible
    ][:k]


def organisation_pair_scores(
    organisation_id: int | None, partner_ids: list[int | None]
) -> dict[int, tuple[float, list[str]]]:
    """The engine's score and reasons for `organisation_id` against each of `partner_ids`
    (for the B2B meetings' suggestions); organisations the index does not know are left out."""
    if not organisation_id:
        return {}
    index = get_index(organisation_id)
    i = index.position.get(organisation_id)
    wanted = sorted({pk for pk in partner_ids if pk and pk != organisation_id})
    candidates = np.asarray([index.position[pk] for pk in wanted if pk in index.position])
    if i is None or not len(candidates):
        return {}
    features = index._feature_matrix(i, candidates, exact_text=True)
    scores = index._blend(features)
    return {
        int(index.ids[j]): (
            round(float(scores[n]), 4),
            describe_all(index.reasons(i, int(j), features[:, n])),
        )
        for n, j in enumerate(candidates)
    }


def person_for_user(user) -> Person | None:
    return Person.objects.filter(user=user).first() if user.is_authenticated else None


def recommendations_for_person(
    user, person: Person, *, k: int = 10, filters: Filters | None = None
) -> list[Suggestion]:
    """Partners for a person: the best of their organisations' recommendations, plus
    organisations offering (or competent in) what the person is interested in."""
    filters = filters or Filters()
    k = max(1, min(k, MAX_K))
    organisation_ids = list(
        Affiliation.objects.current()
        .filter(person=person)
        .values_list("organisation_id", flat=True)
    )
    interests = {name.casefold() for name in person.interests.values_list("name", flat=True)}
    index = get_index()
    own = [index.position[pk] for pk in organisation_ids if pk in index.position]
    exclude = _mask(index, filters, ())
    for i in own:
        exclude |= index.excluded(i)
    best: dict[int, tuple[float, list[Reason]]] = {}
    for pk in organisation_ids:
        if pk in index.position:
            for r in index.recommend(pk, k + 10, exclude=exclude):
                if r.id not in best or best[r.id][0] < r.score:
                    best[r.id] = (r.score, r.reasons)
    if interests:
        vocabulary = {name: t for t, name in enumerate(index.tag_names)}
        matched: dict[int, set[str]] = defaultdict(set)
        for name in interests:
            t = vocabulary.get(name)
            if t is None:
                continue
            for matrix in (index.offers_t, index.competences_t):
                for j in matrix.indices[matrix.indptr[t] : matrix.indptr[t + 1]]:
                    if not exclude[j]:
                        matched[int(j)].add(name)
        for j, names in matched.items():
            pk = int(index.ids[j])
            score, reasons = best.get(pk, (0.0, []))
            bonus = 0.5 * min(1.0, len(names) / 2)
            best[pk] = (
                round(score + bonus, 4),
                [Reason("interest", {"tags": sorted(names)}), *reasons],
            )
    ranked = sorted(best.items(), key=lambda item: (-item[1][0], item[0]))[: k + 10]
    visible = _visible(user, [pk for pk, _ in ranked], filters)
    return [
        Suggestion(organisation=visible[pk], score=score, reasons=describe_all(reasons))
        for pk, (score, reasons) in ranked
        if pk in visible
    ][:k]


def organisations_acting_for(user) -> list[Organisation]:
    from klynge.accounts.roles import roles_for

    return sorted(
        {a.organisation for a in roles_for(user).affiliations}, key=lambda o: (o.name, o.pk)
    )


def pending_introductions():
    return Introduction.objects.filter(status=IntroductionStatus.PENDING).select_related(
        "organisation", "partner", "requested_by"
    )


def decided_introductions(limit: int = 20):
    return (
        Introduction.objects.exclude(status=IntroductionStatus.PENDING)
        .select_related("organisation", "partner", "decided_by")
        .order_by("-decided_at", "-id")[:limit]
    )


def get_introduction_for_user(user, pk: int) -> Introduction:
    return get_object_or_404(
        Introduction.objects.select_related("organisation", "partner", "requested_by"), pk=pk
    )


def funnel(*, year: int | None = None, event=None) -> dict:
    """The outcome funnel other apps (the impact reports) read: how many matches reached each
    stage or a later one, in total, per event and per year. A match's year is the year of its
    first recorded stage. `year` keeps the matches of that year, `event` (an event or its id)
    those made at that event. One query.

    Returns ``{"stages": [(value, label), ...], "total": [count per stage],
    "by_event": [{"event": title, "event_id": id or None, "counts": [...]}, ...],
    "by_year": [{"year": year, "counts": [...]}, ...]}``; counts follow the stage order."""
    matches = Match.objects.annotate(first=Min("steps__reached_on"))
    if event is not None:
        matches = matches.filter(event=event)
    rows = matches.values_list("event_id", "event__title", "stage", "first", "stage_on").order_by()
    stages = MatchStage.values
    by_event: dict[tuple, list[int]] = {}
    by_year: dict[int, list[int]] = {}
    total = [0] * len(stages)
    for event_id, title, stage, first, stage_on in rows:
        match_year = (first or stage_on).year
        if year is not None and match_year != year:
            continue
        reached = STAGE_ORDER[stage]
        for counts in (
            by_event.setdefault((title or "", event_id or 0), [0] * len(stages)),
            by_year.setdefault(match_year, [0] * len(stages)),
            total,
        ):
            for position in range(reached + 1):
                counts[position] += 1
    return {
        "stages": [(value, str(label)) for value, label in MatchStage.choices],
        "by_event": [
            {"event": title, "event_id": event_id or None, "counts": counts}
            for (title, event_id), counts in sorted(
                by_event.items(), key=lambda i: (i[0][1] == 0, i[0][0], i[0][1])
            )
        ],
        "by_year": [{"year": y, "counts": by_year[y]} for y in sorted(by_year)],
        "total": total,
    }


def outcome_funnel() -> dict:
    """The whole funnel (no filter); see `funnel`."""
    return funnel()


def funnel_years() -> list[int]:
    """The years that have matches, newest first (for the staff page's filter)."""
    firsts = Match.objects.annotate(first=Min("steps__reached_on")).values_list("first", "stage_on")
    return sorted({(first or stage_on).year for first, stage_on in firsts}, reverse=True)


def funnel_events() -> list[tuple[int, str]]:
    """The events that have matches, for the staff page's filter."""
    return list(
        Match.objects.filter(event__isnull=False)
        .values_list("event_id", "event__title")
        .distinct()
        .order_by("event__title", "event_id")
    )


def funnel_csv_rows(data: dict) -> list[list]:
    """The funnel as spreadsheet rows: a header, then one row per event, per year and the
    total, each with the count per stage."""
    header = ["group", "event_id", "event", "year", *[value for value, _label in data["stages"]]]
    rows = [header]
    for row in data["by_event"]:
        rows.append(["event", row["event_id"] or "", row["event"], "", *row["counts"]])
    for row in data["by_year"]:
        rows.append(["year", "", "", row["year"], *row["counts"]])
    rows.append(["total", "", "", "", *data["total"]])
    return rows
