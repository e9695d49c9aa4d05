"""The dashboard's "My agenda": the signed-in person's starred sessions that are coming up."""

from django.utils.translation import gettext_lazy as _

from klynge.core.dashboard import Panel, register
from klynge.schedule.selectors import upcoming_agenda

register(
    Panel(
        key="my_agenda",
        title=_("My agenda"),
        template="schedule/panels/agenda.html",
        roles=frozenset(),
        context=lambda user, roles: {"items": upcoming_agenda(user, limit=5)},
        order=42,
    )
)
