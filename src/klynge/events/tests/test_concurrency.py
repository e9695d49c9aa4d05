"""Never more confirmed registrations than seats, with real concurrent requests.

300 registrations start at once (a barrier) for 100 seats. On SQLite every one runs in its own
thread and connection; on PostgreSQL at most 60 run at once (the server's max_connections is
shared with other test databases), which still makes them queue on the event's row lock.
"""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.test import Client

from klynge.accounts import services as account_services
from klynge.accounts.tests.factories import UserFactory
from klynge.ecosystem.models import Person
from klynge.events import services
from klynge.events.models import Registration, RegistrationStatus
from klynge.events.tests.factories import EventFactory

SEATS, REQUESTS = 100, 300


def _people(n: int) -> list[Person]:
    return Person.objects.bulk_create(
        Person(first_name=f"Guest{i}", last_name="Race", email=f"race{i}@example.org")
        for i in range(n)
    )


def _workers() -> int:
    return REQUESTS if connection.vendor == "sqlite" else 60


def _run_all(task, items):
    barrier = threading.Barrier(min(_workers(), len(items)))
    started = threading.local()

    def run(item):
        if not getattr(started, "done", False):
            started.done = True
            try:
                barrier.wait(timeout=60)
            except threading.BrokenBarrierError:
                pass
        try:
            return task(item)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=_workers()) as pool:
        return list(pool.map(run, items))


@pytest.mark.django_db(transaction=True)
def test_300_concurrent_registrations_for_100_seats_through_the_service():
    event = EventFactory(capacity=SEATS, waitlist=True)
    people = _people(REQUESTS)

    def register(person):
        try:
            return services.register(actor=None, event=event, person=person).status
        except services.RegistrationRefused as refusal:
            return f"refused:{refusal.reason}"
        except Exception as error:
            return f"error:{type(error).__name__}:{error}"

    results = _run_all(register, people)
    assert [r for r in results if r.startswith("error")] == []
    assert results.count(RegistrationStatus.CONFIRMED) == SEATS
    assert results.count(RegistrationStatus.WAITLISTED) == REQUESTS - SEATS
    assert Registration.objects.filter(event=event, status="confirmed").count() == SEATS
    # The waiting list is in the order people came: everyone confirmed came before anyone
    # waitlisted (no seat went unsold while someone waited).
    by_time = list(
        Registration.objects.filter(event=event)
        .order_by("created_at", "id")
        .values_list("status", flat=True)
    )
    assert by_time == ["confirmed"] * SEATS + ["waitlisted"] * (REQUESTS - SEATS)


@pytest.mark.django_db(transaction=True)
def test_300_concurrent_api_registrations_without_a_waiting_list():
    staff = UserFactory(email="race-staff@cluster.example", is_staff=True)
    _token, secret = account_services.create_api_token(actor=staff, user=staff, name="race")
    event = EventFactory(capacity=SEATS, waitlist=False)
    people = _people(REQUESTS)
    url = f"/api/v1/events/{event.pk}/registrations"

    def register(person):
        client = Client(headers={"Authorization": f"Bearer {secret}"})
        response = client.post(url, {"person": person.pk}, content_type="application/json")
        return response.status_code, response.json()

    results = _run_all(register, people)
    codes = [code for code, _body in results]
    assert sorted(set(codes)) == [201, 409]
    assert codes.count(201) == SEATS
    assert codes.count(409) == REQUESTS - SEATS
    assert {body["status"] for code, body in results if code == 201} == {"confirmed"}
    assert {body["reason"] for code, body in results if code == 409} == {"full"}
    assert Registration.objects.filter(event=event, status="confirmed").count() == SEATS
    assert Registration.objects.filter(event=event).count() == SEATS


@pytest.mark.django_db(transaction=True)
def test_lowering_the_seats_while_people_register_never_leaves_more_confirmed_than_seats():
    """Staff lower the seats from 10 to 8 (several times, through the API) while 20 people
    register at once, with 8 seats already taken: either the seats go down first and every
    newcomer waits, or newcomers take seats first and lowering is refused with the field's
    message. Never more confirmed registrations than seats, never a 5xx."""
    staff = UserFactory(email="seats-staff@cluster.example", is_staff=True)
    _token, secret = account_services.create_api_token(actor=staff, user=staff, name="seats")
    event = EventFactory(capacity=10, waitlist=True)
    for person in _people(8):
        services.register(actor=None, event=event, person=person)
    newcomers = Person.objects.bulk_create(
        Person(first_name=f"New{i}", last_name="Race", email=f"new{i}@example.org")
        for i in range(20)
    )
    url = f"/api/v1/events/{event.pk}"

    def act(item):
        client = Client(headers={"Authorization": f"Bearer {secret}"})
        if item is None:
            response = client.patch(url, {"capacity": 8}, content_type="application/json")
        else:
            response = client.post(
                f"{url}/registrations", {"person": item.pk}, content_type="application/json"
            )
        return response.status_code, response.json()

    results = _run_all(act, [None] * 5 + newcomers)
    codes = sorted({code for code, _body in results})
    assert set(codes) <= {200, 201, 400}
    event.refresh_from_db()
    confirmed = Registration.objects.filter(event=event, status="confirmed").count()
    assert (event.capacity, confirmed, event.seats_taken) in [(8, 8, 8), (10, 10, 10)]
    refusals = [body["errors"] for code, body in results if code == 400]
    assert all(list(errors) == ["capacity"] for errors in refusals)
    if event.capacity == 10:  # newcomers were first: every lowering was refused
        assert len(refusals) == 5
