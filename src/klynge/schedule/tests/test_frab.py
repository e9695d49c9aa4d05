"""Import and export of the frab/c3voc schedule format, with the real 38C3 and pretalx files."""

import datetime
import io
import json
import time
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from lxml import etree

from klynge.core.models import AuditEntry
from klynge.schedule import frab, selectors, services
from klynge.schedule.models import Room, Session, SessionSpeaker, Speaker
from klynge.schedule.tests.factories import (
    EventFactory,
    RoomFactory,
    SessionFactory,
    SpeakerFactory,
    TrackFactory,
)

pytestmark = pytest.mark.django_db


def _xml_rows(data: bytes) -> set[tuple]:
    """(guid, title, room, start, duration, speakers) of every session, read with plain lxml."""
    root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
    rows = set()
    for event in root.iterfind("day/room/event"):
        hours, minutes = event.findtext("duration").split(":")[:2]
        rows.add(
            (
                event.get("guid"),
                event.findtext("title"),
                event.findtext("room"),
                datetime.datetime.fromisoformat(event.findtext("date")),
                datetime.timedelta(hours=int(hours), minutes=int(minutes)),
                tuple((p.get("guid"), p.text) for p in event.iterfind("persons/person")),
            )
        )
    return rows


def _json_rows(document: dict) -> set[tuple]:
    rows = set()
    for day in document["schedule"]["conference"]["days"]:
        for room, events in day["rooms"].items():
            for event in events:
                hours, minutes = event["duration"].split(":")
                rows.add(
                    (
                        event["guid"],
                        event["title"],
                        room,
                        datetime.datetime.fromisoformat(event["date"]),
                        datetime.timedelta(hours=int(hours), minutes=int(minutes)),
                        tuple(
                            (p.get("guid"), p.get("name") or p.get("public_name"))
                            for p in event["persons"]
                        ),
                    )
                )
    return rows


def _context(event):
    return selectors.export_context(
        event,
        base_url="https://klynge.example/events/x/programme/",
        session_url=lambda s: f"https://klynge.example/s/{s.guid}/",
    )


@pytest.fixture
def c3_bytes(schedules_dir) -> bytes:
    return (schedules_dir / "38c3-schedule.xml").read_bytes()


def test_the_38c3_file_has_1007_sessions_in_72_rooms(c3_bytes):
    root = etree.fromstring(c3_bytes, etree.XMLParser(resolve_entities=False, no_network=True))
    assert len(root.findall("day/room/event")) == 1007
    assert len({room.get("name") for room in root.iterfind("day/room")}) == 72


def test_import_38c3_takes_seconds_and_round_trips_through_xml_and_json(
    c3_bytes, staff, xml_schema, json_validator
):
    event = EventFactory(slug="38c3", title="38C3")
    started = time.perf_counter()
    result = services.import_schedule(actor=staff, event=event, data=c3_bytes, filename="38c3.xml")
    elapsed = time.perf_counter() - started
    assert elapsed < 15, f"import took {elapsed:.1f} s"
    assert (result.sessions.created, result.sessions.updated) == (1007, 0)
    assert (result.rooms.created, result.tracks.created, result.speakers.created) == (72, 7, 571)
    assert Session.objects.filter(event=event).count() == 1007
    assert Room.objects.filter(event=event).count() == 72
    assert Speaker.objects.filter(event=event).count() == 571
    assert SessionSpeaker.objects.filter(session__event=event).count() == 1032

    opening = Session.objects.get(guid="270fa44c-821a-577f-8ca3-33e8d4a8c2a7")
    assert (opening.title, opening.room.name, opening.track.name, opening.kind) == (
        "38C3: Opening Ceremony",
        "Saal 1",
        "CCC",
        "Ceremony",
    )
    assert opening.starts_at == datetime.datetime(2024, 12, 27, 9, 30, tzinfo=datetime.UTC)
    assert opening.duration == datetime.timedelta(minutes=30)
    assert [link.speaker.name for link in opening.speaker_links.select_related("speaker")] == [
        "Gabriela Bogk",
        "Senficon",
        "Aline Blankertz",
    ]
    assert Session.objects.filter(event=event, recording_allowed=False).count() == 25
    assert AuditEntry.objects.filter(action="schedule.programme.import").count() == 1

    original = _xml_rows(c3_bytes)
    assert len(original) == 1007
    exported_xml = frab.export_xml(_context(event))
    assert xml_schema.validate(etree.fromstring(exported_xml)), xml_schema.error_log
    assert _xml_rows(exported_xml) == original

    exported_json = frab.export_json(_context(event))
    assert list(json_validator.iter_errors(exported_json)) == []
    assert _json_rows(json.loads(json.dumps(exported_json))) == original

    # Importing our own export into a fresh event gives the same programme again.
    copy = EventFactory(slug="38c3-copy")
    services.import_schedule(actor=staff, event=copy, data=exported_xml)
    assert _xml_rows(frab.export_xml(_context(copy))) == original
    services.import_schedule(
        actor=staff, event=EventFactory(slug="38c3-json"), data=json.dumps(exported_json).encode()
    )


def test_reimporting_updates_instead_of_duplicating(c3_bytes, staff):
    event = EventFactory()
    services.import_schedule(actor=staff, event=event, data=c3_bytes)
    Session.objects.filter(guid="270fa44c-821a-577f-8ca3-33e8d4a8c2a7").update(title="Changed")
    result = services.import_schedule(actor=staff, event=event, data=c3_bytes)
    assert (result.sessions.created, result.sessions.updated, result.sessions.unchanged) == (
        0,
        1,
        1006,
    )
    assert (result.rooms.created, result.speakers.created, result.tracks.created) == (0, 0, 0)
    assert (result.speakers.updated, result.speakers.unchanged) == (0, 571)
    assert Session.objects.filter(event=event).count() == 1007
    assert Speaker.objects.filter(event=event).count() == 571
    assert SessionSpeaker.objects.filter(session__event=event).count() == 1032
    assert Session.objects.get(guid="270fa44c-821a-577f-8ca3-33e8d4a8c2a7").title == (
        "38C3: Opening Ceremony"
    )


def test_pretalx_export_imports_and_exports_valid_json(
    schedules_dir, staff, json_validator, xml_schema
):
    data = (schedules_dir / "pretalx-democon.json").read_bytes()
    event = EventFactory(slug="democon")
    dry = services.import_schedule(
        actor=staff, event=event, data=data, format="pretalx", dry_run=True
    )
    assert dry.dry_run is True
    assert (dry.sessions.created, dry.rooms.created, dry.speakers.created) == (36, 2, 27)
    assert Session.objects.filter(event=event).count() == 0

    result = services.import_schedule(actor=staff, event=event, data=data, format="pretalx")
    assert (result.sessions.created, result.rooms.created, result.speakers.created) == (36, 2, 27)
    first = Session.objects.get(guid="8079583e-8321-506c-95af-fd2903a5f075")
    assert (first.title, first.room.name, first.track.name, first.frab_id) == (
        "Focused 5thgeneration hardware",
        "Gray Room",
        "Phased",
        25,
    )
    assert first.starts_at == datetime.datetime(2020, 12, 14, 8, 0, tzinfo=datetime.UTC)
    speaker = first.speakers.get()
    assert (speaker.name, speaker.code) == ("Brian Robinson", "NQTF8Y")
    assert speaker.bio.startswith("Break through direction.")

    document = frab.export_json(_context(event))
    assert list(json_validator.iter_errors(document)) == []
    assert xml_schema.validate(etree.fromstring(frab.export_xml(_context(event))))
    original = _json_rows(json.loads(data))
    exported = _json_rows(document)
    # pretalx persons carry no guid; compare the rest and the speaker names.
    strip = {(*row[:5], tuple(name for _guid, name in row[5])) for row in original}
    assert {(*row[:5], tuple(name for _guid, name in row[5])) for row in exported} == strip

    again = services.import_schedule(actor=staff, event=event, data=data)
    assert (again.sessions.created, again.sessions.updated, again.sessions.unchanged) == (0, 0, 36)
    assert (again.speakers.created, again.speakers.updated) == (0, 0)


def test_a_small_programme_exports_valid_xml_and_json(staff, xml_schema, json_validator):
    event = EventFactory(slug="mt", title="MediaTech Festival")
    track = TrackFactory(event=event, name="AI & news", colour="#e40429", slug="ai-news")
    room = RoomFactory(event=event, name="Sal A", capacity=120)
    speaker = SpeakerFactory(event=event, name="Ida Holm", bio="Editor.")
    session = services.save_session(
        actor=staff,
        event=event,
        title="Generativ AI i redaktionen",
        starts_at=datetime.datetime(2026, 6, 10, 23, 30, tzinfo=datetime.UTC),
        duration=datetime.timedelta(minutes=90),
        room=room,
        track=track,
        speakers=[speaker],
        language="da",
        kind="panel",
    )
    SessionFactory(event=event, room=None, title="Kaffe")
    xml = frab.export_xml(_context(event))
    assert xml_schema.validate(etree.fromstring(xml)), xml_schema.error_log
    document = frab.export_json(_context(event))
    assert list(json_validator.iter_errors(document)) == []
    conference = document["schedule"]["conference"]
    assert (conference["acronym"], conference["time_zone_name"]) == ("mt__", "Europe/Copenhagen")
    # 01:30 local on 11 June belongs to the 10 June programme day.
    days = {day["date"]: day for day in conference["days"]}
    item = days["2026-06-10"]["rooms"]["Sal A"][0]
    assert (item["guid"], item["start"], item["duration"], item["date"]) == (
        str(session.guid),
        "01:30",
        "01:30",
        "2026-06-11T01:30:00+02:00",
    )
    assert item["persons"] == [
        {"name": "Ida Holm", "guid": str(speaker.guid), "biography": "Editor."}
    ]


def test_an_empty_programme_still_exports_valid_files(xml_schema, json_validator):
    event = EventFactory(slug="empty-event")
    assert xml_schema.validate(etree.fromstring(frab.export_xml(_context(event))))
    assert list(json_validator.iter_errors(frab.export_json(_context(event)))) == []


@pytest.mark.parametrize(
    ("data", "fmt", "message"),
    [
        (b"this is not a schedule", None, "not valid XML"),
        (b"<schedule><version>1</version>", None, "not valid XML"),
        (b"<html><body/></html>", None, "root element is <html>"),
        (b"<schedule><version>1</version></schedule>", None, "<conference> or <day> is missing"),
        (b'{"schedule": {}}', None, "schedule.conference.days is missing"),
        (b"{not json", None, "not valid JSON"),
        ('{"title": "K\u00f8benhavn"}'.encode("latin-1"), "frab-json", "not correctly encoded"),
        (
            '<?xml version="1.0" encoding="UTF-8"?><schedule><conference><title>K\u00f8ge'
            "</title></conference></schedule>".encode("latin-1"),
            None,
            "not correctly encoded",
        ),
        (b"", None, "empty"),
        (b"x" * (frab.MAX_IMPORT_BYTES + 1), None, "too large"),
    ],
)
def test_bad_files_give_a_clear_message_and_change_nothing(staff, data, fmt, message):
    event = EventFactory()
    RoomFactory(event=event, name="Existing")
    with pytest.raises(ValidationError) as raised:
        services.import_schedule(actor=staff, event=event, data=data, format=fmt)
    assert message in " ".join(raised.value.message_dict["file"])
    assert list(Room.objects.filter(event=event).values_list("name", flat=True)) == ["Existing"]
    assert Session.objects.count() == 0
    assert AuditEntry.objects.filter(action="schedule.programme.import").count() == 0


def _schedule_xml(events: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><schedule><version>1</version><conference>'
        "<title>T</title><acronym>test</acronym></conference>"
        '<day date="2026-06-10" start="2026-06-10T09:00:00+02:00" end="2026-06-10T18:00:00+02:00"'
        f' index="1"><room name="A">{events}</room></day></schedule>'
    ).encode()


_GOOD = (
    '<event guid="11111111-2222-3333-4444-555555555555" id="1"><room>A</room><title>Good</title>'
    "<type>talk</type><date>2026-06-10T10:00:00+02:00</date><start>10:00</start>"
    "<duration>00:30</duration><abstract/><track/></event>"
)


def test_an_error_late_in_the_file_rolls_back_everything(staff):
    event = EventFactory()
    bad = _GOOD.replace("11111111", "99999999").replace("00:30", "half an hour")
    with pytest.raises(ValidationError) as raised:
        services.import_schedule(actor=staff, event=event, data=_schedule_xml(_GOOD + bad))
    assert "the duration half an hour is not in the form hh:mm" in raised.value.messages[0]
    assert (Session.objects.count(), Room.objects.count()) == (0, 0)


def test_a_duplicate_guid_is_refused(staff):
    with pytest.raises(ValidationError, match="used by more than one session"):
        services.import_schedule(
            actor=staff, event=EventFactory(), data=_schedule_xml(_GOOD + _GOOD)
        )


def test_xml_entities_and_dtds_are_refused_without_reading_files(staff, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET")
    xxe = (
        f'<?xml version="1.0"?><!DOCTYPE schedule [<!ENTITY x SYSTEM "file://{secret}">]>'
        + _schedule_xml(_GOOD.replace("<title>Good</title>", "<title>&x;</title>"))
        .decode()
        .split("?>", 1)[1]
    ).encode()
    with pytest.raises(ValidationError, match="declares a DTD"):
        services.import_schedule(actor=staff, event=EventFactory(), data=xxe)
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 '
        b'"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><schedule>&lol2;</schedule>'
    )
    with pytest.raises(ValidationError):
        services.import_schedule(actor=staff, event=EventFactory(), data=laughs)
    assert Session.objects.count() == 0


def test_a_naive_time_is_read_in_the_schedule_time_zone(staff):
    data = _schedule_xml(_GOOD.replace("2026-06-10T10:00:00+02:00", "2026-06-10T10:00:00"))
    data = data.replace(b"<acronym>", b"<time_zone_name>Europe/London</time_zone_name><acronym>")
    services.import_schedule(actor=staff, event=EventFactory(), data=data)
    assert Session.objects.get().starts_at == datetime.datetime(2026, 6, 10, 9, tzinfo=datetime.UTC)


def test_management_commands_import_and_export(c3_bytes, schedules_dir, tmp_path, xml_schema):
    event = EventFactory(slug="ccc")
    out = io.StringIO()
    call_command(
        "import_schedule",
        "ccc",
        str(schedules_dir / "38c3-schedule.xml"),
        "--format",
        "frab-xml",
        stdout=out,
    )
    assert "1007" in out.getvalue()
    assert Session.objects.filter(event=event).count() == 1007
    exported = io.StringIO()
    call_command("export_schedule", "ccc", "--format", "xml", stdout=exported)
    assert xml_schema.validate(etree.fromstring(exported.getvalue().encode()))
    as_json = io.StringIO()
    call_command("export_schedule", "ccc", "--format", "json", stdout=as_json)
    assert len(_json_rows(json.loads(as_json.getvalue()))) == 1007

    broken = tmp_path / "broken.xml"
    broken.write_bytes(b"<schedule>")
    with pytest.raises(CommandError, match="not valid XML"):
        call_command("import_schedule", "ccc", str(broken))
    with pytest.raises(CommandError, match="No event"):
        call_command("export_schedule", "nope", "--format", "xml")


def test_recording_consent_is_recorded_with_who_and_when(staff):
    session = SessionFactory()
    services.record_recording_consent(actor=staff, session=session, allowed=False)
    session.refresh_from_db()
    assert (session.recording_allowed, session.recording_consent_by) == (False, staff)
    assert session.recording_consent_at is not None
    entry = AuditEntry.objects.get(action="schedule.session.recording_consent")
    assert entry.data == {"allowed": False, "license": ""}


def test_save_session_refuses_a_room_of_another_event(staff):
    event = EventFactory()
    foreign_room = RoomFactory()
    with pytest.raises(ValidationError) as raised:
        services.save_session(
            actor=staff,
            event=event,
            title="X",
            starts_at=event.starts_at,
            duration=datetime.timedelta(0),
            room=foreign_room,
        )
    assert set(raised.value.message_dict) == {"duration", "room"}
    assert Session.objects.count() == 0


def test_speaker_guid_is_stable_for_pretalx_speakers_without_guid(schedules_dir, staff):
    data = (schedules_dir / "pretalx-democon.json").read_bytes()
    event = EventFactory(slug="democon")
    services.import_schedule(actor=staff, event=event, data=data)
    speaker = Speaker.objects.get(code="NQTF8Y")
    assert speaker.guid == uuid.uuid5(uuid.NAMESPACE_URL, "klynge:democon:code:NQTF8Y")


def test_demo_programme_is_idempotent(xml_schema):
    from klynge.schedule import demo

    assert demo.load() == 0  # no festival yet
    EventFactory(slug=demo.EVENT_SLUG)
    assert demo.load() == 9
    assert demo.load() == 0
    assert Session.objects.count() == 9
    event = Session.objects.first().event
    assert xml_schema.validate(etree.fromstring(frab.export_xml(_context(event))))
