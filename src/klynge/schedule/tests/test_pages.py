"""Programme pages: who sees what, filters kept in the URL, staff editing and the import flow."""

import datetime
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from klynge.core.models import AuditEntry
from klynge.schedule.models import Room, ScheduleImport, Session, Speaker, Track
from klynge.schedule.tests.factories import (
    COPENHAGEN,
    EventFactory,
    RoomFactory,
    SessionFactory,
    SpeakerFactory,
    TrackFactory,
)

pytestmark = pytest.mark.django_db


def _url(name, event, *args):
    return reverse(f"schedule:{name}", args=[event.slug, *args])


@pytest.fixture
def festival():
    event = EventFactory(slug="festival", title="MediaTech Festival")
    ai = TrackFactory(event=event, name="AI")
    sound = TrackFactory(event=event, name="Sound")
    sal_a = RoomFactory(event=event, name="Sal A", position=0)
    sal_b = RoomFactory(event=event, name="Sal B", position=1)
    ida = SpeakerFactory(event=event, name="Ida Holm", bio="Editor at Fyens.")
    SessionFactory(
        event=event,
        title="Robots in the newsroom",
        room=sal_a,
        track=ai,
        starts_at=datetime.datetime(2026, 6, 10, 10, 0, tzinfo=COPENHAGEN),
        speakers=[ida],
    )
    SessionFactory(
        event=event,
        title="Podcast sound",
        room=sal_b,
        track=sound,
        starts_at=datetime.datetime(2026, 6, 11, 14, 15, tzinfo=COPENHAGEN),
    )
    return event


def test_the_public_programme_shows_sessions_in_copenhagen_time(client, festival):
    response = client.get(_url("programme", festival))
    assert response.status_code == 200
    html = re.sub(r"<[^>]+>", "", response.content.decode())
    assert "Robots in the newsroom" in html and "Podcast sound" in html
    # 10:00 Copenhagen is 08:00 UTC; the page shows local time.
    assert "10:00–10:45" in html
    assert "14:15–15:00" in html
    assert "Ida Holm" in html
    assert "Add to my agenda" not in html  # not signed in


def test_filters_by_day_track_and_room_with_htmx(client, festival):
    url = _url("programme", festival)
    track = Track.objects.get(name="Sound")
    response = client.get(url, {"track": track.pk}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html  # only the results
    assert "Podcast sound" in html and "Robots in the newsroom" not in html

    html = client.get(url, {"day": "2026-06-10"}).content.decode()
    assert "Robots in the newsroom" in html and "Podcast sound" not in html
    assert 'option value="2026-06-10" selected' in html

    room = Room.objects.get(name="Sal A")
    html = client.get(url, {"room": room.pk, "day": "2026-06-11"}).content.decode()
    assert "No sessions match." in html

    # Nonsense filters are ignored, not a 500.
    assert client.get(url, {"day": "yesterday", "room": "x"}).status_code == 200


def test_programme_page_has_a_constant_query_count(client, employee, django_assert_num_queries):
    event = EventFactory(slug="counted")
    speaker = SpeakerFactory(event=event)
    SessionFactory(event=event, speakers=[speaker])
    client.force_login(employee)
    url = _url("programme", event)
    client.get(url)  # warm up the session/roles caches
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    for index in range(2):
        SessionFactory(
            event=event,
            speakers=[speaker, SpeakerFactory(event=event)],
            track=TrackFactory(event=event),
            title=f"More {index}",
        )
    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(url)
    assert response.content.decode().count("Add to my agenda") == 3


def test_session_and_speaker_pages(client, festival):
    session = Session.objects.get(title="Robots in the newsroom")
    html = client.get(session.get_absolute_url()).content.decode()
    assert "Editor at Fyens." in html
    assert "Sal A" in html and "AI" in html
    speaker = Speaker.objects.get(name="Ida Holm")
    html = client.get(speaker.get_absolute_url()).content.decode()
    assert "Robots in the newsroom" in html
    assert (
        client.get(_url("session", festival, "6f1c1f57-0000-0000-0000-000000000000")).status_code
        == 404
    )


@pytest.mark.parametrize(
    ("role", "visibility", "status", "expected"),
    [
        (None, "public", "published", 200),
        (None, "members", "published", 404),
        ("employee", "members", "published", 200),
        ("student", "members", "published", 404),
        (None, "public", "draft", 404),
        ("employee", "public", "draft", 404),
        ("staff", "public", "draft", 200),
    ],
)
def test_the_programme_follows_the_event_visibility(
    client, request, role, visibility, status, expected
):
    event = EventFactory(visibility=visibility, status=status)
    SessionFactory(event=event)
    if role:
        client.force_login(request.getfixturevalue(role))
    assert client.get(_url("programme", event)).status_code == expected


@pytest.mark.parametrize("role", [None, "employee", "member_admin", "student", "founder", "staff"])
def test_only_staff_reach_the_editing_pages(client, request, festival, role):
    if role:
        client.force_login(request.getfixturevalue(role))
    session = Session.objects.first()
    for url in (
        _url("manage", festival),
        _url("room_add", festival),
        _url("track_add", festival),
        _url("speaker_add", festival),
        _url("session_add", festival),
        _url("session_edit", festival, session.guid),
        _url("import", festival),
    ):
        response = client.get(url)
        if role == "staff":
            assert response.status_code == 200, url
        elif role is None:
            assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        else:
            assert response.status_code == 403, url
    response = client.post(_url("session_delete", festival, session.guid))
    assert Session.objects.filter(pk=session.pk).exists() == (role != "staff")


def test_staff_add_a_room_a_track_a_speaker_and_a_session(client, staff, festival):
    client.force_login(staff)
    assert (
        client.post(_url("room_add", festival), {"name": "Studio 3", "capacity": "40"}).status_code
        == 302
    )
    assert (
        client.post(_url("track_add", festival), {"name": "Games", "colour": "#00A356"}).status_code
        == 302
    )
    assert (
        client.post(
            _url("speaker_add", festival), {"name": "Sofie Lyd", "bio": "Sound."}
        ).status_code
        == 302
    )
    room = Room.objects.get(name="Studio 3")
    track = Track.objects.get(name="Games")
    speaker = Speaker.objects.get(name="Sofie Lyd")
    assert (room.capacity, track.colour, track.slug) == (40, "#00a356", "games")
    response = client.post(
        _url("session_add", festival),
        {
            "title": "Game audio",
            "kind": "workshop",
            "starts_at": "2026-06-11T09:30",
            "duration_minutes": "90",
            "room": room.pk,
            "track": track.pk,
            "speakers": [speaker.pk],
            "language": "da",
        },
    )
    session = Session.objects.get(title="Game audio")
    assert response.status_code == 302 and response["Location"] == session.get_absolute_url()
    assert session.starts_at == datetime.datetime(2026, 6, 11, 7, 30, tzinfo=datetime.UTC)
    assert (session.duration, session.kind, list(session.speakers.all())) == (
        datetime.timedelta(minutes=90),
        "workshop",
        [speaker],
    )
    assert AuditEntry.objects.filter(action="schedule.session.create", actor=staff).count() == 1

    response = client.post(
        _url("session_edit", festival, session.guid),
        {"title": "", "kind": "talk", "starts_at": "2026-06-11T09:30", "duration_minutes": "0"},
    )
    assert response.status_code == 400
    session.refresh_from_db()
    assert session.title == "Game audio"

    response = client.post(_url("room_add", festival), {"name": "Studio 3"})
    assert response.status_code == 400
    assert Room.objects.filter(event=festival, name="Studio 3").count() == 1

    response = client.post(
        _url("session_consent", festival, session.guid), {"allowed": "no", "license": ""}
    )
    session.refresh_from_db()
    assert (session.recording_allowed, session.recording_consent_by) == (False, staff)
    assert (
        "Consent recorded by staff@cluster.example"
        in client.get(session.get_absolute_url()).content.decode()
    )


def test_staff_upload_see_a_dry_run_summary_then_import(client, staff, schedules_dir):
    event = EventFactory(slug="democon")
    client.force_login(staff)
    upload = SimpleUploadedFile(
        "democon.json",
        (schedules_dir / "pretalx-democon.json").read_bytes(),
        content_type="application/json",
    )
    response = client.post(_url("import", event), {"file": upload, "format": ""})
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r"Sessions</th><td>36</td><td>0</td>", html)
    assert re.search(r"Speakers</th><td>27</td><td>0</td>", html)
    assert Session.objects.filter(event=event).count() == 0
    staged = ScheduleImport.objects.get()
    response = client.post(_url("import_confirm", event, staged.pk))
    assert response.status_code == 302
    assert Session.objects.filter(event=event).count() == 36
    # A staged file imports once.
    assert client.post(_url("import_confirm", event, staged.pk)).status_code == 404


def test_a_bad_upload_shows_the_message_with_status_400(client, staff):
    event = EventFactory()
    client.force_login(staff)
    upload = SimpleUploadedFile("x.xml", b"<schedule><oops>", content_type="text/xml")
    response = client.post(_url("import", event), {"file": upload})
    assert response.status_code == 400
    assert "The file is not valid XML" in response.content.decode()
    assert ScheduleImport.objects.count() == 0


def test_exports_download_for_visitors(client, festival, xml_schema, json_validator):
    from lxml import etree

    response = client.get(_url("export_xml", festival))
    assert response["Content-Type"] == "application/xml"
    assert xml_schema.validate(etree.fromstring(response.content))
    response = client.get(_url("export_json", festival))
    document = response.json()
    assert list(json_validator.iter_errors(document)) == []
    urls = [
        event["url"]
        for day in document["schedule"]["conference"]["days"]
        for events in day["rooms"].values()
        for event in events
    ]
    assert all(
        url.startswith("http://testserver/events/festival/programme/sessions/") for url in urls
    )
