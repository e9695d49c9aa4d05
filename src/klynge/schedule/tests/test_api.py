"""The programme API: sessions as JSON, frab exports, and imports for staff."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from lxml import etree

from klynge.schedule.models import Session
from klynge.schedule.tests.factories import EventFactory, SessionFactory, SpeakerFactory

pytestmark = pytest.mark.django_db


def test_sessions_list(api_client, employee, django_assert_num_queries):
    event = EventFactory()
    speaker = SpeakerFactory(event=event, name="Ida Holm", bio="Editor.")
    session = SessionFactory(event=event, title="Robots", speakers=[speaker])
    client = api_client(employee)
    response = client.get(f"/api/v1/events/{event.pk}/sessions")
    assert response.status_code == 200
    [item] = response.json()
    assert (item["guid"], item["title"], item["duration_minutes"], item["room"]) == (
        str(session.guid),
        "Robots",
        45,
        session.room.name,
    )
    assert item["speakers"] == [
        {"id": speaker.pk, "guid": str(speaker.guid), "name": "Ida Holm", "bio": "Editor."}
    ]
    assert item["starts_at"] == "2026-06-10T08:00:00Z"
    assert (
        item["url"] == f"http://testserver/events/{event.slug}/programme/sessions/{session.guid}/"
    )
    assert client.get(f"/api/v1/events/{event.pk}/sessions", {"day": "2026-06-11"}).json() == []


def test_exports_in_both_formats_validate(api_client, employee, xml_schema, json_validator):
    event = EventFactory()
    SessionFactory(event=event, speakers=[SpeakerFactory(event=event)])
    client = api_client(employee)
    response = client.get(f"/api/v1/events/{event.pk}/schedule.xml")
    assert (response.status_code, response["Content-Type"]) == (200, "application/xml")
    assert xml_schema.validate(etree.fromstring(response.content))
    response = client.get(f"/api/v1/events/{event.pk}/schedule.json")
    assert list(json_validator.iter_errors(response.json())) == []
    response = client.get(f"/api/v1/events/{event.pk}/schedule", {"format": "xml"})
    assert response["Content-Type"] == "application/xml"
    assert client.get(f"/api/v1/events/{event.pk}/schedule", {"format": "pdf"}).status_code == 422


def test_invisible_or_missing_events_answer_404(api_client, student):
    client = api_client(student)
    members_only = EventFactory(visibility="members")
    assert client.get(f"/api/v1/events/{members_only.pk}/sessions").status_code == 404
    assert client.get("/api/v1/events/999999/schedule.xml").status_code == 404
    assert client.get(f"/api/v1/events/{2**70}/schedule.json").status_code in (404, 422)


def test_import_is_for_staff(api_client, staff, employee, schedules_dir):
    event = EventFactory(slug="democon")
    data = (schedules_dir / "pretalx-democon.json").read_bytes()

    def post(client, **extra):
        return client.post(
            f"/api/v1/events/{event.pk}/schedule/import",
            {"file": SimpleUploadedFile("democon.json", data), **extra},
        )

    assert post(api_client(employee)).status_code == 403
    response = post(api_client(staff), dry_run="true", format="pretalx")
    assert response.status_code == 200
    assert response.json()["sessions"] == {"created": 36, "updated": 0, "unchanged": 0}
    assert Session.objects.count() == 0
    response = post(api_client(staff))
    assert response.json()["sessions"] == {"created": 36, "updated": 0, "unchanged": 0}
    assert Session.objects.filter(event=event).count() == 36

    response = api_client(staff).post(
        f"/api/v1/events/{event.pk}/schedule/import",
        {"file": SimpleUploadedFile("bad.xml", b"<nope")},
    )
    assert response.status_code == 400
    assert response.json()["errors"]["file"][0].startswith("The file is not valid XML")
    assert Session.objects.filter(event=event).count() == 36


def test_without_a_token_the_api_answers_401(client):
    event = EventFactory()
    assert client.get(f"/api/v1/events/{event.pk}/sessions").status_code == 401
    assert client.get(f"/api/v1/events/{event.pk}/schedule.xml").status_code == 401
