"""Pages: partners for an organisation and for a person, feedback, "introduce us", the staff
queue of introductions and the outcome funnel."""

import csv

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from klynge.core.forms_util import apply_service_errors
from klynge.core.permissions import permission_required
from klynge.core.spreadsheets import cell
from klynge.ecosystem.models import Organisation
from klynge.ecosystem.selectors import directory_queryset, get_organisation_for_user
from klynge.matchmaking import selectors, services
from klynge.matchmaking.forms import (
    AcceptForm,
    DeclineForm,
    FeedbackForm,
    FilterForm,
    FunnelFilterForm,
    IntroductionForm,
    OutcomeForm,
)


def _filters(request) -> tuple[FilterForm, selectors.Filters]:
    form = FilterForm(request.GET)
    if not form.is_valid():
        return form, selectors.Filters()
    data = form.cleaned_data
    return form, selectors.Filters(
        kind=data["kind"], country=data["country"], members_only=data["members"]
    )


def _organisation(request, slug, **kwargs):
    return get_organisation_for_user(request.user, slug)


def _back(organisation, request):
    query = request.GET.urlencode()
    url = reverse("matchmaking:organisation", args=[organisation.slug])
    return redirect(f"{url}?{query}" if query else url)


@permission_required("matchmaking.view_recommendations", obj=_organisation)
def organisation_recommendations(request, slug, obj):
    form, filters = _filters(request)
    suggestions = selectors.recommendations_for_organisation(
        request.user, obj, k=10, filters=filters
    )
    context = {
        "organisation": obj,
        "form": form,
        "suggestions": suggestions,
        "query": request.GET.urlencode(),
        "can_introduce": request.user.has_perm("matchmaking.request_introduction", obj),
    }
    template = "matchmaking/partials/list.html" if request.htmx else "matchmaking/organisation.html"
    return render(request, template, context)


@permission_required("matchmaking.view_my_recommendations")
def my_recommendations(request):
    form, filters = _filters(request)
    person = selectors.person_for_user(request.user)
    suggestions = (
        selectors.recommendations_for_person(request.user, person, k=10, filters=filters)
        if person is not None
        else []
    )
    context = {
        "form": form,
        "suggestions": suggestions,
        "person": person,
        "organisations": selectors.organisations_acting_for(request.user),
        "query": request.GET.urlencode(),
    }
    template = "matchmaking/partials/list.html" if request.htmx else "matchmaking/mine.html"
    return render(request, template, context)


def _partner(request, form) -> Organisation:
    return get_object_or_404(directory_queryset(request.user), pk=form.cleaned_data["partner"])


@require_POST
@permission_required("matchmaking.give_feedback", obj=_organisation)
def feedback(request, slug, obj):
    form = FeedbackForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose useful or not useful."))
        return _back(obj, request)
    try:
        services.give_feedback(
            actor=request.user,
            organisation=obj,
            partner=_partner(request, form),
            useful=form.cleaned_data["useful"],
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Thank you: your feedback is kept."))
    return _back(obj, request)


@require_POST
@permission_required("matchmaking.request_introduction", obj=_organisation)
def introduce(request, slug, obj):
    form = IntroductionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The request is not valid."))
        return _back(obj, request)
    partner = _partner(request, form)
    try:
        services.request_introduction(
            actor=request.user,
            organisation=obj,
            partner=partner,
            message=form.cleaned_data["message"],
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("The cluster staff will introduce you to %(partner)s.") % {"partner": partner.name},
        )
    return _back(obj, request)


def _queue_context(**forms):
    return {
        "pending": list(selectors.pending_introductions()),
        "decided": list(selectors.decided_introductions()),
        **forms,
    }


@permission_required("matchmaking.broker_introduction")
def introduction_queue(request):
    return render(request, "matchmaking/introductions.html", _queue_context())


def _introduction(request, pk, **kwargs):
    return selectors.get_introduction_for_user(request.user, pk)


@require_POST
@permission_required("matchmaking.broker_introduction", obj=_introduction)
def introduction_accept(request, pk, obj):
    form = AcceptForm(request.POST)
    form.is_valid()
    try:
        services.accept_introduction(
            actor=request.user, introduction=obj, note=form.cleaned_data.get("note", "")
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Both sides have been introduced by e-mail."))
    return redirect("matchmaking:introductions")


@require_POST
@permission_required("matchmaking.broker_introduction", obj=_introduction)
def introduction_decline(request, pk, obj):
    form = DeclineForm(request.POST)
    if form.is_valid():
        try:
            services.decline_introduction(
                actor=request.user, introduction=obj, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The request is declined."))
            return redirect("matchmaking:introductions")
    context = _queue_context(decline_form=form, declining=obj.pk)
    return render(request, "matchmaking/introductions.html", context, status=400)


def _funnel_filters(request) -> tuple[FunnelFilterForm, dict]:
    form = FunnelFilterForm(
        request.GET or None, years=selectors.funnel_years(), events=selectors.funnel_events()
    )
    if form.is_bound and form.is_valid():
        return form, {"year": form.cleaned_data["year"], "event": form.cleaned_data["event"]}
    return form, {}


@permission_required("matchmaking.view_outcomes")
def outcomes_export(request):
    """The funnel (filtered like the page) as CSV, for the impact reports."""
    _form, filters = _funnel_filters(request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="match-funnel.csv"'
    writer = csv.writer(response)
    for row in selectors.funnel_csv_rows(selectors.funnel(**filters)):
        writer.writerow([cell(value) for value in row])
    return response


@permission_required("matchmaking.view_outcomes")
def outcomes(request):
    filter_form, filters = _funnel_filters(request)
    form = OutcomeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if not request.user.has_perm("matchmaking.record_outcome"):
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            organisations = Organisation.objects.in_bulk(
                [data["organisation_a"], data["organisation_b"]]
            )
            try:
                missing = [
                    name
                    for name in ("organisation_a", "organisation_b")
                    if data[name] not in organisations
                ]
                if missing:
                    raise ValidationError({name: _("Unknown organisation.") for name in missing})
                services.record_outcome(
                    actor=request.user,
                    organisation_a=organisations[data["organisation_a"]],
                    organisation_b=organisations[data["organisation_b"]],
                    stage=data["stage"],
                    origin=data["origin"],
                    reached_on=data["reached_on"],
                )
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, _("The outcome is recorded."))
                return redirect("matchmaking:outcomes")
        status = 400
    return render(
        request,
        "matchmaking/outcomes.html",
        {
            "funnel": selectors.funnel(**filters),
            "form": form,
            "filter_form": filter_form,
            "query": request.GET.urlencode(),
        },
        status=status,
    )
