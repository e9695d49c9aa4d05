"""Staff pages that feed the reports: imports of figures and benchmarks, highlights, the
cluster organisation's own year, and the board links."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from klynge.core.permissions import permission_required
from klynge.ecosystem.importing import ImportFileError, check_size
from klynge.insights import importing, selectors, services
from klynge.insights.forms import (
    BenchmarkImportForm,
    BoardLinkForm,
    ClusterYearForm,
    HighlightForm,
    ImportForm,
)
from klynge.insights.models import BoardLink, ClusterYear, Highlight
from klynge.insights.views import check_year, year_from


def _apply_errors(form, error: ValidationError) -> None:
    for field, field_messages in error.message_dict.items():
        target = field if field in form.fields else None
        for message in field_messages:
            form.add_error(target, message)


def _run_import(request, form, run, **options):
    """Saves the upload to a temporary file and runs the import (a dry run unless the person
    pressed "Import")."""
    upload = form.cleaned_data["file"]
    check_size(upload.size)
    dry_run = request.POST.get("action") != "import"
    suffix = Path(upload.name).suffix.lower()[:6]
    with tempfile.NamedTemporaryFile(suffix=suffix) as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
        handle.flush()
        result = run(handle.name, actor=request.user, dry_run=dry_run, name=upload.name, **options)
    return result, dry_run


def _import_page(request, *, form_class, run, template, title, layout, **options):
    form = form_class(request.POST or None, request.FILES or None)
    result = dry_run = None
    status = 200
    if request.method == "POST" and form.is_valid():
        extra = {key: form.cleaned_data[key] for key in options.get("fields", ())}
        try:
            result, dry_run = _run_import(request, form, run, **extra)
        except ImportFileError as error:
            form.add_error("file", error.message)
            status = 422
        else:
            if result.committed:
                messages.success(
                    request,
                    _("Imported: %(created)s new, %(updated)s changed, %(unchanged)s unchanged.")
                    % {
                        "created": result.created,
                        "updated": result.updated,
                        "unchanged": result.unchanged,
                    },
                )
            elif result.errors:
                status = 422
    elif request.method == "POST":
        status = 422
    return render(
        request,
        template,
        {
            "form": form,
            "result": result,
            "dry_run": dry_run,
            "title": title,
            "layout": layout,
            "benchmarks": options.get("listing"),
        },
        status=status,
    )


FIGURES_LAYOUT = (
    "registry_number,country,year,currency,revenue,personnel_costs,operating_profit,"
    "employees_fte,innovation_funding,innovations_launched,nace,source_note"
)
BENCHMARKS_LAYOUT = "country,nace,year,measure,value,currency,source"


@permission_required("insights.manage")
def import_figures(request):
    return _import_page(
        request,
        form_class=ImportForm,
        run=importing.import_figures,
        template="insights/import.html",
        title=_("Import yearly figures"),
        layout=FIGURES_LAYOUT,
    )


@permission_required("insights.manage")
def benchmarks(request):
    listing = Paginator(selectors.benchmarks(), 100).get_page(request.GET.get("page"))
    return _import_page(
        request,
        form_class=BenchmarkImportForm,
        run=importing.import_benchmarks,
        template="insights/benchmarks.html",
        title=_("National benchmarks"),
        layout=BENCHMARKS_LAYOUT,
        fields=("source",),
        listing=listing,
    )


@permission_required("insights.manage")
def highlights(request):
    year = year_from(request)
    form = HighlightForm(request.POST or None, initial={"year": year})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                highlight = services.save_highlight(
                    actor=request.user, **{name: form.cleaned_data[name] for name in form.fields}
                )
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                messages.success(request, _("The highlight was saved."))
                return redirect(f"{reverse('insights:highlights')}?year={highlight.year}")
        status = 422
    return render(
        request,
        "insights/highlights.html",
        {
            "form": form,
            "year": year,
            "highlights": Highlight.objects.filter(year=year).select_related("organisation"),
        },
        status=status,
    )


def _highlight(request, pk):
    return get_object_or_404(Highlight, pk=pk)


@permission_required("insights.manage", obj=_highlight)
def highlight_edit(request, pk, obj):
    form = HighlightForm(request.POST or None, instance=obj)
    if request.method == "POST":
        if "delete" in request.POST:
            services.delete_highlight(actor=request.user, highlight=obj)
            messages.success(request, _("The highlight was deleted."))
            return redirect(f"{reverse('insights:highlights')}?year={obj.year}")
        if form.is_valid():
            try:
                services.save_highlight(
                    actor=request.user,
                    highlight=obj,
                    **{name: form.cleaned_data[name] for name in form.fields},
                )
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                messages.success(request, _("The highlight was saved."))
                return redirect(f"{reverse('insights:highlights')}?year={obj.year}")
    return render(
        request,
        "insights/highlight_edit.html",
        {"form": form, "highlight": obj},
        status=422 if request.method == "POST" else 200,
    )


@permission_required("insights.manage")
def cluster_year(request, year):
    check_year(year)
    existing = ClusterYear.objects.filter(year=year).prefetch_related("funding_sources").first()
    initial = {}
    if existing:
        initial = {
            "currency": existing.currency,
            "budget": existing.budget,
            "staff_fte": existing.staff_fte,
            "note": existing.note,
        }
        for index, source in enumerate(existing.funding_sources.all()):
            initial.update(
                {
                    f"funding_{index}_kind": source.kind,
                    f"funding_{index}_name": source.name,
                    f"funding_{index}_amount": source.amount,
                }
            )
    form = ClusterYearForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_cluster_year(
                actor=request.user,
                year=year,
                currency=form.cleaned_data["currency"],
                budget=form.cleaned_data["budget"],
                staff_fte=form.cleaned_data["staff_fte"],
                note=form.cleaned_data["note"],
                funding=form.funding(),
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(
                request, _("The cluster organisation's %(year)s was saved.") % {"year": year}
            )
            return redirect("insights:cluster_year", year=year)
    funding_rows = [
        (
            form[f"funding_{index}_kind"],
            form[f"funding_{index}_name"],
            form[f"funding_{index}_amount"],
        )
        for index in range(6)
    ]
    return render(
        request,
        "insights/cluster_year.html",
        {"form": form, "year": year, "funding_rows": funding_rows, "existing": existing},
        status=422 if request.method == "POST" else 200,
    )


@permission_required("insights.manage")
def board_links(request):
    form = BoardLinkForm(request.POST or None)
    new_url = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                _link, secret = services.create_board_link(
                    actor=request.user,
                    label=form.cleaned_data["label"],
                    days=form.cleaned_data["days"],
                )
            except ValidationError as error:
                _apply_errors(form, error)
                status = 422
            else:
                new_url = request.build_absolute_uri(reverse("insights:board", args=[secret]))
                form = BoardLinkForm()
        else:
            status = 422
    return render(
        request,
        "insights/board_links.html",
        {
            "form": form,
            "links": BoardLink.objects.select_related("created_by")[:100],
            "new_url": new_url,
        },
        status=status,
    )


def _board_link(request, pk):
    return get_object_or_404(BoardLink, pk=pk)


@require_POST
@permission_required("insights.manage", obj=_board_link)
def revoke_board_link(request, pk, obj):
    services.revoke_board_link(actor=request.user, link=obj)
    messages.success(request, _("The link no longer works."))
    return redirect("insights:board_links")
