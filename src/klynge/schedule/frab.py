"""Reading and writing the frab/c3voc schedule format (XML and JSON, as pretalx also exports it).

Parsing turns a file into plain data (`ParsedSchedule`) without touching the database; it raises
a django `ValidationError` with a localised message for any file it cannot read, so callers never
fail with a 500. Writing turns a programme into XML or JSON that validates against the official
schemas (`schedule.xml.xsd`, `schedule.schema.json` from voc/schedule).

XML is parsed with entities, network access, DTDs and huge trees turned off, and a document that
declares a DTD is refused.
"""

from __future__ import annotations

import datetime
import json
import re
import uuid
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError
from django.utils.text import slugify
from django.utils.translation import gettext as _
from lxml import etree

MAX_IMPORT_BYTES = 20 * 1024 * 1024
# Sessions starting before this hour (local time) belong to the previous conference day, as in
# frab (a party at 01:00 is still part of the evening's programme).
DAY_CHANGE_HOUR = 6
MAX_DURATION = datetime.timedelta(hours=99, minutes=59)

FORMAT_XML = "frab-xml"
FORMAT_JSON = "frab-json"
FORMAT_PRETALX = "pretalx"
FORMATS = (FORMAT_XML, FORMAT_JSON, FORMAT_PRETALX)

_DURATION = re.compile(r"^\s*(\d{1,3}):([0-5]?\d)(?::([0-5]?\d))?\s*$")
_HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
_XML_SLUG = re.compile(r"^[a-z0-9_]{4,}-[a-z0-9\-_]{4,}$")
_JSON_SLUG = re.compile(r"^[a-z0-9_-]+[a-z0-9]$")
_TRACK_SLUG = re.compile(r"^[a-z][a-z0-9-]+$")
_CODE = re.compile(r"^[0-9A-Z]{6}$")
_JSON_CODE = re.compile(r"^[A-Z0-9]+$")
_HTTP = re.compile(r"^https?://\S+$")
_TZ_NAME = re.compile(r"^(([A-Z][a-z]+/[A-Z][a-z]+)|UTC)$")
_REFERENCE_TYPES = {"slides", "paper", "web", "blog", "article", "media", "related", "activitypub"}


def file_error(message: str) -> ValidationError:
    return ValidationError({"file": [message]}, code="invalid")


@dataclass
class ParsedSpeaker:
    key: str
    name: str
    guid: uuid.UUID | None = None
    code: str = ""
    frab_id: int | None = None
    bio: str = ""


@dataclass
class ParsedSession:
    guid: uuid.UUID
    title: str
    starts_at: datetime.datetime
    duration: datetime.timedelta
    room: str
    track: str = ""
    frab_id: int | None = None
    code: str = ""
    slug: str = ""
    subtitle: str = ""
    abstract: str = ""
    description: str = ""
    language: str = ""
    kind: str = ""
    speakers: list[str] = field(default_factory=list)
    recording_allowed: bool = True
    recording_license: str = ""
    links: list[dict] = field(default_factory=list)
    url: str = ""
    origin_url: str = ""
    feedback_url: str = ""
    logo: str = ""


@dataclass
class ParsedSchedule:
    format: str
    title: str = ""
    time_zone: str = ""
    tracks: dict[str, dict] = field(default_factory=dict)  # name -> {"colour", "slug"}
    rooms: dict[str, dict] = field(default_factory=dict)  # name -> {"guid", "capacity"}
    speakers: dict[str, ParsedSpeaker] = field(default_factory=dict)
    sessions: list[ParsedSession] = field(default_factory=list)


# --------------------------------------------------------------------------------------------
# Reading


def detect_format(data: bytes) -> str:
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    return FORMAT_JSON if head[:1] in (b"{", b"[") else FORMAT_XML


def parse_schedule(data: bytes, format: str | None = None, *, default_tz: str) -> ParsedSchedule:
    """Reads a schedule file; raises ValidationError (field "file") when it cannot."""
    if len(data) > MAX_IMPORT_BYTES:
        raise file_error(
            _("The file is too large: at most %(mb)s MB.") % {"mb": MAX_IMPORT_BYTES // 2**20}
        )
    if not data.strip():
        raise file_error(_("The file is empty."))
    format = format or detect_format(data)
    if format not in FORMATS:
        raise file_error(_("Unknown format %(format)s.") % {"format": format})
    try:
        if format == FORMAT_XML:
            return _parse_xml(data, default_tz)
        return _parse_json(data, format, default_tz)
    except ValidationError:
        raise
    except (KeyError, TypeError, AttributeError, ValueError, IndexError) as error:
        raise file_error(
            _("The file does not follow the schedule format (%(detail)s).")
            % {"detail": str(error)[:200]}
        ) from None


def _zone(name: str, default_tz: str) -> ZoneInfo:
    try:
        return ZoneInfo(name) if name else ZoneInfo(default_tz)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(default_tz)


def _parse_datetime(value: str, zone: ZoneInfo, title: str) -> datetime.datetime:
    try:
        moment = datetime.datetime.fromisoformat(value.strip())
    except (ValueError, AttributeError):
        raise file_error(
            _("Session “%(title)s”: %(value)s is not a date and time.")
            % {"title": title, "value": value}
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(datetime.UTC)


def parse_duration(value: str, title: str = "") -> datetime.timedelta:
    match = _DURATION.match(value or "")
    if not match:
        raise file_error(
            _("Session “%(title)s”: the duration %(value)s is not in the form hh:mm.")
            % {"title": title, "value": value}
        )
    hours, minutes, seconds = (int(part or 0) for part in match.groups())
    duration = datetime.timedelta(hours=hours, minutes=minutes, seconds=seconds)
    if duration > MAX_DURATION:
        raise file_error(
            _("Session “%(title)s”: the duration %(value)s is too long.")
            % {"title": title, "value": value}
        )
    return duration


def _parse_guid(value, title: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value).strip())
    except (ValueError, AttributeError, TypeError):
        raise file_error(
            _("Session “%(title)s” has no valid guid (%(value)s).")
            % {"title": title, "value": value}
        ) from None


def _optional_guid(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value).strip()) if value else None
    except (ValueError, AttributeError, TypeError):
        return None


def _optional_int(value) -> int | None:
    try:
        number = int(str(value).strip())
    except (ValueError, TypeError):
        return None
    return number if number > 0 else None


def _speaker_key(guid, code, frab_id, name) -> str:
    if guid:
        return f"guid:{guid}"
    if code:
        return f"code:{code}"
    if frab_id:
        return f"id:{frab_id}"
    return f"name:{name.strip().casefold()}"


def _check_lengths(schedule: ParsedSchedule) -> None:
    limits = (("title", 300), ("subtitle", 300), ("slug", 300), ("kind", 200), ("language", 20))
    for session in schedule.sessions:
        if not session.title.strip():
            raise file_error(
                _("A session without a title (guid %(guid)s).") % {"guid": session.guid}
            )
        for name, limit in limits:
            if len(getattr(session, name)) > limit:
                raise file_error(
                    _("Session “%(title)s”: the %(field)s is longer than %(limit)s characters.")
                    % {"title": session.title[:80], "field": name, "limit": limit}
                )
        for name in ("url", "origin_url", "feedback_url", "logo"):
            if len(getattr(session, name)) > 500:
                setattr(session, name, "")
    for name in schedule.rooms:
        if not name.strip() or len(name) > 200:
            raise file_error(_("A room name is empty or longer than 200 characters."))
    for speaker in schedule.speakers.values():
        if not speaker.name.strip() or len(speaker.name) > 200:
            raise file_error(_("A speaker's name is empty or longer than 200 characters."))
    seen: set[uuid.UUID] = set()
    for session in schedule.sessions:
        if session.guid in seen:
            raise file_error(
                _("The guid %(guid)s is used by more than one session.") % {"guid": session.guid}
            )
        seen.add(session.guid)


def _xml_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        dtd_validation=False,
        remove_comments=True,
        remove_pis=True,
    )


def _parse_xml(data: bytes, default_tz: str) -> ParsedSchedule:
    try:
        root = etree.fromstring(data, _xml_parser())
    except etree.XMLSyntaxError as error:
        text = str(error)
        if "encod" in text.lower() or "UTF-8" in text or "UTF-16" in text:
            raise file_error(
                _("The file is not correctly encoded: schedules must be UTF-8 (%(detail)s).")
                % {"detail": text[:200]}
            ) from None
        raise file_error(
            _("The file is not valid XML (%(detail)s).") % {"detail": text[:200]}
        ) from None
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise file_error(_("The file declares a DTD, which is not allowed in a schedule."))
    if root.tag != "schedule":
        raise file_error(
            _("The file is not a frab/c3voc schedule: its root element is <%(tag)s>.")
            % {"tag": str(root.tag)[:50]}
        )
    conference = root.find("conference")
    if conference is None or root.find("day") is None:
        raise file_error(
            _("The file is not a frab/c3voc schedule: <conference> or <day> is missing.")
        )
    schedule = ParsedSchedule(format=FORMAT_XML)
    schedule.title = (conference.findtext("title") or "").strip()
    schedule.time_zone = (conference.findtext("time_zone_name") or "").strip()
    zone = _zone(schedule.time_zone, default_tz)
    for track in conference.iterfind("track"):
        name = (track.get("name") or track.text or "").strip()
        if name:
            schedule.tracks[name] = {
                "colour": track.get("color") or "",
                "slug": track.get("slug") or "",
            }
    for day in root.iterfind("day"):
        day_date = day.get("date") or ""
        for room in day.iterfind("room"):
            room_name = (room.get("name") or "").strip()
            if room_name and room_name not in schedule.rooms:
                schedule.rooms[room_name] = {
                    "guid": _optional_guid(room.get("guid")),
                    "capacity": None,
                }
            for element in room.iterfind("event"):
                schedule.sessions.append(_xml_session(element, room_name, day_date, zone, schedule))
    _check_lengths(schedule)
    return schedule


def _text(element, name: str) -> str:
    return (element.findtext(name) or "").strip()


def _xml_session(element, room_name, day_date, zone, schedule) -> ParsedSession:
    title = _text(element, "title")
    guid = _parse_guid(element.get("guid"), title)
    date_text = _text(element, "date")
    start_text = _text(element, "start")
    if date_text:
        starts_at = _parse_datetime(date_text, zone, title)
    elif day_date and start_text:
        starts_at = _parse_datetime(f"{day_date}T{start_text}", zone, title)
    else:
        raise file_error(_("Session “%(title)s” has no start.") % {"title": title})
    room = _text(element, "room") or room_name
    if room and room not in schedule.rooms:
        schedule.rooms[room] = {"guid": None, "capacity": None}
    track = _text(element, "track")
    if track and track not in schedule.tracks:
        schedule.tracks[track] = {"colour": "", "slug": ""}
    speakers = []
    for person in element.iterfind("persons/person"):
        name = (person.text or "").strip()
        if not name:
            continue
        guid_value = _optional_guid(person.get("guid"))
        frab_id = _optional_int(person.get("id"))
        key = _speaker_key(guid_value, "", frab_id, name)
        if key not in schedule.speakers:
            schedule.speakers[key] = ParsedSpeaker(key, name, guid_value, "", frab_id)
        if key not in speakers:
            speakers.append(key)
    recording = element.find("recording")
    links = [
        {"url": link.get("href") or "", "title": (link.text or "").strip()}
        for link in element.iterfind("links/link")
        if link.get("href")
    ]
    return ParsedSession(
        guid=guid,
        title=title,
        starts_at=starts_at,
        duration=parse_duration(_text(element, "duration"), title),
        room=room,
        track=track,
        frab_id=_optional_int(element.get("id")),
        code=element.get("code") or "",
        slug=_text(element, "slug"),
        subtitle=_text(element, "subtitle"),
        abstract=_text(element, "abstract"),
        description=_text(element, "description"),
        language=_text(element, "language"),
        kind=_text(element, "type"),
        speakers=speakers,
        recording_allowed=not (
            recording is not None and _text(recording, "optout").lower() == "true"
        ),
        recording_license=_text(recording, "license") if recording is not None else "",
        links=links,
        url=_text(element, "url"),
        origin_url=_text(element, "origin_url"),
        feedback_url=_text(element, "feedback_url"),
        logo=_text(element, "logo"),
    )


def _parse_json(data: bytes, format: str, default_tz: str) -> ParsedSchedule:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise file_error(
            _("The file is not correctly encoded: schedules must be UTF-8 (%(detail)s).")
            % {"detail": str(error)[:200]}
        ) from None
    try:
        document = json.loads(text)
    except ValueError as error:
        raise file_error(
            _("The file is not valid JSON (%(detail)s).") % {"detail": str(error)[:200]}
        ) from None
    schedule_data = document.get("schedule") if isinstance(document, dict) else None
    conference = schedule_data.get("conference") if isinstance(schedule_data, dict) else None
    if not isinstance(conference, dict) or not isinstance(conference.get("days"), list):
        raise file_error(
            _("The file is not a frab/c3voc schedule: schedule.conference.days is missing.")
        )
    schedule = ParsedSchedule(format=format)
    schedule.title = str(conference.get("title") or "").strip()
    schedule.time_zone = str(conference.get("time_zone_name") or "").strip()
    zone = _zone(schedule.time_zone, default_tz)
    for track in conference.get("tracks") or []:
        name = str(track.get("name") or "").strip()
        if name:
            schedule.tracks[name] = {
                "colour": track.get("color") or "",
                "slug": track.get("slug") or "",
            }
    for room in conference.get("rooms") or []:
        name = str(room.get("name") or "").strip()
        if name and name not in schedule.rooms:
            capacity = room.get("capacity")
            schedule.rooms[name] = {
                "guid": _optional_guid(room.get("guid")),
                "capacity": int(capacity) if isinstance(capacity, int | float) else None,
            }
    for day in conference["days"]:
        day_date = str(day.get("date") or "")
        for room_name, events in (day.get("rooms") or {}).items():
            room_name = str(room_name).strip()
            if room_name and room_name not in schedule.rooms:
                schedule.rooms[room_name] = {"guid": None, "capacity": None}
            for item in events:
                schedule.sessions.append(_json_session(item, room_name, day_date, zone, schedule))
    _check_lengths(schedule)
    return schedule


def _string(value) -> str:
    return "" if value is None else str(value).strip()


def _json_session(item: dict, room_name, day_date, zone, schedule) -> ParsedSession:
    title = _string(item.get("title"))
    guid = _parse_guid(item.get("guid"), title)
    if item.get("date"):
        starts_at = _parse_datetime(str(item["date"]), zone, title)
    elif day_date and item.get("start"):
        starts_at = _parse_datetime(f"{day_date}T{item['start']}", zone, title)
    else:
        raise file_error(_("Session “%(title)s” has no start.") % {"title": title})
    if item.get("duration"):
        duration = parse_duration(str(item["duration"]), title)
    elif item.get("end"):
        duration = _parse_datetime(str(item["end"]), zone, title) - starts_at
    else:
        raise file_error(_("Session “%(title)s” has no duration.") % {"title": title})
    room = _string(item.get("room")) or room_name
    if room and room not in schedule.rooms:
        schedule.rooms[room] = {"guid": None, "capacity": None}
    track = _string(item.get("track"))
    if track and track not in schedule.tracks:
        schedule.tracks[track] = {"colour": "", "slug": ""}
    speakers = []
    for person in item.get("persons") or []:
        name = _string(
            person.get("name") or person.get("public_name") or person.get("full_public_name")
        )
        if not name:
            continue
        guid_value = _optional_guid(person.get("guid"))
        code = _string(person.get("code"))
        frab_id = _optional_int(person.get("id"))
        key = _speaker_key(guid_value, code, frab_id, name)
        if key not in schedule.speakers:
            schedule.speakers[key] = ParsedSpeaker(
                key, name, guid_value, code, frab_id, _string(person.get("biography"))
            )
        if key not in speakers:
            speakers.append(key)
    links = [
        {"url": str(link["url"]), "title": _string(link.get("title")), "type": link.get("type")}
        for link in item.get("links") or []
        if isinstance(link, dict) and link.get("url")
    ]
    return ParsedSession(
        guid=guid,
        title=title,
        starts_at=starts_at,
        duration=duration,
        room=room,
        track=track,
        frab_id=_optional_int(item.get("id")),
        code=_string(item.get("code")),
        slug=_string(item.get("slug")),
        subtitle=_string(item.get("subtitle")),
        abstract=_string(item.get("abstract")),
        description=_string(item.get("description")),
        language=_string(item.get("language")),
        kind=_string(item.get("type")),
        speakers=speakers,
        recording_allowed=not bool(item.get("do_not_record")),
        recording_license=_string(item.get("recording_license")),
        links=[{k: v for k, v in link.items() if v} for link in links],
        url=_string(item.get("url")),
        origin_url=_string(item.get("origin_url")),
        feedback_url=_string(item.get("feedback_url")),
        logo=_string(item.get("logo")),
    )


# --------------------------------------------------------------------------------------------
# Writing


@dataclass
class ExportDay:
    index: int
    date: datetime.date
    start: datetime.datetime
    end: datetime.datetime
    rooms: dict[str, list]  # room name -> sessions, in room order


def conference_day(moment: datetime.datetime, zone: ZoneInfo) -> datetime.date:
    """The programme day a moment belongs to (before DAY_CHANGE_HOUR: the previous day)."""
    local = moment.astimezone(zone)
    return (local - datetime.timedelta(hours=DAY_CHANGE_HOUR)).date()


def acronym(slug: str) -> str:
    """The event's acronym as both schemas accept it (no hyphen after the first character)."""
    value = re.sub(r"[^a-z0-9_]", "_", slug.lower()) or "event"
    return value.ljust(4, "_")


def _hhmm(duration: datetime.timedelta) -> str:
    minutes = int(duration.total_seconds() // 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _iso(moment: datetime.datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).replace(microsecond=0).isoformat()


def group_days(event, rooms, sessions, zone: ZoneInfo) -> list[ExportDay]:
    by_day: dict[datetime.date, list] = {}
    for session in sessions:
        by_day.setdefault(conference_day(session.starts_at, zone), []).append(session)
    room_order = {room.pk: position for position, room in enumerate(rooms)}
    days = []
    for index, date in enumerate(sorted(by_day), start=1):
        items = sorted(
            by_day[date],
            key=lambda s: (room_order.get(s.room_id, len(room_order)), s.starts_at, s.title),
        )
        grouped: dict[str, list] = {}
        for session in items:
            grouped.setdefault(session.room.name if session.room else "", []).append(session)
        days.append(
            ExportDay(
                index=index,
                date=date,
                start=min(s.starts_at for s in items),
                end=max(s.ends_at for s in items),
                rooms=grouped,
            )
        )
    if not days:
        days.append(
            ExportDay(
                1, event.starts_at.astimezone(zone).date(), event.starts_at, event.ends_at, {}
            )
        )
    return days


def _session_ids(sessions) -> dict[int, int]:
    """frab ids, unique within the export (kept from imports; new sessions get free numbers)."""
    ids: dict[int, int] = {}
    used: set[int] = set()
    for session in sessions:
        if session.frab_id and session.frab_id not in used:
            ids[session.pk] = session.frab_id
            used.add(session.frab_id)
    next_id = max(used, default=0) + 1
    for session in sessions:
        if session.pk not in ids:
            ids[session.pk] = next_id
            next_id += 1
    return ids


def _session_slug(session, event_acronym: str, frab_id: int) -> str:
    if session.slug and _JSON_SLUG.match(session.slug):
        return session.slug
    slug = f"{event_acronym}-{frab_id}-{slugify(session.title)}".strip("-_")
    return slug if _JSON_SLUG.match(slug) else f"{event_acronym}-{frab_id}"


@dataclass
class ExportContext:
    event: object
    rooms: list
    tracks: list
    sessions: list  # each with `.speaker_list` in programme order
    zone: ZoneInfo
    base_url: str = ""
    session_url: object = None  # callable(session) -> absolute URL or ""
    version: str = ""


def _session_url(context: ExportContext, session) -> str:
    if session.url and _HTTP.match(session.url):
        return session.url
    if context.session_url is not None:
        return context.session_url(session)
    return ""


def export_xml(context: ExportContext) -> bytes:
    zone = context.zone
    event = context.event
    event_acronym = acronym(event.slug)
    root = etree.Element("schedule")
    etree.SubElement(root, "generator", name="klynge", version="1")
    if _HTTP.match(context.base_url or ""):
        etree.SubElement(root, "url").text = context.base_url
    etree.SubElement(root, "version").text = context.version or "1"
    conference = etree.SubElement(root, "conference")
    etree.SubElement(conference, "acronym").text = event_acronym
    etree.SubElement(conference, "title").text = event.title
    etree.SubElement(conference, "start").text = _iso(event.starts_at, zone)
    etree.SubElement(conference, "end").text = _iso(event.ends_at, zone)
    days = group_days(event, context.rooms, context.sessions, zone)
    etree.SubElement(conference, "days").text = str(len(days))
    etree.SubElement(conference, "timeslot_duration").text = "00:05"
    if _TZ_NAME.match(str(zone.key)):
        etree.SubElement(conference, "time_zone_name").text = str(zone.key)
    for track in context.tracks:
        attributes = {"name": track.name}
        if _HEX_COLOUR.match(track.colour or ""):
            attributes["color"] = track.colour
        if _TRACK_SLUG.match(track.slug or ""):
            attributes["slug"] = track.slug
        etree.SubElement(conference, "track", **attributes)
    room_guids = {room.name: room.guid for room in context.rooms}
    ids = _session_ids(context.sessions)
    seen_slugs: set[str] = set()
    for day in days:
        day_element = etree.SubElement(
            root,
            "day",
            date=day.date.isoformat(),
            start=_iso(day.start, zone),
            end=_iso(day.end, zone),
            index=str(day.index),
        )
        for room_name, sessions in day.rooms.items():
            attributes = {"name": room_name}
            if room_guids.get(room_name):
                attributes["guid"] = str(room_guids[room_name])
            room_element = etree.SubElement(day_element, "room", **attributes)
            for session in sessions:
                _xml_event(room_element, session, ids[session.pk], context, seen_slugs)
    return etree.tostring(root, encoding="UTF-8", xml_declaration=True, pretty_print=True)


def _sub(parent, tag: str, text: str = "", **attributes):
    element = etree.SubElement(parent, tag, **attributes)
    element.text = text
    return element


def _xml_event(room_element, session, frab_id: int, context: ExportContext, seen_slugs) -> None:
    zone = context.zone
    attributes = {"guid": str(session.guid), "id": str(frab_id)}
    if _CODE.match(session.code or ""):
        attributes["code"] = session.code
    element = etree.SubElement(room_element, "event", **attributes)
    _sub(element, "room", session.room.name if session.room else "")
    _sub(element, "title", session.title)
    _sub(element, "subtitle", session.subtitle)
    _sub(element, "type", session.kind)
    _sub(element, "date", _iso(session.starts_at, zone))
    _sub(element, "start", session.starts_at.astimezone(zone).strftime("%H:%M"))
    _sub(element, "duration", _hhmm(session.duration))
    _sub(element, "abstract", session.abstract)
    if _XML_SLUG.match(session.slug or "") and session.slug not in seen_slugs:
        seen_slugs.add(session.slug)
        _sub(element, "slug", session.slug)
    _sub(element, "track", session.track.name if session.track else "")
    if _HTTP.match(session.logo or ""):
        _sub(element, "logo", session.logo)
    persons = etree.SubElement(element, "persons")
    for speaker in session.speaker_list:
        person_attributes = {"guid": str(speaker.guid)}
        if speaker.frab_id:
            person_attributes["id"] = str(speaker.frab_id)
        _sub(persons, "person", speaker.name, **person_attributes)
    _sub(element, "language", session.language)
    _sub(element, "description", session.description)
    if not session.recording_allowed or session.recording_license:
        recording = etree.SubElement(element, "recording")
        _sub(recording, "license", session.recording_license)
        _sub(recording, "optout", "false" if session.recording_allowed else "true")
    links = etree.SubElement(element, "links")
    for link in session.links or []:
        if link.get("url"):
            _sub(links, "link", link.get("title") or "", href=link["url"])
    url = _session_url(context, session)
    if url:
        _sub(element, "url", url)
    for name in ("feedback_url", "origin_url"):
        value = getattr(session, name)
        if _HTTP.match(value or ""):
            _sub(element, name, value)


def export_json(context: ExportContext) -> dict:
    zone = context.zone
    event = context.event
    event_acronym = acronym(event.slug)
    days = group_days(event, context.rooms, context.sessions, zone)
    ids = _session_ids(context.sessions)
    tracks = []
    for track in context.tracks:
        item = {"name": track.name}
        if _JSON_SLUG.match(track.slug or ""):
            item["slug"] = track.slug
        if _HEX_COLOUR.match(track.colour or ""):
            item["color"] = track.colour
        tracks.append(item)
    rooms = []
    for room in context.rooms:
        item = {
            "name": room.name,
            "guid": str(room.guid or uuid.uuid5(uuid.NAMESPACE_URL, room.name)),
        }
        if room.capacity is not None:
            item["capacity"] = room.capacity
        rooms.append(item)
    conference = {
        "acronym": event_acronym,
        "title": event.title,
        "start": _iso(event.starts_at, zone),
        "end": _iso(event.ends_at, zone),
        "daysCount": len(days),
        "timeslot_duration": "00:05",
        "tracks": tracks,
        "rooms": rooms,
        "days": [
            {
                "index": day.index,
                "date": day.date.isoformat(),
                "day_start": _iso(day.start, zone),
                "day_end": _iso(day.end, zone),
                "rooms": {
                    room_name: [
                        _json_event(session, ids[session.pk], event_acronym, context)
                        for session in sessions
                    ]
                    for room_name, sessions in day.rooms.items()
                },
            }
            for day in days
        ],
    }
    if _TZ_NAME.match(str(zone.key)):
        conference["time_zone_name"] = str(zone.key)
    if _HTTP.match(context.base_url or ""):
        conference["url"] = context.base_url
    schedule = {"version": context.version or "1", "conference": conference}
    if _HTTP.match(context.base_url or ""):
        schedule["base_url"] = context.base_url
    return {
        "$schema": "https://c3voc.de/schedule/schema.json",
        "generator": {"name": "klynge", "version": "1"},
        "schedule": schedule,
    }


def _json_event(session, frab_id: int, event_acronym: str, context: ExportContext) -> dict:
    zone = context.zone
    persons = []
    for speaker in session.speaker_list:
        person = {"name": speaker.name, "guid": str(speaker.guid)}
        if _JSON_CODE.match(speaker.code or ""):
            person["code"] = speaker.code
        if speaker.bio:
            person["biography"] = speaker.bio
        persons.append(person)
    links = []
    for link in session.links or []:
        if not link.get("url"):
            continue
        item = {"url": link["url"]}
        if link.get("title"):
            item["title"] = link["title"]
        if link.get("type") in _REFERENCE_TYPES:
            item["type"] = link["type"]
        links.append(item)
    item = {
        "guid": str(session.guid),
        "id": frab_id,
        "date": _iso(session.starts_at, zone),
        "start": session.starts_at.astimezone(zone).strftime("%H:%M"),
        "end": _iso(session.ends_at, zone),
        "duration": _hhmm(session.duration),
        "room": session.room.name if session.room else "",
        "slug": _session_slug(session, event_acronym, frab_id),
        "url": _session_url(context, session) or f"urn:uuid:{session.guid}",
        "title": session.title,
        "subtitle": session.subtitle,
        "track": session.track.name if session.track else None,
        "type": session.kind,
        "language": session.language or None,
        "abstract": session.abstract,
        "description": session.description,
        "recording_license": session.recording_license,
        "do_not_record": not session.recording_allowed,
        "persons": persons,
        "links": links,
    }
    if _JSON_CODE.match(session.code or ""):
        item["code"] = session.code
    if session.logo:
        item["logo"] = session.logo
    for name in ("feedback_url", "origin_url"):
        if _HTTP.match(getattr(session, name) or ""):
            item[name] = getattr(session, name)
    return item
