from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from klynge.accounts.roles import roles_for
from klynge.core.forms_util import apply_service_errors
from klynge.core.permissions import permission_required, public
from klynge.ecosystem.models import Organisation
from klynge.events import cache as event_cache
from klynge.events import calendar, services
from klynge.events.badges import badges_pdf
from klynge.events.forms import (
    CancelEventForm,
    CategoryForm,
    CheckInForm,
    EventFilterForm,
    EventForm,
    FeedbackForm,
    GroupRegistrationForm,
    QuestionForm,
    RecordingForm,
    RegistrationForm,
    ReminderForm,
    StaffRegistrationForm,
)
from klynge.events.jsonld import event_json_ld
from klynge.events.models import Question, Recording, RegistrationStatus, Reminder, TicketCategory
from klynge.events.selectors import (
    answer_columns,
    badge_registrations,
    calendar_token_of,
    categories_with_counts,
    event_registrations,
    feedback_summary,
    filter_events,
    get_event_for_user,
    get_manageable_event,
    get_registration_for_user,
    manageable_events,
    person_for,
    public_feed_events,
    recordings_for,
    registration_of,
    registrations_of,
    seat_figures,
    stream_for,
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
    categories = list(event.categories.all())
    seats = seat_figures(event)
    return {
        "json_ld": event_json_ld(
            event, base_url=_base_url(request), categories=categories, free=seats["free"]
        ),
        "recordings": list(recordings_for(request.user, event_slug=event.slug)),
        "event": event,
        "ticket": ticket,
        "zone": str(zone),
        "zones": zones,
        "registration": registration,
        "form": form,
        "seats": seats,
        "categories": categories,
        "has_paid_tickets": any(category.price for category in categories),
        "can_group": request.user.has_perm("events.register_group"),
        "can_manage": request.user.has_perm("events.manage_event"),
    }


@permission_required("events.view_event")
def event_detail(request, slug):
    """Anonymous visitors get a stored copy while the event and its seat counts are unchanged
    (events/cache.py); everyone else, and the first visitor, a freshly rendered page."""

    def load():
        event = get_event_for_user(request.user, slug)  # 404 unless the user may see it
        if not request.user.has_perm("events.view_event", event):
            raise PermissionDenied
        return event

    def render_page(event, extra):
        context = {**_detail_context(request, event), **extra}
        return render(request, "events/detail.html", context)

    return event_cache.event_page(request, slug, load=load, render=render_page)


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
    """Cancels a registration under the event's cancellation policy; staff may choose to
    refund or not (`refund` = yes/no) whatever the policy says."""
    refund = {"yes": True, "no": False}.get(request.POST.get("refund", ""))
    if refund is not None and not request.user.has_perm("events.manage_event"):
        refund = None
    try:
        registration = services.cancel_registration(
            actor=request.user, registration=obj, refund=refund, base_url=_base_url(request)
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if registration.refunded:
            messages.success(request, _("The registration is cancelled and its invoice credited."))
        elif registration.invoice_id:
            messages.success(
                request,
                _(
                    "The registration is cancelled. It was cancelled less than %(days)s days "
                    "before the start, so the invoice stands."
                )
                % {"days": registration.event.free_cancellation_days},
            )
        else:
            messages.success(request, _("Your registration is cancelled."))
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = obj.event.get_absolute_url()
    return redirect(target)


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
    token = calendar_token_of(request.user)
    feed_url = (
        request.build_absolute_uri(reverse("events:personal_feed", args=[token.token]))
        if token
        else ""
    )
    context = {"registrations": registrations, "feed_url": feed_url}
    return render(request, "events/mine.html", context)


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
    page = Paginator(manageable_events().order_by("-starts_at", "-id"), 50).get_page(
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
    registrations = list(event_registrations(event))
    columns, answers = answer_columns(event, registrations)
    context = {
        "event": event,
        "rows": list(zip(registrations, answers, strict=True)),
        "answer_columns": columns,
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


# --- Ticket types and questions (staff) -----------------------------------------------------


def _tickets_page(request, event, category_form=None, question_form=None, status=200):
    context = {
        "event": event,
        "categories": categories_with_counts(event),
        "questions": list(event.questions.all()),
        "category_form": category_form or CategoryForm(prefix="category"),
        "question_form": question_form or QuestionForm(prefix="question"),
    }
    return render(request, "events/manage/tickets.html", context, status=status)


@permission_required("events.manage_event", obj=_managed)
def manage_tickets(request, slug, obj):
    """The event's ticket types (price, seats, audience) and registration questions."""
    if request.method != "POST":
        return _tickets_page(request, obj)
    if request.POST.get("add") == "question":
        form = QuestionForm(request.POST, prefix="question")
        if form.is_valid():
            try:
                services.create_question(actor=request.user, event=obj, **form.cleaned_data)
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, _("The question is added."))
                return redirect("events:tickets", obj.slug)
        return _tickets_page(request, obj, question_form=form, status=400)
    form = CategoryForm(request.POST, prefix="category")
    if form.is_valid():
        try:
            services.create_category(actor=request.user, event=obj, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The ticket type is added."))
            return redirect("events:tickets", obj.slug)
    return _tickets_page(request, obj, category_form=form, status=400)


def _edit_page(request, event, form, title, status=200):
    context = {"event": event, "form": form, "title": title}
    return render(request, "events/manage/item_form.html", context, status=status)


@permission_required("events.manage_event", obj=_managed)
def category_edit(request, slug, pk, obj):
    category = get_object_or_404(TicketCategory, pk=pk, event=obj)
    initial = {name: getattr(category, name) for name in services.CATEGORY_FIELDS}
    form = CategoryForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_category(actor=request.user, category=category, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The ticket type is saved."))
            return redirect("events:tickets", obj.slug)
    status = 400 if request.method == "POST" else 200
    return _edit_page(request, obj, form, _("Edit the ticket type"), status)


@require_POST
@permission_required("events.manage_event", obj=_managed)
def category_remove(request, slug, pk, obj):
    category = get_object_or_404(TicketCategory, pk=pk, event=obj)
    try:
        services.delete_category(actor=request.user, category=category)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The ticket type is removed."))
    return redirect("events:tickets", obj.slug)


@permission_required("events.manage_event", obj=_managed)
def question_edit(request, slug, pk, obj):
    question = get_object_or_404(Question, pk=pk, event=obj)
    initial = {name: getattr(question, name) for name in services.QUESTION_FIELDS}
    form = QuestionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_question(actor=request.user, question=question, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The question is saved."))
            return redirect("events:tickets", obj.slug)
    status = 400 if request.method == "POST" else 200
    return _edit_page(request, obj, form, _("Edit the question"), status)


@require_POST
@permission_required("events.manage_event", obj=_managed)
def question_remove(request, slug, pk, obj):
    question = get_object_or_404(Question, pk=pk, event=obj)
    services.delete_question(actor=request.user, question=question)
    messages.success(request, _("The question is removed."))
    return redirect("events:tickets", obj.slug)


# --- Reminders, recordings, feedback, badges (staff) ----------------------------------------


def _communication_page(request, event, reminder_form=None, recording_form=None, status=200):
    context = {
        "event": event,
        "reminders": list(event.reminders.all()),
        "recordings": list(event.recordings.select_related("session")),
        "reminder_form": reminder_form or ReminderForm(prefix="reminder"),
        "recording_form": recording_form or RecordingForm(prefix="recording", event=event),
    }
    return render(request, "events/manage/communication.html", context, status=status)


@permission_required("events.manage_event", obj=_managed)
def manage_communication(request, slug, obj):
    """Reminders before the event and recordings after it."""
    if request.method != "POST":
        return _communication_page(request, obj)
    if request.POST.get("add") == "recording":
        form = RecordingForm(request.POST, prefix="recording", event=obj)
        if form.is_valid():
            try:
                services.add_recording(actor=request.user, event=obj, **form.cleaned_data)
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, _("The recording is added."))
                return redirect("events:communication", obj.slug)
        return _communication_page(request, obj, recording_form=form, status=400)
    form = ReminderForm(request.POST, prefix="reminder")
    if form.is_valid():
        try:
            services.add_reminder(actor=request.user, event=obj, minutes_before=form.minutes)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The reminder is set."))
            return redirect("events:communication", obj.slug)
    return _communication_page(request, obj, reminder_form=form, status=400)


@require_POST
@permission_required("events.manage_event", obj=_managed)
def reminder_remove(request, slug, pk, obj):
    reminder = get_object_or_404(Reminder, pk=pk, event=obj)
    services.remove_reminder(actor=request.user, reminder=reminder)
    messages.success(request, _("The reminder is removed."))
    return redirect("events:communication", obj.slug)


@require_POST
@permission_required("events.manage_event", obj=_managed)
def recording_remove(request, slug, pk, obj):
    recording = get_object_or_404(Recording, pk=pk, event=obj)
    services.remove_recording(actor=request.user, recording=recording)
    messages.success(request, _("The recording is removed."))
    return redirect("events:communication", obj.slug)


@permission_required("events.manage_event", obj=_managed)
def feedback_summary_view(request, slug, obj):
    context = {"event": obj, "summary": feedback_summary(obj), "seats": seat_figures(obj)}
    return render(request, "events/manage/feedback.html", context)


@permission_required("events.manage_event", obj=_managed)
def badges_view(request, slug, obj):
    """A PDF of name badges for the confirmed registrations, four per A4 page."""
    response = HttpResponse(
        badges_pdf(obj, badge_registrations(obj)), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'inline; filename="badges-{obj.slug}.pdf"'
    return response


# --- Feedback, stream and recordings (attendees) --------------------------------------------


@public
@never_cache
def feedback_view(request, token):
    """The feedback form from the follow-up e-mail: the signed link is the authorisation."""
    registration = services.registration_for_feedback_token(token)
    if registration is None:
        raise Http404
    done = hasattr(registration, "feedback") and registration.feedback is not None
    form = FeedbackForm(request.POST or None)
    status = 200
    if request.method == "POST" and not done:
        if form.is_valid():
            try:
                services.submit_feedback(
                    actor=request.user, registration=registration, **form.cleaned_data
                )
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, _("Thank you for your feedback."))
                return redirect("events:feedback", token)
        status = 400
    context = {"event": registration.event, "form": form, "done": done}
    return render(request, "events/feedback.html", context, status=status)


@never_cache
@permission_required("events.view_event", obj=_event)
def watch(request, slug, obj):
    """The stream link, for confirmed registrants of an online or hybrid event, from shortly
    before the start until the end."""
    context = {"event": obj, "stream": stream_for(request.user, obj)}
    return render(request, "events/watch.html", context)


@permission_required("events.view_recordings")
def recordings_library(request):
    """Recordings the visitor may watch (public, members' or their events' registrants')."""
    recordings = recordings_for(request.user, event_slug=request.GET.get("event", ""))
    page = Paginator(recordings, 50).get_page(request.GET.get("page"))
    return render(request, "events/recordings.html", {"page": page})
