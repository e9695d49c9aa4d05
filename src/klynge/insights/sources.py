"""What insights reads from the other apps: memberships, organisations, events, bookings,
matchmaking and B2B meetings, and survey answers. Read only:
nothing here writes to another app's tables.

Who was a member in a year: an organisation with a membership (active, in grace, lapsed or
ended, not merely applied for) whose time overlaps the year. A membership's time runs from its
first billed period (renewals move `start_date` on, the invoices keep the periods billed) or its
start, whichever is earlier, to its end date.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import (
    Count,
    DecimalField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    FilteredRelation,
    Min,
    OuterRef,
    Q,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce, Least
from django.utils import timezone

from klynge.ecosystem.models import (
    HELIX_OF_KIND,
    Organisation,
    OrganisationKind,
    OrganisationRelation,
    RelationKind,
    TripleHelix,
)
from klynge.membership.models import (
    Invoice,
    InvoiceKind,
    InvoiceStatus,
    Membership,
    MembershipStatus,
)
from klynge.surveys import selectors as survey_selectors

MEMBERSHIP_STATUSES = (
    MembershipStatus.ACTIVE,
    MembershipStatus.GRACE,
    MembershipStatus.LAPSED,
    MembershipStatus.ENDED,
)
# The kinds of organisation that are firms (for margins, firm formation and the SME share).
FIRM_KINDS = (
    OrganisationKind.COMPANY,
    OrganisationKind.STARTUP,
    OrganisationKind.MEDIA_HOUSE,
)


def year_bounds(year: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(year, 1, 1), datetime.date(year, 12, 31)


def _memberships_with_first_day():
    first_billed = (
        Invoice.objects.filter(membership=OuterRef("pk"), kind=InvoiceKind.INVOICE)
        .exclude(status__in=(InvoiceStatus.DRAFT, InvoiceStatus.CREDITED))
        .order_by()
        .values("membership")
        .annotate(first=Min("period_start"))
        .values("first")
    )
    return Membership.objects.filter(status__in=MEMBERSHIP_STATUSES).annotate(
        first_day=Least(F("start_date"), Coalesce(Subquery(first_billed), F("start_date")))
    )


def member_ids(year: int):
    """A subquery of the ids of the organisations that were members at some time in `year`.

    A membership counts when it ends on or after 1 January and began by 31 December: its start
    date, or else (renewals moved the start on) a billed period that began by then. Written as
    an OR so the database looks for invoices only for memberships that started later.
    """
    first, last = year_bounds(year)
    billed_by_then = Invoice.objects.filter(
        membership=OuterRef("pk"), kind=InvoiceKind.INVOICE, period_start__lte=last
    ).exclude(status__in=(InvoiceStatus.DRAFT, InvoiceStatus.CREDITED))
    return (
        Membership.objects.filter(status__in=MEMBERSHIP_STATUSES, end_date__gte=first)
        .filter(Q(start_date__lte=last) | Exists(billed_by_then))
        .order_by()
        .values("organisation_id")
    )


def members(year: int):
    return Organisation.objects.filter(pk__in=member_ids(year))


def new_members(year: int):
    """Organisations whose first membership began in `year`."""
    first, last = year_bounds(year)
    joined = (
        _memberships_with_first_day()
        .order_by()
        .values("organisation_id")
        .annotate(joined=Min("first_day"))
        .filter(joined__gte=first, joined__lte=last)
        .values("organisation_id")
    )
    return Organisation.objects.filter(pk__in=joined).order_by("name")


@dataclass
class MemberMix:
    total: int
    by_kind: dict[str, int]
    by_helix: dict[str, int]
    by_size: dict[str, int]
    firms_with_size: int
    smes: int

    @property
    def sme_share(self) -> float | None:
        return 100 * self.smes / self.firms_with_size if self.firms_with_size else None


def member_mix(year: int) -> MemberMix:
    """Members of the year by kind, triple helix and EU size band (one query, grouped by kind)."""
    # Size: the year's employees (FTE) where known, else the directory's head count.
    rows = (
        Organisation.objects.filter(pk__in=member_ids(year))
        .annotate(
            that_year=FilteredRelation("yearly_figures", condition=Q(yearly_figures__year=year))
        )
        .annotate(
            size=Coalesce(
                F("that_year__employees_fte"), F("employees"), output_field=DecimalField()
            )
        )
        .order_by()
        .values("kind")
        .annotate(
            n=Count("id"),
            micro=Count("id", filter=Q(size__lt=10)),
            small=Count("id", filter=Q(size__gte=10, size__lt=50)),
            medium=Count("id", filter=Q(size__gte=50, size__lt=250)),
            large=Count("id", filter=Q(size__gte=250)),
            sized=Count("id", filter=Q(size__isnull=False)),
        )
    )
    by_kind: dict[str, int] = {}
    helix: Counter = Counter()
    sizes: Counter = Counter()
    firms_with_size = smes = 0
    for row in rows:  # one row per kind of organisation
        by_kind[row["kind"]] = row["n"]
        helix[HELIX_OF_KIND.get(row["kind"], TripleHelix.OTHER)] += row["n"]
        for band in ("micro", "small", "medium", "large"):
            sizes[band] += row[band]
        if row["kind"] in FIRM_KINDS:
            firms_with_size += row["sized"]
            smes += row["micro"] + row["small"] + row["medium"]
    return MemberMix(
        total=sum(by_kind.values()),
        by_kind=by_kind,
        by_helix=dict(helix),
        by_size={band: sizes[band] for band in ("micro", "small", "medium", "large")},
        firms_with_size=firms_with_size,
        smes=smes,
    )


@dataclass
class Activity:
    """The cluster's own activity in a year, from the other apps."""

    events: int = 0
    participants: int = 0
    checked_in: int = 0
    events_by_kind: dict[str, int] = field(default_factory=dict)
    events_by_pillar: dict[str, int] = field(default_factory=dict)
    participants_by_pillar: dict[str, int] = field(default_factory=dict)
    events_by_sdg: dict[int, int] = field(default_factory=dict)
    top_events: list = field(default_factory=list)
    bookings: int = 0
    booked_hours: float = 0.0
    booking_organisations: int = 0
    introductions: int = 0
    b2b_meetings: int = 0
    matches_by_stage: dict[str, int] = field(default_factory=dict)
    partner_clusters: list = field(default_factory=list)
    international_events: int = 0

    @property
    def outcome_rows(self) -> list[tuple[str, int]]:
        from klynge.matchmaking.models import MatchStage

        return [
            (str(label), self.matches_by_stage[value])
            for value, label in MatchStage.choices
            if self.matches_by_stage.get(value)
        ]


def activity(year: int) -> Activity:
    """Events and participants, bookings and hours, meetings brokered and their outcomes, per
    pillar and SDG (a query or two each)."""
    from klynge.bookings.models import Booking, BookingStatus
    from klynge.events.models import Event, EventStatus, RegistrationStatus
    from klynge.matchmaking.models import Introduction, IntroductionStatus, Match
    from klynge.meetings.models import Meeting, MeetingStatus

    first, last = year_bounds(year)
    zone = timezone.get_current_timezone()
    start = datetime.datetime(year, 1, 1, tzinfo=zone)
    end = datetime.datetime(year + 1, 1, 1, tzinfo=zone)
    result = Activity()

    events = Event.objects.filter(
        status=EventStatus.PUBLISHED, starts_at__gte=start, starts_at__lt=end
    )
    attended = Q(registrations__status=RegistrationStatus.CONFIRMED)
    rows = list(
        events.order_by()
        .annotate(
            n=Count("registrations", filter=attended),
            checked=Count(
                "registrations", filter=attended & Q(registrations__checked_in_at__isnull=False)
            ),
        )
        .values(
            "id", "title", "title_da", "title_en", "kind", "pillars", "starts_at", "n", "checked"
        )
    )
    result.events = len(rows)
    result.participants = sum(row["n"] for row in rows)
    result.checked_in = sum(row["checked"] for row in rows)
    kinds: Counter = Counter()
    pillars: Counter = Counter()
    pillar_people: Counter = Counter()
    for row in rows:  # the year's events: tens to hundreds, not organisations
        kinds[row["kind"]] += 1
        for pillar in row["pillars"] or []:
            pillars[pillar] += 1
            pillar_people[pillar] += row["n"]
    result.events_by_kind = dict(kinds)
    result.events_by_pillar = dict(pillars)
    result.participants_by_pillar = dict(pillar_people)
    result.events_by_sdg = dict(
        events.filter(sdgs__isnull=False)
        .order_by()
        .values_list("sdgs__number")
        .annotate(n=Count("id", distinct=True))
    )
    # The rows come grouped, in no order: the id decides between events alike in both.
    result.top_events = sorted(rows, key=lambda row: (-row["n"], row["starts_at"], row["id"]))[:8]
    home = _home_country()
    result.international_events = (
        events.filter(
            Q(organiser__country__isnull=False) & ~Q(organiser__country=home)
            | Q(co_organisers__kind=OrganisationKind.CLUSTER) & ~Q(co_organisers__country=home)
        )
        .distinct()
        .count()
    )

    bookings = Booking.objects.filter(
        status=BookingStatus.CONFIRMED, start__gte=start, start__lt=end
    )
    totals = bookings.aggregate(
        n=Count("id"),
        duration=Sum(ExpressionWrapper(F("end") - F("start"), output_field=DurationField())),
        organisations=Count("organisation", distinct=True),
    )
    result.bookings = totals["n"]
    duration = totals["duration"] or datetime.timedelta(0)
    result.booked_hours = round(duration.total_seconds() / 3600, 1)
    result.booking_organisations = totals["organisations"]

    result.introductions = Introduction.objects.filter(
        status=IntroductionStatus.ACCEPTED, decided_at__gte=start, decided_at__lt=end
    ).count()
    result.b2b_meetings = Meeting.objects.filter(
        status=MeetingStatus.CONFIRMED, slot__starts_at__gte=start, slot__starts_at__lt=end
    ).count()
    result.matches_by_stage = dict(
        Match.objects.filter(stage_on__gte=first, stage_on__lte=last)
        .order_by()
        .values_list("stage")
        .annotate(n=Count("id"))
    )
    result.partner_clusters = partner_clusters()
    return result


def _home_country() -> str:
    from django.conf import settings

    from klynge.insights.models import COUNTRY_CURRENCY

    for country, currency in COUNTRY_CURRENCY.items():
        if currency == settings.KLYNGE_CURRENCY:
            return country
    return ""


def partner_clusters() -> list[Organisation]:
    """Cluster organisations in the directory tied to us or our members by a relation."""
    related = OrganisationRelation.objects.filter(
        kind__in=(RelationKind.PARTNER, RelationKind.CLUSTER_MEMBER)
    )
    ids = set(
        related.filter(target__kind=OrganisationKind.CLUSTER).values_list("target_id", flat=True)
    ) | set(
        related.filter(source__kind=OrganisationKind.CLUSTER).values_list("source_id", flat=True)
    )
    return list(Organisation.objects.filter(pk__in=ids).order_by("country", "name"))


# --- The surveys app ------------------------------------------------------------------------


def survey_kpi_answers(year: int) -> dict[int, dict[str, bool]]:
    """Organisation id → {"launched_innovation": bool, "received_innovation_funding": bool}
    from identified answers to the yes/no KPI questions of the surveys about `year`."""
    return survey_selectors.kpi_answers(year=year)


def survey_satisfaction(year: int) -> dict:
    """Respondents, response rate, NPS and mean satisfaction from the annual member survey
    about `year` (figures None under 5 respondents; respondents 0 without such a survey)."""
    return survey_selectors.satisfaction(year=year)
