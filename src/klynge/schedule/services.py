"""Every write to a programme: rooms, tracks, speakers, sessions, imports, agendas, consent."""

from __future__ import annotations

import datetime
import uuid
from dataclasses import asdict, dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from klynge.core import audit
from klynge.events.models import Event
from klynge.schedule import frab
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
from klynge.schedule.selectors import event_time_zone

# --------------------------------------------------------------------------------------------
# Rooms, tracks, speakers, sessions


def _check(instance, *, exclude=None) -> None:
    instance.full_clean(exclude=exclude, validate_constraints=True)


@transaction.atomic
def save_room(
    *, actor, event: Event, room: Room | None = None, name: str, capacity: int | None = None
) -> Room:
    created = room is None
    room = room or Room(event=event, guid=uuid.uuid4())
    room.name, room.capacity = name.strip(), capacity
    if created:
        room.position = Room.objects.filter(event=event).count()
    _check(room)
    room.save()
    audit.record(
        actor=actor,
        action="schedule.room.create" if created else "schedule.room.update",
        target=room,
        data={"name": room.name, "capacity": room.capacity},
    )
    return room


@transaction.atomic
def save_track(
    *, actor, event: Event, track: Track | None = None, name: str, colour: str = ""
) -> Track:
    from django.utils.text import slugify

    created = track is None
    track = track or Track(event=event)
    track.name, track.colour = name.strip(), colour.strip().lower()
    if colour and not frab._HEX_COLOUR.match(track.colour):
        raise ValidationError({"colour": [_("Enter a colour such as #0347b4.")]})
    track.slug = track.slug or slugify(track.name)[:200]
    _check(track)
    track.save()
    audit.record(
        actor=actor,
        action="schedule.track.create" if created else "schedule.track.update",
        target=track,
        data={"name": track.name, "colour": track.colour},
    )
    return track


@transaction.atomic
def save_speaker(
    *, actor, event: Event, speaker: Speaker | None = None, name: str, bio: str = "", person=None
) -> Speaker:
    created = speaker is None
    speaker = speaker or Speaker(event=event)
    speaker.name, speaker.bio, speaker.person = name.strip(), bio.strip(), person
    _check(speaker)
    speaker.save()
    audit.record(
        actor=actor,
        action="schedule.speaker.create" if created else "schedule.speaker.update",
        target=speaker,
        data={"name": speaker.name, "person": person.pk if person else None},
    )
    return speaker


@transaction.atomic
def save_session(
    *,
    actor,
    event: Event,
    session: Session | None = None,
    title: str,
    starts_at: datetime.datetime,
    duration: datetime.timedelta,
    room: Room | None = None,
    track: Track | None = None,
    speakers: list[Speaker] = (),
    subtitle: str = "",
    abstract: str = "",
    description: str = "",
    language: str = "",
    kind: str = "talk",
) -> Session:
    errors: dict[str, list[str]] = {}
    if duration is None or duration <= datetime.timedelta(0) or duration > frab.MAX_DURATION:
        errors["duration"] = [_("Enter a duration between 1 minute and 99 hours.")]
    for name, value in (("room", room), ("track", track)):
        if value is not None and value.event_id != event.pk:
            errors[name] = [_("Choose one of this event's own.")]
    if any(speaker.event_id != event.pk for speaker in speakers):
        errors["speakers"] = [_("Choose speakers of this event.")]
    if errors:
        raise ValidationError(errors)
    created = session is None
    session = session or Session(event=event)
    values = {
        "title": title.strip(),
        "starts_at": starts_at,
        "duration": duration,
        "room": room,
        "track": track,
        "subtitle": subtitle.strip(),
        "abstract": abstract.strip(),
        "description": description.strip(),
        "language": language.strip(),
        "kind": kind.strip() or "talk",
    }
    for name, value in values.items():
        setattr(session, name, value)
    _check(session)
    session.save()
    SessionSpeaker.objects.filter(session=session).delete()
    SessionSpeaker.objects.bulk_create(
        SessionSpeaker(session=session, speaker=speaker, position=position)
        for position, speaker in enumerate(speakers)
    )
    audit.record(
        actor=actor,
        action="schedule.session.create" if created else "schedule.session.update",
        target=session,
        data={
            "title": session.title,
            "starts_at": session.starts_at.isoformat(),
            "duration_minutes": session.duration_minutes,
            "room": room.name if room else None,
            "speakers": [speaker.pk for speaker in speakers],
        },
    )
    return session


@transaction.atomic
def delete_session(*, actor, session: Session) -> None:
    audit.record(
        actor=actor,
        action="schedule.session.delete",
        target=session,
        data={"guid": str(session.guid), "title": session.title},
    )
    session.delete()


@transaction.atomic
def record_recording_consent(
    *, actor, session: Session, allowed: bool, license: str = ""
) -> Session:
    """Records the speakers' decision on recording this session, with who recorded it and when."""
    session.recording_allowed = allowed
    session.recording_license = license.strip()[:200]
    session.recording_consent_by = actor
    session.recording_consent_at = timezone.now()
    session.save(
        update_fields=[
            "recording_allowed",
            "recording_license",
            "recording_consent_by",
            "recording_consent_at",
            "updated_at",
        ]
    )
    audit.record(
        actor=actor,
        action="schedule.session.recording_consent",
        target=session,
        data={"allowed": allowed, "license": session.recording_license},
    )
    return session


# --------------------------------------------------------------------------------------------
# Personal agenda


@transaction.atomic
def star_session(*, actor, session: Session) -> AgendaEntry:
    entry, created = AgendaEntry.objects.get_or_create(user=actor, session=session)
    if created:
        audit.record(actor=actor, action="schedule.agenda.star", target=session)
    return entry


@transaction.atomic
def unstar_session(*, actor, session: Session) -> None:
    deleted, _rows = AgendaEntry.objects.filter(user=actor, session=session).delete()
    if deleted:
        audit.record(actor=actor, action="schedule.agenda.unstar", target=session)


@transaction.atomic
def ensure_agenda_feed(*, actor, event: Event, reset: bool = False) -> AgendaFeed:
    """The person's secret feed for this event; `reset` replaces the token (old links stop)."""
    feed = AgendaFeed.objects.select_for_update().filter(user=actor, event=event).first()
    if feed is not None and not reset:
        return feed
    if feed is None:
        feed = AgendaFeed.objects.create(user=actor, event=event)
        action = "schedule.agenda_feed.create"
    else:
        feed.token = AgendaFeed._meta.get_field("token").default()
        feed.save(update_fields=["token"])
        action = "schedule.agenda_feed.reset"
    audit.record(actor=actor, action=action, target=event)
    return feed


# --------------------------------------------------------------------------------------------
# Import


@dataclass
class ImportCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class ImportResult:
    format: str
    dry_run: bool
    sessions: ImportCounts
    rooms: ImportCounts
    tracks: ImportCounts
    speakers: ImportCounts

    def as_dict(self) -> dict:
        return asdict(self)


# Written from the file (room, track and updated_at are set apart).
_SESSION_FIELDS = [
    "frab_id",
    "code",
    "slug",
    "title",
    "subtitle",
    "abstract",
    "description",
    "language",
    "starts_at",
    "duration",
    "recording_allowed",
    "recording_license",
    "links",
    "url",
    "origin_url",
    "feedback_url",
    "logo",
]
_SESSION_UPDATE_FIELDS = [*_SESSION_FIELDS, "kind", "room", "track", "updated_at"]


def _speaker_guid(event: Event, parsed: frab.ParsedSpeaker) -> uuid.UUID:
    return parsed.guid or uuid.uuid5(uuid.NAMESPACE_URL, f"klynge:{event.slug}:{parsed.key}")


def _speaker_changed(speaker: Speaker, parsed: frab.ParsedSpeaker) -> bool:
    return bool(
        speaker.name != parsed.name
        or (parsed.code and speaker.code != parsed.code[:64])
        or (parsed.frab_id and speaker.frab_id != parsed.frab_id)
        or (parsed.bio and speaker.bio != parsed.bio)
    )


def _session_values(session: Session) -> tuple:
    return (
        *(getattr(session, name) for name in _SESSION_FIELDS),
        session.kind,
        session.room_id,
        session.track_id,
    )


def _parsed_values(parsed: frab.ParsedSession, rooms: dict, tracks: dict) -> tuple:
    room, track = rooms.get(parsed.room), tracks.get(parsed.track)
    return (
        *(getattr(parsed, name) for name in _SESSION_FIELDS),
        parsed.kind or "talk",
        room.pk if room else None,
        track.pk if track else None,
    )


def read_schedule_file(event: Event, data: bytes, format: str | None) -> frab.ParsedSchedule:
    return frab.parse_schedule(data, format or None, default_tz=str(event_time_zone(event).key))


@transaction.atomic
def import_schedule(
    *,
    actor,
    event: Event,
    data: bytes,
    format: str | None = None,
    dry_run: bool = False,
    filename: str = "",
) -> ImportResult:
    """Imports a frab/c3voc (XML or JSON) or pretalx schedule into the event's programme.

    Sessions are matched on guid, speakers on guid (else pretalx code, else name), rooms and
    tracks on name: re-importing a file updates what changed and leaves the rest alone.
    Sessions not in the file stay. Raises ValidationError (field "file") and changes nothing
    when the file cannot be read. `dry_run` only counts what would be created and updated.
    """
    parsed = read_schedule_file(event, data, format)
    now = timezone.now()
    rooms = {room.name: room for room in Room.objects.filter(event=event)}
    tracks = {track.name: track for track in Track.objects.filter(event=event)}
    by_guid: dict[uuid.UUID, Speaker] = {}
    by_code: dict[str, Speaker] = {}
    by_name: dict[str, Speaker] = {}
    for speaker in Speaker.objects.filter(event=event):
        by_guid[speaker.guid] = speaker
        if speaker.code:
            by_code.setdefault(speaker.code, speaker)
        by_name.setdefault(speaker.name.casefold(), speaker)
    sessions = {
        session.guid: session
        for session in Session.objects.filter(
            event=event, guid__in=[item.guid for item in parsed.sessions]
        )
    }
    links: dict[int, list[int]] = {}
    for session_id, speaker_id in (
        SessionSpeaker.objects.filter(session__event=event)
        .order_by("position", "pk")
        .values_list("session_id", "speaker_id")
    ):
        links.setdefault(session_id, []).append(speaker_id)

    def match(item: frab.ParsedSpeaker) -> Speaker | None:
        return (
            by_guid.get(_speaker_guid(event, item))
            or (item.code and by_code.get(item.code))
            or (not item.guid and by_name.get(item.name.casefold()))
            or None
        )

    def named(names, existing) -> ImportCounts:
        matched = sum(1 for name in names if name in existing)
        return ImportCounts(created=len(names) - matched, updated=matched)

    result = ImportResult(
        format=parsed.format,
        dry_run=dry_run,
        sessions=ImportCounts(),
        rooms=named(list(parsed.rooms), rooms),
        tracks=named(list(parsed.tracks), tracks),
        speakers=ImportCounts(),
    )
    matches = {key: match(item) for key, item in parsed.speakers.items()}
    changed_speakers: dict[int, Speaker] = {}
    for key, speaker in matches.items():
        if speaker is None:
            result.speakers.created += 1
        elif _speaker_changed(speaker, parsed.speakers[key]):
            changed_speakers[speaker.pk] = speaker
        else:
            result.speakers.unchanged += 1
    result.speakers.updated = len(changed_speakers)
    speaker_ids = {key: speaker.pk for key, speaker in matches.items() if speaker is not None}
    changed_guids: set[uuid.UUID] = set()
    for item in parsed.sessions:
        session = sessions.get(item.guid)
        if session is None:
            result.sessions.created += 1
        elif _session_values(session) != _parsed_values(item, rooms, tracks) or links.get(
            session.pk, []
        ) != [speaker_ids.get(key) for key in item.speakers]:
            changed_guids.add(item.guid)
        else:
            result.sessions.unchanged += 1
    result.sessions.updated = len(changed_guids)
    if dry_run:
        return result

    # Rooms and tracks (few: written whether changed or not).
    new_rooms, old_rooms = [], []
    for position, (name, values) in enumerate(parsed.rooms.items()):
        room = rooms.get(name)
        if room is None:
            room = Room(
                event=event,
                name=name,
                guid=values["guid"]
                or uuid.uuid5(uuid.NAMESPACE_URL, f"klynge:{event.slug}:room:{name}"),
                capacity=values["capacity"],
                position=position,
            )
            new_rooms.append(room)
            rooms[name] = room
        else:
            room.position = position
            room.guid = values["guid"] or room.guid
            if values["capacity"] is not None:
                room.capacity = values["capacity"]
            room.updated_at = now
            old_rooms.append(room)
    Room.objects.bulk_create(new_rooms)
    Room.objects.bulk_update(old_rooms, ["position", "guid", "capacity", "updated_at"])

    new_tracks, old_tracks = [], []
    for name, values in parsed.tracks.items():
        colour = values["colour"].lower() if frab._HEX_COLOUR.match(values["colour"]) else ""
        track = tracks.get(name)
        if track is None:
            track = Track(event=event, name=name, colour=colour, slug=values["slug"][:200])
            new_tracks.append(track)
            tracks[name] = track
        else:
            track.colour = colour or track.colour
            track.slug = values["slug"][:200] or track.slug
            track.updated_at = now
            old_tracks.append(track)
    Track.objects.bulk_create(new_tracks)
    Track.objects.bulk_update(old_tracks, ["colour", "slug", "updated_at"])

    # Speakers: new ones inserted, changed ones updated, the rest left alone.
    new_speakers, by_key = [], {}
    for key, item in parsed.speakers.items():
        speaker = matches[key]
        if speaker is None:
            speaker = Speaker(
                event=event,
                name=item.name,
                guid=_speaker_guid(event, item),
                code=item.code[:64],
                frab_id=item.frab_id,
                bio=item.bio,
            )
            new_speakers.append(speaker)
        elif speaker.pk in changed_speakers:
            speaker.name = item.name
            speaker.code = item.code[:64] or speaker.code
            speaker.frab_id = item.frab_id or speaker.frab_id
            speaker.bio = item.bio or speaker.bio
            speaker.updated_at = now
        by_key[key] = speaker
    Speaker.objects.bulk_create(new_speakers, batch_size=500)
    Speaker.objects.bulk_update(
        list(changed_speakers.values()),
        ["name", "code", "frab_id", "bio", "updated_at"],
        batch_size=500,
    )

    # Sessions and their speakers: likewise.
    new_sessions, changed_sessions, speaker_rows = [], [], []
    for item in parsed.sessions:
        session = sessions.get(item.guid)
        if session is None:
            session = Session(event=event, guid=item.guid, created_at=now)
            new_sessions.append(session)
        elif item.guid in changed_guids:
            changed_sessions.append(session)
        else:
            continue
        for name in _SESSION_FIELDS:
            setattr(session, name, getattr(item, name))
        session.kind = item.kind or "talk"
        session.room = rooms.get(item.room)
        session.track = tracks.get(item.track)
        session.updated_at = now
        speaker_rows.append((session, [by_key[key] for key in item.speakers]))
    Session.objects.bulk_create(new_sessions, batch_size=500)
    Session.objects.bulk_update(changed_sessions, _SESSION_UPDATE_FIELDS, batch_size=100)
    SessionSpeaker.objects.filter(session__in=changed_sessions).delete()
    SessionSpeaker.objects.bulk_create(
        (
            SessionSpeaker(session=session, speaker=speaker, position=position)
            for session, session_speakers in speaker_rows
            for position, speaker in enumerate(session_speakers)
        ),
        batch_size=1000,
    )
    audit.record(
        actor=actor,
        action="schedule.programme.import",
        target=event,
        data={"filename": filename[:255], **result.as_dict()},
    )
    return result


@transaction.atomic
def stage_import(
    *, actor, event: Event, data: bytes, format: str | None = None, filename: str = ""
) -> ScheduleImport:
    """Checks a file (a dry run) and keeps it, so staff can confirm the import after the summary."""
    result = import_schedule(
        actor=actor, event=event, data=data, format=format, dry_run=True, filename=filename
    )
    staged = ScheduleImport.objects.create(
        event=event,
        uploaded_by=actor,
        filename=filename[:255],
        format=result.format,
        content=data,
        summary=result.as_dict(),
    )
    audit.record(
        actor=actor,
        action="schedule.import.stage",
        target=event,
        data={"filename": staged.filename, "import": staged.pk},
    )
    return staged


@transaction.atomic
def apply_staged_import(*, actor, staged: ScheduleImport) -> ImportResult:
    locked = ScheduleImport.objects.select_for_update().get(pk=staged.pk)
    if locked.applied_at is not None:
        raise ValidationError({"file": [_("This file has already been imported.")]})
    result = import_schedule(
        actor=actor,
        event=locked.event,
        data=bytes(locked.content),
        format=locked.format,
        filename=locked.filename,
    )
    locked.applied_at = timezone.now()
    locked.summary = result.as_dict()
    locked.content = b""
    locked.save(update_fields=["applied_at", "summary", "content"])
    return result
