"""Dashboard panels of this app (see klynge.core.dashboard)."""

from django.utils.translation import gettext_lazy as _

from klynge.core.dashboard import Panel, register


def _staff(user, roles) -> dict:
    from klynge.surveys.models import SurveyStatus
    from klynge.surveys.selectors import surveys_with_rates

    surveys = surveys_with_rates().filter(status=SurveyStatus.OPEN).order_by("closes_at", "id")
    return {"surveys": list(surveys[:5])}


def _mine(user, roles) -> dict:
    from klynge.surveys.selectors import open_invitations_of, published_surveys
    from klynge.surveys.services import link_for

    invitations = open_invitations_of(user)
    published = []
    if roles.has("member_employee"):  # published results are for members
        published = list(published_surveys().order_by("-closes_at", "-id")[:3])
    return {
        "invitations": [(invitation, link_for(invitation)) for invitation in invitations],
        "published": published,
    }


register(
    Panel(
        key="surveys_staff",
        title=_("Open surveys"),
        template="surveys/panels/staff.html",
        roles=frozenset({"staff"}),
        context=_staff,
        order=25,
    )
)
register(
    Panel(
        key="surveys_mine",
        title=_("Surveys for you"),
        template="surveys/panels/mine.html",
        roles=frozenset({"member_admin", "member_employee"}),
        context=_mine,
        order=35,
    )
)
