"""Periodic jobs: which are due, and `klynge run_periodic --once` running them for real."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from klynge.core import periodic
from klynge.ecosystem.tests.factories import PersonFactory
from klynge.events import services
from klynge.events.models import Registration, RegistrationStatus
from klynge.events.tests.factories import EventFactory

MINUTE = datetime.timedelta(minutes=1)


def test_jobs_are_due_when_never_run_or_their_interval_has_passed(monkeypatch):
    monkeypatch.setattr(periodic, "_JOBS", {})
    often = periodic.Job("often", every=5 * MINUTE)
    daily = periodic.Job("daily", every=24 * 60 * MINUTE)
    periodic.register(often)
    periodic.register(daily)
    assert periodic.due({}, now=1000.0) == [often, daily]
    assert periodic.due({"often": 1000.0, "daily": 1000.0}, now=1299.0) == []
    assert periodic.due({"often": 1000.0, "daily": 1000.0}, now=1300.0) == [often]


def test_the_apps_register_their_jobs():
    commands = {job.command: job for job in periodic.registered()}
    assert commands["expire_event_offers"].every == 5 * MINUTE
    assert commands["expire_event_offers"].base_url
    assert commands["run_renewals"].every == datetime.timedelta(days=1)


@pytest.mark.django_db(transaction=True)
def test_run_once_runs_every_job_and_a_failing_one_stops_no_other(
    monkeypatch, django_capture_on_commit_callbacks
):
    event = EventFactory(capacity=1, offer_hours=1)
    first, second = (
        PersonFactory(email="first@example.org"),
        PersonFactory(email="second@example.org"),
    )
    with django_capture_on_commit_callbacks(execute=True):
        for person in (first, second):
            services.register(actor=None, event=event, person=person)
        services.cancel_registration(
            actor=None, registration=Registration.objects.get(person=first)
        )
    Registration.objects.filter(person=second).update(offered_until=timezone.now() - MINUTE)
    monkeypatch.setattr(periodic, "_JOBS", {})
    periodic.register(periodic.Job("no_such_command", every=MINUTE))
    periodic.register(periodic.Job("expire_event_offers", every=5 * MINUTE, base_url=True))
    out, err = StringIO(), StringIO()

    call_command("run_periodic", "--once", stdout=out, stderr=err)

    assert "Expired 1 offers." in out.getvalue()
    assert "The periodic job no_such_command failed" in err.getvalue()
    assert Registration.objects.get(person=second).status == RegistrationStatus.EXPIRED
