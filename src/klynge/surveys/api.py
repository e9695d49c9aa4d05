"""Surveys under /api/v1/ (staff): the list with response rates, one survey with its
questions, and its results (the same figures and the same small-group suppression as the
results page). Answering is page-only: the personal link is the authorisation."""

from __future__ import annotations

import datetime
from typing import Literal

from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from klynge.core.permissions import ensure_api_permission
from klynge.surveys.figures import MIN_GROUP
from klynge.surveys.models import QuestionKind, Survey
from klynge.surveys.results import Results, survey_results
from klynge.surveys.selectors import surveys_with_rates
from klynge.surveys.services import questions_of

router = Router(tags=["surveys"])


def _number(value):
    return None if value is None else float(value)


def results_as_json(results: Results) -> dict:
    """The results as plain JSON data: the same figures the page shows, hidden ones left out."""
    data = {
        "survey": results.survey.pk,
        "invited": results.invited,
        "responded": results.responded,
        "respondents": results.respondents,
        "response_rate": _number(results.rate),
        "minimum_group": MIN_GROUP,
        "shown": results.shown,
        "breakdown": results.dimension or None,
        "segments": [
            {
                "label": s.label,
                "respondents": None if s.hidden else s.respondents,
                "hidden": bool(s.hidden),
            }
            for s in results.segments
        ],
        "questions": [],
    }
    for r in results.questions:
        item = {
            "number": r.number,
            "id": r.question.pk,
            "key": r.question.key,
            "kpi_key": r.question.kpi_key,
            "kind": r.kind,
            "text": r.text,
            "answered": r.answered,
            "hidden": r.hidden,
        }
        if not r.hidden:
            if r.rows:
                item["options"] = [
                    {"value": row.value, "label": row.label, "count": row.count,
                     "share": _number(row.share)}
                    for row in r.rows
                ]  # fmt: skip
            if r.kind in (QuestionKind.SCALE, QuestionKind.NPS):
                item["mean"] = _number(r.mean)
            if r.kind == QuestionKind.NPS:
                item.update(
                    nps=r.nps, promoters=r.promoters, passives=r.passives, detractors=r.detractors
                )
            if r.kind == QuestionKind.MATRIX:
                item["scale"] = r.scale
                item["rows"] = [
                    {"label": m.label, "counts": m.counts, "answered": m.answered,
                     "mean": _number(m.mean)}
                    for m in r.matrix
                ]  # fmt: skip
            if r.breakdown is not None:
                item["breakdown"] = {
                    "columns": r.breakdown.columns,
                    "groups": [
                        {"label": g.label, "hidden": bool(g.hidden),
                         "answered": None if g.hidden else g.answered,
                         "figures": [_number(v) for v in g.values]}
                        for g in r.breakdown.groups
                    ],
                }  # fmt: skip
        data["questions"].append(item)
    return data


class SurveyOut(Schema):
    id: int
    title: dict[str, str]
    display_title: str
    status: str
    year: int
    anonymous: bool
    publish_results: bool
    languages: list[str]
    default_language: str
    template: str
    opened_at: datetime.datetime | None
    closes_at: datetime.datetime | None
    closed_at: datetime.datetime | None
    invited: int
    responded: int
    response_rate: float | None
    url: str

    @staticmethod
    def resolve_response_rate(survey) -> float | None:
        return round(100 * survey.responded / survey.invited, 1) if survey.invited else None

    @staticmethod
    def resolve_url(survey) -> str:
        return survey.get_absolute_url()


class OptionOut(Schema):
    value: str
    text: dict[str, str]


class QuestionOut(Schema):
    id: int
    number: int
    kind: str
    key: str
    kpi_key: str
    required: bool
    text: dict[str, str]
    help: dict[str, str]
    options: list[OptionOut]
    scale_min: int | None
    scale_max: int | None
    condition_question: int | None
    condition_values: list[str]


class SurveyDetailOut(SurveyOut):
    intro: dict[str, str]
    questions: list[QuestionOut]

    @staticmethod
    def resolve_questions(survey) -> list[dict]:
        return survey.question_list


class SegmentOut(Schema):
    label: str
    respondents: int | None
    hidden: bool


class OptionResultOut(Schema):
    value: str
    label: str
    count: int
    share: float | None


class MatrixRowOut(Schema):
    label: str
    counts: list[int]
    answered: int
    mean: float | None


class GroupOut(Schema):
    label: str
    hidden: bool
    answered: int | None
    figures: list[float | None]


class BreakdownOut(Schema):
    columns: list[str]
    groups: list[GroupOut]


class QuestionResultOut(Schema):
    number: int
    id: int
    key: str
    kpi_key: str
    kind: str
    text: str
    answered: int
    hidden: bool
    options: list[OptionResultOut] | None = None
    mean: float | None = None
    nps: int | None = None
    promoters: int | None = None
    passives: int | None = None
    detractors: int | None = None
    scale: list[int] | None = None
    rows: list[MatrixRowOut] | None = None
    breakdown: BreakdownOut | None = None


class ResultsOut(Schema):
    survey: int
    invited: int
    responded: int
    respondents: int
    response_rate: float | None
    minimum_group: int
    shown: bool
    breakdown: str | None
    segments: list[SegmentOut]
    questions: list[QuestionResultOut]


class ResultsQuery(Schema):
    by: Literal["", "sector", "size", "kind", "tier"] = ""


def _survey(survey_id: int) -> Survey:
    return get_object_or_404(surveys_with_rates(), pk=survey_id)


@router.get("/surveys", response=list[SurveyOut], summary="Surveys with response rates (staff)")
@paginate(PageNumberPagination, page_size=50)
def list_surveys(request):
    ensure_api_permission(request, "surveys.manage_survey")
    return surveys_with_rates()


@router.get(
    "/surveys/{survey_id}", response=SurveyDetailOut, summary="One survey and its questions"
)
def get_survey(request, survey_id: int):
    ensure_api_permission(request, "surveys.manage_survey")
    survey = _survey(survey_id)
    questions = questions_of(survey)
    survey.question_list = [
        {
            "id": q.pk,
            "number": number,
            "kind": q.kind,
            "key": q.key,
            "kpi_key": q.kpi_key,
            "required": q.required,
            "text": q.text,
            "help": q.help,
            "options": [{"value": o.value, "text": o.text} for o in q.options.all()],
            "scale_min": q.scale_min,
            "scale_max": q.scale_max,
            "condition_question": q.condition_question_id,
            "condition_values": q.condition_values,
        }
        for number, q in enumerate(questions, start=1)
    ]
    return survey


@router.get(
    "/surveys/{survey_id}/results",
    response=ResultsOut,
    summary="A survey's results (staff)",
    description="Counts, shares (%), means, the NPS and matrix tables per question; with `by` "
    "a breakdown by sector, size, kind or tier in which groups under 5 answers are hidden. "
    "Free-text answers are not included.",
)
def get_results(request, survey_id: int, query: Query[ResultsQuery]):
    ensure_api_permission(request, "surveys.view_results")
    survey = get_object_or_404(Survey, pk=survey_id)
    return results_as_json(survey_results(survey, viewer="staff", dimension=query.by))
