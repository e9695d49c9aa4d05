from django.utils.translation import gettext_lazy as _

from klynge.core.dashboard import Panel, register
from klynge.events.models import ACTIVE_STATUSES, EventKind
from klynge.events.selectors import events_visible_to, upcoming_events

register(
    Panel(
        key="upcoming_events",
        title=_("Upcoming events"),
        template="events/panels/upcoming.html",
        roles=frozenset(),
        context=lambda user, roles: {"events": upcoming_events(user, limit=5)},
        order=50,
    )
)


def _learning(user, roles):
    from django.utils import timezone

    kinds = [EventKind.COURSE, EventKind.WORKSHOP, EventKind.HACKATHON]
    events = events_visible_to(user).filter(kind__in=kinds, ends_at__gte=timezone.now())
    return {"events": list(events.order_by("starts_at")[:5])}


register(
    Panel(
        key="learning_events",
        title=_("Courses, workshops and hackathons"),
        template="events/panels/upcoming.html",
        roles=frozenset({"student", "founder"}),
        context=_learning,
        order=45,
    )
)


def _my_upcoming(user, roles):
    from django.utils import timezone

    from klynge.events.selectors import registrations_of

    registrations = (
        registrations_of(user)
        .filter(event__ends_at__gte=timezone.now(), status__in=ACTIVE_STATUSES)
        .order_by("event__starts_at", "id")
    )
    return {"registrations": list(registrations[:5])}


register(
    Panel(
        key="my_registrations",
        title=_("My registrations"),
        template="events/panels/mine.html",
        roles=frozenset(),
        context=_my_upcoming,
        order=40,
    )
)
