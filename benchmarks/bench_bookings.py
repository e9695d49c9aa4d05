"""Studio bookings at scale: 50 resources and 200,000 past and future bookings.

Run with `.venv/bin/python benchmarks/bench_bookings.py [--seconds 15] [--clients 16]
[--database-url postgres://.../EMPTY_SCRATCH_DB]`.
It builds a scratch database in a temporary directory (SQLite; or the PostgreSQL database in
--database-url, which it migrates and fills, so point it at an empty scratch database; never
var/), generates the resources and bookings with bulk inserts, then measures:

1. in-process and warm, the p50/p95 of one resource's availability for one week: the
   selector alone, the week grid the resource page shows, and the whole
   `GET /api/v1/resources/{id}/availability` through the test client, against a bare view
   through the same middleware (the baseline). Target (issue 5): p95 under 20 ms.
2. `gunicorn klynge.wsgi` with 2 workers (`--threads`, 4 by default as `klynge serve`), driven
   by N keep-alive clients: `POST /api/v1/bookings` for free slots (201), for taken slots (409),
   and `GET /healthz` on the same server as the baseline. Target: at least 100 bookings/s.
   Afterwards it checks in the database that no two held bookings overlap.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_events import _free_port, load

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable

SETUP = r"""
import datetime, json, random, sys, time
import django
django.setup()
from django.utils import timezone
from klynge.accounts import services as account_services
from klynge.accounts.models import User
from klynge.bookings import availability, services
from klynge.bookings.models import Booking, Resource

resources_n, bookings_n = int(sys.argv[1]), int(sys.argv[2])
began = time.perf_counter()
staff = User.objects.create_user("bench-staff@klynge.example", "bench-password-42", is_staff=True)
_token, secret = account_services.create_api_token(actor=staff, user=staff, name="bench")
resources = []
for i in range(resources_n):
    resource = services.create_resource(
        actor=staff, name=f"Studio {i:02d}", kind="studio", granularity_minutes=30,
        min_minutes=30, max_minutes=480, horizon_days=3650, buffer_after_minutes=15,
    )
    services.set_opening_hours(
        actor=staff, resource=resource, periods=[(d, 7 * 60, 22 * 60) for d in range(7)]
    )
    resources.append(resource)
users = User.objects.bulk_create(
    User(email=f"member{i}@bench.example", name=f"Member {i}") for i in range(200)
)
per_resource = bookings_n // resources_n
days_each_way = per_resource // 4  # two bookings a day, as many days back as ahead
today = timezone.localdate()
rng = random.Random(5)
batch = []
for resource in resources:
    for offset in range(-days_each_way, days_each_way):
        day = today + datetime.timedelta(days=offset)
        for hour in (9, 13):
            start = availability.at_local(day, hour * 60)
            end = start + datetime.timedelta(hours=rng.choice((1, 2, 3)))
            batch.append(Booking(
                resource=resource, user=rng.choice(users), start=start, end=end,
                blocked_start=start, blocked_end=end + datetime.timedelta(minutes=15),
                status="confirmed" if offset < 0 or rng.random() < 0.9 else "cancelled",
            ))
        if len(batch) >= 20000:
            Booking.objects.bulk_create(batch)
            batch = []
Booking.objects.bulk_create(batch)
print(json.dumps({
    "secret": secret, "resources": [r.pk for r in resources], "days": days_each_way,
    "bookings": Booking.objects.count(), "seconds": round(time.perf_counter() - began, 1),
}))
"""

MEASURE = r"""
import datetime, json, statistics, sys, time, types
import django
django.setup()
from django.http import HttpResponse
from django.test import Client
from django.test.utils import override_settings
from django.urls import path
from django.utils import timezone
import klynge.urls
from klynge.bookings import availability, selectors
from klynge.bookings.models import Resource

rounds, secret = int(sys.argv[1]), sys.argv[2]
module = types.ModuleType("bench_bookings_urls")
module.urlpatterns = [path("__baseline__", lambda request: HttpResponse("ok")), *klynge.urls.urlpatterns]
sys.modules["bench_bookings_urls"] = module
resources = list(Resource.objects.prefetch_related("opening_hours").order_by("pk"))
today = timezone.localdate()
monday = today - datetime.timedelta(days=today.weekday())
weeks = [monday + datetime.timedelta(weeks=w) for w in range(-20, 20)]
client = Client(headers={"Authorization": f"Bearer {secret}"}, HTTP_HOST="127.0.0.1")

def week(i):
    return resources[i % len(resources)], weeks[i % len(weeks)]

def selector(i):
    resource, day = week(i)
    start = availability.local_midnight(day)
    selectors.availability_for(resource, start, start + datetime.timedelta(days=7)).free

def grid(i):
    resource, day = week(i)
    selectors.week_grid(resource, day)

def api(i):
    resource, day = week(i)
    start = availability.local_midnight(day)
    response = client.get(
        f"/api/v1/resources/{resource.pk}/availability",
        {"start": start.isoformat(), "end": (start + datetime.timedelta(days=7)).isoformat()},
    )
    assert response.status_code == 200, response.content

def baseline(i):
    assert client.get("/__baseline__").status_code == 200

tests = {
    "bare view (baseline)": baseline,
    "availability selector, 1 week": selector,
    "week grid (resource page), 1 week": grid,
    "GET /api/v1/.../availability, 1 week": api,
}
timings = {name: [] for name in tests}
with override_settings(ROOT_URLCONF="bench_bookings_urls"):
    for i in range(20):  # warm
        for fn in tests.values():
            fn(i)
    for i in range(rounds):  # interleaved, so drift hits every test alike
        for name, fn in tests.items():
            began = time.perf_counter()
            fn(i)
            timings[name].append((time.perf_counter() - began) * 1000)
out = {}
for name, values in timings.items():
    values.sort()
    out[name] = {"p50": statistics.median(values), "p95": values[int(len(values) * 0.95) - 1]}
print(json.dumps(out))
"""

CHECK = r"""
import json
import django
django.setup()
from django.db import connection
from klynge.bookings.models import Booking
with connection.cursor() as cursor:
    cursor.execute(
        "SELECT COUNT(*) FROM bookings_booking b WHERE b.status IN ('pending','confirmed','offered')"
        " AND EXISTS (SELECT 1 FROM bookings_booking o WHERE o.resource_id = b.resource_id"
        " AND o.id <> b.id AND o.status IN ('pending','confirmed','offered')"
        " AND o.blocked_start < b.blocked_end AND o.blocked_end > b.blocked_start)"
    )
    (overlapping,) = cursor.fetchone()
print(json.dumps({"bookings": Booking.objects.count(), "overlapping": overlapping}))
"""


def _run(env, code, *args) -> dict:
    out = subprocess.run(
        [PYTHON, "-c", code, *map(str, args)], env=env, check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resources", type=int, default=50)
    parser.add_argument("--bookings", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=300, help="in-process rounds per test")
    parser.add_argument("--seconds", type=float, default=15, help="per HTTP run")
    parser.add_argument("--clients", default="4,16", help="comma-separated client counts")
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker")
    parser.add_argument("--database-url", default="", help="an EMPTY scratch PostgreSQL database")
    args = parser.parse_args()

    data_dir = tempfile.mkdtemp(prefix="klynge-bench-bookings-")
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "klynge.settings",
        "KLYNGE_DEBUG": "false",
        "KLYNGE_SECRET_KEY": "benchmark-secret-key-benchmark-secret-key",
        "KLYNGE_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "KLYNGE_SSL_REDIRECT": "false",
        "KLYNGE_DATA_DIR": data_dir,
        "KLYNGE_LANGUAGE": "en",
        "KLYNGE_LOG_LEVEL": "ERROR",
        "KLYNGE_TASKS_BACKEND": "immediate",
        "KLYNGE_EMAIL_BACKEND": "file",
        "PYTHONPATH": str(ROOT / "src"),
    }
    env.pop("DATABASE_URL", None)
    if args.database_url:
        env["DATABASE_URL"] = args.database_url
    backend = "postgresql" if args.database_url.startswith("postgres") else "sqlite"
    quiet = {"env": env, "check": True, "stdout": subprocess.DEVNULL}
    subprocess.run([PYTHON, "-m", "klynge", "migrate", "--no-input"], **quiet)
    setup = _run(env, SETUP, args.resources, args.bookings)
    measured = _run(env, MEASURE, args.rounds, setup["secret"])

    server = subprocess.Popen(
        [PYTHON, "-m", "gunicorn", "klynge.wsgi", "--workers", "2", "--threads",
         str(args.threads), "--bind", f"127.0.0.1:{port}", "--timeout", "60",
         "--log-level", "warning"],
        env=env,
    )  # fmt: skip
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        headers = {"Authorization": f"Bearer {setup['secret']}", "Content-Type": "application/json"}
        resources = setup["resources"]
        import datetime
        import zoneinfo

        tz = zoneinfo.ZoneInfo(os.environ.get("KLYNGE_TIME_ZONE", "Europe/Copenhagen"))
        today = datetime.date.today()
        taken_lock = threading.Lock()
        counters = {"free": iter(range(10**9)), "taken": iter(range(10**9))}

        def booking(kind):
            def request_for(n):
                with taken_lock:
                    i = next(counters[kind])
                resource = resources[i % len(resources)]
                day = today + datetime.timedelta(
                    days=2 + (i // len(resources)) % (setup["days"] - 3)
                )
                # Free: 17:00, then 18:00 ... on later rounds (never taken by the generated bookings, which
                # end by 16:15); taken: 09:30, inside a generated booking.
                if kind == "free":
                    hour, minute = 17 + (i // (len(resources) * (setup["days"] - 3))) % 5, 0
                else:
                    hour, minute = 9, 30
                start = datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=tz)
                end = start + datetime.timedelta(minutes=30)
                body = json.dumps(
                    {"resource": resource, "start": start.isoformat(), "end": end.isoformat()}
                )
                return ("POST", "/api/v1/bookings", body, headers)

            return request_for

        health = lambda n: ("GET", "/healthz", None, {})  # noqa: E731
        load(port, 2, 4, health)  # warm up both workers
        clients = [int(c) for c in args.clients.split(",")]
        http_results = {
            f"GET /healthz (baseline) c={clients[-1]}": load(
                port, args.seconds, clients[-1], health
            )
        }
        for c in clients:
            http_results[f"POST /api/v1/bookings free c={c}"] = load(
                port, args.seconds, c, booking("free")
            )
            http_results[f"POST /api/v1/bookings taken c={c}"] = load(
                port, args.seconds, c, booking("taken")
            )
    finally:
        server.terminate()
        server.wait(timeout=30)
    check = _run(env, CHECK)
    shutil.rmtree(data_dir, ignore_errors=True)

    print(
        f"Klynge bookings, {backend}, {setup['bookings']:,} bookings on {args.resources} resources "
        f"(generated in {setup['seconds']} s), Python {sys.version.split()[0]}, "
        f"{os.cpu_count()} CPUs"
    )
    print(f"\nIn-process, warm, {args.rounds} interleaved rounds")
    print(f"{'test':42} {'p50 ms':>8} {'p95 ms':>8} {'x baseline (p50)':>17}")
    base = measured["bare view (baseline)"]["p50"]
    for name, r in measured.items():
        print(f"{name:42} {r['p50']:8.2f} {r['p95']:8.2f} {r['p50'] / base:17.1f}")
    print(f"\nThrough gunicorn (2 workers x {args.threads} threads), {args.seconds:.0f} s per run")
    print(
        f"{'test':42} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'5xx':>5} {'x baseline':>10}  statuses"
    )
    base_rps = next(iter(http_results.values()))["rps"]
    for name, r in http_results.items():
        print(
            f"{name:42} {r['rps']:8.1f} {r['p50']:8.1f} {r['p95']:8.1f} {r['5xx']:5d} "
            f"{r['rps'] / base_rps:10.2f}  {r['statuses']}"
        )
    print(
        f"\nDatabase after the runs: {check['bookings']:,} bookings, "
        f"{check['overlapping']} held bookings overlapping another."
    )
    if check["overlapping"]:
        raise SystemExit("OVERLAP")


if __name__ == "__main__":
    main()
