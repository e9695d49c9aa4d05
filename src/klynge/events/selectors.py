"""Reads for events and registrations."""

from __future__ import annotations

import zoneinfo

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from klynge.accounts.roles import Role, roles_for
from klynge.ecosystem.models import Person
from klynge.events.models import (
    ACTIVE_STATUSES,
    SEAT_STATUSES,
    Event,
    EventStatus,
    Registration,
    RegistrationStatus,
    Visibility,
)


def events_visible_to(user) -> QuerySet[Event]:
    """Published events the user may see: public ones, members-only ones for members, and
    invited ones for those registered; staff also see cancelled ones (drafts: `manageable`)."""
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
        visible |= Q(visibility=Visibility.INVITED, pk__in=invited)
    return events.filter(visible, status__in=[EventStatus.PUBLISHED, EventStatus.CANCELLED])


def manageable_events() -> QuerySet[Event]:
    """Every event, drafts included, with its seat counts (for staff pages)."""
    return Event.objects.select_related("organiser").annotate(
        confirmed_count=Count(
            "registrations", filter=Q(registrations__status=RegistrationStatus.CONFIRMED)
        ),
        waitlisted_count=Count(
            "registrations", filter=Q(registrations__status=RegistrationStatus.WAITLISTED)
        ),
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
        .order_by("-starts_at")[:limit]
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
    if when == "past":
        return events.filter(ends_at__lt=now).order_by("-starts_at")
    return events.filter(ends_at__gte=now).order_by("starts_at")


def public_feed_events() -> QuerySet[Event]:
    return Event.objects.filter(
        visibility=Visibility.PUBLIC, status__in=[EventStatus.PUBLISHED, EventStatus.CANCELLED]
    ).order_by("starts_at")


def get_event_for_user(user, slug: str) -> Event:
    return get_object_or_404(events_visible_to(user), slug=slug)


def get_event_by_id_for_user(user, pk: int) -> Event:
    return get_object_or_404(events_visible_to(user), pk=pk)


def get_manageable_event(slug: str) -> Event:
    return get_object_or_404(Event.objects.select_related("organiser"), slug=slug)


def person_for(user) -> Person | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Person.objects.filter(user=user).first()


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
