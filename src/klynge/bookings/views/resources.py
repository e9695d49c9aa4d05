"""Resource list, the week view (HTMX), booking a slot and joining the waiting list."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from klynge.bookings import selectors, services
from klynge.bookings.forms import BookingForm, WaitlistForm
from klynge.core.forms_util import apply_service_errors
from klynge.core.permissions import permission_required, public


def _base_url(request) -> str:
    return request.build_absolute_uri("/")[:-1]


def _resource(request, slug, **kwargs):
    return selectors.get_resource_for_user(request.user, slug=slug, page=not request.htmx)


@public
def resource_list(request):
    resources = selectors.resources_visible_to(request.user)
    return render(request, "bookings/resource_list.html", {"resources": resources})


def _week_day(request) -> datetime.date:
    day = parse_date(request.GET.get("week") or "") if request.GET.get("week") else None
    today = timezone.localdate()
    if day is None or abs((day - today).days) > 3660:
        return today
    return day


@permission_required("bookings.view_resource", obj=_resource)
def resource_detail(request, slug, obj):
    week = selectors.week_grid(obj, _week_day(request), user=request.user)
    context = {
        "resource": obj,
        "week": week,
        "may_book": request.user.has_perm("bookings.book_resource", obj),
    }
    if request.htmx:
        return render(request, "bookings/partials/week.html", context)
    return render(request, "bookings/resource_detail.html", context)


def _initial_start(request):
    start = parse_datetime(request.GET.get("start") or "")
    if start is None:
        return None
    return timezone.localtime(start if timezone.is_aware(start) else timezone.make_aware(start))


@permission_required("bookings.book_resource", obj=_resource)
def book(request, slug, obj):
    resource = obj
    initial = {"weeks": 1}
    start = _initial_start(request)
    if start is not None:
        initial["start"] = start.replace(tzinfo=None)
    form = BookingForm(request.POST or None, initial=initial, resource=resource, user=request.user)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            kwargs = {
                "actor": request.user,
                "resource": resource,
                "user": request.user,
                "start": data["start"],
                "end": form.end,
                "add_ons": data.get("add_ons") or (),
                "note": data["note"],
                "supervisor": data.get("supervisor"),
                "organisation": data.get("organisation"),
                "base_url": _base_url(request),
            }
            try:
                if data["weeks"] > 1:
                    series, occurrences = services.create_series(weeks=data["weeks"], **kwargs)
                    return render(
                        request,
                        "bookings/series_result.html",
                        {"resource": resource, "occurrences": occurrences, "series": series},
                    )
                booking = services.create_booking(**kwargs)
            except ValidationError as error:
                apply_service_errors(form, error)
                if isinstance(error, services.BookingRefused) and error.reason == "taken":
                    form.offer_waitlist = True
            else:
                if booking.status == "pending":
                    messages.success(request, _("Booked: staff will confirm the booking."))
                else:
                    messages.success(request, _("Booked. A confirmation is on its way by e-mail."))
                return redirect(booking)
    return render(
        request,
        "bookings/book.html",
        {"resource": resource, "form": form},
        status=status,
    )


@permission_required("bookings.book_resource", obj=_resource)
def join_waitlist(request, slug, obj):
    initial = {}
    start = _initial_start(request)
    end = parse_datetime(request.GET.get("end") or "")
    if start is not None:
        initial["start"] = start.replace(tzinfo=None)
    if end is not None:
        initial["end"] = timezone.localtime(end).replace(tzinfo=None)
    form = WaitlistForm(request.POST or None, initial=initial, user=request.user)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.join_waitlist(
                    actor=request.user,
                    resource=obj,
                    user=request.user,
                    start=form.cleaned_data["start"],
                    end=form.cleaned_data["end"],
                    supervisor=form.cleaned_data.get("supervisor"),
                    organisation=form.cleaned_data.get("organisation"),
                )
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(
                    request,
                    _(
                        "You are on the waiting list. If the time frees up, we offer it to you by e-mail."
                    ),
                )
                return redirect("bookings:mine")
    return render(request, "bookings/waitlist.html", {"resource": obj, "form": form}, status=status)
