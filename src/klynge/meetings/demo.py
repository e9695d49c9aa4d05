"""A demo matchmaking session on the first upcoming published event, with the demo employee,
member admin and founder opted in, one accepted meeting and one pending request.
`load()` is idempotent: run it after the events demo."""

from __future__ import annotations

import datetime

from django.utils import timezone

from klynge.ecosystem.models import Person
from klynge.events.models import Event, EventStatus
from klynge.meetings import services
from klynge.meetings.models import MatchmakingSession, MeetingRequest

PROFILES = {
    "employee@klynge.example": ("Podcast production and sound design", "Video and AR partners"),
    "member-admin@klynge.example": ("AR and video production", "Podcast partners, funding"),
    "founder@klynge.example": ("Automated news writing (AI)", "Media houses to pilot with"),
}


def load(stdout=None) -> MatchmakingSession | None:
    event = (
        Event.objects.filter(status=EventStatus.PUBLISHED, starts_at__gt=timezone.now())
        .order_by("starts_at")
        .first()
    )
    if event is None:
        return None
    session = MatchmakingSession.objects.filter(event=event).first()
    if session is None:
        start = event.local_start.replace(hour=13, minute=0, second=0, microsecond=0)
        session = services.create_session(
            actor=None,
            event=event,
            title="B2B matchmaking",
            description="Book 20-minute meetings with other participants.",
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=2),
            breaks=[
                (start + datetime.timedelta(minutes=60), start + datetime.timedelta(minutes=80))
            ],
            tables=8,
            # The demo people are not registered for the demo event.
            requires_registration=False,
        )
    people = {p.email: p for p in Person.objects.filter(email__in=PROFILES)}
    for email, (offers, looking_for) in PROFILES.items():
        if email in people and not session.participants.filter(person=people[email]).exists():
            services.opt_in(
                actor=None,
                session=session,
                person=people[email],
                offers=offers,
                looking_for=looking_for,
            )
    if not MeetingRequest.objects.filter(session=session).exists() and len(people) == 3:
        accepted = services.send_request(
            actor=None,
            session=session,
            sender=people["member-admin@klynge.example"],
            recipient=people["employee@klynge.example"],
            note="A podcast series with AR extras?",
            priority=3,
        )
        services.accept_request(actor=None, request=accepted)
        services.send_request(
            actor=None,
            session=session,
            sender=people["founder@klynge.example"],
            recipient=people["employee@klynge.example"],
            note="Could our news robot read your podcasts' show notes?",
        )
    if stdout is not None:
        stdout.write(f"Matchmaking: {session.title} at {event.title}")
    return session
