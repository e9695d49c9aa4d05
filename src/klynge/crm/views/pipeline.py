"""The prospect pipeline as a board, and moving an organisation to another stage."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from klynge.core.forms_util import apply_service_errors
from klynge.core.permissions import permission_required
from klynge.crm import services
from klynge.crm.forms import PipelineFilterForm, StageForm
from klynge.crm.models import Stage
from klynge.crm.selectors import pipeline
from klynge.crm.views.pages import Subject, organisation_of_request, subject_page


def _board_context(filter_form: PipelineFilterForm, *, failed=None) -> dict:
    filters = filter_form.to_filter()
    query = urlencode(
        {k: v for k, v in (("owner", filters.owner), ("country", filters.country)) if v}
    )
    return {
        "form": filter_form,
        "filters": filters,
        "columns": pipeline(filters),
        "stages": Stage.choices,
        "query": query,
        # The organisation and bound StageForm of a refused move, to show on its card.
        "failed": failed,
    }


@permission_required("crm.view_crm")
def pipeline_board(request):
    form = PipelineFilterForm(request.GET or None)
    template = "crm/partials/board.html" if request.htmx else "crm/pipeline.html"
    return render(request, template, _board_context(form))


@require_POST
@permission_required("crm.change_account", obj=organisation_of_request)
def stage_change(request, slug, obj):
    """Moves the organisation to the posted stage. From the board (``from=board``) the answer is
    the board again, with the board's filters; from the organisation's page, that page."""
    form = StageForm(request.POST)
    saved = False
    if form.is_valid():
        try:
            services.change_stage(
                actor=request.user,
                organisation=obj,
                stage=form.cleaned_data["stage"],
                lost_reason=form.cleaned_data["lost_reason"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            saved = True
    if request.POST.get("from") == "board":
        filter_form = PipelineFilterForm(request.POST)
        context = _board_context(
            filter_form, failed=None if saved else {"organisation_id": obj.pk, "form": form}
        )
        if saved and not request.htmx:
            url = reverse("crm:pipeline")
            return redirect(f"{url}?{context['query']}" if context["query"] else url)
        template = "crm/partials/board.html" if request.htmx else "crm/pipeline.html"
        return render(request, template, context, status=200 if saved else 400)
    if saved:
        messages.success(request, _("The stage is changed."))
        return redirect("crm:organisation", slug=obj.slug)
    return subject_page(Subject(request, organisation=obj), status=400, stage_form=form)
