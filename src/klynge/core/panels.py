from django.utils.translation import gettext_lazy as _

from klynge.core.dashboard import Panel, register
from klynge.core.models import AuditEntry

register(
    Panel(
        key="recent_activity",
        title=_("Recent activity"),
        template="core/panels/recent_activity.html",
        roles=frozenset({"staff"}),
        context=lambda user, roles: {"entries": list(AuditEntry.objects.all()[:8])},
        order=90,
    )
)
