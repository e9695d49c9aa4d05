"""Staff pages for an event's people: the registrations as CSV (answers included) and the
invitation list of an event by invitation."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from klynge.core import audit
from klynge.core.forms_util import apply_service_errors
from klynge.core.permissions import permission_required
from klynge.events import services
from klynge.events.forms import InvitationForm
from klynge.events.models import Invitation
from klynge.events.selectors import (
    answer_columns,
    event_invitations,
    event_registrations,
    get_manageable_event,
)


def _managed(request, slug, **kwargs):
    return get_manageable_event(slug)


def _safe(value) -> str:
    """No spreadsheet formulas in exported cells (a typed answer may start with = or +)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@permission_required("events.manage_event", obj=_managed)
def registrations_csv(request, slug, obj):
    """Every registration of the event with the answers to its questions, for a spreadsheet
    (caterers' dietary lists, name lists). The download is recorded in the audit log."""
    registrations = list(event_registrations(obj).select_related("invoice"))
    columns, answers = answer_columns(obj, registrations)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="registrations-{obj.slug}.csv"'
    response.write("\ufeff")  # so spreadsheet programs read UTF-8
    writer = csv.writer(response)
    writer.writerow(
        [
            _("First name"), _("Last name"), _("E-mail"), _("Organisation"), _("Ticket"),
            _("Status"), _("Price"), _("Ticket code"), _("Registered"), _("Checked in"),
            *(label for _key, label in columns),
        ]
    )  # fmt: skip
    zone = obj.zone
    for registration, row in zip(registrations, answers, strict=True):
        person = registration.person
        checked_in = registration.checked_in_at
        writer.writerow(
            _safe(value)
            for value in (
                person.first_name,
                person.last_name,
                person.email,
                registration.organisation.name if registration.organisation else "",
                registration.category.name if registration.category else "",
                registration.get_status_display(),
                registration.price,
                registration.code,
                timezone.localtime(registration.created_at, zone).strftime("%Y-%m-%d %H:%M"),
                timezone.localtime(checked_in, zone).strftime("%Y-%m-%d %H:%M")
                if checked_in
                else "",
                *row,
            )
        )
    audit.record(
        actor=request.user,
        action="events.registrations.export",
        target=obj,
        data={"rows": len(registrations)},
    )
    return response


def _invitations_page(request, event, form=None, status=200):
    context = {
        "event": event,
        "invitations": event_invitations(event),
        "form": form or InvitationForm(),
    }
    return render(request, "events/manage/invitations.html", context, status=status)


@permission_required("events.manage_event", obj=_managed)
def invitations(request, slug, obj):
    """Who is invited (they see the event and may register), with their registration; a form
    to invite more people from the directory, who get an e-mail."""
    if request.method != "POST":
        return _invitations_page(request, obj)
    form = InvitationForm(request.POST)
    if form.is_valid():
        try:
            made = services.invite_people(
                actor=request.user,
                event=obj,
                people=form.people,
                base_url=request.build_absolute_uri("/")[:-1],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request,
                ngettext("%(count)s person invited.", "%(count)s people invited.", len(made))
                % {"count": len(made)},
            )
            return redirect("events:invitations", obj.slug)
    return _invitations_page(request, obj, form, status=400)


@require_POST
@permission_required("events.manage_event", obj=_managed)
def invitation_withdraw(request, slug, pk, obj):
    invitation = get_object_or_404(Invitation, pk=pk, event=obj)
    services.withdraw_invitation(actor=request.user, invitation=invitation)
    messages.success(
        request,
        _("The invitation of %(name)s is withdrawn.") % {"name": invitation.person.full_name},
    )
    return redirect("events:invitations", obj.slug)
