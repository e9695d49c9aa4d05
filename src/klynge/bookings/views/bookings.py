"""A person's and an organisation's bookings; one booking: change, cancel, .ics; offers."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from klynge.bookings import availability, feeds, selectors, services
from klynge.bookings.forms import ChangeForm, OfferForm
from klynge.bookings.models import AddOn, BookingStatus
from klynge.core.forms_util import apply_service_errors
from klynge.core.permissions import permission_required


def _base_url(request) -> str:
    return request.build_absolute_uri("/")[:-1]


@permission_required("bookings.view_own_bookings")
def my_bookings(request):
    page = Paginator(selectors.bookings_of(request.user), 50).get_page(request.GET.get("page"))
    token = services.calendar_token_for(user=request.user)
    return render(
        request,
        "bookings/mine.html",
        {
            "page": page,
            "waitlist": selectors.waitlist_of(request.user),
            "feed_url": request.build_absolute_uri(
                reverse("bookings:person_feed", args=[token.token])
            ),
        },
    )


@require_POST
@permission_required("bookings.view_own_bookings")
def renew_feed(request):
    services.calendar_token_for(user=request.user, renew=True)
    messages.success(request, _("Your calendar address is renewed; the old one no longer works."))
    return redirect("bookings:mine")


@permission_required("bookings.view_organisation_bookings")
def organisation_bookings(request):
    page = Paginator(selectors.bookings_of_organisations(request.user), 50).get_page(
        request.GET.get("page")
    )
    return render(request, "bookings/organisation.html", {"page": page})


def _booking(request, pk, **kwargs):
    return selectors.get_booking_for_user(request.user, pk)


def _detail(request, booking, change_form=None, status=200):
    now = timezone.now()
    deadline = booking.start - datetime.timedelta(hours=booking.resource.free_cancellation_hours)
    if change_form is None:
        change_form = ChangeForm(
            resource=booking.resource,
            initial={
                "start": timezone.localtime(booking.start).replace(tzinfo=None),
                "minutes": booking.minutes,
            },
        )
    may_change = request.user.has_perm("bookings.change_booking", booking)
    is_late = now >= deadline
    return render(
        request,
        "bookings/booking_detail.html",
        {
            "booking": booking,
            "change_form": change_form,
            "deadline": deadline,
            "is_late": is_late,
            "may_change": may_change,
            "add_ons": list(booking.booked_add_ons.all()),
            "may_remove_add_ons": may_change
            and booking.status in (BookingStatus.PENDING, BookingStatus.CONFIRMED)
            and (not is_late or request.user.has_perm("bookings.manage_resources")),
            "may_mark": request.user.has_perm("bookings.mark_attendance"),
            "has_begun": booking.start <= now,
        },
        status=status,
    )


@permission_required("bookings.view_booking", obj=_booking)
def booking_detail(request, pk, obj):
    return _detail(request, obj)


@require_POST
@permission_required("bookings.change_booking", obj=_booking)
def change_booking(request, pk, obj):
    form = ChangeForm(request.POST, resource=obj.resource)
    if form.is_valid():
        try:
            services.change_booking(
                actor=request.user,
                booking=obj,
                start=form.cleaned_data["start"],
                end=availability.after(form.cleaned_data["start"], form.cleaned_data["minutes"]),
                base_url=_base_url(request),
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The booking is changed."))
            return redirect(obj)
    return _detail(request, obj, change_form=form, status=400)


@require_POST
@permission_required("bookings.change_booking", obj=_booking)
def cancel_booking(request, pk, obj):
    try:
        booking = services.cancel_booking(
            actor=request.user, booking=obj, base_url=_base_url(request)
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if booking.late_cancellation:
            messages.warning(
                request, _("The booking is cancelled. It was late, so its hours still count.")
            )
        else:
            messages.success(request, _("The booking is cancelled."))
    return redirect(obj)


@require_POST
@permission_required("bookings.change_booking", obj=_booking)
def remove_add_on(request, pk, obj):
    add_on = get_object_or_404(AddOn, pk=request.POST.get("add_on") or 0)
    try:
        services.remove_add_on(actor=request.user, booking=obj, add_on=add_on)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("%(add_on)s is removed from the booking.") % {"add_on": add_on.name}
        )
    return redirect(obj)


@permission_required("bookings.view_booking", obj=_booking)
def booking_ics(request, pk, obj):
    response = HttpResponse(
        feeds.calendar_for([obj], name=str(obj.resource)),
        content_type="text/calendar; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="booking-{obj.pk}.ics"'
    return response


def _offer(request, token, **kwargs):
    return selectors.get_offer_for_user(request.user, token)


@permission_required("bookings.accept_offer", obj=_offer)
def offer(request, token, obj):
    status = 200
    initial = {"organisation": obj.organisation_id}
    if obj.supervisor is not None:
        initial["supervisor"] = obj.supervisor.email
    form = OfferForm(request.POST or None, initial=initial, user=request.user)
    if request.method == "POST":
        if request.POST.get("decline"):
            if obj.booking is not None and obj.booking.status == "offered":
                services.decline_offer(
                    actor=request.user, booking=obj.booking, base_url=_base_url(request)
                )
            messages.success(request, _("You declined the offer."))
            return redirect("bookings:mine")
        status = 400
        if form.is_valid():
            try:
                booking = services.accept_offer(
                    actor=request.user,
                    entry=obj,
                    supervisor=form.cleaned_data.get("supervisor"),
                    organisation=form.cleaned_data.get("organisation"),
                    base_url=_base_url(request),
                )
            except services.BookingRefused as refused:
                form.add_error(None, refused.message_text)
                status = 409
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, _("The time is yours: booked."))
                return redirect(booking)
        obj.refresh_from_db()
    return render(request, "bookings/offer.html", {"entry": obj, "form": form}, status=status)
