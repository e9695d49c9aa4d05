from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from klynge.accounts import services
from klynge.accounts.forms import ApiTokenForm, ProfileForm
from klynge.accounts.roles import roles_for
from klynge.core.forms_util import apply_service_errors
from klynge.core.permissions import permission_required
from klynge.ecosystem.models import Person


def _profile_context(request, form, token_form, new_secret=None):
    return {
        "form": form,
        "token_form": token_form,
        "tokens": request.user.api_tokens.filter(revoked_at__isnull=True),
        "roles": roles_for(request.user),
        "new_secret": new_secret,
    }


def _profile_form(user, data=None) -> ProfileForm:
    person = Person.objects.filter(user=user).first()
    initial = {
        "name": user.name,
        "language": user.language,
        "title": person.title if person else "",
        "phone": person.phone if person else "",
    }
    return ProfileForm(data, initial=initial)


@permission_required("accounts.manage_own_profile")
def profile(request):
    user = request.user
    form = _profile_form(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_profile(actor=user, user=user, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Your profile is saved."))
            return redirect("accounts:profile")
    return render(request, "accounts/profile.html", _profile_context(request, form, ApiTokenForm()))


@require_POST
@permission_required("accounts.manage_own_profile")
def create_token(request):
    token_form = ApiTokenForm(request.POST)
    new_secret = None
    if token_form.is_valid():
        try:
            _token, new_secret = services.create_api_token(
                actor=request.user, user=request.user, name=token_form.cleaned_data["name"]
            )
        except ValidationError as error:
            apply_service_errors(token_form, error)
        else:
            messages.success(request, _("Token created. Copy it now: it is shown only this once."))
            token_form = ApiTokenForm()
    form = _profile_form(request.user)
    return render(
        request, "accounts/profile.html", _profile_context(request, form, token_form, new_secret)
    )


@require_POST
@permission_required("accounts.manage_own_profile")
def revoke_token(request, pk):
    token = get_object_or_404(request.user.api_tokens, pk=pk, revoked_at__isnull=True)
    services.revoke_api_token(actor=request.user, token=token)
    messages.success(request, _("The token “%(name)s” no longer works.") % {"name": token.name})
    return redirect("accounts:profile")


password_change = permission_required("accounts.manage_own_profile")(
    auth_views.PasswordChangeView.as_view(
        template_name="accounts/password_change.html", success_url=reverse_lazy("accounts:profile")
    )
)
