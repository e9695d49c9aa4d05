import datetime
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from klynge.accounts.tests.factories import UserFactory
from klynge.ecosystem.tests.factories import PersonFactory
from klynge.meetings import services
from klynge.meetings.models import FollowUp, Meeting, Participant, RequestStatus, SchedulingMode
from klynge.meetings.tests.factories import held_meeting, join, make_session

pytestmark = pytest.mark.django_db


def _user_person(email, first="Per", last="Son"):
    user = UserFactory(email=email, name=f"{first} {last}")
    person = PersonFactory(email=email, user=user, first_name=first, last_name=last)
    return user, person


def test_opt_in_page_creates_a_participant_with_chosen_slots(client, employee, member_org):
    session = make_session(slots=3)
    slots = list(session.slots.order_by("starts_at"))
    client.force_login(employee)
    page = client.get(reverse("meetings:opt_in", args=[session.pk]))
    assert page.status_code == 200
    assert "Fynsk Lyd ApS" in page.content.decode()
    response = client.post(
        reverse("meetings:opt_in", args=[session.pk]),
        {
            "organisation": member_org.pk,
            "offers": "Podcast production",
            "looking_for": "Funding partners",
            "slots": [slots[0].pk, slots[2].pk],
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("meetings:participants", args=[session.pk])
    participant = Participant.objects.get()
    assert (participant.person.user, participant.organisation, participant.offers) == (
        employee,
        member_org,
        "Podcast production",
    )
    assert sorted(participant.available_slots.values_list("pk", flat=True)) == [
        slots[0].pk,
        slots[2].pk,
    ]


def test_opt_in_without_slots_shows_the_error_and_changes_nothing(client, employee):
    session = make_session(slots=2)
    client.force_login(employee)
    response = client.post(reverse("meetings:opt_in", args=[session.pk]), {"offers": "x"})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert Participant.objects.count() == 0


def test_request_accept_flow_through_the_pages(client):
    session = make_session(slots=2, tables=3)
    asker_user, asker = _user_person("asker@example.org", "Ane", "Asker")
    host_user, host = _user_person("host@example.org", "Bo", "Host")
    join(session, asker)
    other = join(session, host)
    client.force_login(asker_user)
    response = client.post(
        reverse("meetings:request", args=[session.pk, other.pk]),
        {"priority": 3, "note": "Let us talk audio"},
    )
    assert response.status_code == 302
    request = session.requests.get()
    assert (request.priority, request.note, request.status) == (3, "Let us talk audio", "pending")
    # A second request to the same person is refused on the form.
    again = client.post(
        reverse("meetings:request", args=[session.pk, other.pk]), {"priority": 2, "note": ""}
    )
    assert again.status_code == 400
    assert "There is already a request between you and Bo Host." in again.content.decode()
    # Only the recipient may accept.
    assert client.post(reverse("meetings:accept", args=[request.pk])).status_code == 403
    client.force_login(host_user)
    page = client.get(reverse("meetings:session", args=[session.pk]))
    assert "Let us talk audio" in page.content.decode()
    response = client.post(reverse("meetings:accept", args=[request.pk]))
    assert response.status_code == 302
    meeting = Meeting.objects.select_related("table", "slot").get()
    first = session.slots.order_by("starts_at").first()
    assert (meeting.slot, meeting.table.number) == (first, 1)
    local = first.starts_at.astimezone(session.event.zone).strftime("%H:%M")
    for user in (host_user, asker_user):
        client.force_login(user)
        agenda = client.get(reverse("meetings:agenda", args=[session.pk])).content.decode()
        row = re.search(r'<table class="striped" id="agenda">.*?</table>', agenda, re.S).group(0)
        assert local in row and "<td>1</td>" in row


def test_refused_accept_shows_the_reason_with_400(client):
    session = make_session(slots=1, tables=1)
    host_user, host = _user_person("host@example.org")
    me = join(session, host)
    a, b = join(session), join(session)
    first = services.send_request(actor=None, session=session, sender=a.person, recipient=b.person)
    services.accept_request(actor=None, request=first)
    second = services.send_request(
        actor=None, session=session, sender=a.person, recipient=me.person
    )
    client.force_login(host_user)
    response = client.post(reverse("meetings:accept", args=[second.pk]))
    assert response.status_code == 400
    assert "No time slot is left that you are both free in with a free table." in (
        response.content.decode()
    )
    second.refresh_from_db()
    assert second.status == RequestStatus.PENDING


def test_decline_and_withdraw_pages(client):
    session = make_session()
    host_user, host = _user_person("host@example.org")
    asker_user, asker = _user_person("asker@example.org")
    join(session, host)
    join(session, asker)
    first = services.send_request(actor=None, session=session, sender=asker, recipient=host)
    client.force_login(host_user)
    assert client.post(reverse("meetings:decline", args=[first.pk])).status_code == 302
    second = services.send_request(actor=None, session=session, sender=asker, recipient=host)
    assert client.post(reverse("meetings:withdraw", args=[second.pk])).status_code == 403
    client.force_login(asker_user)
    assert client.post(reverse("meetings:withdraw", args=[second.pk])).status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("declined", "withdrawn")


@pytest.mark.parametrize("rows", [1, 3])
def test_participants_page_has_a_constant_query_count(client, rows, django_assert_num_queries):
    session = make_session()
    user, person = _user_person("me@example.org")
    join(session, person, looking_for="podcast funding")
    for i in range(rows):
        join(session, offers=f"podcast studio {i}")
    client.force_login(user)
    with django_assert_num_queries(13):
        response = client.get(reverse("meetings:participants", args=[session.pk]))
    assert response.content.decode().count("Request a meeting</a>") == rows
    assert response.content.decode().count("They offer what you look for.") == rows


def test_suggestions_use_the_engine_across_languages_and_organisations():
    from klynge.ecosystem.models import Tag
    from klynge.ecosystem.tests.factories import OrganisationFactory
    from klynge.meetings.selectors import recommended_participants

    session = make_session()
    mine = OrganisationFactory(name="Fyn Lyd", slug="fyn-lyd")
    mine.needs.add(Tag.objects.create(name="studio"))
    studio = OrganisationFactory(name="Bergen Studio", slug="bergen-studio")
    studio.offers.add(Tag.objects.get(name="studio"))
    me = join(session, organisation=mine, looking_for="podkaststudie til optagelser")
    nordic = join(session, offers="Podcast-studio for recordings")  # no word in common
    partner = join(session, organisation=studio, offers="Lydteknik")
    join(session, offers="Catering")
    found = {item["participant"]: item for item in recommended_participants(me)}
    assert set(found) == {nordic, partner}  # catering: nothing in common
    assert found[nordic]["score"] > 0.05  # "podkaststudie" ~ "Podcast-studio": n-grams
    assert "You look for studio; they offer it." in found[partner]["reasons"]


def test_participant_search_answers_htmx_with_rows_only(client):
    session = make_session()
    user, person = _user_person("me@example.org")
    join(session, person)
    join(session, first_name="Karin", last_name="Lyd", offers="Mixing")
    join(session, first_name="Lars", last_name="Video", offers="Cameras")
    client.force_login(user)
    response = client.get(
        reverse("meetings:participants", args=[session.pk]), {"q": "mixing"}, HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert (body.count("<tr>"), "Karin Lyd" in body, "Lars Video" in body) == (1, True, False)
    assert "<html" not in body


@pytest.mark.parametrize("rows", [1, 3])
def test_agenda_page_has_a_constant_query_count(client, rows, django_assert_num_queries):
    session = make_session(slots=4, tables=2)
    user, person = _user_person("me@example.org")
    me = join(session, person)
    for _ in range(rows):
        request = services.send_request(
            actor=None, session=session, sender=join(session).person, recipient=person
        )
        services.accept_request(actor=None, request=request)
    client.force_login(user)
    with django_assert_num_queries(10):
        response = client.get(reverse("meetings:agenda", args=[session.pk]))
    assert response.content.decode().count("<td>1</td>") == rows
    assert me.agenda_token in response.content.decode()


def test_ics_feed_by_secret_token(client):
    session = make_session()
    a, b = join(session), join(session)
    request = services.send_request(
        actor=None, session=session, sender=a.person, recipient=b.person
    )
    services.accept_request(actor=None, request=request)
    response = client.get(reverse("meetings:agenda_feed", args=[b.agenda_token]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    body = response.content.decode()
    assert body.count("BEGIN:VEVENT") == 1
    assert "LOCATION:Table 1\\, Media City Odense" in body
    assert client.get(reverse("meetings:agenda_feed", args=["nope"])).status_code == 404


def test_follow_up_link_shows_the_question_and_records_only_on_post(client):
    session = make_session()
    a, b = join(session), join(session)
    meeting = held_meeting(session, a, b)
    token = services.follow_up_token(meeting, a)
    url = reverse("meetings:follow_up", args=[token])
    response = client.get(url, {"answer": "follow_up"})
    assert response.status_code == 200
    assert "Thank you, your answer is saved." not in response.content.decode()
    assert not FollowUp.objects.exists()
    response = client.post(url, {"answer": "follow_up"})
    assert response.status_code == 200
    assert "Thank you, your answer is saved." in response.content.decode()
    answer = FollowUp.objects.get()
    assert (answer.participant, answer.happened, answer.follow_up) == (a, True, True)
    client.post(url, {"answer": "not_met"})
    answer.refresh_from_db()
    assert (answer.happened, answer.follow_up) == (False, False)
    assert client.post(url, {"answer": "maybe"}).status_code == 400
    assert client.get(reverse("meetings:follow_up", args=["bad"])).status_code == 404


def test_follow_up_links_appear_after_the_meeting(client):
    session = make_session(slots=2)
    user, person = _user_person("me@example.org")
    me = join(session, person)
    request = services.send_request(
        actor=None, session=session, sender=join(session).person, recipient=person
    )
    services.accept_request(actor=None, request=request)
    meeting = Meeting.objects.select_related("slot").get()
    client.force_login(user)
    before = client.get(reverse("meetings:agenda", args=[session.pk])).content.decode()
    assert "We met and follow up" not in before
    meeting.slot.starts_at = timezone.now() - datetime.timedelta(hours=2)
    meeting.slot.ends_at = timezone.now() - datetime.timedelta(hours=1)
    meeting.slot.save()
    after = client.get(reverse("meetings:agenda", args=[session.pk])).content.decode()
    assert after.count("We met and follow up") == 1
    assert services.follow_up_token(meeting, me)[:10] in after


def test_staff_create_a_session_with_slots_around_a_break(client, staff):
    from klynge.events.tests.factories import EventFactory

    event = EventFactory(slug="media-day")
    client.force_login(staff)
    day = event.local_start.date().isoformat()
    response = client.post(
        reverse("meetings:create", args=["media-day"]),
        {
            "title": "Partnering",
            "mode": "organiser",
            "venue": "tables",
            "slot_minutes": 30,
            "max_meetings": 6,
            "request_expiry_hours": 24,
            "open": "on",
            "starts_at": f"{day}T10:00",
            "ends_at": f"{day}T13:00",
            "breaks": "11:00-12:00",
            "tables": 4,
        },
    )
    assert response.status_code == 302
    session = event.matchmaking.get()
    times = [s.starts_at.astimezone(event.zone).strftime("%H:%M") for s in session.slots.all()]
    assert times == ["10:00", "10:30", "12:00", "12:30"]
    assert (session.mode, session.tables.count()) == ("organiser", 4)
    bad = client.post(
        reverse("meetings:manage", args=[session.pk]),
        {
            "title": "Partnering",
            "mode": "organiser",
            "venue": "tables",
            "slot_minutes": 30,
            "max_meetings": 6,
            "request_expiry_hours": 24,
            "tables": 4,
            "breaks": "lunch",
        },
    )
    assert bad.status_code == 400
    assert "Write breaks as HH:MM-HH:MM." in bad.content.decode()


def test_organiser_runs_reviews_and_publishes_the_schedule(
    client, staff, django_capture_on_commit_callbacks
):
    session = make_session(slots=2, tables=1, mode=SchedulingMode.ORGANISER)
    people = [join(session, email=f"p{i}@example.org") for i in range(3)]
    for sender, recipient in [(0, 1), (0, 2), (1, 2)]:
        request = services.send_request(
            actor=None,
            session=session,
            sender=people[sender].person,
            recipient=people[recipient].person,
        )
        services.accept_request(actor=None, request=request)
    client.force_login(staff)
    response = client.post(reverse("meetings:schedule_run", args=[session.pk]))
    assert response.status_code == 302
    page = client.get(reverse("meetings:schedule", args=[session.pk])).content.decode()
    assert "2 meetings placed (2 not yet published), 1 tables per slot." in page
    unplaced = re.search(r'id="unplaced">.*?</table>', page, re.S).group(0)
    assert unplaced.count("<tr><td>") == 1
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("meetings:schedule_publish", args=[session.pk]))
    assert response.status_code == 302
    assert len(mail.outbox) == 3


@pytest.mark.parametrize(
    "who, expected",
    [("anonymous", 302), ("employee", 403), ("member_admin", 403), ("staff", 200)],
)
def test_organiser_pages_are_for_staff(client, request, who, expected):
    session = make_session()
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    for name in ("manage", "schedule"):
        assert client.get(reverse(f"meetings:{name}", args=[session.pk])).status_code == expected
    assert client.post(reverse("meetings:schedule_run", args=[session.pk])).status_code == (
        expected if expected != 200 else 302
    )


@pytest.mark.parametrize("who, expected", [("anonymous", 302), ("student", 403), ("founder", 403)])
def test_participant_pages_need_an_opt_in(client, request, who, expected):
    session = make_session()
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    for name in ("participants", "agenda"):
        assert client.get(reverse(f"meetings:{name}", args=[session.pk])).status_code == expected


def test_sessions_of_hidden_events_are_not_found(client, employee):
    from klynge.events.tests.factories import EventFactory

    session = make_session(event=EventFactory(status="draft"))
    client.force_login(employee)
    assert client.get(reverse("meetings:session", args=[session.pk])).status_code == 404
