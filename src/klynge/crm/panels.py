"""Dashboard panels of this app (see klynge.core.dashboard)."""

from django.utils.translation import gettext_lazy as _

from klynge.core.dashboard import Panel, register
from klynge.crm.selectors import task_summary

register(
    Panel(
        key="crm_tasks",
        title=_("Your tasks"),
        template="crm/panels/tasks.html",
        roles=frozenset({"staff"}),
        context=lambda user, roles: task_summary(user),
        order=15,
    )
)
