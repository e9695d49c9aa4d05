"""Reads of programmes: events as the user may see them, sessions with everything a page shows."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db.models import Count, Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from klynge.accounts.roles import Role, roles_for
from klynge.events.models import Event
from klynge.events.selectors import get_event_for_user
from klynge.schedule.frab import DAY_CHANGE_HOUR, conference_day
from klynge.schedule.models import (
    AgendaEntry,
    AgendaFeed,
    Room,
    ScheduleImport,
    Session,
    SessionSpeaker,
    Speaker,
    Track,
)


def get_programme_event(user, slug: str) -> Event:
    """The event whose programme the user may see (staff also reach drafts, to prepare them)."""
    if roles_for(user).has(Role.STAFF):
        return get_object_or_404(Event, slug=slug)
    return get_event_for_user(user, slug)


def get_programme_event_by_id(user, event_id: int) -> Event:
    slug = Event.objects.filter(pk=event_id).values_list("slug", flat=True).first()
    if slug is None:
        from django.http import Http404

        raise Http404
    return get_programme_event(user, slug)


def event_time_zone(event: Event) -> ZoneInfo:
    """The zone the event's times are shown in: its own if it has one, else the site's."""
    name = getattr(event, "time_zone", "") or settings.TIME_ZONE
    try:
        return ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(settings.TIME_ZONE)


def day_bounds(day: datetime.date, zone: ZoneInfo) -> tuple[datetime.datetime, datetime.datetime]:
    start = datetime.datetime.combine(day, datetime.time(DAY_CHANGE_HOUR), tzinfo=zone)
    end = datetime.datetime.combine(
        day + datetime.timedelta(days=1), datetime.time(DAY_CHANGE_HOUR), tzinfo=zone
    )
    return start, end


def _speaker_prefetch() -> Prefetch:
    return Prefetch(
        "speaker_links",
        queryset=SessionSpeaker.objects.select_related("speaker").order_by("position", "pk"),
    )


def with_speakers(sessions: list[Session]) -> list[Session]:
    """Sets `speaker_list` (speakers in programme order) on sessions fetched with prefetch."""
    for session in sessions:
        session.speaker_list = [link.speaker for link in session.speaker_links.all()]
    return sessions


def sessions_queryset(event: Event) -> QuerySet[Session]:
    return (
        Session.objects.filter(event=event)
        .select_related("room", "track", "event")
        .prefetch_related(_speaker_prefetch())
        .order_by("starts_at", "room__position", "room__name", "title")
    )


def programme_days(event: Event) -> list[datetime.date]:
    zone = event_time_zone(event)
    starts = Session.objects.filter(event=event).values_list("starts_at", flat=True)
    return sorted({conference_day(moment, zone) for moment in starts})


def programme_sessions(
    event: Event,
    *,
    day: datetime.date | None = None,
    track: Track | None = None,
    room: Room | None = None,
) -> list[Session]:
    sessions = sessions_queryset(event)
    if day is not None:
        start, end = day_bounds(day, event_time_zone(event))
        sessions = sessions.filter(starts_at__gte=start, starts_at__lt=end)
    if track is not None:
        sessions = sessions.filter(track=track)
    if room is not None:
        sessions = sessions.filter(room=room)
    return with_speakers(list(sessions))


def rooms_of(event: Event) -> list[Room]:
    return list(Room.objects.filter(event=event).order_by("position", "name"))


def tracks_of(event: Event) -> list[Track]:
    return list(Track.objects.filter(event=event).order_by("name"))


def speakers_of(event: Event) -> list[Speaker]:
    return list(
        Speaker.objects.filter(event=event)
        .annotate(session_count=Count("session_links"))
        .order_by("name")
    )


def get_session_for_user(user, slug: str, guid) -> Session:
    event = get_programme_event(user, slug)
    session = get_object_or_404(sessions_queryset(event), guid=guid)
    return with_speakers([session])[0]


def get_speaker_for_user(user, slug: str, pk: int) -> Speaker:
    event = get_programme_event(user, slug)
    return get_object_or_404(Speaker.objects.select_related("event", "person"), event=event, pk=pk)


def get_room_for_user(user, slug: str, pk: int) -> Room:
    return get_object_or_404(Room, event=get_programme_event(user, slug), pk=pk)


def get_track_for_user(user, slug: str, pk: int) -> Track:
    return get_object_or_404(Track, event=get_programme_event(user, slug), pk=pk)


def get_import_for_user(user, slug: str, pk: int) -> ScheduleImport:
    return get_object_or_404(
        ScheduleImport, event=get_programme_event(user, slug), pk=pk, applied_at__isnull=True
    )


def speaker_sessions(speaker: Speaker) -> list[Session]:
    return with_speakers(
        list(sessions_queryset(speaker.event).filter(speaker_links__speaker=speaker))
    )


def starred_session_ids(user, event: Event) -> set[int]:
    if not user.is_authenticated:
        return set()
    return set(
        AgendaEntry.objects.filter(user=user, session__event=event).values_list(
            "session_id", flat=True
        )
    )


def agenda_sessions(user, event: Event) -> list[Session]:
    return with_speakers(list(sessions_queryset(event).filter(agenda_entries__user=user)))


def agenda_feed_for(user, event: Event) -> AgendaFeed | None:
    return AgendaFeed.objects.filter(user=user, event=event).first()


def find_agenda_feed(slug: str, token: str) -> AgendaFeed | None:
    """The feed a secret token opens, or None (the token is the only credential)."""
    if not token or len(token) > 64:
        return None
    return (
        AgendaFeed.objects.select_related("user", "event")
        .filter(token=token, event__slug=slug, user__is_active=True)
        .first()
    )


def export_context(event: Event, *, base_url: str = "", session_url=None):
    from klynge.schedule.frab import ExportContext

    sessions = with_speakers(list(sessions_queryset(event)))
    latest = max((s.updated_at for s in sessions), default=None)
    return ExportContext(
        event=event,
        rooms=rooms_of(event),
        tracks=tracks_of(event),
        sessions=sessions,
        zone=event_time_zone(event),
        base_url=base_url,
        session_url=session_url,
        version=latest.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M") if latest else "1",
    )
