"""Staff results: charts, tables, breakdowns, free texts, and the exports."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from klynge.core import audit
from klynge.core.permissions import permission_required
from klynge.surveys.exporting import ExportRefused, csv_bytes, export_table, xlsx_bytes
from klynge.surveys.figures import MIN_GROUP
from klynge.surveys.forms import BreakdownForm
from klynge.surveys.models import QuestionKind
from klynge.surveys.results import survey_results, text_answers
from klynge.surveys.selectors import get_question_for_staff, get_survey_for_staff


def _survey(request, pk, **kwargs):
    return get_survey_for_staff(request.user, pk)


@permission_required("surveys.view_results", obj=_survey)
def results(request, pk, obj):
    form = BreakdownForm(request.GET or None)
    figures = survey_results(obj, viewer="staff", dimension=form.dimension(), with_texts=True)
    context = {"survey": obj, "results": figures, "form": form, "published": False}
    template = "surveys/partials/results.html" if request.htmx else "surveys/results.html"
    return render(request, template, context)


def _question(request, pk, question_pk, **kwargs):
    return get_question_for_staff(request.user, pk, question_pk)


@permission_required("surveys.view_results", obj=_question)
def texts(request, pk, question_pk, obj):
    """Every written answer to one free-text question, 100 a page (the results page shows the
    first ones). An anonymous survey's wait for five respondents, like its results."""
    survey = obj.survey
    if obj.kind != QuestionKind.TEXT:
        raise Http404
    minimum = MIN_GROUP if survey.anonymous else 1
    shown = survey.responses.count() >= minimum
    found = text_answers(survey, question=obj) if shown else []
    page = Paginator([text for _question_id, text in found], 100).get_page(request.GET.get("page"))
    context = {"survey": survey, "question": obj, "page": page, "shown": shown, "minimum": minimum}
    return render(request, "surveys/texts.html", context)


CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@permission_required("surveys.export_responses", obj=_survey)
def export(request, pk, file_format, obj):
    """Every response as a row (CSV or XLSX). An anonymous survey's export has no segment
    columns and waits for five responses, like its results page."""
    if file_format not in CONTENT_TYPES:
        raise Http404
    try:
        table = export_table(obj)
    except ExportRefused as refusal:
        messages.error(request, str(refusal))
        response = results(request, pk=pk)
        response.status_code = 409
        return response
    audit.record(
        actor=request.user,
        action="surveys.responses.export",
        target=obj,
        data={"format": file_format, "rows": len(table) - 1},
    )
    body = csv_bytes(table) if file_format == "csv" else xlsx_bytes(table, _("Responses"))
    response = HttpResponse(body, content_type=CONTENT_TYPES[file_format])
    name = f"klynge-survey-{obj.pk}-{timezone.localdate():%Y-%m-%d}.{file_format}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
