from django.utils.translation import gettext_lazy as _

from klynge.core.dashboard import Panel, register
from klynge.matchmaking.models import Introduction, IntroductionStatus


def _partners(user, roles):
    organisations = sorted(
        {a.organisation for a in roles.affiliations}, key=lambda o: (o.name, o.pk)
    )
    return {"organisations": organisations}


def _queue(user, roles):
    return {
        "pending": Introduction.objects.filter(status=IntroductionStatus.PENDING).count(),
    }


register(
    Panel(
        key="matchmaking_partners",
        title=_("Partners for you"),
        template="matchmaking/panels/partners.html",
        roles=frozenset({"member_employee"}),
        context=_partners,
        order=40,
    )
)
register(
    Panel(
        key="matchmaking_introductions",
        title=_("Introduction requests"),
        template="matchmaking/panels/queue.html",
        roles=frozenset({"staff"}),
        context=_queue,
        order=40,
    )
)
