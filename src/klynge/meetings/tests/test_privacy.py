import pytest

from klynge.accounts.tests.factories import UserFactory
from klynge.ecosystem.privacy import erase_person, personal_data
from klynge.ecosystem.tests.factories import PersonFactory
from klynge.meetings import services
from klynge.meetings.models import MeetingRequest, Participant
from klynge.meetings.tests.factories import held_meeting, join, make_session

pytestmark = pytest.mark.django_db


def test_meetings_are_in_the_download_and_what_the_person_wrote_is_erased(staff):
    session = make_session(slots=2)
    user = UserFactory(email="me@example.org")
    me = join(
        session,
        PersonFactory(email="me@example.org", user=user, first_name="Mia", last_name="Me"),
        offers="Podcast studio",
        looking_for="AR partners",
    )
    other = join(session, first_name="Olu", last_name="Other")
    request = services.send_request(
        actor=None, session=session, sender=me.person, recipient=other.person, note="Call me"
    )
    services.accept_request(actor=None, request=request)
    meeting = held_meeting(session, join(session), me)
    services.record_follow_up(
        actor=None, meeting=meeting, participant=me, happened=True, follow_up=False
    )

    (part,) = personal_data(user)["meetings"]
    assert (part["session"], part["offers"], part["looking_for"]) == (
        "B2B matchmaking",
        "Podcast studio",
        "AR partners",
    )
    assert len(part["available"]) == 2
    first = part["requests"][0]
    assert (first["to"], first["note"], first["status"]) == (
        "Olu Other",
        "Call me",
        "accepted",
    )
    assert [(m["table"], m["happened"]) for m in part["meetings"]] == [("1", True), ("1", None)]

    token = me.agenda_token
    erase_person(actor=staff, person=me.person)
    me.refresh_from_db()
    assert (me.offers, me.looking_for) == ("", "")
    assert me.agenda_token != token
    assert MeetingRequest.objects.get(pk=request.pk).note == "[erased]"
    assert Participant.objects.count() == 3  # the meetings stay, for the organisers' counts
