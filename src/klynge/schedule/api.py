"""Event programmes (sessions, rooms, speakers) and their frab/pretalx exports under /api/v1/.

- `GET /events/{id}/sessions`: the programme as JSON (optionally one `day`, YYYY-MM-DD).
- `GET /events/{id}/schedule.xml`, `/schedule.json`, or `/schedule?format=xml|json`: the frab/c3voc
  schedule, valid against the official schemas.
- `POST /events/{id}/schedule/import` (staff): multipart `file`, optional `format`
  (frab-xml, frab-json, pretalx) and `dry_run`; answers the counts created/updated, or 400.
"""

import datetime
import json
import uuid
from typing import Literal

from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Schema
from ninja.files import UploadedFile

from klynge.core.permissions import ensure_api_permission
from klynge.schedule import frab, selectors, services
from klynge.schedule.frab import MAX_IMPORT_BYTES, file_error

MAX_ID = 2**63 - 1

router = Router(tags=["programme"])


class SpeakerOut(Schema):
    id: int
    guid: uuid.UUID
    name: str
    bio: str


class SessionOut(Schema):
    id: int
    guid: uuid.UUID
    title: str
    subtitle: str
    kind: str
    language: str
    abstract: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    duration_minutes: int
    room: str | None
    track: str | None
    recording_allowed: bool
    speakers: list[SpeakerOut]
    url: str

    @staticmethod
    def resolve_room(session) -> str | None:
        return session.room.name if session.room else None

    @staticmethod
    def resolve_track(session) -> str | None:
        return session.track.name if session.track else None

    @staticmethod
    def resolve_speakers(session) -> list:
        return session.speaker_list

    @staticmethod
    def resolve_url(session, context) -> str:
        return context["request"].build_absolute_uri(session.get_absolute_url())


class ProgrammeFilter(Schema):
    day: datetime.date | None = None


class CountsOut(Schema):
    created: int
    updated: int
    unchanged: int


class ImportOut(Schema):
    format: str
    dry_run: bool
    sessions: CountsOut
    rooms: CountsOut
    tracks: CountsOut
    speakers: CountsOut


def _event(request, event_id: int):
    if not 0 < event_id <= MAX_ID:
        raise Http404
    return selectors.get_programme_event_by_id(request.auth, event_id)


@router.get("/events/{event_id}/sessions", response=list[SessionOut])
def list_sessions(request, event_id: int, filters: Query[ProgrammeFilter]):
    event = _event(request, event_id)
    ensure_api_permission(request, "schedule.view_programme", event)
    return selectors.programme_sessions(event, day=filters.day)


def _export(request, event, fmt: str) -> HttpResponse:
    context = selectors.export_context(
        event,
        base_url=request.build_absolute_uri(reverse("schedule:programme", args=[event.slug])),
        session_url=lambda session: request.build_absolute_uri(session.get_absolute_url()),
    )
    if fmt == "xml":
        return HttpResponse(frab.export_xml(context), content_type="application/xml")
    body = json.dumps(frab.export_json(context), ensure_ascii=False)
    return HttpResponse(body, content_type="application/json")


@router.get("/events/{event_id}/schedule.xml")
def schedule_xml(request, event_id: int):
    event = _event(request, event_id)
    ensure_api_permission(request, "schedule.view_programme", event)
    return _export(request, event, "xml")


@router.get("/events/{event_id}/schedule.json")
def schedule_json(request, event_id: int):
    event = _event(request, event_id)
    ensure_api_permission(request, "schedule.view_programme", event)
    return _export(request, event, "json")


@router.get("/events/{event_id}/schedule")
def schedule(request, event_id: int, format: Literal["xml", "json"] = "json"):
    event = _event(request, event_id)
    ensure_api_permission(request, "schedule.view_programme", event)
    return _export(request, event, format)


@router.post("/events/{event_id}/schedule/import", response=ImportOut)
def import_schedule(
    request,
    event_id: int,
    file: File[UploadedFile],
    format: Form[Literal["frab-xml", "frab-json", "pretalx"] | None] = None,
    dry_run: Form[bool] = False,
):
    event = _event(request, event_id)
    ensure_api_permission(request, "schedule.import_programme", event)
    if file.size is not None and file.size > MAX_IMPORT_BYTES:
        raise file_error(
            _("The file is too large: at most %(mb)s MB.") % {"mb": MAX_IMPORT_BYTES // 2**20}
        )
    result = services.import_schedule(
        actor=request.auth,
        event=event,
        data=file.read(),
        format=format,
        dry_run=dry_run,
        filename=file.name or "",
    )
    return result.as_dict()
