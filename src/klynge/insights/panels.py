"""Dashboard panels: the KPIs of last year for staff; their organisation's figures for member admins."""

from django.utils.translation import gettext_lazy as _

from klynge.core.dashboard import Panel, register
from klynge.insights import reports, selectors
from klynge.insights.models import OrganisationYear


def _staff(user, roles):
    # Links only: the KPIs are aggregates over every member's figures, too heavy for the page
    # every staff member opens first (the insights dashboard computes them).
    year = reports.last_complete_year()
    return {"year": year, "with_figures": OrganisationYear.objects.filter(year=year).count()}


def _member(user, roles):
    year = reports.last_complete_year()
    organisations = selectors.administered_organisations(user)
    given = set(
        OrganisationYear.objects.filter(organisation__in=organisations, year=year).values_list(
            "organisation_id", flat=True
        )
    )
    return {
        "year": year,
        "organisations": organisations,
        "missing": {o.pk for o in organisations} - given,
    }


register(
    Panel(
        key="insights_staff",
        title=_("Impact last year"),
        template="insights/panels/staff.html",
        roles=frozenset({"staff"}),
        context=_staff,
        order=30,
    )
)
register(
    Panel(
        key="insights_member",
        title=_("Your yearly figures"),
        template="insights/panels/member.html",
        roles=frozenset({"member_admin"}),
        context=_member,
        order=32,
    )
)
