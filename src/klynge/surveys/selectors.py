"""Reads of surveys: lists with response rates, fetching one for a user, the respondent's own
invitations, and the two reads the insights app uses (`kpi_answers`, `satisfaction`)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from klynge.accounts.predicates import is_cluster_staff
from klynge.surveys.figures import MIN_GROUP, mean, net_promoter_score, percent
from klynge.surveys.models import (
    Answer,
    Invitation,
    KpiKey,
    Need,
    Question,
    QuestionKind,
    Response,
    Survey,
    SurveyStatus,
    TemplateKey,
)


@dataclass(frozen=True)
class Rate:
    invited: int
    responded: int

    @property
    def percent(self) -> Decimal | None:
        return percent(self.responded, self.invited)


def surveys_with_rates() -> QuerySet[Survey]:
    """Every survey with `invited` and `responded` counted in the same query."""
    return Survey.objects.annotate(
        invited=Count("invitations"),
        responded=Count("invitations", filter=Q(invitations__responded=True)),
    ).order_by("-created_at", "-id")


def response_rate(survey: Survey) -> Rate:
    counts = Invitation.objects.filter(survey=survey).aggregate(
        invited=Count("id"), responded=Count("id", filter=Q(responded=True))
    )
    return Rate(counts["invited"], counts["responded"])


# --- Fetching one for a user -------------------------------------------------------------------


def get_survey_for_staff(user, pk: int) -> Survey | None:
    """The survey for cluster staff; None for everyone else (so the permission refuses)."""
    if not is_cluster_staff(user):
        return None
    return get_object_or_404(Survey, pk=pk)


def get_question_for_staff(user, survey_pk: int, pk: int) -> Question | None:
    if not is_cluster_staff(user):
        return None
    return get_object_or_404(
        Question.objects.select_related("survey").prefetch_related("options"),
        pk=pk,
        survey_id=survey_pk,
    )


def get_answer_for_staff(user, survey_pk: int, pk) -> Answer | None:
    if not is_cluster_staff(user):
        return None
    return get_object_or_404(
        Answer.objects.select_related(
            "question__survey", "response__organisation", "response__person"
        ),
        pk=pk,
        question__survey_id=survey_pk,
    )


def get_need_for_staff(user, pk: int) -> Need | None:
    if not is_cluster_staff(user):
        return None
    return get_object_or_404(Need, pk=pk)


def published_surveys() -> QuerySet[Survey]:
    """Surveys whose aggregated results staff published to members."""
    return Survey.objects.filter(
        publish_results=True, status__in=[SurveyStatus.OPEN, SurveyStatus.CLOSED]
    )


def get_published_survey(user, pk: int) -> Survey:
    survey = published_surveys().filter(pk=pk).first()
    if survey is None:
        raise Http404
    return survey


# --- The respondent ------------------------------------------------------------------------------


def open_invitations_of(user) -> list[Invitation]:
    """The user's invitations to open surveys they can still answer: not yet answered, or
    answered in an identified survey (those answers may change until it closes)."""
    if not getattr(user, "is_authenticated", False):
        return []
    now = timezone.now()
    invitations = (
        Invitation.objects.filter(
            person__user=user, survey__status=SurveyStatus.OPEN, survey__closes_at__gt=now
        )
        .filter(Q(responded=False) | Q(survey__anonymous=False))
        .select_related("survey")
        .order_by("survey__closes_at", "id")
    )
    return list(invitations)


def needs(*, tag: str = "", organisation_id: int | None = None) -> QuerySet[Need]:
    queryset = Need.objects.select_related(
        "organisation", "survey", "task", "task__assignee", "created_by"
    ).prefetch_related("tags")
    if tag:
        queryset = queryset.filter(tags__name__iexact=tag)
    if organisation_id:
        queryset = queryset.filter(organisation_id=organisation_id)
    return queryset.order_by("-created_at", "-id")


# --- For the insights app (the contract of issue 7) -----------------------------------------------


def kpi_answers(*, year: int) -> dict[int, dict[str, bool]]:
    """Organisation id -> {kpi_key: answer} from identified responses to the yes/no questions
    marked with a `kpi_key` in surveys about `year` (opened or closed, not drafts).

    When several people answered for one organisation, a "yes" from any of them counts: a
    launch or a grant known to one employee happened. Keys an organisation did not answer are
    left out. One query.
    """
    rows = (
        Answer.objects.filter(
            question__kpi_key__in=KpiKey.values,
            question__kind=QuestionKind.YES_NO,
            question__survey__year=year,
            question__survey__status__in=[SurveyStatus.OPEN, SurveyStatus.CLOSED],
            response__identified=True,
            response__organisation__isnull=False,
            number__isnull=False,
        )
        .order_by()
        .values_list("response__organisation_id", "question__kpi_key", "number")
    )
    answers: dict[int, dict[str, bool]] = {}
    for organisation_id, key, number in rows:
        own = answers.setdefault(organisation_id, {})
        own[key] = own.get(key, False) or bool(number)
    return answers


def _float(value) -> float | None:
    return None if value is None else float(value)


def satisfaction(*, year: int) -> dict:
    """Member satisfaction from the annual member survey about `year` (opened or closed):

    ``{"year", "surveys" (ids), "invited", "respondents", "response_rate" (%, one decimal),
    "nps" (-100..100), "mean_satisfaction" (1–5, two decimals), "scale": [1, 5],
    "services": {service: mean}}``. Every figure from fewer than 5 answers is None, as is
    everything when no such survey exists (respondents 0).
    """
    surveys = list(
        Survey.objects.filter(
            template=TemplateKey.ANNUAL_MEMBER,
            year=year,
            status__in=[SurveyStatus.OPEN, SurveyStatus.CLOSED],
        ).values_list("pk", flat=True)
    )
    invited = Invitation.objects.filter(survey_id__in=surveys).aggregate(
        invited=Count("id"), responded=Count("id", filter=Q(responded=True))
    )
    respondents = Response.objects.filter(survey_id__in=surveys).count()
    by_key: dict[str, dict[int, int]] = {}
    for key, number, n in (
        Answer.objects.filter(
            question__survey_id__in=surveys,
            question__kind__in=[QuestionKind.NPS, QuestionKind.SCALE],
            number__isnull=False,
        )
        .filter(Q(question__key="nps") | Q(question__key__startswith="satisfaction"))
        .order_by()
        .values_list("question__key", "number")
        .annotate(n=Count("id"))
    ):
        by_key.setdefault(key, {})[number] = by_key.get(key, {}).get(number, 0) + n

    def enough(key: str) -> dict[int, int] | None:
        distribution = by_key.get(key) or {}
        return distribution if sum(distribution.values()) >= MIN_GROUP else None

    def average(key: str) -> float | None:
        distribution = enough(key)
        return _float(mean(list(distribution.items()))) if distribution else None

    nps = enough("nps")
    services = sorted(
        key.removeprefix("satisfaction-") for key in by_key if key.startswith("satisfaction-")
    )
    return {
        "year": year,
        "surveys": surveys,
        "invited": invited["invited"],
        "respondents": respondents,
        "response_rate": _float(percent(invited["responded"], invited["invited"])),
        "nps": net_promoter_score(nps) if nps else None,
        "mean_satisfaction": average("satisfaction") if respondents >= MIN_GROUP else None,
        "scale": [1, 5],
        "services": {service: average(f"satisfaction-{service}") for service in services},
    }
