"""Pages: the staff dashboard, the rows behind each figure, an organisation's figures, the annual
report (web and PDF), the evidence pack (web, XLSX, PDF) and the board view."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from klynge.accounts.roles import Role, roles_for
from klynge.core.permissions import permission_required, public
from klynge.insights import evidence, kpis, reports, selectors, services, sources
from klynge.insights.forms import FiguresForm, YearForm
from klynge.insights.models import FigureSource, Metric

TREND_SPANS = (5, 10)


def year_from(request) -> int:
    form = YearForm(request.GET or None)
    if request.GET.get("year") and form.is_valid() and form.cleaned_data["year"]:
        return min(form.cleaned_data["year"], timezone.localdate().year)
    return reports.last_complete_year()


def check_year(year: int) -> None:
    if not 1990 <= year <= timezone.localdate().year:
        raise Http404


def _language(request) -> str:
    language = request.GET.get("language") or translation.get_language()[:2]
    return language if language in reports.LANGUAGES else "en"


@permission_required("insights.view_dashboard")
def dashboard(request):
    year = year_from(request)
    span = 10 if request.GET.get("span") == "10" else 5
    trend = kpis.trend(list(range(year - span + 1, year + 1)), suppress=False)
    mix = sources.member_mix(year)
    rows = reports.mix_rows(mix, suppress=False)
    charts = [
        *reports.kpi_charts(trend),
        reports.mix_chart(rows["helix"], _("Members by triple helix")),
        reports.mix_chart(rows["sizes"], _("Members by size")),
    ]
    return render(
        request,
        "insights/dashboard.html",
        {
            "year": year,
            "span": span,
            "spans": TREND_SPANS,
            "kpi_list": [trend[year][key] for key in kpis.KPI_KEYS],
            "mix": mix,
            "mix_rows": rows,
            "activity": sources.activity(year),
            "charts": charts,
            "years": list(range(timezone.localdate().year, timezone.localdate().year - 11, -1)),
        },
    )


@permission_required("insights.view_dashboard")
def rows_behind(request):
    year = year_from(request)
    kpi = request.GET.get("kpi", "")
    rows = selectors.rows_behind(year, kpi)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "insights/rows.html",
        {
            "year": year,
            "kpi": kpi,
            "kpi_label": kpis.LABELS.get(kpi, ""),
            "page": page,
            "metrics": Metric.choices,
        },
    )


def _organisation(request, slug):
    return selectors.organisation_for_slug(slug)


@permission_required("insights.view_figures", obj=_organisation)
def organisation_figures(request, slug, obj):
    organisation = obj
    may_record = request.user.has_perm("insights.record_figures", organisation)
    form = FiguresForm(request.POST or None, organisation=organisation)
    if request.method == "POST":
        if not may_record:
            raise PermissionDenied
        if form.is_valid():
            source = (
                FigureSource.STAFF
                if roles_for(request.user).has(Role.STAFF)
                else FigureSource.MEMBER
            )
            try:
                services.record_figures(
                    actor=request.user,
                    organisation=organisation,
                    year=form.cleaned_data["year"],
                    values=form.values(),
                    source=source,
                    source_note=form.cleaned_data["source_note"],
                    currency=form.cleaned_data["currency"],
                    nace_division=form.cleaned_data["nace_division"],
                )
            except ValidationError as error:
                for field, field_messages in error.message_dict.items():
                    target = field if field in form.fields else None
                    for message in field_messages:
                        form.add_error(target, message)
            else:
                messages.success(
                    request,
                    _("The %(year)s figures of %(organisation)s were saved.")
                    % {"year": form.cleaned_data["year"], "organisation": organisation},
                )
                return redirect("insights:organisation", slug=organisation.slug)
    return render(
        request,
        "insights/organisation.html",
        {
            "organisation": organisation,
            "years": selectors.figures_of(organisation),
            "history": selectors.history_of(organisation),
            "metrics": Metric.choices,
            "form": form,
            "may_record": may_record,
        },
        status=422 if request.method == "POST" else 200,
    )


@permission_required("insights.view_own_figures")
def my_figures(request):
    organisations = selectors.administered_organisations(request.user)
    if len(organisations) == 1:
        return redirect("insights:organisation", slug=organisations[0].slug)
    return render(request, "insights/mine.html", {"organisations": organisations})


@permission_required("insights.view_dashboard")
def annual_report(request, year):
    check_year(year)
    report = reports.build_annual_report(year, language=_language(request))
    if request.GET.get("format") == "pdf":
        from klynge.insights import pdf  # reportlab's charts take a second to import

        response = HttpResponse(pdf.annual_report_pdf(report), content_type="application/pdf")
        response["Content-Disposition"] = (
            f'attachment; filename="annual-report-{year}-{report.language}.pdf"'
        )
        return response
    with translation.override(report.language):
        return render(
            request,
            "insights/annual_report.html",
            {"report": report, "languages": reports.LANGUAGES},
        )


@permission_required("insights.view_dashboard")
def evidence_pack(request, year):
    check_year(year)
    pack = evidence.build_evidence_pack(year, language=_language(request))
    export = request.GET.get("format")
    if export == "xlsx":
        response = HttpResponse(
            evidence.evidence_xlsx(pack),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="evidence-{year}.xlsx"'
        return response
    if export == "pdf":
        from klynge.insights import pdf

        response = HttpResponse(pdf.evidence_pdf(pack), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="evidence-{year}.pdf"'
        return response
    return render(request, "insights/evidence.html", {"pack": pack, "languages": reports.LANGUAGES})


@public
@never_cache
def board(request, secret):
    """The read-only board view behind an expiring link (the link is the permission: board
    members need no login). Only aggregates, groups under three organisations suppressed."""
    link = services.board_link_for_secret(secret)
    if link is None:
        return render(request, "insights/board_invalid.html", status=404)
    year = year_from(request)
    trend = kpis.trend(list(range(year - 4, year + 1)), suppress=True)
    mix = sources.member_mix(year)
    rows = reports.mix_rows(mix, suppress=True)
    response = render(
        request,
        "insights/board.html",
        {
            "year": year,
            "link": link,
            "kpi_list": [trend[year][key] for key in kpis.KPI_KEYS],
            "mix": mix,
            "mix_rows": rows,
            "sme_share": mix.sme_share if mix.firms_with_size >= kpis.MIN_GROUP else None,
            "activity": sources.activity(year),
            "charts": [
                *reports.kpi_charts(trend),
                reports.mix_chart(rows["helix"], _("Members by triple helix")),
            ],
            "years": list(range(year, year - 5, -1)),
        },
    )
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    return response
