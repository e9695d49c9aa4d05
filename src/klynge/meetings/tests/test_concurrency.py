"""Concurrent acceptances never put a person in two places, a table twice, or anyone past a cap.

Every acceptance runs in its own thread and database connection, released together by a
barrier. On SQLite writers queue on the database lock (IMMEDIATE transactions); on PostgreSQL
they queue on the participants' row locks, and the unique constraints (slot, table) and
(slot, participant) stop anything the locks would let through.
"""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import IntegrityError, connection, transaction

from klynge.meetings import services
from klynge.meetings.models import Meeting, MeetingSeat
from klynge.meetings.tests.factories import join, make_session


def _race(task, items):
    barrier = threading.Barrier(len(items))

    def run(item):
        try:
            barrier.wait(timeout=30)
            return task(item)
        except services.RequestRefused as refusal:
            return f"refused:{refusal.reason}"
        except Exception as error:
            return f"error:{type(error).__name__}:{error}"
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(items)) as pool:
        return list(pool.map(run, items))


def _accept(request):
    services.accept_request(actor=None, request=request)
    return "accepted"


@pytest.mark.django_db(transaction=True)
def test_twelve_pairs_accepting_at_once_share_five_tables_in_one_slot():
    session = make_session(slots=1, tables=5)
    requests = []
    for _ in range(12):
        a, b = join(session), join(session)
        requests.append(
            services.send_request(actor=None, session=session, sender=a.person, recipient=b.person)
        )
    results = _race(_accept, requests)
    assert [r for r in results if r.startswith("error")] == []
    assert (results.count("accepted"), results.count("refused:no_free_slot")) == (5, 7)
    tables = sorted(Meeting.objects.values_list("table__number", flat=True))
    assert tables == [1, 2, 3, 4, 5]


@pytest.mark.django_db(transaction=True)
def test_one_person_accepting_eight_requests_at_once_is_never_in_two_places():
    session = make_session(slots=3, tables=10)
    host = join(session)
    requests = [
        services.send_request(
            actor=None, session=session, sender=join(session).person, recipient=host.person
        )
        for _ in range(8)
    ]
    results = _race(_accept, requests)
    assert [r for r in results if r.startswith("error")] == []
    assert (results.count("accepted"), results.count("refused:no_free_slot")) == (3, 5)
    host_slots = list(MeetingSeat.objects.filter(participant=host).values_list("slot", flat=True))
    assert len(host_slots) == len(set(host_slots)) == 3


@pytest.mark.django_db(transaction=True)
def test_concurrent_acceptances_respect_the_cap():
    session = make_session(slots=6, tables=10, max_meetings=2)
    host = join(session)
    requests = [
        services.send_request(
            actor=None, session=session, sender=join(session).person, recipient=host.person
        )
        for _ in range(6)
    ]
    results = _race(_accept, requests)
    assert [r for r in results if r.startswith("error")] == []
    assert (results.count("accepted"), results.count("refused:cap_reached")) == (2, 4)
    assert MeetingSeat.objects.filter(participant=host).count() == 2


@pytest.mark.django_db(transaction=True)
def test_the_same_request_sent_twice_at_once_is_stored_once():
    session = make_session(slots=2, tables=2)
    a, b = join(session), join(session)

    def send(_i):
        services.send_request(actor=None, session=session, sender=a.person, recipient=b.person)
        return "sent"

    results = _race(send, range(6))
    assert sorted(results) == ["refused:duplicate"] * 5 + ["sent"]


@pytest.mark.django_db
def test_the_database_refuses_a_second_seat_or_table_in_a_slot():
    session = make_session(slots=1, tables=2)
    a, b, c = join(session), join(session), join(session)
    first = services.send_request(actor=None, session=session, sender=a.person, recipient=b.person)
    services.accept_request(actor=None, request=first)
    meeting = Meeting.objects.get()
    other = services.send_request(actor=None, session=session, sender=c.person, recipient=a.person)
    with pytest.raises(IntegrityError), transaction.atomic():
        Meeting.objects.create(
            session=session, request=other, slot=meeting.slot, table=meeting.table
        )
    second_table = session.tables.get(number=2)
    with transaction.atomic():
        extra = Meeting.objects.create(
            session=session, request=other, slot=meeting.slot, table=second_table
        )
        with pytest.raises(IntegrityError), transaction.atomic():
            MeetingSeat.objects.create(meeting=extra, participant=a, slot=meeting.slot)
