from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from klynge.core import ratelimit
from klynge.core.forms_util import apply_service_errors
from klynge.core.permissions import permission_required, public
from klynge.ecosystem import privacy
from klynge.membership import selectors, services
from klynge.membership.forms import ApplicationForm, RejectForm
from klynge.membership.models import ApplicationStatus

# The form creates organisations and sends e-mail for anyone: keep it from being a relay.
# Per client address and hour: a few accepted applications, and a generous number of refused
# ones (typos, a wrong registry number), so that nobody who corrects a form is turned away.
ACCEPTED = ratelimit.Limit("apply", limit=5, window_seconds=3600)
REFUSED = ratelimit.Limit("apply-refused", limit=50, window_seconds=3600)


def _apply_page(request, form, status):
    return render(
        request,
        "membership/apply.html",
        {"form": form, "tiers": list(selectors.open_tiers())},
        status=status,
    )


@public
def apply(request):
    form = ApplicationForm(request.POST or None)
    if request.method != "POST":
        return _apply_page(request, form, 200)
    address = ratelimit.client_address(request) or "unknown"
    if ACCEPTED.exhausted(address) or REFUSED.exhausted(address):
        form.full_clean()
        form.add_error(None, _("Too many applications from your address. Try again in an hour."))
        return _apply_page(request, form, 429)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.submit_application(
                actor=request.user,
                name=data["name"],
                kind=data["kind"],
                country=data["country"],
                registry_number=data["registry_number"],
                employees=data["employees"],
                street=data["street"],
                postal_code=data["postal_code"],
                city=data["city"],
                contact_name=data["contact_name"],
                contact_email=data["contact_email"],
                tier=data["tier"],
                message=data["message"],
                language=translation.get_language() or "",
                base_url=request.build_absolute_uri("/")[:-1],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            ACCEPTED.hit(address)
            return redirect("membership:applied")
    REFUSED.hit(address)
    return _apply_page(request, form, 400)


@public
def applied(request):
    return render(request, "membership/applied.html")


@permission_required("membership.view_application_list")
def application_list(request):
    status = request.GET.get("status") or ApplicationStatus.PENDING
    if status not in ApplicationStatus.values:
        status = ApplicationStatus.PENDING
    applications = list(selectors.applications(status))
    # Each row shows a contact person's name and e-mail: the audit log keeps who looked.
    privacy.record_personal_data_list_view(
        actor=request.user,
        page="membership applications",
        details={"applications": [application.pk for application in applications]},
    )
    return render(
        request,
        "membership/applications.html",
        {
            "applications": applications,
            "status": status,
            "statuses": ApplicationStatus.choices,
        },
    )


def _application(request, pk):
    return selectors.get_application_for_user(request.user, pk)


def _detail(request, application, reject_form=None, status=200):
    fee = selectors.fee_for_organisation(application.tier, application.organisation)
    return render(
        request,
        "membership/application.html",
        {
            "application": application,
            "fee": fee,
            "reject_form": reject_form or RejectForm(),
        },
        status=status,
    )


@permission_required("membership.decide_application", obj=_application)
def application_detail(request, pk, obj):
    privacy.record_personal_data_list_view(
        actor=request.user,
        page="membership application",
        target=obj,
        details={"applications": [obj.pk]},
    )
    return _detail(request, obj)


@require_POST
@permission_required("membership.decide_application", obj=_application)
def application_approve(request, pk, obj):
    try:
        membership = services.approve_application(
            actor=request.user, application=obj, base_url=request.build_absolute_uri("/")[:-1]
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("membership:application", pk=obj.pk)
    messages.success(
        request,
        _("%(name)s is now a member; the contact person is invited as member admin.")
        % {"name": membership.organisation.name},
    )
    return redirect("membership:applications")


@require_POST
@permission_required("membership.decide_application", obj=_application)
def application_reject(request, pk, obj):
    form = RejectForm(request.POST)
    if form.is_valid():
        try:
            services.reject_application(
                actor=request.user, application=obj, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request,
                _("The application from %(name)s is rejected.") % {"name": obj.organisation.name},
            )
            return redirect("membership:applications")
    return _detail(request, obj, reject_form=form, status=400)
