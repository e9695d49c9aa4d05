from django.db.models import QuerySet
from django.utils import timezone

from klynge.accounts.roles import Role, roles_for
from klynge.events.models import Event, EventStatus, Visibility


def events_visible_to(user) -> QuerySet[Event]:
    """Published events the user may see: public ones, members-only ones for members and staff."""
    roles = roles_for(user)
    events = Event.objects.select_related("organiser")
    if roles.has(Role.STAFF):
        return events.exclude(status=EventStatus.DRAFT)
    visible = [Visibility.PUBLIC]
    if roles.has(Role.MEMBER_EMPLOYEE):
        visible.append(Visibility.MEMBERS)
    return events.filter(status=EventStatus.PUBLISHED, visibility__in=visible)


def upcoming_events(user, *, limit: int = 6) -> list[Event]:
    return list(
        events_visible_to(user).filter(ends_at__gte=timezone.now()).order_by("starts_at")[:limit]
    )


def past_events(user, *, limit: int = 6) -> list[Event]:
    return list(
        events_visible_to(user).filter(ends_at__lt=timezone.now()).order_by("-starts_at")[:limit]
    )


def get_event_for_user(user, slug: str) -> Event:
    from django.shortcuts import get_object_or_404

    return get_object_or_404(events_visible_to(user), slug=slug)
