"""Staff: the approval queue, today's check-in list, resources and their settings."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from klynge.bookings import selectors, services
from klynge.bookings.forms import (
    AddOnForm,
    ClosureForm,
    OpeningHoursForm,
    PhotoForm,
    PhotoTextForm,
    ResourceForm,
)
from klynge.bookings.models import AddOn, Closure, Resource, ResourcePhoto
from klynge.core.forms_util import apply_service_errors
from klynge.core.permissions import permission_required


def _base_url(request) -> str:
    return request.build_absolute_uri("/")[:-1]


@permission_required("bookings.approve_booking")
def manage(request):
    day = parse_date(request.GET.get("day") or "") or timezone.localdate()
    return render(
        request,
        "bookings/manage.html",
        {
            "pending": selectors.pending_bookings(),
            "day": day,
            "previous_day": day - datetime.timedelta(days=1),
            "next_day": day + datetime.timedelta(days=1),
            "today": selectors.bookings_on(day),
            "resources": Resource.objects.order_by("name"),
            "now": timezone.now(),
        },
    )


def _booking(request, pk, **kwargs):
    return selectors.get_booking_for_user(request.user, pk)


def _back(request, fallback):
    target = request.POST.get("next", "")
    return redirect(target if target.startswith("/") and not target.startswith("//") else fallback)


@require_POST
@permission_required("bookings.approve_booking", obj=_booking)
def decide(request, pk, obj):
    approve = request.POST.get("decision") == "approve"
    try:
        services.decide_booking(
            actor=request.user, booking=obj, approve=approve, base_url=_base_url(request)
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("The booking is approved.") if approve else _("The booking is rejected.")
        )
    return _back(request, "bookings:manage")


@require_POST
@permission_required("bookings.mark_attendance", obj=_booking)
def attendance(request, pk, obj):
    try:
        if request.POST.get("mark") == "no_show":
            services.mark_no_show(actor=request.user, booking=obj)
            messages.success(request, _("Marked as a no-show."))
        else:
            services.check_in(actor=request.user, booking=obj)
            messages.success(request, _("Checked in."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return _back(request, "bookings:manage")


def _resource(request, slug, **kwargs):
    return selectors.get_resource_for_user(request.user, slug=slug)


@permission_required("bookings.manage_resources")
def resource_create(request):
    form = ResourceForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                resource = services.create_resource(
                    actor=request.user, name=data.pop("name"), kind=data.pop("kind"), **data
                )
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, _("The resource is created."))
                return redirect("bookings:resource_edit", slug=resource.slug)
    return render(request, "bookings/resource_form.html", {"form": form}, status=status)


def _edit_page(
    request, resource, *, form=None, hours=None, closure=None, add_on=None, photo=None, status=200
):
    if add_on is None:
        add_on = AddOnForm(initial={"resources": [resource.pk]})
    offered = list(resource.add_ons.filter(is_active=True))
    return render(
        request,
        "bookings/resource_form.html",
        {
            "resource": resource,
            "form": form or ResourceForm(instance=resource),
            "hours_form": hours or OpeningHoursForm(resource=resource),
            "closure_form": closure or ClosureForm(),
            "add_on_form": add_on,
            "photo_form": photo or PhotoForm(),
            "photos": list(resource.photos.all()),
            "max_photos": services.MAX_PHOTOS,
            "add_ons": offered,
            "other_add_ons": AddOn.objects.filter(is_active=True).exclude(
                pk__in=[a.pk for a in offered]
            ),
            "closures": resource.closures.filter(end__gte=timezone.now()).order_by("start"),
        },
        status=status,
    )


def _photo(resource, request) -> ResourcePhoto:
    return get_object_or_404(ResourcePhoto, pk=request.POST.get("photo") or 0, resource=resource)


def _add_on(request) -> AddOn:
    return get_object_or_404(AddOn, pk=request.POST.get("add_on") or 0)


@permission_required("bookings.manage_resources", obj=_resource)
def resource_edit(request, slug, obj):
    if request.method != "POST":
        return _edit_page(request, obj)
    section = request.POST.get("section", "resource")
    form = None
    try:
        if section == "hours":
            form = OpeningHoursForm(request.POST, resource=obj)
            if not form.is_valid():
                return _edit_page(request, obj, hours=form, status=400)
            services.set_opening_hours(
                actor=request.user, resource=obj, periods=form.cleaned_data["periods"]
            )
        elif section == "closure":
            form = ClosureForm(request.POST)
            if not form.is_valid():
                return _edit_page(request, obj, closure=form, status=400)
            services.add_closure(actor=request.user, resource=obj, **form.cleaned_data)
        elif section == "remove_closure":
            closure = get_object_or_404(Closure, pk=request.POST.get("closure") or 0, resource=obj)
            services.remove_closure(actor=request.user, closure=closure)
        elif section == "photo":
            form = PhotoForm(request.POST, request.FILES)
            if not form.is_valid():
                return _edit_page(request, obj, photo=form, status=400)
            services.add_photo(actor=request.user, resource=obj, **form.cleaned_data)
        elif section == "photo_text":
            form = PhotoTextForm(request.POST)
            if not form.is_valid():
                messages.error(request, " ".join(form.errors.get("alt_text", [])))
                return redirect("bookings:resource_edit", slug=obj.slug)
            services.update_photo(
                actor=request.user, photo=_photo(obj, request), **form.cleaned_data
            )
        elif section == "photo_move":
            step = -1 if request.POST.get("direction") == "up" else 1
            services.move_photo(actor=request.user, photo=_photo(obj, request), step=step)
        elif section == "remove_photo":
            services.remove_photo(actor=request.user, photo=_photo(obj, request))
        elif section == "add_on":
            form = AddOnForm(request.POST)
            if not form.is_valid():
                return _edit_page(request, obj, add_on=form, status=400)
            data = form.cleaned_data
            services.add_add_on(
                actor=request.user,
                name=data["name"],
                price=data["price"],
                exclusive=data["exclusive"],
                resources={obj, *data["resources"]},
            )
        elif section == "offer_add_on":
            add_on = _add_on(request)
            services.update_add_on(
                actor=request.user,
                add_on=add_on,
                name=add_on.name,
                price=add_on.price,
                exclusive=add_on.exclusive,
                resources=[*add_on.resources.all(), obj],
            )
        elif section == "withdraw_add_on":
            services.withdraw_add_on(actor=request.user, add_on=_add_on(request), resource=obj)
        else:
            form = ResourceForm(request.POST, instance=Resource.objects.get(pk=obj.pk))
            if not form.is_valid():
                return _edit_page(request, obj, form=form, status=400)
            services.update_resource(actor=request.user, resource=obj, **form.cleaned_data)
    except ValidationError as error:
        if form is None:
            messages.error(request, " ".join(error.messages))
            return redirect("bookings:resource_edit", slug=obj.slug)
        apply_service_errors(form, error)
        kwargs = {"hours": "hours", "closure": "closure", "add_on": "add_on", "photo": "photo"}
        return _edit_page(request, obj, **{kwargs.get(section, "form"): form}, status=400)
    messages.success(request, _("Saved."))
    return redirect("bookings:resource_edit", slug=obj.slug)


# --- Add-ons across resources -------------------------------------------------------------------


@permission_required("bookings.manage_resources")
def add_on_list(request):
    return render(
        request,
        "bookings/add_ons.html",
        {"add_ons": AddOn.objects.prefetch_related("resources").order_by("-is_active", "name")},
    )


def _add_on_obj(request, pk, **kwargs):
    return get_object_or_404(AddOn, pk=pk)


@permission_required("bookings.manage_resources", obj=_add_on_obj)
def add_on_edit(request, pk, obj):
    initial = {
        "name": obj.name,
        "price": obj.price,
        "exclusive": obj.exclusive,
        "resources": list(obj.resources.all()),
    }
    form = AddOnForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if request.POST.get("withdraw"):
            services.withdraw_add_on(actor=request.user, add_on=obj)
            messages.success(request, _("The add-on is no longer offered."))
            return redirect("bookings:add_ons")
        status = 400
        if form.is_valid():
            try:
                services.update_add_on(actor=request.user, add_on=obj, **form.cleaned_data)
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, _("Saved."))
                return redirect("bookings:add_ons")
    return render(
        request, "bookings/add_on_form.html", {"add_on": obj, "form": form}, status=status
    )
