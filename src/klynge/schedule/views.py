"""Programme pages: the programme, sessions, speakers, the personal agenda and staff editing."""

from __future__ import annotations

import datetime
import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from klynge.core.forms_util import apply_service_errors
from klynge.core.permissions import permission_required, public
from klynge.schedule import frab, ical, selectors, services
from klynge.schedule.forms import (
    ALL_DAYS,
    ImportForm,
    PersonSearchForm,
    ProgrammeFilterForm,
    RecordingConsentForm,
    RoomForm,
    SessionForm,
    SpeakerForm,
    SpeakerPersonForm,
    TrackForm,
)
from klynge.schedule.grid import build_grid


def _event(request, slug, **kwargs):
    return selectors.get_programme_event(request.user, slug)


def _session(request, slug, guid, **kwargs):
    return selectors.get_session_for_user(request.user, slug, guid)


def _speaker(request, slug, pk, **kwargs):
    return selectors.get_speaker_for_user(request.user, slug, pk)


def _absolute_session_url(request):
    return lambda session: request.build_absolute_uri(session.get_absolute_url())


def group_by_day(sessions, zone) -> list[tuple[datetime.date, list]]:
    days: dict[datetime.date, list] = {}
    for session in sessions:
        days.setdefault(frab.conference_day(session.starts_at, zone), []).append(session)
    return list(days.items())


def group_rows_by_day(rows) -> list[tuple[datetime.date, list]]:
    days: dict[datetime.date, list] = {}
    for row in rows:
        days.setdefault(row.day, []).append(row)
    return list(days.items())


def link_rows(rows, base: str):
    """Sets each row's addresses from the programme's own (`base`): one `reverse` per page
    instead of three per session. The paths follow urls.py (a test checks they match)."""
    for row in rows:
        row.url = f"{base}sessions/{row.guid}/"
        row.star_url = f"{row.url}star/"
        row.speaker_links = [(f"{base}speakers/{pk}/", name) for pk, name in row.speakers]
    return rows


def _csrf_input(request) -> str:
    """The hidden CSRF field, rendered once for the many star forms of a page."""
    return format_html(
        '<input type="hidden" name="csrfmiddlewaretoken" value="{}">', get_token(request)
    )


# Above this many sessions the programme opens on one day (today during the event); every day
# stays one choice away.
LARGE_PROGRAMME = 100


def _day_links(request, base: str, day_counts: dict, chosen, *, all_value: str) -> list[dict]:
    """The day tabs: each keeps the other filters of the current address."""

    def link(value: str) -> str:
        query = request.GET.copy()
        query["day"] = value
        query.pop("view", None)
        return f"{base}?{query.urlencode()}"

    links = [
        {
            "label": _("All days"),
            "url": link(all_value),
            "current": chosen is None,
            "count": sum(day_counts.values()),
        }
    ]
    for day, count in day_counts.items():
        links.append(
            {
                "label": date_format(day, "D j. M"),
                "url": link(day.isoformat()),
                "current": day == chosen,
                "count": count,
            }
        )
    return links


# --------------------------------------------------------------------------------------------
# Public pages


@permission_required("schedule.view_programme", obj=_event)
def programme(request, slug, obj):
    event = obj
    zone = selectors.event_time_zone(event)
    rooms, tracks = selectors.rooms_of(event), selectors.tracks_of(event)
    day_counts = selectors.programme_day_counts(event)
    days = list(day_counts)
    large = sum(day_counts.values()) > LARGE_PROGRAMME
    default_day = selectors.default_programme_day(days, zone) if large else None
    form = ProgrammeFilterForm(
        request.GET or None, days=days, rooms=rooms, tracks=tracks, default_day=default_day
    )
    filters = form.filters()
    starred = selectors.starred_session_ids(request.user, event)
    rows = selectors.programme_rows(event, rooms=rooms, tracks=tracks, starred=starred, **filters)
    base = reverse("schedule:programme", args=[event.slug])
    link_rows(rows, base)
    context = {
        "event": event,
        "zone": zone,
        "form": form,
        "filters": filters,
        "base": base,
        "days": group_rows_by_day(rows),
        "day_links": _day_links(
            request, base, day_counts, filters["day"], all_value=ALL_DAYS if large else ""
        ),
        "grid_day": filters["day"] or (days[0] if days else None),
        "session_count": len(rows),
        "next": request.get_full_path(),
        "csrf_input": _csrf_input(request) if request.user.is_authenticated else "",
        "can_edit": request.user.has_perm("schedule.change_programme", event),
    }
    template = "schedule/_programme_results.html" if request.htmx else "schedule/programme.html"
    return render(request, template, context)


@permission_required("schedule.view_programme", obj=_event)
def programme_grid(request, slug, obj):
    """One day as a table: rooms as columns, time as rows, each session spanning its length."""
    event = obj
    zone = selectors.event_time_zone(event)
    rooms, tracks = selectors.rooms_of(event), selectors.tracks_of(event)
    day_counts = selectors.programme_day_counts(event)
    days = list(day_counts)
    chosen = None
    try:
        chosen = datetime.date.fromisoformat(request.GET.get("day") or "")
    except ValueError:
        pass
    if chosen not in day_counts:
        chosen = selectors.default_programme_day(days, zone)
    starred = selectors.starred_session_ids(request.user, event)
    rows = (
        selectors.programme_rows(event, rooms=rooms, tracks=tracks, starred=starred, day=chosen)
        if chosen
        else []
    )
    base = reverse("schedule:programme", args=[event.slug])
    link_rows(rows, base)
    grid_base = reverse("schedule:grid", args=[event.slug])
    day_links = _day_links(request, grid_base, day_counts, chosen, all_value="")[1:]
    return render(
        request,
        "schedule/grid.html",
        {
            "event": event,
            "zone": zone,
            "day": chosen,
            "day_links": day_links,
            "grid": build_grid(rows, rooms=rooms, tracks=tracks, zone=zone, no_room=_("No room")),
            "base": base,
            "list_url": f"{base}?day={chosen.isoformat()}" if chosen else base,
            "can_edit": request.user.has_perm("schedule.change_programme", event),
        },
    )


@permission_required("schedule.view_programme", obj=_session)
def session_detail(request, slug, guid, obj):
    event = obj.event
    return render(
        request,
        "schedule/session.html",
        {
            "event": event,
            "session": obj,
            "zone": selectors.event_time_zone(event),
            "starred": selectors.starred_session_ids(request.user, event),
            "can_edit": request.user.has_perm("schedule.change_programme", event),
            "consent_form": RecordingConsentForm(
                initial={
                    "allowed": "yes" if obj.recording_allowed else "no",
                    "license": obj.recording_license,
                }
            ),
        },
    )


@permission_required("schedule.view_programme", obj=_speaker)
def speaker_detail(request, slug, pk, obj):
    event = obj.event
    return render(
        request,
        "schedule/speaker.html",
        {
            "event": event,
            "speaker": obj,
            "sessions": selectors.speaker_sessions(obj),
            "organisations": selectors.speaker_organisations(request.user, obj),
            "can_edit": request.user.has_perm("schedule.change_programme", event),
            "zone": selectors.event_time_zone(event),
            "starred": selectors.starred_session_ids(request.user, event),
        },
    )


@permission_required("schedule.view_programme", obj=_event)
def export(request, slug, fmt, obj):
    context = selectors.export_context(
        obj,
        base_url=request.build_absolute_uri(reverse("schedule:programme", args=[obj.slug])),
        session_url=_absolute_session_url(request),
    )
    if fmt == "xml":
        response = HttpResponse(frab.export_xml(context), content_type="application/xml")
    else:
        body = json.dumps(frab.export_json(context), ensure_ascii=False, indent=1)
        response = HttpResponse(body, content_type="application/json")
    response["Content-Disposition"] = f'inline; filename="{obj.slug}-schedule.{fmt}"'
    return response


# --------------------------------------------------------------------------------------------
# Personal agenda


@require_POST
@permission_required("schedule.use_agenda", obj=_session)
def star(request, slug, guid, obj):
    if request.POST.get("starred") == "1":
        services.star_session(actor=request.user, session=obj)
    else:
        services.unstar_session(actor=request.user, session=obj)
    if request.htmx:
        return render(
            request,
            "schedule/_star.html",
            {
                "session": obj,
                "event": obj.event,
                "starred": selectors.starred_session_ids(request.user, obj.event),
                "next": request.POST["next"] if _safe_next(request) else obj.get_absolute_url(),
            },
        )
    return redirect(request.POST["next"] if _safe_next(request) else obj.get_absolute_url())


def _safe_next(request) -> bool:
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.POST.get("next") or ""
    return bool(target) and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )


@permission_required("schedule.use_agenda", obj=_event)
def agenda(request, slug, obj):
    event = obj
    zone = selectors.event_time_zone(event)
    starred = selectors.starred_session_ids(request.user, event)
    rows = selectors.programme_rows(
        event,
        rooms=selectors.rooms_of(event),
        tracks=selectors.tracks_of(event),
        starred=starred,
        starred_only=True,
    )
    base = reverse("schedule:programme", args=[event.slug])
    link_rows(rows, base)
    feed = selectors.agenda_feed_for(request.user, event)
    feed_url = (
        request.build_absolute_uri(reverse("schedule:agenda_feed", args=[event.slug, feed.token]))
        if feed
        else ""
    )
    return render(
        request,
        "schedule/agenda.html",
        {
            "event": event,
            "zone": zone,
            "base": base,
            "days": group_rows_by_day(rows),
            "next": request.get_full_path(),
            "csrf_input": _csrf_input(request),
            "feed_url": feed_url,
        },
    )


@require_POST
@permission_required("schedule.use_agenda", obj=_event)
def agenda_feed_create(request, slug, obj):
    services.ensure_agenda_feed(
        actor=request.user, event=obj, reset=request.POST.get("reset") == "1"
    )
    messages.success(request, _("Your private calendar link is ready."))
    return redirect("schedule:agenda", slug=obj.slug)


@public
def agenda_feed(request, slug, token):
    feed = selectors.find_agenda_feed(slug, token)
    if feed is None:
        raise Http404
    sessions = selectors.agenda_sessions(feed.user, feed.event)
    body = ical.agenda_calendar(
        event=feed.event,
        sessions=sessions,
        name=_("My agenda: %(event)s") % {"event": feed.event.title},
        session_url=_absolute_session_url(request),
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex"
    return response


# --------------------------------------------------------------------------------------------
# Staff


@permission_required("schedule.change_programme", obj=_event)
def manage(request, slug, obj):
    event = obj
    return render(
        request,
        "schedule/manage.html",
        {
            "event": event,
            "rooms": selectors.rooms_of(event),
            "tracks": selectors.tracks_of(event),
            "speakers": selectors.speakers_of(event),
            "session_count": event.sessions.count(),
            "import_form": ImportForm(),
        },
    )


def _form_page(request, event, form, *, title, status=200):
    return render(
        request,
        "schedule/manage_form.html",
        {"event": event, "form": form, "title": title},
        status=status,
    )


def _edit(request, event, form, *, title, save, done):
    if request.method == "POST" and form.is_valid():
        try:
            saved = save(form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect(done(saved))
    status = 400 if request.method == "POST" else 200
    return _form_page(request, event, form, title=title, status=status)


def _manage_url(event):
    return reverse("schedule:manage", args=[event.slug])


@permission_required("schedule.change_programme", obj=_event)
def room_edit(request, slug, obj, pk=None):
    event = obj
    room = selectors.get_room_for_user(request.user, slug, pk) if pk else None
    initial = {"name": room.name, "capacity": room.capacity} if room else None
    form = RoomForm(request.POST or None, initial=initial)
    return _edit(
        request,
        event,
        form,
        title=_("Edit room") if room else _("Add a room"),
        save=lambda data: services.save_room(
            actor=request.user, event=event, room=room, name=data["name"], capacity=data["capacity"]
        ),
        done=lambda saved: _manage_url(event),
    )


@permission_required("schedule.change_programme", obj=_event)
def track_edit(request, slug, obj, pk=None):
    event = obj
    track = selectors.get_track_for_user(request.user, slug, pk) if pk else None
    initial = {"name": track.name, "colour": track.colour} if track else None
    form = TrackForm(request.POST or None, initial=initial)
    return _edit(
        request,
        event,
        form,
        title=_("Edit track") if track else _("Add a track"),
        save=lambda data: services.save_track(
            actor=request.user, event=event, track=track, name=data["name"], colour=data["colour"]
        ),
        done=lambda saved: _manage_url(event),
    )


@permission_required("schedule.change_programme", obj=_event)
def speaker_edit(request, slug, obj, pk=None):
    event = obj
    speaker = selectors.get_speaker_for_user(request.user, slug, pk) if pk else None
    initial = {"name": speaker.name, "bio": speaker.bio} if speaker else None
    form = SpeakerForm(request.POST or None, initial=initial)
    return _edit(
        request,
        event,
        form,
        title=_("Edit speaker") if speaker else _("Add a speaker"),
        save=lambda data: services.save_speaker(
            actor=request.user,
            event=event,
            speaker=speaker,
            name=data["name"],
            bio=data["bio"],
            person=speaker.person if speaker else None,
        ),
        done=lambda saved: saved.get_absolute_url(),
    )


@permission_required("schedule.change_programme", obj=_event)
def speaker_person(request, slug, pk, obj):
    """Staff link a speaker to a person in the directory (or undo the link)."""
    event = obj
    speaker = selectors.get_speaker_for_user(request.user, slug, pk)
    status = 200
    link_form = SpeakerPersonForm(request.POST or None)
    if request.method == "POST":
        if link_form.is_valid():
            person = link_form.cleaned_data["person"]
            try:
                services.save_speaker(
                    actor=request.user,
                    event=event,
                    speaker=speaker,
                    name=speaker.name,
                    bio=speaker.bio,
                    person=person,
                )
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                if person is None:
                    messages.success(request, _("The speaker is no longer linked to a person."))
                else:
                    messages.success(
                        request,
                        _("%(speaker)s is linked to %(person)s in the directory.")
                        % {"speaker": speaker.name, "person": person.full_name},
                    )
                return redirect(speaker.get_absolute_url())
        status = 400
    search = PersonSearchForm(request.GET if "q" in request.GET else {"q": speaker.name})
    query = search.cleaned_data["q"] if search.is_valid() else ""
    return render(
        request,
        "schedule/speaker_person.html",
        {
            "event": event,
            "speaker": speaker,
            "search": search,
            "query": query,
            "people": selectors.find_people(query),
            "link_form": link_form,
        },
        status=status,
    )


@permission_required("schedule.change_programme", obj=_event)
def session_edit(request, slug, obj, guid=None):
    event = obj
    zone = selectors.event_time_zone(event)
    session = selectors.get_session_for_user(request.user, slug, guid) if guid else None
    initial = None
    if session is not None:
        initial = {
            "title": session.title,
            "subtitle": session.subtitle,
            "kind": session.kind,
            "starts_at": session.starts_at.astimezone(zone).replace(tzinfo=None),
            "duration_minutes": session.duration_minutes,
            "room": session.room_id,
            "track": session.track_id,
            "speakers": [speaker.pk for speaker in session.speaker_list],
            "language": session.language,
            "abstract": session.abstract,
            "description": session.description,
        }
    form = SessionForm(request.POST or None, initial=initial, event=event, zone=zone)

    def save(data):
        return services.save_session(
            actor=request.user,
            event=event,
            session=session,
            title=data["title"],
            subtitle=data["subtitle"],
            kind=data["kind"],
            starts_at=data["starts_at"],
            duration=datetime.timedelta(minutes=data["duration_minutes"]),
            room=data["room"],
            track=data["track"],
            speakers=list(data["speakers"]),
            language=data["language"],
            abstract=data["abstract"],
            description=data["description"],
        )

    return _edit(
        request,
        event,
        form,
        title=_("Edit session") if session else _("Add a session"),
        save=save,
        done=lambda saved: saved.get_absolute_url(),
    )


@require_POST
@permission_required("schedule.change_programme", obj=_session)
def session_delete(request, slug, guid, obj):
    services.delete_session(actor=request.user, session=obj)
    messages.success(request, _("The session “%(title)s” is deleted.") % {"title": obj.title})
    return redirect("schedule:programme", slug=slug)


@require_POST
@permission_required("schedule.change_programme", obj=_session)
def session_consent(request, slug, guid, obj):
    form = RecordingConsentForm(request.POST)
    if form.is_valid():
        services.record_recording_consent(
            actor=request.user,
            session=obj,
            allowed=form.cleaned_data["allowed"],
            license=form.cleaned_data["license"],
        )
        messages.success(request, _("The recording consent is recorded."))
    else:
        messages.error(request, _("Choose whether the session may be recorded."))
    return redirect(obj.get_absolute_url())


@permission_required("schedule.import_programme", obj=_event)
def import_upload(request, slug, obj):
    event = obj
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            staged = services.stage_import(
                actor=request.user,
                event=event,
                data=upload.read(),
                format=form.cleaned_data["format"],
                filename=upload.name or "",
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            return render(
                request, "schedule/import_summary.html", {"event": event, "staged": staged}
            )
    status = 400 if request.method == "POST" else 200
    return render(request, "schedule/import.html", {"event": event, "form": form}, status=status)


@require_POST
@permission_required("schedule.import_programme", obj=_event)
def import_confirm(request, slug, pk, obj):
    staged = selectors.get_import_for_user(request.user, slug, pk)
    try:
        result = services.apply_staged_import(actor=request.user, staged=staged)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("schedule:import", slug=slug)
    messages.success(
        request,
        _(
            "Imported: %(created)s sessions created, %(updated)s updated, %(rooms)s rooms and "
            "%(speakers)s speakers created."
        )
        % {
            "created": result.sessions.created,
            "updated": result.sessions.updated,
            "rooms": result.rooms.created,
            "speakers": result.speakers.created,
        },
    )
    return redirect("schedule:programme", slug=slug)
