from django.shortcuts import render

from klynge.core.permissions import permission_required
from klynge.events.selectors import get_event_for_user


@permission_required(
    "events.view_event", obj=lambda request, slug: get_event_for_user(request.user, slug)
)
def event_detail(request, slug, obj):
    return render(request, "events/detail.html", {"event": obj})
