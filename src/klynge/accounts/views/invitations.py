from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from klynge.accounts import services
from klynge.accounts.forms import AcceptInvitationForm, InvitationForm
from klynge.accounts.models import InvitationRole
from klynge.accounts.predicates import is_cluster_staff
from klynge.accounts.selectors import invitations_visible_to
from klynge.core.forms_util import apply_service_errors
from klynge.core.permissions import permission_required, public
from klynge.ecosystem import privacy


@permission_required("accounts.view_invitation_list")
def invitation_list(request):
    form = InvitationForm(user=request.user)
    page = Paginator(invitations_visible_to(request.user), 50).get_page(request.GET.get("page"))
    if is_cluster_staff(request.user):
        # Staff see everyone's invitation addresses: the audit log keeps who looked.
        page.object_list = list(page.object_list)
        privacy.record_personal_data_list_view(
            actor=request.user,
            page="invitations",
            details={"invitations": [invitation.pk for invitation in page.object_list]},
        )
    return render(request, "accounts/invitations.html", {"form": form, "page": page})


@permission_required("accounts.add_invitation")
def invitation_create(request):
    form = InvitationForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        organisation = data["organisation"]
        # The form offers only what the user may choose; the edge still checks what was sent.
        if organisation is not None and not request.user.has_perm(
            "ecosystem.invite_to_organisation", organisation
        ):
            raise PermissionDenied
        if data["role"] == InvitationRole.STAFF and not request.user.has_perm(
            "accounts.invite_staff"
        ):
            raise PermissionDenied
        try:
            invitation = services.invite(
                actor=request.user,
                email=data["email"],
                role=data["role"],
                organisation=organisation,
                message=data["message"],
                base_url=request.build_absolute_uri("/")[:-1],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request, _("Invitation sent to %(email)s.") % {"email": invitation.email}
            )
            return redirect("accounts:invitations")
    page = Paginator(invitations_visible_to(request.user), 50).get_page(1)
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/invitations.html", {"form": form, "page": page}, status=status)


def _visible_invitation(request, pk):
    return get_object_or_404(invitations_visible_to(request.user), pk=pk)


@require_POST
@permission_required("accounts.revoke_invitation", obj=_visible_invitation)
def invitation_revoke(request, pk, obj):
    try:
        services.revoke_invitation(actor=request.user, invitation=obj)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("The invitation to %(email)s is revoked.") % {"email": obj.email}
        )
    return redirect("accounts:invitations")


@public
def accept_invitation(request, token):
    invitation = services.find_pending_invitation(token)
    if invitation is None:
        return render(request, "accounts/invitation_invalid.html", status=404)
    signed_in = request.user.is_authenticated
    form = None if signed_in else AcceptInvitationForm(request.POST or None)
    if request.method == "POST" and (signed_in or form.is_valid()):
        try:
            if signed_in:
                user = services.accept_invitation(token=token, user=request.user)
            else:
                user = services.accept_invitation(
                    token=token,
                    name=form.cleaned_data["name"],
                    password=form.cleaned_data["password1"],
                )
        except ValidationError as error:
            if form is None:
                messages.error(request, " ".join(error.messages))
            else:
                apply_service_errors(form, error)
        else:
            if not signed_in:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Welcome! Your invitation is accepted."))
            return redirect("core:dashboard")
    return render(
        request,
        "accounts/accept_invitation.html",
        {"invitation": invitation, "form": form},
        status=400 if request.method == "POST" else 200,
    )
