"""Survey results at scale: the annual member survey with 10,000 responses (about 150,000
answers) from 2,000 organisations of every size, kind, sector and tier.

Run with `.venv/bin/python benchmarks/bench_surveys.py [--responses N] [--rounds N]`.
It builds a throw-away SQLite database (or uses the PostgreSQL database in DATABASE_URL, which it
fills, so point it at an empty scratch database), generates the responses with bulk inserts,
then measures, warm and in-process, the p50/p95 of: the results without and with a breakdown
(size, which partitions the respondents; sector, which does not), the whole staff results page
and the API's results, the CSV and XLSX exports, and one answer saved through the service (each
round a new invitation), against a bare view through the same middleware (the baseline). It also
prints the queries each results page needs, which stay the same whatever the number of responses.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import statistics
import sys
import tempfile
import time
import types

DATA_DIR = os.environ.get("KLYNGE_BENCH_DIR") or tempfile.mkdtemp(prefix="klynge-bench-surveys-")
os.environ.update(
    {
        "DJANGO_SETTINGS_MODULE": "klynge.settings",
        "KLYNGE_DEBUG": "false",
        "KLYNGE_SECRET_KEY": "benchmark-secret-key-benchmark-secret-key",
        "KLYNGE_ALLOWED_HOSTS": "testserver",
        "KLYNGE_SSL_REDIRECT": "false",
        "KLYNGE_DATA_DIR": DATA_DIR,
        "KLYNGE_TASKS_BACKEND": "immediate",
        "KLYNGE_LANGUAGE": "en",
        "KLYNGE_LOG_LEVEL": "ERROR",
    }
)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402
from django.urls import path  # noqa: E402

KINDS = ["company", "startup", "media_house", "university", "public_body", "association"]
SECTORS = [1, 2, 4, 8, 16, 3, 6, 12]  # top-level sector bits, some organisations in two


def _urlconf():
    from klynge import urls

    def baseline(request):
        return HttpResponse("ok")

    module = types.ModuleType("bench_urls")
    module.urlpatterns = [path("__baseline__", baseline), *urls.urlpatterns]
    return module


def generate(responses: int, organisations: int) -> int:
    """The survey, its organisations, people, invitations, responses and answers; returns the
    survey's id."""
    from django.utils import timezone

    from klynge.ecosystem.models import Organisation, Person
    from klynge.membership.models import Tier
    from klynge.surveys import services
    from klynge.surveys.annual import create_annual_member_survey
    from klynge.surveys.models import Answer, Invitation, QuestionKind, Response

    rng = random.Random(7)
    tiers = [Tier.objects.create(name=name, position=n) for n, name in
             enumerate(["Startup", "Small company", "Large company", "Education"])]  # fmt: skip
    orgs = Organisation.objects.bulk_create(
        Organisation(
            name=f"Bench organisation {n}",
            slug=f"bench-{n}",
            kind=rng.choice(KINDS),
            country="DK",
            employees=rng.choice([3, 8, 20, 45, 120, 600]),
            size_band=rng.choice(["micro", "small", "medium", "large"]),
            sector_bits=rng.choice(SECTORS),
            membership_status="member",
            membership_tier=rng.choice(tiers),
        )
        for n in range(organisations)
    )
    survey = create_annual_member_survey(actor=None, year=2025)
    survey = services.open_survey(
        actor=None,
        survey=survey,
        closes_at=timezone.now() + datetime.timedelta(days=30),
    )
    people = Person.objects.bulk_create(
        Person(first_name=f"Bench{n}", last_name="Person", email=f"bench{n}@example.org")
        for n in range(responses + 1000)
    )
    now = timezone.now()
    invitations = Invitation.objects.bulk_create(
        Invitation(
            survey=survey,
            person=person,
            organisation=orgs[n % len(orgs)],
            email=person.email,
            language="en",
            last_sent_at=now,
            responded=n < responses,
        )
        for n, person in enumerate(people)
    )
    questions = services.questions_of(survey)
    batch_responses, batch_answers = [], []
    for n, invitation in enumerate(invitations[:responses]):
        org = orgs[n % len(orgs)]
        response = Response(
            survey=survey,
            identified=True,
            invitation=invitation,
            person_id=invitation.person_id,
            organisation=org,
            submitted_at=now,
            sector_bits=org.sector_bits,
            size_band=org.size_band,
            kind=org.kind,
            tier=org.membership_tier.name,
        )
        batch_responses.append(response)
        given = {}
        for question in questions:
            options = list(question.options.all())
            source = question.condition_question_id
            if source and not (given.get(source, set()) & set(question.condition_values)):
                continue
            kind = question.kind
            if kind == QuestionKind.MULTIPLE:
                chosen = rng.sample(options, rng.randint(1, len(options)))
                batch_answers += [Answer(response=response, question=question, option=o)
                                  for o in chosen]  # fmt: skip
                given[question.pk] = {o.value for o in chosen}
            elif kind == QuestionKind.SINGLE:
                option = rng.choice(options)
                batch_answers.append(Answer(response=response, question=question, option=option))
            elif kind == QuestionKind.YES_NO:
                yes = rng.random() < 0.6
                batch_answers.append(Answer(response=response, question=question, number=int(yes)))
                given[question.pk] = {"yes" if yes else "no"}
            elif kind == QuestionKind.MATRIX:
                batch_answers += [
                    Answer(response=response, question=question, option=row,
                           number=rng.randint(1, 5))
                    for row in options
                ]  # fmt: skip
            elif kind in (QuestionKind.SCALE, QuestionKind.NPS):
                value = rng.choice(list(question.scale_range))
                batch_answers.append(Answer(response=response, question=question, number=value))
            elif rng.random() < 0.3:
                text = rng.choice(["More studio time.", "Funding advice.", "Talent."])
                batch_answers.append(Answer(response=response, question=question, text=text))
        if len(batch_responses) >= 2000:
            Response.objects.bulk_create(batch_responses)
            Answer.objects.bulk_create(batch_answers, batch_size=5000)
            batch_responses, batch_answers = [], []
    Response.objects.bulk_create(batch_responses)
    Answer.objects.bulk_create(batch_answers, batch_size=5000)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return survey.pk


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--responses", type=int, default=10_000)
    parser.add_argument("--organisations", type=int, default=2_000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)
    from klynge.accounts import services as account_services
    from klynge.accounts.models import User
    from klynge.surveys import services
    from klynge.surveys.exporting import csv_bytes, export_table, xlsx_bytes
    from klynge.surveys.models import Answer, Invitation, Survey
    from klynge.surveys.results import survey_results

    started = time.perf_counter()
    survey = Survey.objects.first()
    if survey is None:
        survey = Survey.objects.get(pk=generate(args.responses, args.organisations))
    print(
        f"generated {survey.responses.count()} responses, {Answer.objects.count()} answers, "
        f"{Invitation.objects.count()} invitations in {time.perf_counter() - started:.0f} s"
    )
    staff, _created = User.objects.get_or_create(
        email="bench@klynge.example", defaults={"is_staff": True}
    )
    client = Client()
    client.force_login(staff)
    _token, secret = account_services.create_api_token(actor=staff, user=staff, name="bench")
    api = Client(headers={"Authorization": f"Bearer {secret}"})
    by_key = {q.key: q for q in survey.questions.all()}
    spare = list(Invitation.objects.filter(survey=survey, responded=False).order_by("id"))

    def answer_once():
        invitation = spare.pop()
        data = {
            f"q{by_key['nps'].pk}": "9",
            f"q{by_key['satisfaction'].pk}": "4",
            f"q{by_key['services-used'].pk}": ["events", "studios"],
            f"q{by_key['satisfaction-events'].pk}": "5",
            f"q{by_key['satisfaction-studios'].pk}": "4",
            f"q{by_key['needs'].pk}": "A studio for a pilot.",
            f"q{by_key['launched-innovation'].pk}": "yes",
            f"q{by_key['cluster-contribution'].pk}": "somewhat",
            f"q{by_key['received-funding'].pk}": "no",
        }
        services.submit_response(invitation=invitation, data=data)

    results_url = f"/surveys/manage/{survey.pk}/results/"
    cases = {
        "baseline view": lambda: client.get("/__baseline__"),
        "results (selector, no breakdown)": lambda: survey_results(survey),
        "results (selector, by size)": lambda: survey_results(survey, dimension="size"),
        "results (selector, by sector)": lambda: survey_results(survey, dimension="sector"),
        "results page, staff, texts, by size": lambda: client.get(results_url + "?by=size"),
        "API results by tier": lambda: api.get(f"/api/v1/surveys/{survey.pk}/results?by=tier"),
        "CSV export (table + file)": lambda: csv_bytes(export_table(survey)),
        "XLSX export (table + file)": lambda: xlsx_bytes(export_table(survey), "Responses"),
        "one answer saved (service)": answer_once,
    }
    timings: dict[str, list[float]] = {name: [] for name in cases}
    queries: dict[str, int] = {}
    with override_settings(ROOT_URLCONF=_urlconf()):
        for name, case in cases.items():  # warm up, and count the queries
            with CaptureQueriesContext(connection) as captured:
                response = case()
            queries[name] = len(captured)
            if hasattr(response, "status_code"):
                assert response.status_code == 200, (name, response.status_code)
        for _ in range(args.rounds):
            for name, case in cases.items():
                reset_queries()
                start = time.perf_counter()
                case()
                timings[name].append(time.perf_counter() - start)

    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    base = statistics.median(timings["baseline view"])
    print(
        f"Klynge surveys benchmark: {survey.responses.count()} responses, "
        f"{Answer.objects.count()} answers, {args.rounds} rounds, {engine}, "
        f"Python {sys.version.split()[0]}"
    )
    print(f"{'case':40} {'queries':>8} {'p50 ms':>9} {'p95 ms':>9} {'× baseline':>11}")
    for name, values in timings.items():
        p50, p95 = statistics.median(values), percentile(values, 0.95)
        print(f"{name:40} {queries[name]:8} {p50 * 1000:9.1f} {p95 * 1000:9.1f} {p50 / base:11.0f}")


if __name__ == "__main__":
    main()
