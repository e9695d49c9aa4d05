"""Programmes' part of a person's data download and of an erasure (see ecosystem/privacy.py).

The download holds the sessions the person starred for their agendas, their agenda feed
addresses (when made, never the secret) and their speaker entries (name, biography, sessions)
where a speaker is linked to them. On erasure the agenda and its feed addresses are deleted, and
the linked speaker entries on public programmes show "Erased person <id>" with no biography:
the sessions stay in the programme, as they happened.
"""

from django.utils.translation import gettext_lazy as _

from klynge.ecosystem.privacy import (
    erased_label,
    person_of,
    register_erasure_step,
    register_personal_data,
)
from klynge.schedule.models import AgendaEntry, AgendaFeed, Speaker


def _agenda(user):
    return [
        {"event": event, "session": title, "starts_at": starts, "starred_at": starred}
        for event, title, starts, starred in AgendaEntry.objects.filter(user=user)
        .order_by("session__starts_at", "id")
        .values_list("session__event__title", "session__title", "session__starts_at", "created_at")
    ]


def _agenda_feeds(user):
    return [
        {"event": title, "created_at": created}
        for title, created in AgendaFeed.objects.filter(user=user)
        .order_by("created_at")
        .values_list("event__title", "created_at")
    ]


def _speaker_entries(user):
    person = person_of(user)
    if person is None:
        return []
    return [
        {
            "event": speaker.event.title,
            "name": speaker.name,
            "bio": speaker.bio,
            "sessions": [session.title for session in speaker.sessions.all()],
        }
        for speaker in Speaker.objects.filter(person=person)
        .select_related("event")
        .prefetch_related("sessions")
        .order_by("event__starts_at", "id")
    ]


def _erase(*, actor, person, user=None, old_emails=frozenset()):
    Speaker.objects.filter(person=person).update(name=erased_label(person), bio="", code="")
    if user is not None:
        AgendaEntry.objects.filter(user=user).delete()
        AgendaFeed.objects.filter(user=user).delete()


register_personal_data("programme_agenda", _agenda, label=_("Sessions you starred in programmes"))
register_personal_data(
    "programme_agenda_feeds", _agenda_feeds, label=_("Your agenda feed addresses (when made)")
)
register_personal_data(
    "programme_speaker", _speaker_entries, label=_("Your entries as a speaker in programmes")
)
register_erasure_step("schedule", _erase)
