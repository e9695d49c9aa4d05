"""Partner recommendations and introductions under /api/v1/matchmaking/.

Contract: GET /matchmaking/recommendations?organisation=ID&k=10 answers
``{"items": [{"organisation": ID, "name": ..., "score": S, "reasons": [...]}, ...]}``.
"""

from ninja import Field, Query, Router, Schema, Status

from klynge.core.permissions import ensure_api_permission
from klynge.ecosystem.models import Country, OrganisationKind
from klynge.ecosystem.selectors import directory_queryset, get_organisation_by_id_for_user
from klynge.matchmaking import selectors, services

router = Router(tags=["matchmaking"])


class RecommendationQuery(Schema):
    organisation: int
    k: int = Field(10, ge=1, le=selectors.MAX_K)
    kind: OrganisationKind | None = None
    country: Country | None = None
    members_only: bool = False


class RecommendationOut(Schema):
    organisation: int
    name: str
    score: float
    reasons: list[str]


class RecommendationsOut(Schema):
    items: list[RecommendationOut]


class FeedbackIn(Schema):
    organisation: int
    partner: int
    useful: bool


class FeedbackOut(Schema):
    organisation: int
    partner: int
    useful: bool


class IntroductionIn(Schema):
    organisation: int
    partner: int
    message: str = Field("", max_length=2000)


class IntroductionOut(Schema):
    id: int
    organisation: int
    partner: int
    status: str
    message: str


class AcceptIn(Schema):
    note: str = Field("", max_length=2000)


class DeclineIn(Schema):
    reason: str = Field(..., max_length=2000)


def _introduction_out(introduction) -> dict:
    return {
        "id": introduction.pk,
        "organisation": introduction.organisation_id,
        "partner": introduction.partner_id,
        "status": introduction.status,
        "message": introduction.message,
    }


def _partner(request, pk: int):
    from django.shortcuts import get_object_or_404

    return get_object_or_404(directory_queryset(request.auth), pk=pk)


@router.get("/matchmaking/recommendations", response=RecommendationsOut)
def recommendations(request, query: Query[RecommendationQuery]):
    organisation = get_organisation_by_id_for_user(request.auth, query.organisation)
    ensure_api_permission(request, "matchmaking.view_recommendations", organisation)
    filters = selectors.Filters(
        kind=query.kind or "", country=query.country or "", members_only=query.members_only
    )
    found = selectors.recommendations_for_organisation(
        request.auth, organisation, k=query.k, filters=filters
    )
    return {
        "items": [
            {
                "organisation": s.organisation.pk,
                "name": s.organisation.name,
                "score": s.score,
                "reasons": s.reasons,
            }
            for s in found
        ]
    }


@router.post("/matchmaking/feedback", response=FeedbackOut)
def feedback(request, payload: FeedbackIn):
    organisation = get_organisation_by_id_for_user(request.auth, payload.organisation)
    ensure_api_permission(request, "matchmaking.give_feedback", organisation)
    saved = services.give_feedback(
        actor=request.auth,
        organisation=organisation,
        partner=_partner(request, payload.partner),
        useful=payload.useful,
    )
    return {
        "organisation": saved.organisation_id,
        "partner": saved.partner_id,
        "useful": saved.useful,
    }


@router.post("/matchmaking/introductions", response={201: IntroductionOut})
def request_introduction(request, payload: IntroductionIn):
    organisation = get_organisation_by_id_for_user(request.auth, payload.organisation)
    ensure_api_permission(request, "matchmaking.request_introduction", organisation)
    introduction = services.request_introduction(
        actor=request.auth,
        organisation=organisation,
        partner=_partner(request, payload.partner),
        message=payload.message,
    )
    return Status(201, _introduction_out(introduction))


@router.get("/matchmaking/introductions", response=list[IntroductionOut])
def pending_introductions(request):
    ensure_api_permission(request, "matchmaking.broker_introduction")
    return [_introduction_out(i) for i in selectors.pending_introductions()]


@router.post("/matchmaking/introductions/{introduction_id}/accept", response=IntroductionOut)
def accept_introduction(request, introduction_id: int, payload: AcceptIn):
    introduction = selectors.get_introduction_for_user(request.auth, introduction_id)
    ensure_api_permission(request, "matchmaking.broker_introduction", introduction)
    return _introduction_out(
        services.accept_introduction(
            actor=request.auth, introduction=introduction, note=payload.note
        )
    )


@router.post("/matchmaking/introductions/{introduction_id}/decline", response=IntroductionOut)
def decline_introduction(request, introduction_id: int, payload: DeclineIn):
    introduction = selectors.get_introduction_for_user(request.auth, introduction_id)
    ensure_api_permission(request, "matchmaking.broker_introduction", introduction)
    return _introduction_out(
        services.decline_introduction(
            actor=request.auth, introduction=introduction, reason=payload.reason
        )
    )


class FunnelQuery(Schema):
    year: int | None = Field(
        None, ge=1900, le=2100, description="Matches first recorded that year."
    )
    event: int | None = Field(None, description="Matches made at this event (id).")


class FunnelRowOut(Schema):
    counts: dict[str, int]


class FunnelEventOut(FunnelRowOut):
    event: int | None
    title: str


class FunnelYearOut(FunnelRowOut):
    year: int


class FunnelOut(Schema):
    stages: list[str]
    total: dict[str, int]
    by_event: list[FunnelEventOut]
    by_year: list[FunnelYearOut]


@router.get(
    "/matchmaking/outcomes",
    response=FunnelOut,
    summary="The outcome funnel of matches (staff)",
    description="How many matches reached each stage or a later one (introduced, met, "
    "follow_up, joint_project, application, funded), in total, per event and per year of the "
    "first recorded stage. Filters: `year`, `event`.",
)
def outcomes(request, query: Query[FunnelQuery]):
    ensure_api_permission(request, "matchmaking.view_outcomes")
    data = selectors.funnel(year=query.year, event=query.event)
    stages = [value for value, _label in data["stages"]]

    def named(counts):
        return dict(zip(stages, counts, strict=True))

    return {
        "stages": stages,
        "total": named(data["total"]),
        "by_event": [
            {"event": row["event_id"], "title": row["event"], "counts": named(row["counts"])}
            for row in data["by_event"]
        ],
        "by_year": [
            {"year": row["year"], "counts": named(row["counts"])} for row in data["by_year"]
        ],
    }
