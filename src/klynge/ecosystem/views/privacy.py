"""Privacy pages: "Your data" with consents, the download, erasure requests and staff erasure."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from klynge.core.forms_util import apply_service_errors
from klynge.core.permissions import permission_required
from klynge.ecosystem import privacy
from klynge.ecosystem.models import CONSENT_FIELD, ConsentKind

CONSENT_HELP = {
    ConsentKind.DIRECTORY: gettext_lazy(
        "Your name, job title and organisations appear in the member directory."
    ),
    ConsentKind.NEWSLETTER: gettext_lazy("You receive the cluster's newsletter by e-mail."),
    ConsentKind.PHOTOS: gettext_lazy(
        "Photos from events where you appear may be published by the cluster."
    ),
}


class ConsentForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for kind in ConsentKind:
            self.fields[kind.value] = forms.BooleanField(
                label=kind.label, help_text=CONSENT_HELP[kind], required=False
            )

    @classmethod
    def for_person(cls, person, data=None):
        initial = {kind.value: getattr(person, CONSENT_FIELD[kind]) for kind in ConsentKind}
        return cls(data, initial=initial)


class ErasureRequestForm(forms.Form):
    confirm_email = forms.CharField(
        label=gettext_lazy("Type your e-mail address to confirm"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )


def _privacy_page(request, consent_form, status=200):
    person = privacy.person_of(request.user)
    return render(
        request,
        "ecosystem/privacy/your_data.html",
        {
            "person": person,
            "consent_form": consent_form,
            "parts": privacy.personal_data_parts(),
            "open_request": privacy.open_erasure_request(request.user),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@permission_required("ecosystem.manage_own_data")
def your_data(request):
    person = privacy.person_of(request.user)
    form = None
    if person is not None:
        form = ConsentForm.for_person(person, request.POST or None)
    if request.method == "POST":
        if form is None:
            messages.error(request, _("You have no entry in the directory, so no consents."))
            return redirect("ecosystem:privacy")
        if form.is_valid():
            try:
                privacy.update_consents(
                    actor=request.user,
                    person=person,
                    consents=form.cleaned_data,
                    source="privacy page",
                )
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, _("Your choices are saved."))
                return redirect("ecosystem:privacy")
        return _privacy_page(request, form, status=400)
    return _privacy_page(request, form)


@require_GET
@permission_required("ecosystem.manage_own_data")
def export(request):
    data = privacy.export_personal_data(actor=request.user, user=request.user)
    response = JsonResponse(
        data, encoder=DjangoJSONEncoder, json_dumps_params={"indent": 2, "ensure_ascii": False}
    )
    filename = f"klynge-data-{timezone.localdate().isoformat()}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_http_methods(["GET", "POST"])
@permission_required("ecosystem.manage_own_data")
def erasure_request(request):
    open_request = privacy.open_erasure_request(request.user)
    form = ErasureRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            privacy.request_erasure(
                actor=request.user,
                confirm_email=form.cleaned_data["confirm_email"],
                base_url=request.build_absolute_uri("/")[:-1],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Your request is sent. The staff will erase your data and tell you by e-mail."),
            )
            return redirect("ecosystem:privacy")
    return render(
        request,
        "ecosystem/privacy/erasure_request.html",
        {"form": form, "open_request": open_request},
        status=400 if request.method == "POST" else 200,
    )


@require_GET
@permission_required("ecosystem.view_erasure_requests")
def erasure_requests(request):
    page = Paginator(privacy.erasure_requests(), 50).get_page(request.GET.get("page"))
    privacy.record_personal_data_list_view(
        actor=request.user, people=page.object_list, page="erasure requests"
    )
    return render(request, "ecosystem/privacy/requests.html", {"page": page})


def _person(request, person_id):
    return privacy.get_person_for_user(request.user, person_id)


@require_http_methods(["GET", "POST"])
@permission_required("ecosystem.erase_person", obj=_person)
def erase(request, person_id, obj):
    if request.method == "POST":
        if obj.erased_at is not None:
            messages.info(request, _("This person was already erased."))
        else:
            privacy.erase_person(actor=request.user, person=obj)
            messages.success(request, _("The person's data is erased."))
        return redirect("ecosystem:privacy_requests")
    if obj.erased_at is None:
        # The confirmation page shows the person's name, e-mail and login.
        privacy.record_personal_data_view(actor=request.user, person=obj)
    return render(request, "ecosystem/privacy/erase.html", {"person": obj})
