"""An organisation's people, managed by its member admins and the staff: add a colleague, invite
one (they get a login), change a role, end a tie; and the staff page that creates an organisation
with its contact person. Every change goes through `ecosystem.services` (audited)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from klynge.accounts import services as account_services
from klynge.accounts.models import InvitationRole
from klynge.accounts.selectors import invitation_roles_for
from klynge.core.forms_util import apply_service_errors
from klynge.core.permissions import permission_required
from klynge.ecosystem import privacy, services, services_people
from klynge.ecosystem.forms_people import (
    AddPersonForm,
    ChangeRoleForm,
    InviteColleagueForm,
    OrganisationCreateForm,
)
from klynge.ecosystem.models import AffiliationRole
from klynge.ecosystem.selectors import Level, directory_level, get_organisation_for_user
from klynge.ecosystem.selectors_people import (
    current_people,
    former_people,
    get_current_affiliation,
    pending_invitations,
)


def _organisation(request, slug, **kwargs):
    return get_organisation_for_user(request.user, slug)


def _invitation_roles(user) -> list[tuple[str, str]]:
    """The roles the user may invite colleagues of an organisation as (no staff invitations)."""
    allowed = set(invitation_roles_for(user)) - {InvitationRole.STAFF}
    return [(value, label) for value, label in InvitationRole.choices if value in allowed]


def _people_page(
    request, organisation, *, add_form=None, invite_form=None, row_errors=None, status=200
):
    people = current_people(organisation)
    if directory_level(request.user) == Level.STAFF:
        # Staff see every colleague's e-mail address here: the audit log keeps who looked.
        privacy.record_personal_data_list_view(
            actor=request.user,
            page="organisation people",
            people=[affiliation.person for affiliation in people],
            target=organisation,
        )
    return render(
        request,
        "ecosystem/people/organisation_people.html",
        {
            "organisation": organisation,
            "people": people,
            "former": former_people(organisation),
            "invitations": pending_invitations(organisation),
            "roles": AffiliationRole.choices,
            "row_errors": row_errors or {},
            "add_form": add_form or AddPersonForm(),
            "invite_form": invite_form
            or InviteColleagueForm(roles=_invitation_roles(request.user)),
        },
        status=status,
    )


@permission_required("ecosystem.manage_people", obj=_organisation)
def organisation_people(request, slug, obj):
    return _people_page(request, obj)


@require_POST
@permission_required("ecosystem.manage_people", obj=_organisation)
def person_add(request, slug, obj):
    form = AddPersonForm(request.POST)
    if form.is_valid():
        try:
            affiliation = services.add_person_to_organisation(
                actor=request.user,
                organisation=obj,
                link_existing=request.user.has_perm("ecosystem.link_existing_person"),
                **form.cleaned_data,
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request,
                _("%(person)s is added to %(organisation)s as %(role)s.")
                % {
                    "person": affiliation.person.full_name,
                    "organisation": obj.name,
                    "role": affiliation.get_role_display().lower(),
                },
            )
            return redirect("ecosystem:organisation_people", slug=obj.slug)
    return _people_page(request, obj, add_form=form, status=400)


@require_POST
@permission_required("ecosystem.invite_to_organisation", obj=_organisation)
def invite(request, slug, obj):
    form = InviteColleagueForm(request.POST, roles=_invitation_roles(request.user))
    if form.is_valid():
        try:
            invitation = account_services.invite(
                actor=request.user,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                organisation=obj,
                message=form.cleaned_data["message"],
                base_url=request.build_absolute_uri("/")[:-1],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request, _("Invitation sent to %(email)s.") % {"email": invitation.email}
            )
            return redirect("ecosystem:organisation_people", slug=obj.slug)
    return _people_page(request, obj, invite_form=form, status=400)


def _keep_an_admin(request, organisation) -> bool:
    return not request.user.has_perm("ecosystem.remove_last_member_admin", organisation)


@require_POST
@permission_required("ecosystem.manage_people", obj=_organisation)
def change_role(request, slug, pk, obj):
    affiliation = get_current_affiliation(obj, pk)
    form = ChangeRoleForm(request.POST)
    if form.is_valid():
        try:
            current = services.change_affiliation_role(
                actor=request.user,
                affiliation=affiliation,
                role=form.cleaned_data["role"],
                keep_an_admin=_keep_an_admin(request, obj),
            )
        except ValidationError as error:
            errors = error.messages
        else:
            messages.success(
                request,
                _("%(person)s is now %(role)s.")
                % {"person": current.person.full_name, "role": current.get_role_display().lower()},
            )
            return redirect("ecosystem:organisation_people", slug=obj.slug)
    else:
        errors = form.errors.get("role", [])
    return _people_page(request, obj, row_errors={affiliation.pk: errors}, status=400)


@permission_required("ecosystem.manage_people", obj=_organisation)
def end(request, slug, pk, obj):
    """GET asks for confirmation; POST ends the tie at once."""
    affiliation = get_current_affiliation(obj, pk)
    errors: list[str] = []
    if request.method == "POST":
        try:
            services.end_affiliation(
                actor=request.user,
                affiliation=affiliation,
                keep_an_admin=_keep_an_admin(request, obj),
            )
        except ValidationError as error:
            errors = error.messages
        else:
            messages.success(
                request,
                _("%(person)s no longer acts for %(organisation)s as %(role)s.")
                % {
                    "person": affiliation.person.full_name,
                    "organisation": obj.name,
                    "role": affiliation.get_role_display().lower(),
                },
            )
            if not request.user.has_perm("ecosystem.manage_people", obj):
                return redirect(obj.get_absolute_url())  # they ended their own admin role
            return redirect("ecosystem:organisation_people", slug=obj.slug)
    return render(
        request,
        "ecosystem/people/end_affiliation.html",
        {"organisation": obj, "affiliation": affiliation, "errors": errors},
        status=400 if errors else 200,
    )


@permission_required("ecosystem.add_organisation")
def organisation_create(request):
    form = OrganisationCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            organisation = services_people.create_organisation_with_contact(
                actor=request.user, **form.service_arguments()
            )
        except ValidationError as error:
            form.apply_service_errors(error)
        else:
            messages.success(
                request, _("%(name)s is added to the directory.") % {"name": organisation.name}
            )
            return redirect(organisation.get_absolute_url())
    return render(
        request,
        "ecosystem/organisation_create.html",
        {"form": form},
        status=400 if request.method == "POST" else 200,
    )
