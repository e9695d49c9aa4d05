from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from klynge.core.forms_util import apply_service_errors
from klynge.core.permissions import permission_required
from klynge.ecosystem import privacy, services_people
from klynge.ecosystem.forms import OrganisationProfileForm
from klynge.ecosystem.models import TripleHelix
from klynge.ecosystem.selectors import (
    fields_for,
    get_organisation_for_user,
    organisation_relations,
    organisation_with_tags,
    visible_people,
)


def _organisation(request, slug, **kwargs):
    return get_organisation_for_user(request.user, slug)


@permission_required("ecosystem.view_organisation", obj=_organisation)
def organisation_detail(request, slug, obj):
    fields = fields_for(request.user, obj)
    people = visible_people(obj, fields)
    if "people_consents" in fields:
        # Staff see every person's e-mail and consents here: the audit log keeps who looked.
        privacy.record_personal_data_list_view(
            actor=request.user,
            page="organisation",
            people=[affiliation.person for affiliation in people],
            target=obj,
        )
    return render(
        request,
        "ecosystem/organisation.html",
        {
            "organisation": organisation_with_tags(obj),
            "fields": fields,
            "triple_helix": TripleHelix(obj.triple_helix).label,
            "people": people,
            "relations": organisation_relations(obj, request.user),
            "can_edit": request.user.has_perm("ecosystem.change_organisation", obj),
            "can_view_crm": request.user.has_perm("crm.view_crm"),
            "can_invite": request.user.has_perm("ecosystem.invite_to_organisation", obj),
            "can_manage_people": request.user.has_perm("ecosystem.manage_people", obj),
        },
    )


@permission_required("ecosystem.change_organisation", obj=_organisation)
def organisation_edit(request, slug, obj):
    organisation = organisation_with_tags(obj)
    form = OrganisationProfileForm(
        request.POST or None, request.FILES or None, organisation=organisation
    )
    if request.method == "POST" and form.is_valid():
        try:
            services_people.update_organisation_profile(
                actor=request.user, organisation=organisation, **form.service_arguments()
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The profile is saved."))
            return redirect(organisation.get_absolute_url())
    return render(
        request,
        "ecosystem/organisation_edit.html",
        {"organisation": obj, "form": form},
        status=400 if request.method == "POST" else 200,
    )
