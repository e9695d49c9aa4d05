import pytest

from klynge.accounts.tests.factories import UserFactory
from klynge.ecosystem.tests.factories import PersonFactory
from klynge.meetings import services
from klynge.meetings.models import SchedulingMode
from klynge.meetings.tests.factories import join, make_session

pytestmark = pytest.mark.django_db


def _user_person(email, first="Per", last="Son"):
    user = UserFactory(email=email, name=f"{first} {last}")
    person = PersonFactory(email=email, user=user, first_name=first, last_name=last)
    return user, person


def test_without_a_token_the_api_answers_401(client):
    session = make_session()
    response = client.get(f"/api/v1/matchmaking/sessions/{session.pk}/requests")
    assert response.status_code == 401


def test_request_accept_and_both_agendas_agree(api_client):
    session = make_session(slots=3, tables=2)
    asker_user, asker = _user_person("a@example.org", "Ane", "Asker")
    host_user, host = _user_person("h@example.org", "Bo", "Host")
    join(session, asker)
    join(session, host)
    asker_api, host_api = api_client(asker_user), api_client(host_user)
    response = asker_api.post(
        f"/api/v1/matchmaking/sessions/{session.pk}/requests",
        {"recipient": host.pk, "note": "Audio?", "priority": 3},
        content_type="application/json",
    )
    assert response.status_code == 201
    body = response.json()
    assert {
        k: body[k] for k in ("sender", "recipient", "recipient_name", "priority", "status")
    } == {
        "sender": asker.pk,
        "recipient": host.pk,
        "recipient_name": "Bo Host",
        "priority": 3,
        "status": "pending",
    }
    assert body["meeting"] is None
    # The sender cannot accept their own request.
    assert asker_api.post(f"/api/v1/matchmaking/requests/{body['id']}/accept").status_code == 403
    accepted = host_api.post(f"/api/v1/matchmaking/requests/{body['id']}/accept")
    assert accepted.status_code == 200
    meeting = accepted.json()["meeting"]
    first = session.slots.order_by("starts_at").first()
    assert (meeting["table"], meeting["status"]) == (1, "confirmed")
    assert meeting["starts_at"].replace("Z", "+00:00") == first.starts_at.isoformat()
    agendas = [
        api.get(f"/api/v1/matchmaking/sessions/{session.pk}/agenda").json()
        for api in (asker_api, host_api)
    ]
    assert [len(a["items"]) for a in agendas] == [1, 1]
    assert agendas[0]["items"][0]["starts_at"] == agendas[1]["items"][0]["starts_at"]
    assert agendas[0]["items"][0]["table"] == agendas[1]["items"][0]["table"] == 1
    assert (agendas[0]["items"][0]["with_name"], agendas[1]["items"][0]["with_name"]) == (
        "Bo Host",
        "Ane Asker",
    )
    listed = host_api.get(f"/api/v1/matchmaking/sessions/{session.pk}/requests").json()
    assert [(r["id"], r["status"], r["meeting"]["table"]) for r in listed] == [
        (body["id"], "accepted", 1)
    ]
    again = host_api.post(f"/api/v1/matchmaking/requests/{body['id']}/decline")
    assert (again.status_code, again.json()["reason"]) == (409, "not_pending")


@pytest.mark.parametrize(
    "case, reason",
    [("self", "self"), ("outsider", "not_participating"), ("duplicate", "duplicate")],
)
def test_refusals_answer_409_with_the_reason(api_client, case, reason):
    session = make_session()
    user, me = _user_person("me@example.org")
    join(session, me)
    other = join(session)
    outsider = PersonFactory()
    recipient = {"self": me, "outsider": outsider, "duplicate": other.person}[case]
    if case == "duplicate":
        services.send_request(actor=None, session=session, sender=me, recipient=other.person)
    response = api_client(user).post(
        f"/api/v1/matchmaking/sessions/{session.pk}/requests",
        {"recipient": recipient.pk},
        content_type="application/json",
    )
    assert (response.status_code, response.json()["reason"]) == (409, reason)


def test_sender_not_opted_in_and_bad_input(api_client):
    session = make_session()
    user, _me = _user_person("me@example.org")
    other = join(session)
    api = api_client(user)
    url = f"/api/v1/matchmaking/sessions/{session.pk}/requests"
    response = api.post(url, {"recipient": other.person_id}, content_type="application/json")
    assert (response.status_code, response.json()["reason"]) == (409, "sender_not_participating")
    response = api.post(
        url, {"recipient": other.person_id, "priority": 9}, content_type="application/json"
    )
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["priority"]
    # Not a participant: no list of requests.
    assert api.get(url).status_code == 403


def test_decline_through_the_api(api_client):
    session = make_session()
    host_user, host = _user_person("h@example.org")
    join(session, host)
    request = services.send_request(
        actor=None, session=session, sender=join(session).person, recipient=host
    )
    response = api_client(host_user).post(f"/api/v1/matchmaking/requests/{request.pk}/decline")
    assert (response.status_code, response.json()["status"]) == (200, "declined")


def test_someone_elses_request_is_not_found(api_client, employee):
    session = make_session()
    request = services.send_request(
        actor=None, session=session, sender=join(session).person, recipient=join(session).person
    )
    response = api_client(employee).post(f"/api/v1/matchmaking/requests/{request.pk}/accept")
    assert response.status_code == 404


def test_organiser_mode_agenda_appears_when_published_and_staff_read_any(api_client, staff):
    session = make_session(slots=2, tables=1, mode=SchedulingMode.ORGANISER)
    user, me = _user_person("me@example.org")
    join(session, me)
    other = join(session)
    request = services.send_request(actor=None, session=session, sender=me, recipient=other.person)
    services.accept_request(actor=None, request=request)
    services.run_scheduler(actor=None, session=session, time_limit=1)
    api = api_client(user)
    url = f"/api/v1/matchmaking/sessions/{session.pk}/agenda"
    draft = api.get(url).json()
    assert (draft["published"], draft["items"]) == (False, [])
    services.publish_schedule(actor=None, session=session)
    published = api.get(url).json()
    assert (published["published"], len(published["items"])) == (True, 1)
    staff_view = api_client(staff).get(url, {"person": other.person_id}).json()
    assert staff_view["items"][0]["with_person"] == me.pk
    assert api.get(url, {"person": other.person_id}).status_code == 403
