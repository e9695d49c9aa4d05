"""Feeds and partner calendars: the Atom feed, a person's own calendar feed behind a secret
address (and resetting it), and the staff pages that import partners' .ics calendars."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from klynge.core.forms_util import apply_service_errors
from klynge.core.permissions import permission_required, public
from klynge.events import calendar, external, services
from klynge.events.feeds import UpcomingEventsFeed
from klynge.events.forms import CalendarImportForm, CalendarSourceForm
from klynge.events.models import CalendarSource
from klynge.events.selectors import calendar_sources, feed_registrations, find_calendar_token

atom_feed = public(UpcomingEventsFeed())


@public
def personal_feed(request, token):
    """A person's registrations and agenda across events; the secret address is the
    credential (calendar apps subscribe without a session)."""
    found = find_calendar_token(token)
    if found is None:
        raise Http404
    body = calendar.personal_feed(
        found.user,
        feed_registrations(found.user),
        base_url=request.build_absolute_uri("/")[:-1],
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex"
    return response


@require_POST
@permission_required("events.view_own_registrations")
def calendar_token_reset(request):
    """Creates the address of the person's calendar feed, or replaces it (the old one stops)."""
    reset = request.POST.get("reset") == "yes"
    services.ensure_calendar_token(actor=request.user, user=request.user, reset=reset)
    if reset:
        messages.success(
            request, _("Your calendar has a new address; the old one no longer works.")
        )
    else:
        messages.success(request, _("Your calendar address is ready."))
    return redirect(reverse("events:mine") + "#calendar")


# --- Partner calendars (staff) --------------------------------------------------------------


def _sources_page(request, form=None, status=200):
    context = {
        "sources": list(calendar_sources()),
        "form": form or CalendarSourceForm(),
        "import_form": CalendarImportForm(),
    }
    return render(request, "events/manage/partners.html", context, status=status)


@permission_required("events.manage_event")
def partner_calendars(request):
    """The partners' calendars imported into ours, and a form to add one."""
    if request.method != "POST":
        return _sources_page(request)
    form = CalendarSourceForm(request.POST)
    if form.is_valid():
        try:
            source = external.save_calendar_source(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request, _("%(name)s is added. Import its events now.") % {"name": source.name}
            )
            return redirect("events:partners")
    return _sources_page(request, form, status=400)


@permission_required("events.manage_event")
def partner_calendar_import(request, pk):
    """Imports a partner's calendar now, from an uploaded .ics or from its address."""
    source = get_object_or_404(CalendarSource, pk=pk)
    bound = request.method == "POST"
    form = CalendarImportForm(request.POST if bound else None, request.FILES if bound else None)
    result, status = None, 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                upload = form.cleaned_data.get("file")
                if upload is not None:
                    if upload.size > external.MAX_BYTES:
                        raise ValidationError({"file": [_("The calendar is larger than 5 MB.")]})
                    data = upload.read()
                elif source.url:
                    data = external.fetch_calendar(source.url)
                else:
                    raise ValidationError(
                        {"file": [_("Upload the calendar file: this partner has no address.")]}
                    )
                result = external.import_calendar(
                    actor=request.user,
                    source=source,
                    data=data,
                    dry_run=form.cleaned_data["dry_run"],
                )
            except ValidationError as error:
                if "url" in getattr(error, "error_dict", {}):
                    error = ValidationError({"file": error.error_dict["url"]})
                apply_service_errors(form, error)
            else:
                status = 200
                if not form.cleaned_data["dry_run"]:
                    messages.success(
                        request,
                        _(
                            "%(name)s: %(created)s new, %(updated)s changed, %(unchanged)s "
                            "unchanged, %(removed)s removed."
                        )
                        % {"name": source.name, **result.as_dict()},
                    )
                    return redirect("events:partners")
    context = {"source": source, "form": form, "result": result}
    return render(request, "events/manage/partner_import.html", context, status=status)


@require_POST
@permission_required("events.manage_event")
def partner_calendar_delete(request, pk):
    source = get_object_or_404(CalendarSource, pk=pk)
    external.delete_calendar_source(actor=request.user, source=source)
    messages.success(request, _("%(name)s and its events are removed.") % {"name": source.name})
    return redirect("events:partners")
