"""A survey's results: counts and shares per question, means, the NPS, matrix tables, free
texts, and breakdowns by segment, computed in the database with a constant number of queries.

Small groups are never shown. A breakdown hides every group with fewer than five answers
("fewer than 5"), and where the groups split the respondents (size, kind, tier: each response
is in exactly one) it also hides the next smallest groups until the hidden ones add up to five
or more, so that no hidden group can be worked out by subtracting the shown ones from the
total. Members (and everyone, for an anonymous survey) see a question's figures only once five
people have answered it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Exists, F, OuterRef, Q, Window
from django.db.models.functions import RowNumber
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from klynge.core.charts import Chart, Series, bar_chart, format_value
from klynge.ecosystem.models import OrganisationKind, SizeBand
from klynge.ecosystem.search import TOP_SECTORS
from klynge.ecosystem.taxonomy import SECTOR_LABELS
from klynge.surveys.figures import (
    DETRACTORS,
    MIN_GROUP,
    PROMOTERS,
    hidden_reasons,
    mean,
    net_promoter_score,
    percent,
)
from klynge.surveys.models import (
    Answer,
    Invitation,
    Need,
    Question,
    QuestionKind,
    Response,
    Survey,
)
from klynge.surveys.texts import text_in

DIMENSIONS = [
    ("sector", gettext_lazy("Sector")),
    ("size", gettext_lazy("Size")),
    ("kind", gettext_lazy("Kind of organisation")),
    ("tier", gettext_lazy("Membership tier")),
]
# Written answers shown per question on the results page (all of them on the question's page).
TEXTS_SHOWN = 50
_COLUMN = {"sector": "sector_bits", "size": "size_band", "kind": "kind", "tier": "tier"}


# --- The shapes the pages, the API and the exports read ------------------------------------------


@dataclass
class Row:
    label: str
    count: int
    share: Decimal | None
    value: str = ""


@dataclass
class MatrixRow:
    label: str
    counts: list[int]
    answered: int
    mean: Decimal | None


@dataclass
class TextAnswer:
    id: str
    text: str
    organisation: str = ""
    organisation_slug: str = ""
    person: str = ""
    has_need: bool = False


@dataclass
class GroupRow:
    label: str
    answered: int
    # "" when shown; "small" under five answers; "complement" hidden so that a small group
    # cannot be worked out from the others.
    hidden: str = ""
    values: list = field(default_factory=list)
    units: list[str] = field(default_factory=list)

    @property
    def cells(self) -> list[str]:
        return [format_value(v, u) for v, u in zip(self.values, self.units, strict=True)]


@dataclass
class Breakdown:
    dimension: str
    columns: list[str]
    groups: list[GroupRow]


@dataclass
class QuestionResult:
    number: int
    question: Question
    text: str
    kind: str
    answered: int
    hidden: bool = False
    rows: list[Row] = field(default_factory=list)
    mean: Decimal | None = None
    nps: int | None = None
    promoters: int = 0
    passives: int = 0
    detractors: int = 0
    scale: list[int] = field(default_factory=list)
    matrix: list[MatrixRow] = field(default_factory=list)
    texts: list[TextAnswer] = field(default_factory=list)
    chart: Chart | None = None
    breakdown: Breakdown | None = None
    condition: str = ""
    low_label: str = ""
    high_label: str = ""


@dataclass
class SegmentRow:
    label: str
    respondents: int
    hidden: str = ""  # as GroupRow.hidden


@dataclass
class Results:
    survey: Survey
    invited: int
    responded: int
    respondents: int
    rate: Decimal | None
    shown: bool
    minimum: int
    questions: list[QuestionResult]
    dimension: str = ""
    segments: list[SegmentRow] = field(default_factory=list)
    texts_shown: bool = False


# --- Segments ------------------------------------------------------------------------------------


def _group_label(dimension: str, key: str) -> str:
    if dimension == "sector":
        return str(SECTOR_LABELS.get(key, key)) if key else _("No sector given")
    if dimension == "size":
        return str(dict(SizeBand.choices).get(key, key)) if key else _("Size unknown")
    if dimension == "kind":
        return str(dict(OrganisationKind.choices).get(key, key)) if key else _("Kind unknown")
    return key or _("No membership tier")


def _group_order(dimension: str, keys) -> list[str]:
    def rank(key: str):
        if not key:
            return (2, 0, "")
        if dimension == "sector":
            return (0, TOP_SECTORS.index(key) if key in TOP_SECTORS else 99, key)
        if dimension == "size":
            values = list(SizeBand.values)
            return (0, values.index(key) if key in values else 99, key)
        return (1, 0, _group_label(dimension, key).lower())

    return sorted(keys, key=rank)


def _expand(dimension: str, key) -> list[str]:
    """The groups a response's stored value puts it in (several sectors share their bits)."""
    if dimension != "sector":
        return [key or ""]
    sectors = [slug for bit, slug in enumerate(TOP_SECTORS) if key & (1 << bit)]
    return sectors or [""]


# --- Computing -------------------------------------------------------------------------------------


def _number_label(question: Question, value: int, language: str | None) -> str:
    scale = question.scale_range
    text = str(value)
    if value == scale.start and (low := text_in(question.low_label, language, "en")):
        return f"{text} – {low}"
    if value == scale.stop - 1 and (high := text_in(question.high_label, language, "en")):
        return f"{text} – {high}"
    return text


def _fill(result: QuestionResult, counts: dict, language: str | None) -> None:
    """Counts, shares, means and the chart of one question from `counts[(option, number)]`."""
    question = result.question
    default = question.survey.default_language
    answered = result.answered
    kind = question.kind
    heading = {"number": result.number}
    if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        for option in question.options.all():
            n = counts.get((option.pk, None), 0)
            label = option.text_for(language, default)
            result.rows.append(Row(label, n, percent(n, answered), option.value))
        result.chart = bar_chart(
            [row.label for row in result.rows],
            [Series(_("Share of those who answered"), [row.share for row in result.rows])],
            title=_("Question %(number)s: share of those who answered") % heading,
            unit="%",
        )
    elif kind == QuestionKind.YES_NO:
        for value, label, number in (("yes", _("Yes"), 1), ("no", _("No"), 0)):
            n = counts.get((None, number), 0)
            result.rows.append(Row(label, n, percent(n, answered), value))
        result.chart = bar_chart(
            [row.label for row in result.rows],
            [Series(_("Share of those who answered"), [row.share for row in result.rows])],
            title=_("Question %(number)s: share of those who answered") % heading,
            unit="%",
        )
    elif kind in (QuestionKind.SCALE, QuestionKind.NPS):
        distribution = {v: counts.get((None, v), 0) for v in question.scale_range}
        result.scale = list(distribution)
        for value, n in distribution.items():
            label = _number_label(question, value, language)
            result.rows.append(Row(label, n, percent(n, answered), str(value)))
        result.mean = mean(list(distribution.items()))
        result.chart = bar_chart(
            [str(v) for v in distribution],
            [Series(_("Answers"), list(distribution.values()))],
            title=_("Question %(number)s: answers per value") % heading,
        )
        if kind == QuestionKind.NPS:
            result.nps = net_promoter_score(distribution)
            result.promoters = sum(distribution[v] for v in PROMOTERS)
            result.detractors = sum(distribution[v] for v in DETRACTORS)
            result.passives = answered - result.promoters - result.detractors
            groups = [
                (_("Detractors (0–6)"), result.detractors),
                (_("Passives (7–8)"), result.passives),
                (_("Promoters (9–10)"), result.promoters),
            ]
            result.chart = bar_chart(
                [label for label, _n in groups],
                [
                    Series(
                        _("Share of those who answered"), [percent(n, answered) for _l, n in groups]
                    )
                ],
                title=_("Question %(number)s: promoters, passives and detractors") % heading,
                unit="%",
            )
    elif kind == QuestionKind.MATRIX:
        result.scale = list(question.scale_range)
        for row in question.options.all():
            row_counts = [counts.get((row.pk, v), 0) for v in result.scale]
            result.matrix.append(
                MatrixRow(
                    label=row.text_for(language, default),
                    counts=row_counts,
                    answered=sum(row_counts),
                    mean=mean(list(zip(result.scale, row_counts, strict=True))),
                )
            )
        result.chart = bar_chart(
            [row.label for row in result.matrix],
            [Series(_("Mean"), [row.mean for row in result.matrix])],
            title=_("Question %(number)s: mean per row") % heading,
        )


def _cells(question: Question, counts: dict, answered: int) -> list:
    """The breakdown figures of one group for one question (numbers; None for none)."""
    kind = question.kind
    scale = question.scale_range
    if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        return [percent(counts.get((o.pk, None), 0), answered) for o in question.options.all()]
    if kind == QuestionKind.YES_NO:
        return [percent(counts.get((None, 1), 0), answered)]
    if kind == QuestionKind.SCALE:
        return [mean([(v, counts.get((None, v), 0)) for v in scale])]
    if kind == QuestionKind.NPS:
        return [net_promoter_score({v: counts.get((None, v), 0) for v in scale})]
    if kind == QuestionKind.MATRIX:
        return [
            mean([(v, counts.get((row.pk, v), 0)) for v in scale]) for row in question.options.all()
        ]
    return []


def _columns(question: Question, language: str | None) -> list[tuple[str, str]]:
    """(heading, unit) of each breakdown column of the question."""
    default = question.survey.default_language
    kind = question.kind
    options = [o.text_for(language, default) for o in question.options.all()]
    if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        return [(label, "%") for label in options]
    if kind == QuestionKind.MATRIX:
        return [(_("Mean: %(row)s") % {"row": label}, "") for label in options]
    if kind == QuestionKind.YES_NO:
        return [(_("Yes"), "%")]
    if kind == QuestionKind.SCALE:
        return [(_("Mean"), "")]
    if kind == QuestionKind.NPS:
        return [(_("NPS"), "")]
    return []


def _condition_text(question: Question, numbers: dict[int, int], language: str | None) -> str:
    source_id = question.condition_question_id
    if source_id is None:
        return ""
    return _("Asked if the answer to question %(number)s was: %(values)s") % {
        "number": numbers.get(source_id, "?"),
        "values": ", ".join(question.condition_labels(language)),
    }


def survey_results(
    survey: Survey,
    *,
    viewer: str = "staff",
    dimension: str = "",
    language: str | None = None,
    with_texts: bool = False,
) -> Results:
    """The results as `viewer` ("staff" or "member") may see them, broken down by `dimension`
    (one of DIMENSIONS, or "" for none). Free texts only with `with_texts` (staff)."""
    questions = list(
        Question.objects.filter(survey=survey)
        .select_related("survey", "condition_question")
        .prefetch_related("options", "condition_question__options")
        .order_by("position", "id")
    )
    numbers = {q.pk: n for n, q in enumerate(questions, start=1)}
    rate = Invitation.objects.filter(survey=survey).aggregate(
        invited=Count("id"), responded=Count("id", filter=Q(responded=True))
    )
    respondents = Response.objects.filter(survey=survey).count()
    minimum = MIN_GROUP if (viewer != "staff" or survey.anonymous) else 1
    shown = respondents >= minimum
    results = Results(
        survey=survey,
        invited=rate["invited"],
        responded=rate["responded"],
        respondents=respondents,
        rate=percent(rate["responded"], rate["invited"]),
        shown=shown,
        minimum=minimum,
        questions=[],
        dimension=dimension if dimension in _COLUMN else "",
    )
    if not shown:
        return results

    # By the question ids, not a join: each count is read from an index (answer_counts and
    # answer_respondents) without touching the rows.
    answers = Answer.objects.filter(question_id__in=[q.pk for q in questions]).order_by()
    counts: dict[int, dict] = defaultdict(dict)
    for question_id, option_id, number, n in answers.values_list(
        "question_id", "option_id", "number"
    ).annotate(n=Count("*")):
        counts[question_id][(option_id, number)] = n
    answered = dict(
        answers.values_list("question_id").annotate(n=Count("response_id", distinct=True))
    )
    for question in questions:
        result = QuestionResult(
            number=numbers[question.pk],
            question=question,
            text=question.text_for("text", language),
            kind=question.kind,
            answered=answered.get(question.pk, 0),
            condition=_condition_text(question, numbers, language),
            low_label=question.text_for("low_label", language),
            high_label=question.text_for("high_label", language),
        )
        if result.answered < minimum:
            result.hidden = True
        elif question.kind != QuestionKind.TEXT:
            _fill(result, counts[question.pk], language)
        results.questions.append(result)

    results.texts_shown = with_texts and viewer == "staff"
    if results.texts_shown:
        _add_texts(survey, results)
    if results.dimension:
        _add_breakdown(survey, results, language)
    return results


def text_answers(survey: Survey, *, question: Question | None = None, limit: int | None = None):
    """The written answers (of one question, or of all), as (question id, TextAnswer) pairs in
    one query: by organisation in an identified survey, in the order of their random ids in an
    anonymous one (which says nothing about who answered when). With `limit`, at most that many
    per question."""
    texts = Answer.objects.filter(question__survey=survey, question__kind=QuestionKind.TEXT)
    if question is not None:
        texts = texts.filter(question=question)
    texts = texts.exclude(text="").annotate(
        has_need=Exists(Need.objects.filter(answer=OuterRef("pk")))
    )
    if survey.anonymous:
        order = [F("question_id").asc(), F("id").asc()]
    else:
        texts = texts.select_related("response__organisation", "response__person")
        order = [
            F("question_id").asc(),
            F("response__organisation__name").asc(nulls_last=True),
            F("response__submitted_at").asc(),
            F("id").asc(),
        ]
    texts = texts.order_by(*order)
    if limit is not None:
        rank = Window(RowNumber(), partition_by=[F("question_id")], order_by=order[1:])
        texts = texts.annotate(rank=rank).filter(rank__lte=limit)
    found = []
    for answer in texts:
        organisation = None if survey.anonymous else answer.response.organisation
        person = None if survey.anonymous else answer.response.person
        found.append(
            (
                answer.question_id,
                TextAnswer(
                    id=str(answer.pk),
                    text=answer.text,
                    organisation=organisation.name if organisation else "",
                    organisation_slug=organisation.slug if organisation else "",
                    person=person.full_name if person else "",
                    has_need=answer.has_need,
                ),
            )
        )
    return found


def _add_texts(survey: Survey, results: Results) -> None:
    by_question = {r.question.pk: r for r in results.questions}
    for question_id, text in text_answers(survey, limit=TEXTS_SHOWN):
        result = by_question.get(question_id)
        if result is not None and not result.hidden:
            result.texts.append(text)


def _add_breakdown(survey: Survey, results: Results, language: str | None) -> None:
    dimension = results.dimension
    column = _COLUMN[dimension]
    partition = dimension != "sector"
    sizes: dict[str, int] = defaultdict(int)
    for value, n in (
        Response.objects.filter(survey=survey)
        .order_by()
        .values_list(column)
        .annotate(n=Count("id"))
    ):
        for key in _expand(dimension, value):
            sizes[key] += n
    hidden = hidden_reasons(dict(sizes), partition=partition)
    order = _group_order(dimension, sizes)
    results.segments = [
        SegmentRow(_group_label(dimension, key), sizes[key], hidden.get(key, "")) for key in order
    ]

    ids = [r.question.pk for r in results.questions]
    answers = Answer.objects.filter(question_id__in=ids).order_by()
    counts: dict[tuple[int, str], dict] = defaultdict(lambda: defaultdict(int))
    for value, question_id, option_id, number, n in answers.values_list(
        f"response__{column}", "question_id", "option_id", "number"
    ).annotate(n=Count("*")):
        for key in _expand(dimension, value):
            counts[(question_id, key)][(option_id, number)] += n
    answered: dict[tuple[int, str], int] = defaultdict(int)
    for value, question_id, n in answers.values_list(f"response__{column}", "question_id").annotate(
        n=Count("response_id", distinct=True)
    ):
        for key in _expand(dimension, value):
            answered[(question_id, key)] += n

    for result in results.questions:
        question = result.question
        if result.hidden or question.kind == QuestionKind.TEXT:
            continue
        group_sizes = {key: answered.get((question.pk, key), 0) for key in order}
        hidden_here = {**hidden_reasons(group_sizes, partition=partition), **hidden}
        columns = _columns(question, language)
        units = [unit for _label, unit in columns]
        groups = []
        for key in order:
            n = group_sizes[key]
            if not n:
                continue
            reason = hidden_here.get(key, "")
            values = [] if reason else _cells(question, counts[(question.pk, key)], n)
            groups.append(
                GroupRow(_group_label(dimension, key), n, reason, values, [] if reason else units)
            )
        result.breakdown = Breakdown(dimension, [label for label, _unit in columns], groups)
