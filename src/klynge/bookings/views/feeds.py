"""Calendar feeds: per resource (public, no names) and per person (by a secret address)."""

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from klynge.bookings import feeds, selectors
from klynge.bookings.models import CalendarToken
from klynge.core.permissions import permission_required, public


def _ics(content: bytes) -> HttpResponse:
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    return response


def _resource(request, slug, **kwargs):
    return selectors.get_resource_for_user(request.user, slug=slug)


@permission_required("bookings.view_resource", obj=_resource)
def resource_feed(request, slug, obj):
    bookings = selectors.feed_bookings(resource=obj)
    return _ics(feeds.calendar_for(bookings, name=obj.name, with_names=False))


@public
def person_feed(request, token):
    # The token is the credential: calendar apps subscribe without a session.
    calendar_token = get_object_or_404(CalendarToken.objects.select_related("user"), token=token)
    if not calendar_token.user.is_active:
        raise Http404
    bookings = selectors.feed_bookings(user=calendar_token.user)
    return _ics(feeds.calendar_for(bookings, name=_("My bookings")))
