"""Staff reports (utilisation, organisations and tiers, no-shows, busiest hours), CSV, billing."""

from __future__ import annotations

import csv
import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from klynge.bookings import reports, services
from klynge.bookings.forms import WEEKDAYS, BillForm, ReportForm
from klynge.core.permissions import permission_required
from klynge.ecosystem.models import Organisation

REPORTS = ("utilisation", "organisations", "tiers", "no_shows", "hours")


def _period(request):
    today = timezone.localdate()
    default = {"start": today - datetime.timedelta(days=27), "end": today}
    form = ReportForm(request.GET or None, initial=default)
    if request.GET and form.is_valid():
        return form, form.cleaned_data["start"], form.cleaned_data["end"]
    return form, default["start"], default["end"]


def _safe(value) -> str:
    """No spreadsheet formulas in exported cells."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") and not _is_number(text) else text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _csv(name: str, header: list[str], rows) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    writer = csv.writer(response)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_safe(v) for v in row])
    return response


@permission_required("bookings.view_reports")
def report(request):
    form, start, end = _period(request)
    export = request.GET.get("export")
    if export == "utilisation":
        return _csv(
            "utilisation",
            [_("Resource"), _("Week"), _("Open hours"), _("Booked hours"), _("Utilisation %")],
            (
                (r.resource.name, r.week, r.open_hours, r.booked_hours, r.percent)
                for r in reports.utilisation(start, end)
            ),
        )
    if export == "organisations":
        return _csv(
            "hours-by-organisation",
            [_("Organisation"), _("Tier"), _("Bookings"), _("Hours"), _("Hours past the quota")],
            (
                (r.organisation, r.tier, r.bookings, r.hours, r.billable_hours)
                for r in reports.hours_by_organisation(start, end)
            ),
        )
    if export == "tiers":
        return _csv(
            "hours-by-tier",
            [
                _("Tier"),
                _("Organisations"),
                _("Bookings"),
                _("Hours"),
                _("Hours past the quota"),
            ],
            (
                (r.tier, r.organisations, r.bookings, r.hours, r.billable_hours)
                for r in reports.hours_by_tier(start, end)
            ),
        )
    if export == "no_shows":
        return _csv(
            "no-shows",
            [
                _("Resource"),
                _("Bookings"),
                _("No-shows"),
                _("No-show rate %"),
                _("Late cancellations"),
            ],
            (
                (r.resource, r.bookings, r.no_shows, r.rate, r.late_cancellations)
                for r in reports.no_shows(start, end)
            ),
        )
    if export == "hours":
        grid = reports.busiest_hours(start, end)
        return _csv(
            "busiest-hours",
            [_("Weekday"), *[f"{h:02d}" for h in range(24)]],
            ([str(WEEKDAYS[d]), *grid[d]] for d in range(7)),
        )
    grid = reports.busiest_hours(start, end)
    peak = max((v for row in grid for v in row), default=0) or 1
    return render(
        request,
        "bookings/reports.html",
        {
            "form": form,
            "start": start,
            "end": end,
            "utilisation": reports.utilisation(start, end),
            "organisations": reports.hours_by_organisation(start, end),
            "tiers": reports.hours_by_tier(start, end),
            "no_shows": reports.no_shows(start, end),
            "hours_grid": [
                (WEEKDAYS[d], [(v, round(4 * v / peak)) for v in grid[d]]) for d in range(7)
            ],
            "hour_labels": [f"{h:02d}" for h in range(24)],
            "bill_form": BillForm(),
            "query": request.GET.urlencode(),
        },
    )


@require_POST
@permission_required("bookings.bill_overage")
def bill(request):
    form = BillForm(request.POST)
    organisation = get_object_or_404(Organisation, pk=request.POST.get("organisation") or 0)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("month", [])))
        return redirect("bookings:reports")
    year, month = form.cleaned_data["month"]
    try:
        invoice = services.bill_overage(
            actor=request.user, organisation=organisation, year=year, month=month
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("bookings:reports")
    if invoice is None:
        messages.info(request, _("Nothing to bill for that month."))
        return redirect("bookings:reports")
    messages.success(request, _("A draft invoice is ready for review."))
    return redirect(invoice)
