"""Reads of programmes: events as the user may see them, sessions with everything a page shows."""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db.models import Count, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from klynge.accounts.roles import Role, roles_for
from klynge.ecosystem.models import Affiliation, Organisation, Person
from klynge.ecosystem.selectors import directory_queryset, people_with_affiliations
from klynge.events.models import Event, EventStatus
from klynge.events.selectors import events_visible_to, get_event_for_user
from klynge.schedule.frab import DAY_CHANGE_HOUR, MAX_DURATION, conference_day
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
    return list(programme_day_counts(event))


def programme_day_counts(event: Event) -> dict[datetime.date, int]:
    """The programme's days, in order, with the number of sessions on each (one query)."""
    zone = event_time_zone(event)
    starts = Session.objects.filter(event=event).values_list("starts_at", flat=True)
    counts = Counter(conference_day(moment, zone) for moment in starts)
    return dict(sorted(counts.items()))


def default_programme_day(
    days: list[datetime.date], zone: ZoneInfo, *, now: datetime.datetime | None = None
) -> datetime.date | None:
    """The day a large programme opens on: today while the event runs, else its first day."""
    if not days:
        return None
    today = conference_day(now or timezone.now(), zone)
    return today if today in days else days[0]


@dataclass(slots=True)
class ProgrammeRow:
    """One session as the programme list and grid show it: plain values, times already local."""

    pk: int
    guid: str
    title: str
    kind: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    local_start: datetime.datetime
    local_end: datetime.datetime
    day: datetime.date
    start_hm: str
    end_hm: str
    start_iso: str
    end_iso: str
    room_id: int | None
    room_name: str
    track_id: int | None
    track_name: str
    speakers: list[tuple[int, str]] = field(default_factory=list)
    starred: bool = False
    # Set by the pages (`views.link_rows`): the session's address and its star form's.
    url: str = ""
    star_url: str = ""
    speaker_links: list[tuple[str, str]] = field(default_factory=list)


def _filtered_sessions(event: Event, *, day=None, track=None, room=None) -> QuerySet[Session]:
    sessions = Session.objects.filter(event=event)
    if day is not None:
        start, end = day_bounds(day, event_time_zone(event))
        sessions = sessions.filter(starts_at__gte=start, starts_at__lt=end)
    if track is not None:
        sessions = sessions.filter(track=track)
    if room is not None:
        sessions = sessions.filter(room=room)
    return sessions


def programme_rows(
    event: Event,
    *,
    rooms: list[Room],
    tracks: list[Track],
    day: datetime.date | None = None,
    track: Track | None = None,
    room: Room | None = None,
    starred: set[int] = frozenset(),
    starred_only: bool = False,
) -> list[ProgrammeRow]:
    """The sessions of the programme page in two queries, without model instances.

    Rooms and tracks come from the page's own lists (already fetched for the filters); times
    are converted to the event's zone once here, so the template only prints strings.
    """
    zone = event_time_zone(event)
    sessions = _filtered_sessions(event, day=day, track=track, room=room)
    if starred_only:
        sessions = sessions.filter(pk__in=starred)
    values = sessions.order_by("starts_at", "room__position", "room__name", "title").values_list(
        "pk", "guid", "title", "kind", "starts_at", "duration", "room_id", "track_id"
    )
    speakers: dict[int, list[tuple[int, str]]] = {}
    links = (
        SessionSpeaker.objects.filter(session__in=sessions.values("pk"))
        .order_by("session_id", "position", "pk")
        .values_list("session_id", "speaker_id", "speaker__name")
    )
    for session_id, speaker_id, name in links:
        speakers.setdefault(session_id, []).append((speaker_id, name))
    room_names = {r.pk: r.name for r in rooms}
    track_names = {t.pk: t.name for t in tracks}
    rows = []
    shift = datetime.timedelta(hours=DAY_CHANGE_HOUR)
    for pk, guid, title, kind, starts_at, duration, room_id, track_id in values:
        ends_at = starts_at + duration
        local_start, local_end = starts_at.astimezone(zone), ends_at.astimezone(zone)
        rows.append(
            ProgrammeRow(
                pk=pk,
                guid=str(guid),
                title=title,
                kind=kind,
                starts_at=starts_at,
                ends_at=ends_at,
                local_start=local_start,
                local_end=local_end,
                day=(local_start - shift).date(),
                start_hm=f"{local_start:%H:%M}",
                end_hm=f"{local_end:%H:%M}",
                start_iso=local_start.isoformat(),
                end_iso=local_end.isoformat(),
                room_id=room_id,
                room_name=room_names.get(room_id, ""),
                track_id=track_id,
                track_name=track_names.get(track_id, ""),
                speakers=speakers.get(pk, []),
                starred=pk in starred,
            )
        )
    return rows


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


def all_agenda_sessions(user) -> list[Session]:
    """The user's starred sessions across the published events they may see, with speakers."""
    if not user.is_active:
        return []
    sessions = (
        Session.objects.filter(
            agenda_entries__user=user,
            event__in=events_visible_to(user).filter(status=EventStatus.PUBLISHED).values("pk"),
        )
        .select_related("room", "event")
        .prefetch_related(_speaker_prefetch())
        .order_by("starts_at", "pk")
    )
    return with_speakers(list(sessions))


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


# --------------------------------------------------------------------------------------------
# Speakers and people in the directory


def find_people(query: str, *, limit: int = 20) -> list[Person]:
    """People (not erased) whose name or e-mail contains every word of `query`, with their
    current organisations; for staff linking a speaker to the directory."""
    terms = query.split()[:5]
    if len(query.strip()) < 2 or not terms:
        return []
    people = people_with_affiliations().filter(erased_at__isnull=True)
    for term in terms:
        people = people.filter(
            Q(first_name__icontains=term) | Q(last_name__icontains=term) | Q(email__icontains=term)
        )
    return list(people.order_by("last_name", "first_name", "pk")[:limit])


def speaker_organisations(user, speaker: Speaker) -> list[Organisation]:
    """The organisations the speaker's linked person works for now, as far as `user` may see
    them in the directory (staff: all; everyone else: members and partners)."""
    person = speaker.person
    if person is None or person.erased_at is not None:
        return []
    affiliations = (
        Affiliation.objects.current()
        .filter(person=person, organisation__in=directory_queryset(user))
        .select_related("organisation")
        .order_by("organisation__name", "pk")
    )
    organisations: dict[int, Organisation] = {}
    for affiliation in affiliations:
        organisations.setdefault(affiliation.organisation_id, affiliation.organisation)
    return list(organisations.values())


# --------------------------------------------------------------------------------------------
# The dashboard


def upcoming_agenda(user, *, limit: int = 5, now: datetime.datetime | None = None) -> list[dict]:
    """The user's starred sessions that have not ended yet, soonest first, across the events
    they may still see (cancelled events left out), with times in each event's zone."""
    if not user.is_authenticated:
        return []
    now = now or timezone.now()
    entries = (
        AgendaEntry.objects.filter(
            user=user,
            session__starts_at__gte=now - MAX_DURATION,
            session__event__in=events_visible_to(user)
            .filter(status=EventStatus.PUBLISHED)
            .values("pk"),
        )
        .select_related("session__room", "session__event")
        .order_by("session__starts_at", "session__pk")
    )
    upcoming = []
    for entry in entries.iterator(chunk_size=100):
        session = entry.session
        if session.ends_at <= now:
            continue
        zone = event_time_zone(session.event)
        upcoming.append(
            {
                "session": session,
                "event": session.event,
                "local_start": session.starts_at.astimezone(zone),
                "local_end": session.ends_at.astimezone(zone),
                "now": session.starts_at <= now,
                "zone": zone,
            }
        )
        if len(upcoming) == limit:
            break
    return upcoming
