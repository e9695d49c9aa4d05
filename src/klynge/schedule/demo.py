"""A small programme for the demo's MediaTech Festival (idempotent: keyed by session guid)."""

from __future__ import annotations

import datetime
import uuid

from klynge.events.models import Event
from klynge.schedule import services
from klynge.schedule.models import Room, Session, Speaker, Track
from klynge.schedule.selectors import event_time_zone

EVENT_SLUG = "mediatech-festival"
ROOMS = [("Store Sal", 400), ("Studie 2", 80), ("Lab", 30)]
TRACKS = [
    ("AI og nyheder", "#e40429"),
    ("Lyd og podcast", "#0347b4"),
    ("Virtuel produktion", "#00a356"),
]
SPEAKERS = [
    ("Mette Lund", "Head of digital at a Funen daily; leads its AI newsroom pilots."),
    ("Jonas Berg", "Sound designer and podcast producer in Odense."),
    ("Sara Nielsen", "Virtual production supervisor; builds LED-wall studios."),
    ("Ali Haddad", "Researcher in media technology at the University of Southern Denmark."),
]
# day (0-2), hour, minute, minutes, room, track, title, kind, speakers
SESSIONS = [
    (0, 9, 30, 30, 0, None, "Velkommen til MediaTech Festival", "ceremony", []),
    (0, 10, 0, 45, 0, 0, "Generativ AI i nyhedsproduktionen", "talk", [0, 3]),
    (0, 11, 0, 90, 2, 2, "Hands-on: a virtual studio in a day", "workshop", [2]),
    (0, 13, 0, 60, 1, 1, "Podcasts that people finish", "talk", [1]),
    (1, 9, 30, 60, 0, 0, "Panel: who is accountable for the algorithm?", "panel", [0, 3]),
    (1, 11, 0, 45, 1, 1, "Spatial audio for broadcasters", "talk", [1]),
    (1, 14, 0, 120, 2, 2, "Real-time graphics for live TV", "workshop", [2]),
    (2, 10, 0, 45, 0, None, "Startup pitches", "pitch", []),
    (2, 15, 0, 30, 0, None, "Closing and awards", "ceremony", []),
]


def load(*, actor=None) -> int:
    """Adds the programme if the festival exists; returns how many sessions it created."""
    event = Event.objects.filter(slug=EVENT_SLUG).first()
    if event is None:
        return 0
    zone = event_time_zone(event)
    first_day = event.starts_at.astimezone(zone).date()
    rooms = {r.name: r for r in Room.objects.filter(event=event)}
    rooms_list = [
        rooms.get(name) or services.save_room(actor=actor, event=event, name=name, capacity=cap)
        for name, cap in ROOMS
    ]
    tracks = {t.name: t for t in Track.objects.filter(event=event)}
    tracks_list = [
        tracks.get(name) or services.save_track(actor=actor, event=event, name=name, colour=colour)
        for name, colour in TRACKS
    ]
    speakers = {s.name: s for s in Speaker.objects.filter(event=event)}
    speakers_list = [
        speakers.get(name) or services.save_speaker(actor=actor, event=event, name=name, bio=bio)
        for name, bio in SPEAKERS
    ]
    created = 0
    for day, hour, minute, minutes, room, track, title, kind, people in SESSIONS:
        guid = uuid.uuid5(uuid.NAMESPACE_URL, f"klynge-demo:{EVENT_SLUG}:{title}")
        if Session.objects.filter(event=event, guid=guid).exists():
            continue
        date = first_day + datetime.timedelta(days=day)
        session = services.save_session(
            actor=actor,
            event=event,
            title=title,
            kind=kind,
            starts_at=datetime.datetime(date.year, date.month, date.day, hour, minute, tzinfo=zone),
            duration=datetime.timedelta(minutes=minutes),
            room=rooms_list[room],
            track=tracks_list[track] if track is not None else None,
            speakers=[speakers_list[index] for index in people],
            language="da" if title[0] in "GV" else "en",
        )
        Session.objects.filter(pk=session.pk).update(guid=guid)
        created += 1
    return created
