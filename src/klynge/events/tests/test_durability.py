"""Every confirmed registration survives a hard kill of the server under load.

`klynge serve` (gunicorn, 2 workers, as `make run` starts it) runs in its own process group on
the test database (SQLite's test file, or PostgreSQL's test database), while 16 clients register
people through the API for an event with fewer seats than people. Mid-load the whole process
group gets SIGKILL: no shutdown, requests cut off halfway. After a restart, every registration
that was answered 201 is in the database with the status it was answered with, nobody is
registered twice, the seats are not oversold, and the people whose requests were cut off can
simply try again (201, or 409 "already registered" if their registration had committed).
Runs on both engines (CI runs the suite on SQLite and on PostgreSQL).
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter

import pytest
from django.db import connection

from klynge.accounts import services as account_services
from klynge.accounts.tests.factories import UserFactory
from klynge.ecosystem.models import Person
from klynge.events.models import ACTIVE_STATUSES, Registration, RegistrationStatus
from klynge.events.tests.factories import EventFactory

SEATS, PEOPLE, CLIENTS = 120, 400, 16
CUT_OFF = object()  # the request got no answer: the server died under it


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _database_url() -> str:
    """The database this test runs on, for the server process."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    return (
        f"postgres://{settings['USER']}:{settings['PASSWORD']}@{settings['HOST'] or 'localhost'}"
        f":{settings['PORT'] or 5432}/{settings['NAME']}"
    )


def _start(port: int, tmp_path) -> subprocess.Popen:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "klynge.settings",
        "DATABASE_URL": _database_url(),
        "KLYNGE_DEBUG": "false",
        "KLYNGE_SECRET_KEY": "durability-test-secret-key-durability-test",
        "KLYNGE_ALLOWED_HOSTS": "127.0.0.1",
        "KLYNGE_SSL_REDIRECT": "false",
        "KLYNGE_DATA_DIR": str(tmp_path),
        "KLYNGE_LANGUAGE": "en",
        "KLYNGE_LOG_LEVEL": "ERROR",
    }
    serve = ["serve", "--port", str(port), "--workers", "2", "--no-periodic", "--no-worker"]
    server = subprocess.Popen(
        [sys.executable, "-m", "klynge", *serve, "--no-access-log"],
        env=env,
        stdout=open(tmp_path / "serve.log", "a"),  # closed when the process ends
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: one SIGKILL takes gunicorn and workers
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert server.poll() is None, (tmp_path / "serve.log").read_text()
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.2)
    raise AssertionError("the server did not start:\n" + (tmp_path / "serve.log").read_text())


def _kill(server: subprocess.Popen) -> None:
    try:
        os.killpg(server.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    server.wait(timeout=30)


def _register(port: int, secret: str, event_id: int, person_id: int):
    """(status, body) of one registration, or CUT_OFF when the connection broke."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(
            "POST",
            f"/api/v1/events/{event_id}/registrations",
            body=json.dumps({"person": person_id}),
            headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/json"},
        )
        response = conn.getresponse()
        return response.status, json.loads(response.read() or b"null")
    except (OSError, http.client.HTTPException, ValueError):
        return CUT_OFF
    finally:
        conn.close()


@pytest.mark.django_db(transaction=True)
def test_every_confirmed_registration_survives_a_hard_kill_under_load(tmp_path):
    staff = UserFactory(is_staff=True)
    _token, secret = account_services.create_api_token(actor=staff, user=staff, name="kill")
    event = EventFactory(capacity=SEATS, waitlist=True)
    people = Person.objects.bulk_create(
        Person(first_name=f"Guest{i}", last_name="Kill", email=f"kill{i}@example.org")
        for i in range(PEOPLE)
    )
    queue = iter([p.pk for p in people])
    lock = threading.Lock()
    answers: dict[int, object] = {}
    port = _free_port()
    server = _start(port, tmp_path)

    def client():
        while True:
            with lock:
                person_id = next(queue, None)
            if person_id is None:
                return
            answer = _register(port, secret, event.pk, person_id)
            with lock:
                answers[person_id] = answer
            if answer is CUT_OFF:
                return  # the server is gone

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    try:
        for thread in threads:
            thread.start()
        # Kill once a good part of the seats are taken, while requests are in flight.
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with lock:
                done = sum(1 for a in answers.values() if a is not CUT_OFF and a[0] == 201)
            if done >= SEATS * 2 // 3:
                break
            time.sleep(0.005)
        _kill(server)
        for thread in threads:
            thread.join(timeout=60)
    finally:
        _kill(server)

    answered = {pk: a for pk, a in answers.items() if a is not CUT_OFF}
    cut_off = [pk for pk, a in answers.items() if a is CUT_OFF]
    statuses = Counter(a[0] for a in answered.values())
    assert set(statuses) <= {201}, statuses  # no 5xx (nor anything else) before the kill
    assert len(answered) >= SEATS * 2 // 3
    assert cut_off, "the kill came when no request was in flight"

    # After the restart: every 201 is in the database, as it was answered.
    registrations = {
        r.person_id: r for r in Registration.objects.filter(event=event).order_by("pk")
    }
    for person_id, (_status, body) in answered.items():
        registration = registrations.get(person_id)
        assert registration is not None, f"registration {body['id']} answered 201 is lost"
        assert registration.pk == body["id"]
        assert registration.status == body["status"]
    assert sum(r.status == RegistrationStatus.CONFIRMED for r in registrations.values()) <= SEATS

    # Those cut off try again on the restarted server: one registration each, never two.
    server = _start(port, tmp_path)
    try:
        retried = {pk: _register(port, secret, event.pk, pk) for pk in cut_off}
        never_sent = [pk for pk in (p.pk for p in people) if pk not in answers][:40]
        retried |= {pk: _register(port, secret, event.pk, pk) for pk in never_sent}
    finally:
        _kill(server)
    for person_id, answer in retried.items():
        assert answer is not CUT_OFF
        status, body = answer
        if status == 409:
            assert body["reason"] == "already_registered"
            assert person_id in registrations  # it had committed before the kill
        else:
            assert status == 201, (status, body)

    active = Registration.objects.filter(event=event, status__in=ACTIVE_STATUSES)
    per_person = Counter(active.values_list("person_id", flat=True))
    assert per_person and max(per_person.values()) == 1
    assert len(per_person) == len(answered) + len(retried)
    confirmed = active.filter(status=RegistrationStatus.CONFIRMED).count()
    assert confirmed <= SEATS
    if active.filter(status=RegistrationStatus.WAITLISTED).exists():
        assert confirmed == SEATS  # nobody waits while a seat is free
