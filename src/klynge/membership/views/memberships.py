from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from klynge.core.permissions import permission_required
from klynge.membership import selectors, services
from klynge.membership.forms import MembershipFilterForm


@permission_required("membership.view_membership_list")
def membership_list(request):
    form = MembershipFilterForm(request.GET or None)
    queryset = selectors.filter_memberships(
        selectors.memberships_visible_to(request.user), **form.to_filter()
    )
    page = Paginator(queryset, 50).get_page(request.GET.get("page"))
    template = "membership/partials/membership_table.html" if request.htmx else None
    return render(request, template or "membership/memberships.html", {"form": form, "page": page})


@require_POST
@permission_required(
    "membership.end_membership",
    obj=lambda request, pk: selectors.get_membership_for_user(request.user, pk),
)
def membership_end(request, pk, obj):
    try:
        services.end_membership(actor=request.user, membership=obj)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("The membership of %(name)s is ended.") % {"name": obj.organisation.name},
        )
    return redirect("membership:memberships")


@permission_required("membership.view_own_membership")
def my_membership(request):
    return render(
        request,
        "membership/mine.html",
        {"overview": selectors.billing_overview(request.user)},
    )
