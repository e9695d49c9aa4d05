"""Reads for events and registrations."""

from __future__ import annotations

import datetime
import zoneinfo
from dataclasses import dataclass

from django.db.models import Avg, Count, Exists, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from klynge.accounts.roles import Role, roles_for
from klynge.core.prepared import Prepared
from klynge.ecosystem.models import Person
from klynge.events.models import (
    ACTIVE_STATUSES,
    SEAT_STATUSES,
    CalendarToken,
    Event,
    EventFormat,
    EventStatus,
    Feedback,
    Invitation,
    Question,
    Recording,
    RecordingAccess,
    Registration,
    RegistrationStatus,
    TicketCategory,
    Visibility,
)


def events_visible_to(user) -> QuerySet[Event]:
    """Published events the user may see: public ones, members-only ones for members, and
    invited ones for those invited or registered; staff also see cancelled ones (drafts:
    `manageable`)."""
    roles = roles_for(user)
    events = Event.objects.select_related("organiser")
    if roles.has(Role.STAFF):
        return events.exclude(status=EventStatus.DRAFT)
    visible = Q(visibility=Visibility.PUBLIC)
    if roles.has(Role.MEMBER_EMPLOYEE):
        visible |= Q(visibility=Visibility.MEMBERS)
    if getattr(user, "is_authenticated", False):
        invited = Registration.objects.filter(person__user=user, status__in=ACTIVE_STATUSES).values(
            "event_id"
        )
        invitations = Invitation.objects.filter(person__user=user, revoked_at__isnull=True).values(
            "event_id"
        )
        visible |= Q(visibility=Visibility.INVITED, pk__in=invited)
        visible |= Q(visibility=Visibility.INVITED, pk__in=invitations)
    return events.filter(visible, status__in=[EventStatus.PUBLISHED, EventStatus.CANCELLED])


def manageable_events() -> QuerySet[Event]:
    """Every event of ours, drafts included, with its seat counts (for staff pages); partners'
    imported events are managed on the partner calendars page."""
    return (
        Event.objects.filter(source__isnull=True)
        .select_related("organiser")
        .annotate(
            confirmed_count=Count(
                "registrations", filter=Q(registrations__status=RegistrationStatus.CONFIRMED)
            ),
            waitlisted_count=Count(
                "registrations", filter=Q(registrations__status=RegistrationStatus.WAITLISTED)
            ),
        )
    )


def upcoming_events(user, *, limit: int = 6) -> list[Event]:
    return list(
        events_visible_to(user)
        .filter(ends_at__gte=timezone.now(), status=EventStatus.PUBLISHED)
        .order_by("starts_at")[:limit]
    )


def past_events(user, *, limit: int = 6) -> list[Event]:
    return list(
        events_visible_to(user)
        .filter(ends_at__lt=timezone.now(), status=EventStatus.PUBLISHED)
        .order_by("-starts_at", "-id")[:limit]
    )


def filter_events(
    user, *, kind: str = "", format: str = "", when: str = "upcoming", q: str = ""
) -> QuerySet[Event]:
    events = events_visible_to(user)
    if kind:
        events = events.filter(kind=kind)
    if format:
        events = events.filter(format=format)
    if q:
        events = events.filter(
            Q(title__icontains=q) | Q(title_da__icontains=q) | Q(title_en__icontains=q)
        )
    now = timezone.now()
    # The id decides between events starting at the same moment, so that pages of the list
    # neither repeat nor skip one (PostgreSQL returns equal rows in any order).
    if when == "past":
        return events.filter(ends_at__lt=now).order_by("-starts_at", "-id")
    return events.filter(ends_at__gte=now).order_by("starts_at", "id")


def public_feed_events() -> QuerySet[Event]:
    return Event.objects.filter(
        visibility=Visibility.PUBLIC, status__in=[EventStatus.PUBLISHED, EventStatus.CANCELLED]
    ).order_by("starts_at")


def upcoming_public_events() -> QuerySet[Event]:
    """Published public events that have not ended, soonest first (the Atom feed)."""
    return (
        Event.objects.filter(
            visibility=Visibility.PUBLIC, status=EventStatus.PUBLISHED, ends_at__gte=timezone.now()
        )
        .select_related("organiser")
        .order_by("starts_at", "id")
    )


def feed_registrations(user) -> QuerySet[Registration]:
    """The user's living registrations of events that are not drafts, for their own calendar
    feed (a cancelled event stays, marked cancelled, so calendars drop it visibly)."""
    return (
        Registration.objects.filter(person__user=user, status__in=ACTIVE_STATUSES)
        .exclude(event__status=EventStatus.DRAFT)
        .select_related("event")
        .order_by("event__starts_at", "id")
    )


def find_calendar_token(token: str) -> CalendarToken | None:
    """The feed token a secret opens (the token is the only credential), for an active login."""
    found = CalendarToken.objects.select_related("user").filter(token=token).first()
    if found is None or not found.user.is_active:
        return None
    return found


def calendar_token_of(user) -> CalendarToken | None:
    return CalendarToken.objects.filter(user=user).first()


def event_invitations(event: Event) -> list[Invitation]:
    """The event's invitations with each person's living registration (`registration`)."""
    invitations = list(
        Invitation.objects.filter(event=event)
        .select_related("person")
        .order_by("revoked_at", "person__last_name", "person__first_name", "id")
    )
    registrations = {
        r.person_id: r
        for r in Registration.objects.filter(
            event=event, person_id__in=[i.person_id for i in invitations]
        ).order_by("created_at", "id")
    }
    for invitation in invitations:
        invitation.registration = registrations.get(invitation.person_id)
    return invitations


def calendar_sources() -> QuerySet:
    from klynge.events.models import CalendarSource

    # Meta.ordering does not apply to a query with GROUP BY: order explicitly.
    return (
        CalendarSource.objects.select_related("organiser")
        .annotate(event_count=Count("events"))
        .order_by(*CalendarSource._meta.ordering)
    )


def get_event_for_user(user, slug: str) -> Event:
    return get_object_or_404(events_visible_to(user), slug=slug)


def get_event_by_id_for_user(user, pk: int) -> Event:
    return get_object_or_404(events_visible_to(user), pk=pk)


def event_to_register_for(user, pk: int) -> Event:
    """An event the user may see, read for registering (see `for_registration`)."""
    return get_object_or_404(for_registration(events_visible_to(user)), pk=pk)


def for_registration(events: QuerySet[Event]) -> QuerySet[Event]:
    """The events with `has_ticket_types` and `has_questions`, read in the same query: the
    registration service then skips reading ticket types and questions an event does not
    have (most events have neither), two of a registration's dozen round trips."""
    return events.annotate(
        has_ticket_types=Exists(TicketCategory.objects.filter(event=OuterRef("pk"))),
        has_questions=Exists(Question.objects.filter(event=OuterRef("pk"))),
    )


def get_manageable_event(slug: str) -> Event:
    return get_object_or_404(Event.objects.select_related("organiser"), slug=slug)


# A login's person, read on every registration of one's own: compiled once per connection.
_person_of_login = Prepared(
    lambda user_id: Person.objects.filter(user_id=user_id).order_by("pk")[:1],
    name="the person of a login",
)


def person_for(user) -> Person | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return _person_of_login.first(user.pk)


def registration_of(user, event: Event) -> Registration | None:
    """The user's living registration for the event, if any."""
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        Registration.objects.filter(event=event, person__user=user, status__in=ACTIVE_STATUSES)
        .select_related("category")
        .first()
    )


def registrations_of(user) -> QuerySet[Registration]:
    return (
        Registration.objects.filter(person__user=user)
        .select_related("event", "category", "invoice")
        .order_by("-event__starts_at", "-id")
    )


def get_registration_for_user(user, pk: int) -> Registration:
    """A registration the user may act on: their own, or any for staff."""
    registrations = Registration.objects.select_related("event", "person", "category")
    if not roles_for(user).has(Role.STAFF):
        registrations = registrations.filter(person__user=user)
    return get_object_or_404(registrations, pk=pk)


def event_registrations(event: Event) -> QuerySet[Registration]:
    return (
        Registration.objects.filter(event=event)
        .select_related("person", "category", "organisation")
        .order_by("status", "created_at", "id")
    )


def answer_columns(event: Event, registrations) -> tuple[list, list[list[str]]]:
    """The event's questions and, per registration, its answers in the questions' order
    (a question removed since still shows when someone answered it)."""
    questions = list(event.questions.all())
    known = {str(q.pk) for q in questions}
    extra = sorted(
        {key for r in registrations for key in (r.answers or {}) if key not in known}, key=int
    )
    columns = [(str(q.pk), q.label) for q in questions] + [(key, f"#{key}") for key in extra]
    rows = [[(r.answers or {}).get(key, "") for key, _label in columns] for r in registrations]
    return columns, rows


def seat_figures(event: Event) -> dict:
    """Seat and attendance counts in one query."""
    counts = event.registrations.aggregate(
        **{status: Count("id", filter=Q(status=status)) for status in RegistrationStatus.values},
        checked_in=Count("id", filter=Q(checked_in_at__isnull=False)),
    )
    taken = sum(counts[status] for status in SEAT_STATUSES)
    return {
        "confirmed": counts[RegistrationStatus.CONFIRMED],
        "waitlisted": counts[RegistrationStatus.WAITLISTED],
        "offered": counts[RegistrationStatus.OFFERED],
        "pending": counts[RegistrationStatus.PENDING],
        "free": None if event.capacity is None else max(event.capacity - taken, 0),
        "checked_in": counts["checked_in"],
    }


def viewer_zone(value: str, event: Event) -> zoneinfo.ZoneInfo:
    """The zone a visitor asked to see times in (`?tz=`), else the event's own."""
    if value:
        try:
            return zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            pass
    return event.zone


# --- Second round: ticket pages, streams, recordings, feedback, badges -----------------------


def categories_with_counts(event: Event) -> list:
    """The event's ticket types with their seats taken and registrations (one query), in
    their order (Django leaves a model's default ordering out of a query that aggregates)."""
    return list(
        event.categories.annotate(
            taken=Count("registrations", filter=Q(registrations__status__in=SEAT_STATUSES)),
            registration_count=Count("registrations"),
        ).order_by(*TicketCategory._meta.ordering)
    )


@dataclass(frozen=True)
class Stream:
    """Whether the viewer may watch the event's stream now, and why not."""

    state: str  # "open", "not_yet", "ended", "not_registered", "not_online", "no_link"
    url: str = ""
    opens_at: datetime.datetime | None = None


def stream_for(user, event: Event, now: datetime.datetime | None = None) -> Stream:
    """The stream link is shown to confirmed registrants of an online or hybrid event from
    `stream_opens_minutes` before the start until the end."""
    now = now or timezone.now()
    opens_at = event.starts_at - datetime.timedelta(minutes=event.stream_opens_minutes)
    if event.format not in (EventFormat.ONLINE, EventFormat.HYBRID):
        return Stream("not_online")
    if not event.online_url:
        return Stream("no_link", opens_at=opens_at)
    if (
        not getattr(user, "is_authenticated", False)
        or not Registration.objects.filter(
            event=event, person__user=user, status=RegistrationStatus.CONFIRMED
        ).exists()
    ):
        return Stream("not_registered", opens_at=opens_at)
    if now < opens_at:
        return Stream("not_yet", opens_at=opens_at)
    if now > event.ends_at:
        return Stream("ended", opens_at=opens_at)
    return Stream("open", url=event.online_url, opens_at=opens_at)


def recordings_for(user, *, event_slug: str = "") -> QuerySet[Recording]:
    """Recordings the user may watch: public ones for everyone, members' ones for people of
    member organisations, registrants' ones for those confirmed for the event; staff see all.
    Recordings of a programme session its speakers did not consent to recording are never
    listed, and only published events' recordings are (drafts and cancelled ones for staff)."""
    roles = roles_for(user)
    recordings = (
        Recording.objects.select_related("event", "session")
        .filter(Q(session__isnull=True) | Q(session__recording_allowed=True))
        .order_by("-event__starts_at", "event_id", "session__starts_at", "id")
    )
    if event_slug:
        recordings = recordings.filter(event__slug=event_slug)
    if roles.has(Role.STAFF):
        return recordings
    allowed = Q(access=RecordingAccess.PUBLIC)
    if roles.has(Role.MEMBER_EMPLOYEE):
        allowed |= Q(access=RecordingAccess.MEMBERS)
    if getattr(user, "is_authenticated", False):
        attended = Registration.objects.filter(
            person__user=user, status=RegistrationStatus.CONFIRMED
        ).values("event_id")
        allowed |= Q(access=RecordingAccess.REGISTRANTS, event_id__in=attended)
    return recordings.filter(allowed, event__status=EventStatus.PUBLISHED)


def event_recordings(event: Event) -> QuerySet[Recording]:
    """The event's recordings that may be shown at all (a session's only with consent)."""
    return (
        Recording.objects.filter(event=event)
        .filter(Q(session__isnull=True) | Q(session__recording_allowed=True))
        .select_related("event", "session")
        .order_by("session__starts_at", "id")
    )


def member_person_ids(person_ids) -> set[int]:
    """Those of `person_ids` with a current tie to a member organisation other than as a
    student (who may watch the members' recordings, as `Role.MEMBER_EMPLOYEE` does)."""
    from klynge.ecosystem.models import Affiliation, AffiliationRole, MembershipStatus

    return set(
        Affiliation.objects.current()
        .filter(
            person_id__in=list(person_ids),
            organisation__membership_status=MembershipStatus.MEMBER,
        )
        .exclude(role=AffiliationRole.STUDENT)
        .values_list("person_id", flat=True)
    )


def feedback_summary(event: Event) -> dict:
    """The number of answers, the average rating, the count per rating and the comments."""
    feedback = Feedback.objects.filter(registration__event=event)
    figures = feedback.aggregate(
        count=Count("id"),
        average=Avg("rating"),
        **{f"r{n}": Count("id", filter=Q(rating=n)) for n in range(1, 6)},
    )
    count = figures["count"]
    return {
        "count": count,
        "average": round(figures["average"], 1) if figures["average"] is not None else None,
        "ratings": [
            {
                "rating": n,
                "count": figures[f"r{n}"],
                "percent": round(100 * figures[f"r{n}"] / count) if count else 0,
            }
            for n in range(5, 0, -1)
        ],
        "comments": list(
            feedback.exclude(comment="")
            .select_related("registration__person")
            .order_by("-created_at", "-id")
        ),
    }


def badge_registrations(event: Event) -> list[Registration]:
    """The confirmed registrations, by name, for printing badges."""
    return list(
        Registration.objects.filter(event=event, status=RegistrationStatus.CONFIRMED)
        .select_related("person", "organisation", "category")
        .order_by("person__last_name", "person__first_name", "id")
    )
