from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from klynge.accounts.roles import roles_for
from klynge.core.forms_util import apply_service_errors
from klynge.core.permissions import permission_required, public
from klynge.ecosystem.models import Organisation
from klynge.events import calendar, services
from klynge.events.forms import (
    CancelEventForm,
    CheckInForm,
    EventFilterForm,
    EventForm,
    GroupRegistrationForm,
    RegistrationForm,
    StaffRegistrationForm,
)
from klynge.events.models import RegistrationStatus
from klynge.events.selectors import (
    event_registrations,
    filter_events,
    get_event_for_user,
    get_manageable_event,
    get_registration_for_user,
    manageable_events,
    person_for,
    public_feed_events,
    registration_of,
    registrations_of,
    seat_figures,
    viewer_zone,
)
from klynge.events.tickets import qr_inline

# Zones offered on the event page besides the event's own (any IANA name works in ?tz=).
VIEWER_ZONES = [
    "Europe/Copenhagen", "Europe/Oslo", "Europe/Stockholm", "Europe/Helsinki", "Europe/London",
    "Europe/Berlin", "America/New_York", "America/Los_Angeles", "Asia/Tokyo", "UTC",
]  # fmt: skip


def _base_url(request) -> str:
    return request.build_absolute_uri("/")[:-1]


def _event(request, slug, **kwargs):
    return get_event_for_user(request.user, slug)


def _managed(request, slug, **kwargs):
    return get_manageable_event(slug)


def _registration(request, pk, **kwargs):
    return get_registration_for_user(request.user, pk)


@permission_required("events.view_event_list")
def event_list(request):
    form = EventFilterForm(request.GET or None)
    filters = form.filters()
    page = Paginator(filter_events(request.user, **filters), 25).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "filters": filters}
    template = "events/partials/results.html" if request.htmx else "events/list.html"
    return render(request, template, context)


def _detail_context(request, event, form=None):
    zone = viewer_zone(request.GET.get("tz", ""), event)
    registration = registration_of(request.user, event)
    if form is None and registration is None and request.user.is_authenticated:
        form = RegistrationForm(event=event)
    zones = list(dict.fromkeys([event.time_zone, *VIEWER_ZONES, str(zone)]))
    ticket = None
    if registration is not None and registration.status == RegistrationStatus.CONFIRMED:
        ticket = qr_inline(registration.code)
    return {
        "event": event,
        "ticket": ticket,
        "zone": str(zone),
        "zones": zones,
        "registration": registration,
        "form": form,
        "seats": seat_figures(event),
        "categories": list(event.categories.all()),
        "can_group": request.user.has_perm("events.register_group"),
        "can_manage": request.user.has_perm("events.manage_event"),
    }


@permission_required("events.view_event", obj=_event)
def event_detail(request, slug, obj):
    return render(request, "events/detail.html", _detail_context(request, obj))


@require_POST
@permission_required("events.register", obj=_event)
def register(request, slug, obj):
    form = RegistrationForm(request.POST, event=obj)
    person = person_for(request.user)
    if person is None:
        form.is_valid()
        form.add_error(None, _("Your login is not linked to a person in the directory."))
    elif form.is_valid():
        try:
            registration = services.register(
                actor=request.user,
                event=obj,
                person=person,
                category=form.cleaned_data.get("category"),
                answers=form.answers(),
                base_url=_base_url(request),
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _status_message(registration.status))
            return redirect(obj.get_absolute_url())
    return render(request, "events/detail.html", _detail_context(request, obj, form), status=400)


def _status_message(status: str) -> str:
    return {
        RegistrationStatus.CONFIRMED: _("You are registered. The confirmation is on its way."),
        RegistrationStatus.WAITLISTED: _("The event is full: you are on the waiting list."),
        RegistrationStatus.PENDING: _("Thank you. The organisers will approve your registration."),
    }.get(status, _("Saved."))


@require_POST
@permission_required("events.change_registration", obj=_registration)
def cancel_registration(request, pk, obj):
    try:
        services.cancel_registration(
            actor=request.user, registration=obj, base_url=_base_url(request)
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Your registration is cancelled."))
    return redirect(request.POST.get("next") or obj.event.get_absolute_url())


@require_POST
@permission_required("events.change_registration", obj=_registration)
def accept_offer(request, pk, obj):
    try:
        services.accept_offer(actor=request.user, registration=obj, base_url=_base_url(request))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The seat is yours. The confirmation is on its way."))
    return redirect(obj.event.get_absolute_url())


@permission_required("events.view_own_registrations")
def my_registrations(request):
    registrations = list(registrations_of(request.user))
    return render(request, "events/mine.html", {"registrations": registrations})


def _group_organisation(request) -> Organisation | None:
    administered = roles_for(request.user).administered_ids
    wanted = request.GET.get("organisation") or request.POST.get("organisation")
    queryset = Organisation.objects.filter(pk__in=administered).order_by("name")
    if wanted and str(wanted).isdigit():
        return queryset.filter(pk=wanted).first()
    return queryset.first()


@permission_required("events.register_group", obj=_event)
def group_register(request, slug, obj):
    organisation = _group_organisation(request)
    if organisation is None:
        messages.error(request, _("You administer no member organisation."))
        return redirect(obj.get_absolute_url())
    form = GroupRegistrationForm(request.POST or None, organisation=organisation)
    if request.method == "POST" and form.is_valid():
        try:
            registrations = services.register_group(
                actor=request.user,
                event=obj,
                organisation=organisation,
                people=list(form.cleaned_data["people"]),
                base_url=_base_url(request),
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request,
                _("%(count)s colleagues registered.") % {"count": len(registrations)},
            )
            return redirect(obj.get_absolute_url())
    status = 400 if request.method == "POST" else 200
    context = {"event": obj, "form": form, "organisation": organisation}
    return render(request, "events/group.html", context, status=status)


@public
def calendar_feed(request):
    """GET /events.ics: the published public events as an iCalendar feed (`?kind=` narrows)."""
    events = public_feed_events()
    if request.GET.get("kind"):
        events = events.filter(kind=request.GET["kind"])
    body = calendar.feed(events, base_url=_base_url(request))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="events.ics"'
    return response


# --- Staff ----------------------------------------------------------------------------------


@permission_required("events.manage_event")
def manage_list(request):
    page = Paginator(manageable_events().order_by("-starts_at"), 50).get_page(
        request.GET.get("page")
    )
    return render(request, "events/manage/list.html", {"page": page})


@permission_required("events.manage_event")
def event_create(request):
    form = EventForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            event = services.create_event(actor=request.user, **form.service_fields())
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The event is saved as a draft."))
            return redirect("events:manage_registrations", event.slug)
    status = 400 if request.method == "POST" else 200
    return render(request, "events/manage/form.html", {"form": form}, status=status)


@permission_required("events.manage_event", obj=_managed)
def event_edit(request, slug, obj):
    form = EventForm(request.POST or None, instance=obj)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_event(actor=request.user, event=obj, **form.service_fields())
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The event is saved."))
            return redirect("events:manage_registrations", obj.slug)
    status = 400 if request.method == "POST" else 200
    return render(request, "events/manage/form.html", {"form": form, "event": obj}, status=status)


@require_POST
@permission_required("events.manage_event", obj=_managed)
def event_publish(request, slug, obj):
    try:
        services.publish_event(actor=request.user, event=obj)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The event is published."))
    return redirect("events:manage_registrations", obj.slug)


@permission_required("events.manage_event", obj=_managed)
def event_cancel(request, slug, obj):
    form = CancelEventForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.cancel_event(
                actor=request.user,
                event=obj,
                note=form.cleaned_data["note"],
                base_url=_base_url(request),
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The event is cancelled; the registrants are notified."))
            return redirect("events:manage_registrations", obj.slug)
    status = 400 if request.method == "POST" else 200
    context = {"event": obj, "form": form}
    return render(request, "events/manage/cancel.html", context, status=status)


def _registrations_page(request, event, form, status=200):
    context = {
        "event": event,
        "registrations": list(event_registrations(event)),
        "seats": seat_figures(event),
        "form": form,
    }
    return render(request, "events/manage/registrations.html", context, status=status)


@permission_required("events.manage_event", obj=_managed)
def event_registrations_view(request, slug, obj):
    form = StaffRegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            registration = services.register(
                actor=request.user, event=obj, person=form.person, base_url=_base_url(request)
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request,
                _("%(name)s: %(status)s.")
                % {"name": form.person.full_name, "status": registration.get_status_display()},
            )
            return redirect("events:manage_registrations", obj.slug)
    return _registrations_page(request, obj, form, 400 if request.method == "POST" else 200)


@require_POST
@permission_required("events.manage_event", obj=_managed)
def decide_registration(request, slug, pk, obj):
    registration = get_object_or_404(event_registrations(obj), pk=pk)
    try:
        services.decide_registration(
            actor=request.user,
            registration=registration,
            approve=request.POST.get("decision") == "approve",
            base_url=_base_url(request),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("events:manage_registrations", obj.slug)


@permission_required("events.manage_event", obj=_managed)
def check_in_view(request, slug, obj):
    form = CheckInForm(request.POST or None)
    found = []
    if request.method == "POST" and form.is_valid():
        text = form.cleaned_data["code"].strip()
        matches = event_registrations(obj).filter(
            Q(code=text.upper())
            | Q(person__first_name__icontains=text)
            | Q(person__last_name__icontains=text)
        )
        found = list(matches.filter(status=RegistrationStatus.CONFIRMED)[:20])
        if len(found) == 1 and found[0].code == text.upper():
            services.check_in(actor=request.user, registration=found[0])
            messages.success(request, _("%(name)s checked in.") % {"name": found[0].person})
            return redirect("events:check_in", obj.slug)
    if request.method == "POST" and request.POST.get("registration"):
        registration = get_object_or_404(event_registrations(obj), pk=request.POST["registration"])
        try:
            services.check_in(actor=request.user, registration=registration)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("%(name)s checked in.") % {"name": registration.person})
        return redirect("events:check_in", obj.slug)
    arrived = (
        event_registrations(obj).filter(checked_in_at__isnull=False).order_by("-checked_in_at")
    )
    context = {
        "event": obj,
        "form": form,
        "found": found,
        "arrived": list(arrived),
        "seats": seat_figures(obj),
    }
    return render(request, "events/manage/check_in.html", context)
