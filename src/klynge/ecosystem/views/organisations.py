from django.shortcuts import render

from klynge.core.permissions import permission_required
from klynge.ecosystem.selectors import get_organisation_for_user, organisation_people


@permission_required(
    "ecosystem.view_organisation",
    obj=lambda request, slug: get_organisation_for_user(request.user, slug),
)
def organisation_detail(request, slug, obj):
    show_people = request.user.has_perm("ecosystem.view_organisation_people", obj)
    return render(
        request,
        "ecosystem/organisation.html",
        {
            "organisation": obj,
            "people": organisation_people(obj) if show_people else None,
            "can_invite": request.user.has_perm("ecosystem.invite_to_organisation", obj),
        },
    )
