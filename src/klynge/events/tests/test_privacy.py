"""Events' and programmes' part of the data download and of erasure."""

import datetime

import pytest
from django.utils import timezone

from klynge.ecosystem.privacy import erase_person, personal_data
from klynge.ecosystem.tests.factories import PersonFactory
from klynge.events import services
from klynge.events.models import (
    CalendarToken,
    Feedback,
    Invitation,
    Registration,
)
from klynge.events.tests.factories import EventFactory
from klynge.schedule.models import AgendaEntry, AgendaFeed, Speaker
from klynge.schedule.tests.factories import SessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(staff, employee):
    person = employee.person
    past = timezone.now() - datetime.timedelta(days=20)
    seminar = EventFactory(
        title="Seminar", starts_at=past, ends_at=past + datetime.timedelta(hours=2)
    )
    question = services.create_question(actor=staff, event=seminar, label="Dietary needs")
    attended = Registration.objects.create(
        event=seminar, person=person, status="confirmed", answers={str(question.pk): "Nut allergy"}
    )
    Feedback.objects.create(registration=attended, rating=4, comment="Great talks, Emil here")
    summit = EventFactory(title="Summit", capacity=1, visibility="invited")
    Invitation.objects.create(event=summit, person=person, invited_by=staff)
    coming = services.register(actor=staff, event=summit, person=person)
    waiting = services.register(actor=staff, event=summit, person=PersonFactory())
    services.ensure_calendar_token(actor=employee, user=employee)
    keynote = SessionFactory(event=summit, title="Keynote")
    speaker = Speaker.objects.create(
        event=summit, name="Emil Ansat", bio="Emil makes podcasts.", person=person
    )
    keynote.speakers.add(speaker)
    AgendaEntry.objects.create(user=employee, session=keynote)
    AgendaFeed.objects.create(user=employee, event=summit)
    return {"attended": attended, "coming": coming, "waiting": waiting, "question": question}


def test_the_download_has_registrations_answers_feedback_invitations_agenda_and_speaking(
    employee, history
):
    data = personal_data(employee)
    registrations = data["event_registrations"]
    assert [(r["event"], r["status"], r["answers"]) for r in registrations] == [
        ("Seminar", "confirmed", {"Dietary needs": "Nut allergy"}),
        ("Summit", "confirmed", {}),
    ]
    assert registrations[1]["ticket_code"] == history["coming"].code
    assert [(f["event"], f["rating"], f["comment"]) for f in data["event_feedback"]] == [
        ("Seminar", 4, "Great talks, Emil here")
    ]
    assert [i["event"] for i in data["event_invitations"]] == ["Summit"]
    assert set(data["event_calendar_feed"]) == {"created_at"}
    assert [(a["event"], a["session"]) for a in data["programme_agenda"]] == [("Summit", "Keynote")]
    assert [f["event"] for f in data["programme_agenda_feeds"]] == ["Summit"]
    assert data["programme_speaker"] == [
        {
            "event": "Summit",
            "name": "Emil Ansat",
            "bio": "Emil makes podcasts.",
            "sessions": ["Keynote"],
        }
    ]


def test_erasure_anonymises_registrations_answers_tickets_and_speakers(
    staff, employee, history, django_capture_on_commit_callbacks
):
    person = employee.person
    old_codes = set(Registration.objects.filter(person=person).values_list("code", flat=True))
    with django_capture_on_commit_callbacks(execute=True):
        erase_person(actor=staff, person=person)
    attended = Registration.objects.get(pk=history["attended"].pk)
    coming = Registration.objects.get(pk=history["coming"].pk)
    # The past registration stays (attendance, invoices), with no answers and a new code.
    assert (attended.status, attended.answers) == ("confirmed", {})
    # The coming one is cancelled and its seat offered to the next person.
    assert coming.status == "cancelled"
    assert Registration.objects.get(pk=history["waiting"].pk).status == "offered"
    new_codes = set(Registration.objects.filter(person=person).values_list("code", flat=True))
    assert not new_codes & old_codes
    assert list(Feedback.objects.values_list("rating", "comment")) == [(4, "")]
    assert not Invitation.objects.exists()
    assert not CalendarToken.objects.exists()
    assert not AgendaEntry.objects.exists()
    assert not AgendaFeed.objects.exists()
    speaker = Speaker.objects.get()
    assert (speaker.name, speaker.bio) == (f"Erased person {person.pk}", "")
    assert [s.title for s in speaker.sessions.all()] == ["Keynote"]
