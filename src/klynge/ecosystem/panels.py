from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from klynge.core.dashboard import Panel, register
from klynge.ecosystem.models import AffiliationRole, MembershipStatus, Organisation, Person


def _overview(user, roles):
    counts = Organisation.objects.aggregate(
        organisations=Count("id"),
        members=Count("id", filter=Q(membership_status=MembershipStatus.MEMBER)),
        prospects=Count("id", filter=Q(membership_status=MembershipStatus.PROSPECT)),
    )
    counts["people"] = Person.objects.count()
    helix = (
        Organisation.objects.filter(membership_status=MembershipStatus.MEMBER)
        .values("kind")
        .annotate(n=Count("id"))
        .order_by("-n", "kind")  # kinds with as many members in the same order every time
    )
    kinds = dict(Organisation._meta.get_field("kind").choices)
    return {"counts": counts, "member_kinds": [(kinds[row["kind"]], row["n"]) for row in helix]}


def _administered(user, roles):
    ids = roles.administered_ids
    organisations = (
        Organisation.objects.filter(pk__in=ids)
        .annotate(people=Count("affiliations", filter=Q(affiliations__end_date__isnull=True)))
        .order_by("name")
    )
    return {"organisations": list(organisations)}


def _affiliations_with(*role_values):
    def context(user, roles):
        return {"affiliations": [a for a in roles.affiliations if a.role in role_values]}

    return context


register(
    Panel(
        key="ecosystem_overview",
        title=_("The ecosystem at a glance"),
        template="ecosystem/panels/overview.html",
        roles=frozenset({"staff"}),
        context=_overview,
        order=10,
    )
)
register(
    Panel(
        key="administered_organisations",
        title=_("Organisations you administer"),
        template="ecosystem/panels/administered.html",
        roles=frozenset({"member_admin"}),
        context=_administered,
        order=20,
    )
)
register(
    Panel(
        key="my_organisation",
        title=_("Your organisation"),
        template="ecosystem/panels/affiliations.html",
        roles=frozenset({"member_employee"}),
        context=_affiliations_with(
            *[r for r in AffiliationRole.values if r not in (AffiliationRole.STUDENT,)]
        ),
        order=30,
    )
)
register(
    Panel(
        key="my_startup",
        title=_("Your startup"),
        template="ecosystem/panels/startup.html",
        roles=frozenset({"founder"}),
        context=_affiliations_with(AffiliationRole.FOUNDER),
        order=25,
    )
)
register(
    Panel(
        key="talent",
        title=_("Talent and learning"),
        template="ecosystem/panels/talent.html",
        roles=frozenset({"student"}),
        context=_affiliations_with(AffiliationRole.STUDENT),
        order=25,
    )
)
