"""Studio bookings at scale: 50 resources and 200,000 past and future bookings.

Run with `.venv/bin/python benchmarks/bench_bookings.py [--seconds 15] [--clients 4,16]
[--database-url postgres://.../EMPTY_SCRATCH_DB] [--log-file server.log]`.
It builds a scratch database in a temporary directory (SQLite; or the PostgreSQL database in
--database-url, which it migrates and fills, so point it at an empty scratch database; never
var/), generates the resources, 20 member organisations with 40 bookers and the bookings with
bulk inserts, then measures:

1. in-process and warm, the p50/p95 of one resource's availability for one week: the
   selector alone, the week grid the resource page shows, and the whole
   `GET /api/v1/resources/{id}/availability` through the test client, against a bare view
   through the same middleware (the baseline). Target (issue 5): p95 under 20 ms.
2. in-process, one booking request (`POST /api/v1/bookings` through the test client, a member
   with included hours): queries per request, the time inside the write transaction (on SQLite
   the time the database's write lock is held) and the whole request.
3. `gunicorn klynge.wsgi` with 2 workers (`--threads`, 2 by default as `klynge serve`), driven
   by N keep-alive clients: `POST /api/v1/bookings` for free slots (201), for a taken slot (409),
   and `GET /healthz` on the same server as the baseline. Target: at least 100 bookings/s.
   Afterwards it checks in the database that no two held bookings overlap.

Load generators: `hey` (apt-get install hey) when installed, for the runs that repeat one
request (the baseline and the taken slot); the free-slot runs need a different body per
request, which hey cannot send: `wrk` with a Lua script that hands each request the next free
slot (benchmarks/loadgen.py; apt-get install wrk) when installed, else the built-in Python
generator (keep-alive connections, one thread per client, which takes a good share of 2 CPUs).
`--load python` uses Python for everything. The table says which ran.

Investigating errors: `--log-file PATH` writes gunicorn's and Django's log (tracebacks of any
500) to PATH and prints a summary of the exceptions found in it; `--repeat N` repeats the HTTP
runs; `--busy N` keeps N CPU-bound processes running during them (a busy machine);
`--data-dir DIR` keeps the generated database in DIR and reuses it on the next run (SQLite only);
`--src DIR` runs another checkout's `src/` (e.g. `git worktree add /tmp/before HEAD`) for a
before/after comparison on the same machine. `--sqlite-churn 90` checks SQLite alone with the
PRAGMAs from settings under connection churn (the cause of the 500s: "disk I/O error" from
`PRAGMA mmap_size` with a connection per request), against the same without mmap_size and with
kept connections.
"""

from __future__ import annotations

import argparse
import collections
import datetime
import http.client
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zoneinfo
from pathlib import Path

from loadgen import wrk_available, wrk_run

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable

# Slots: the generated bookings start at 09:00 and 13:00 (ending by 16:15, buffer included);
# the HTTP free-slot runs book 17:00–20:30 (30 minutes, 15 minutes' buffer after), the
# in-process profile 21:00. Resources are open 07:00–22:00.
FREE_HOURS = (17, 18, 19, 20)
FREE_PER_SECOND = 400  # free slots prepared per second of a wrk run
PROFILE_HOUR = 21

SETUP = r"""
import datetime, json, random, sys, time
import django
django.setup()
from django.utils import timezone
from klynge.accounts import services as account_services
from klynge.accounts.models import User
from klynge.bookings import availability, services
from klynge.bookings.models import Booking, Resource
from klynge.ecosystem.models import AffiliationRole
from klynge.ecosystem.tests.factories import AffiliationFactory, OrganisationFactory, PersonFactory
from klynge.membership.tests.factories import MembershipFactory, TierFactory

resources_n, bookings_n = int(sys.argv[1]), int(sys.argv[2])
began = time.perf_counter()
staff = User.objects.create_user("bench-staff@klynge.example", "bench-password-42", is_staff=True)
_token, staff_secret = account_services.create_api_token(actor=staff, user=staff, name="bench")
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
# 20 member organisations on a tier with (practically) unlimited hours, so every booking runs
# the quota count without being refused; two bookers each, with API tokens.
tier = TierFactory(name="Bench tier", studio_hours_per_month=30000)  # smallint
members, secrets = [], []
for o in range(20):
    organisation = OrganisationFactory(name=f"Bench member {o:02d}", membership_status="member")
    MembershipFactory(
        organisation=organisation, tier=tier, start_date=datetime.date(2000, 1, 1),
        end_date=datetime.date(2099, 12, 31),
    )
    for p in range(2):
        user = User.objects.create_user(f"booker{o}-{p}@bench.example", name=f"Booker {o}-{p}")
        AffiliationFactory(
            person=PersonFactory(email=user.email, user=user), organisation=organisation,
            role=AffiliationRole.EMPLOYEE,
        )
        members.append((user, organisation))
        secrets.append(account_services.create_api_token(actor=user, user=user, name="b")[1])
per_resource = bookings_n // resources_n
days_each_way = max(8, per_resource // 4)  # two bookings a day, as many days back as ahead
today = timezone.localdate()
rng = random.Random(5)
batch = []
for resource in resources:
    for offset in range(-days_each_way, days_each_way):
        day = today + datetime.timedelta(days=offset)
        for hour in (9, 13):
            start = availability.at_local(day, hour * 60)
            end = start + datetime.timedelta(hours=rng.choice((1, 2, 3)))
            user, organisation = rng.choice(members)
            # The 09:00 bookings always hold their slot (the taken-slot runs ask for 09:30).
            cancelled = hour == 13 and offset >= 0 and rng.random() < 0.1
            batch.append(Booking(
                resource=resource, user=user, organisation=organisation, start=start, end=end,
                blocked_start=start, blocked_end=end + datetime.timedelta(minutes=15),
                status="cancelled" if cancelled else "confirmed",
            ))
        if len(batch) >= 20000:
            Booking.objects.bulk_create(batch)
            batch = []
Booking.objects.bulk_create(batch)
print(json.dumps({
    "staff_secret": staff_secret, "secrets": secrets, "resources": [r.pk for r in resources],
    "days": days_each_way, "bookings": Booking.objects.count(),
    "seconds": round(time.perf_counter() - began, 1),
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
cpu = {name: [] for name in tests}
with override_settings(ROOT_URLCONF="bench_bookings_urls"):
    for i in range(20):  # warm
        for fn in tests.values():
            fn(i)
    for i in range(rounds):  # interleaved, so drift hits every test alike
        for name, fn in tests.items():
            began, began_cpu = time.perf_counter(), time.process_time()
            fn(i)
            timings[name].append((time.perf_counter() - began) * 1000)
            cpu[name].append((time.process_time() - began_cpu) * 1000)
out = {}
for name, values in timings.items():
    values.sort()
    out[name] = {
        "p50": statistics.median(values),
        "p95": values[int(len(values) * 0.95) - 1],
        "cpu": statistics.median(cpu[name]),
    }
print(json.dumps(out))
"""

# One booking request in-process: queries, time inside the write transaction, whole request.
PROFILE = r"""
import collections, datetime, json, statistics, sys, time
import django
django.setup()
from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from klynge.bookings import availability
from klynge.bookings.models import Resource

rounds, days, hour = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
secrets, first = json.loads(sys.argv[4]), int(sys.argv[5])
resources = list(Resource.objects.order_by("pk").values_list("pk", flat=True))
today = timezone.localdate()
transactions = []
began_at = []
set_autocommit, commit = BaseDatabaseWrapper.set_autocommit, BaseDatabaseWrapper.commit

def timed_set_autocommit(self, autocommit, *args, **kwargs):
    if not autocommit:
        began_at.append(time.perf_counter())
    return set_autocommit(self, autocommit, *args, **kwargs)

def timed_commit(self):
    result = commit(self)
    if began_at:
        transactions.append((time.perf_counter() - began_at.pop()) * 1000)
    return result

BaseDatabaseWrapper.set_autocommit = timed_set_autocommit
BaseDatabaseWrapper.commit = timed_commit
clients = [Client(headers={"Authorization": f"Bearer {s}"}, HTTP_HOST="127.0.0.1") for s in secrets]

def book(i):
    i += first
    resource = resources[i % len(resources)]
    day = today + datetime.timedelta(days=2 + (i // len(resources)) % (days - 3))
    start = availability.at_local(day, hour * 60)
    body = {"resource": resource, "start": start.isoformat(),
            "end": (start + datetime.timedelta(minutes=30)).isoformat()}
    return clients[i % len(clients)].post("/api/v1/bookings", body, content_type="application/json")

for i in range(10):  # warm
    assert book(i).status_code == 201
requests, queries, in_transaction, shapes = [], [], [], collections.Counter()
cpu = []
for i in range(10, 10 + rounds):
    del transactions[:]
    with CaptureQueriesContext(connection) as captured:
        began, began_cpu = time.perf_counter(), time.process_time()
        response = book(i)
        requests.append((time.perf_counter() - began) * 1000)
        cpu.append((time.process_time() - began_cpu) * 1000)
    assert response.status_code == 201, response.content
    queries.append(len(captured.captured_queries))
    in_transaction.append(sum(transactions))
    if i == 10:
        shapes.update(q["sql"][:110] for q in captured.captured_queries)
print(json.dumps({
    "queries": statistics.median(queries),
    "transaction_ms": statistics.median(in_transaction),
    "transaction_p95_ms": sorted(in_transaction)[int(len(in_transaction) * 0.95) - 1],
    "request_ms": statistics.median(requests),
    "request_p95_ms": sorted(requests)[int(len(requests) * 0.95) - 1],
    "cpu_ms": statistics.median(cpu),
    "shapes": [f"{n} x {sql}" for sql, n in shapes.items()],
}))
"""

CHECK = r"""
import json
import django
django.setup()
from django.db import connection
from klynge.bookings.models import Booking
# A held booking overlaps an earlier one (by blocked_start) of its resource if it starts before
# the latest end among them: one pass over the index with a window function, on both engines
# (a self-join would compare every pair of a resource's bookings).
with connection.cursor() as cursor:
    cursor.execute(
        "SELECT COUNT(*) FROM (SELECT blocked_start, MAX(blocked_end) OVER ("
        " PARTITION BY resource_id ORDER BY blocked_start, id"
        " ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS latest_end"
        " FROM bookings_booking WHERE status IN ('pending','confirmed','offered')) AS held"
        " WHERE latest_end > blocked_start"
    )
    (overlapping,) = cursor.fetchone()
print(json.dumps({"bookings": Booking.objects.count(), "overlapping": overlapping}))
"""

# SQLite alone, no Django: 2 processes x 4 threads open a connection with the given PRAGMAs, read,
# write in BEGIN IMMEDIATE, and close it (or keep it: argv[3]); counts the errors. With
# `PRAGMA mmap_size` and a connection per request this gives SQLITE_IOERR_SHORT_READ ("disk I/O
# error") and "file is not a database" within a minute or two on SQLite 3.40 (--sqlite-churn).
CHURN = r"""
import collections, json, multiprocessing, os, queue, random, sqlite3, sys, threading, time
path, seconds, keep, pragmas = sys.argv[1], float(sys.argv[2]), sys.argv[3] == "1", json.loads(sys.argv[4])

def connect():
    c = sqlite3.connect(path, timeout=20, isolation_level=None, check_same_thread=False)
    try:
        for pragma in pragmas:
            c.execute(pragma)
    except sqlite3.Error:
        c.close()
        raise
    return c

def thread(out):
    errors, commits, deadline = collections.Counter(), 0, time.time() + seconds
    kept = connect() if keep else None
    while time.time() < deadline:
        try:
            c = kept or connect()
        except sqlite3.Error as e:
            errors[getattr(e, "sqlite_errorname", str(e))] += 1
            continue
        try:
            c.execute("SELECT count(*) FROM t WHERE k > ?", (random.random(),)).fetchone()
            c.execute("BEGIN IMMEDIATE")
            c.execute("INSERT INTO t (k, v) VALUES (?, ?)", (random.random(), "x" * 200))
            c.execute("COMMIT")
            commits += 1
        except sqlite3.Error as e:
            errors[getattr(e, "sqlite_errorname", str(e))] += 1
            if c.in_transaction:
                c.execute("ROLLBACK")
        finally:
            if not keep:
                c.close()
    out.put((commits, dict(errors)))

def process(out):
    q = queue.Queue()
    threads = [threading.Thread(target=thread, args=(q,)) for _ in range(4)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    commits, errors = 0, collections.Counter()
    while not q.empty():
        n, e = q.get()
        commits += n
        errors.update(e)
    out.put((commits, dict(errors)))

if __name__ == "__main__":
    c = sqlite3.connect(path)
    c.execute("PRAGMA journal_mode=WAL")
    c.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, k REAL, v TEXT)")
    c.execute("CREATE INDEX tk ON t (k)")
    c.executemany("INSERT INTO t (k, v) VALUES (?, ?)", ((random.random(), "y" * 200) for _ in range(200000)))
    c.commit()
    c.close()
    out = multiprocessing.Queue()
    ps = [multiprocessing.Process(target=process, args=(out,)) for _ in range(2)]
    [p.start() for p in ps]
    [p.join() for p in ps]
    commits, errors = 0, collections.Counter()
    while not out.empty():
        n, e = out.get()
        commits += n
        errors.update(e)
    print(json.dumps({"commits": commits, "errors": dict(errors)}))
"""


def sqlite_churn(seconds: float) -> None:
    """The SQLite settings (settings.SQLITE_OPTIONS' PRAGMAs) under connection churn, against
    the same without mmap and with kept connections."""
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.update(
        KLYNGE_DEBUG="false",
        KLYNGE_SECRET_KEY="benchmark-secret-key-benchmark-secret-key",
        KLYNGE_ALLOWED_HOSTS="127.0.0.1",
        KLYNGE_DATA_DIR=tempfile.mkdtemp(prefix="klynge-bench-churn-settings-"),
    )
    os.environ.pop("DATABASE_URL", None)
    from klynge.settings import SQLITE_OPTIONS

    pragmas = [p.strip() for p in SQLITE_OPTIONS["init_command"].split(";") if p.strip()]
    variants = {
        "settings, a connection per request": (pragmas, "0"),
        "settings without mmap_size": ([p for p in pragmas if "mmap_size" not in p], "0"),
        "settings, connections kept": (pragmas, "1"),
    }
    print(
        f"SQLite {__import__('sqlite3').sqlite_version}, 2 processes x 4 threads, {seconds:.0f} s each"
    )
    for name, (variant, keep) in variants.items():
        directory = tempfile.mkdtemp(prefix="klynge-bench-churn-")
        try:
            out = subprocess.run(
                [PYTHON, "-c", CHURN, str(Path(directory) / "churn.sqlite3"), str(seconds), keep,
                 json.dumps(variant)],
                check=True, capture_output=True, text=True,
            ).stdout  # fmt: skip
        finally:
            shutil.rmtree(directory, ignore_errors=True)
        result = json.loads(out.strip().splitlines()[-1])
        print(f"  {name:40} {result['commits']:7d} commits, errors {result['errors']}")


def _run(env, code, *args) -> dict:
    out = subprocess.run(
        [PYTHON, "-c", code, *map(str, args)], env=env, capture_output=True, text=True
    )
    if out.returncode:
        raise SystemExit(f"A benchmark step failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load_python(port, seconds, clients, request_for) -> dict:
    """`clients` threads on keep-alive connections for `seconds`; request_for(i) gives
    (method, path, body, headers) for the i-th request overall."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    counter = iter(range(10**9))
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine, codes = [], {}
        while time.perf_counter() < deadline:
            with lock:
                n = next(counter)
            method, path, body, headers = request_for(n)
            begin = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                status = response.status
                if response.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            except (OSError, http.client.HTTPException):
                status = 599
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            mine.append(time.perf_counter() - begin)
            codes[status] = codes.get(status, 0) + 1
        with lock:
            latencies.extend(mine)
            for status, count in codes.items():
                statuses[status] = statuses.get(status, 0) + count

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "generator": "python",
        "requests": len(latencies),
        "rps": len(latencies) / elapsed,
        "p50": statistics.median(latencies) * 1000,
        "p95": latencies[min(len(latencies) - 1, int(len(latencies) * 0.95))] * 1000,
        "statuses": dict(sorted(statuses.items())),
        "5xx": sum(c for s, c in statuses.items() if s >= 500),
    }


def load_hey(port, seconds, clients, request) -> dict:
    """The same request repeated by `hey` (keep-alive) for `seconds`."""
    method, path, body, headers = request
    command = ["hey", "-z", f"{seconds}s", "-c", str(clients), "-m", method, "-t", "60"]
    for name, value in headers.items():
        if name.lower() == "content-type":
            command += ["-T", value]
        else:
            command += ["-H", f"{name}: {value}"]
    if body is not None:
        command += ["-d", body]
    out = subprocess.run(
        [*command, f"http://127.0.0.1:{port}{path}"], check=True, capture_output=True, text=True
    ).stdout
    statuses = {int(s): int(n) for s, n in re.findall(r"\[(\d{3})\]\s+(\d+) responses", out)}
    error_part = out.split("Error distribution:", 1)[1] if "Error distribution:" in out else ""
    errors = sum(int(n) for n in re.findall(r"^\s+\[(\d+)\]\s+\S", error_part, re.M))
    if errors:
        statuses[599] = errors
    percentile = dict(re.findall(r"(\d+)%% in ([\d.]+) secs".replace("%%", "%"), out))
    return {
        "generator": "hey",
        "requests": sum(statuses.values()),
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": float(percentile.get("50", "nan")) * 1000,
        "p95": float(percentile.get("95", "nan")) * 1000,
        "statuses": dict(sorted(statuses.items())),
        "5xx": sum(c for s, c in statuses.items() if s >= 500),
    }


def _exceptions_in(log: Path) -> collections.Counter:
    """The last line of every traceback in the server log (the exception and its message)."""
    found: collections.Counter = collections.Counter()
    lines = log.read_text(errors="replace").splitlines()
    for i, line in enumerate(lines):
        if line.startswith("Traceback"):
            j = i + 1
            while j < len(lines) and (lines[j].startswith(" ") or not lines[j].strip()):
                j += 1
            if j < len(lines):
                found[lines[j][:200]] += 1
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resources", type=int, default=50)
    parser.add_argument("--bookings", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=300, help="in-process rounds per test")
    parser.add_argument("--profile-rounds", type=int, default=200, help="in-process bookings")
    parser.add_argument("--seconds", type=float, default=15, help="per HTTP run")
    parser.add_argument("--clients", default="4,16", help="comma-separated client counts")
    parser.add_argument("--threads", type=int, default=2, help="gunicorn threads per worker")
    parser.add_argument("--database-url", default="", help="an EMPTY scratch PostgreSQL database")
    parser.add_argument("--log-file", default="", help="write the server's log here")
    parser.add_argument("--repeat", type=int, default=1, help="repeat the HTTP runs")
    parser.add_argument("--busy", type=int, default=0, help="CPU-bound processes meanwhile")
    parser.add_argument("--load", choices=("auto", "hey", "python"), default="auto")
    parser.add_argument("--skip", default="", help="comma-separated: inprocess,profile,http")
    parser.add_argument("--data-dir", default="", help="keep/reuse the generated data (SQLite)")
    parser.add_argument("--src", default=str(ROOT / "src"), help="the src/ directory to run")
    parser.add_argument("--as", dest="booker", choices=("member", "staff"), default="member")
    parser.add_argument(
        "--tasks",
        choices=("database", "immediate"),
        default="database",
        help="the tasks backend (database, the default deployment: e-mails queued in a table)",
    )
    parser.add_argument("--gunicorn-config", default="", help="a gunicorn config file (hooks)")
    parser.add_argument(
        "--sqlite-churn", type=float, default=0, help="only the SQLite churn check, N s each"
    )
    parser.add_argument("--show-queries", action="store_true", help="list a booking's queries")
    parser.add_argument(
        "--burst", type=int, default=200, help="N requests at once for one slot (0: skip)"
    )
    args = parser.parse_args()
    if args.sqlite_churn:
        sqlite_churn(args.sqlite_churn)
        return
    skip = set(filter(None, args.skip.split(",")))
    use_hey = args.load == "hey" or (args.load == "auto" and shutil.which("hey") is not None)

    keep = bool(args.data_dir)
    data_dir = args.data_dir or tempfile.mkdtemp(prefix="klynge-bench-bookings-")
    Path(data_dir).mkdir(parents=True, exist_ok=True)
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
        "KLYNGE_TASKS_BACKEND": args.tasks,
        "KLYNGE_EMAIL_BACKEND": "file",
        "PYTHONPATH": str(Path(args.src).resolve()),
    }
    env.pop("DATABASE_URL", None)
    if args.database_url:
        env["DATABASE_URL"] = args.database_url
    backend = "postgresql" if args.database_url.startswith("postgres") else "sqlite"
    state_file = Path(data_dir) / "bench-state.json"
    if keep and state_file.exists():
        setup = json.loads(state_file.read_text())
    else:
        quiet = {"env": env, "check": True, "stdout": subprocess.DEVNULL}
        subprocess.run([PYTHON, "-m", "klynge", "migrate", "--no-input"], **quiet)
        setup = _run(env, SETUP, args.resources, args.bookings)
        setup["next_free"] = 0
        setup["profile_next"] = 0
    secrets = setup["secrets"] if args.booker == "member" else [setup["staff_secret"]]
    measured = None
    if "inprocess" not in skip:
        measured = _run(env, MEASURE, args.rounds, setup["staff_secret"])
    profile = None
    if "profile" not in skip:
        # Each profile run books the 21:00 slot on days further along.
        profile = _run(
            env, PROFILE, args.profile_rounds, setup["days"], PROFILE_HOUR, json.dumps(secrets),
            setup["profile_next"],
        )  # fmt: skip
        setup["profile_next"] += args.profile_rounds + 10

    http_results: dict[str, dict] = {}
    log_path = Path(args.log_file) if args.log_file else None
    if "http" not in skip:
        log = open(log_path, "a") if log_path else None
        server = subprocess.Popen(
            [PYTHON, "-m", "gunicorn", "klynge.wsgi", "--workers", "2", "--threads",
             str(args.threads), "--bind", f"127.0.0.1:{port}", "--timeout", "60",
             "--log-level", "warning",
             *(["--config", args.gunicorn_config] if args.gunicorn_config else [])],
            env=env, stdout=log, stderr=subprocess.STDOUT if log else None,
        )  # fmt: skip
        burners = [subprocess.Popen([PYTHON, "-c", "while True: pass"]) for _ in range(args.busy)]
        try:
            for _ in range(100):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    time.sleep(0.1)
            http_results = _http_runs(args, port, setup, secrets, use_hey)
        finally:
            for burner in burners:
                burner.send_signal(signal.SIGTERM)
                burner.wait(timeout=10)
            server.terminate()
            server.wait(timeout=30)
            if log:
                log.close()
    check = _run(env, CHECK)
    if keep:
        state_file.write_text(json.dumps(setup))
    else:
        shutil.rmtree(data_dir, ignore_errors=True)

    print(
        f"Klynge bookings, {backend}, {check['bookings']:,} bookings on {args.resources} "
        f"resources (generated in {setup['seconds']} s), Python {sys.version.split()[0]}, "
        f"{os.cpu_count()} CPUs, source {args.src}, booking as {args.booker}, tasks {args.tasks}"
    )
    if measured:
        print(f"\nIn-process, warm, {args.rounds} interleaved rounds")
        print(
            f"{'test':42} {'p50 ms':>8} {'p95 ms':>8} {'x baseline (p50)':>17} {'CPU ms (p50)':>13}"
        )
        base = measured["bare view (baseline)"]["p50"]
        for name, r in measured.items():
            print(
                f"{name:42} {r['p50']:8.2f} {r['p95']:8.2f} {r['p50'] / base:17.1f} "
                f"{r['cpu']:13.2f}"
            )
    if profile:
        print(
            f"\nOne booking request in-process (POST /api/v1/bookings), {args.profile_rounds} rounds"
        )
        print(f"  queries per request (median)       {profile['queries']:8.0f}")
        print(
            f"  inside the write transaction, ms   {profile['transaction_ms']:8.2f}"
            f"  (p95 {profile['transaction_p95_ms']:.2f})"
        )
        print(
            f"  whole request, ms                  {profile['request_ms']:8.2f}"
            f"  (p95 {profile['request_p95_ms']:.2f})"
        )
        # CPU time is what a busy machine does not inflate the way it inflates wall time: with
        # 2 workers on 2 otherwise idle cores, about 2000 / cpu_ms requests a second (on
        # PostgreSQL the database server's own CPU comes on top).
        print(
            f"  CPU time of this process, ms       {profile['cpu_ms']:8.2f}"
            f"  (2 idle cores: about {2000 / profile['cpu_ms']:.0f} requests/s)"
        )
        if args.show_queries:
            for shape in profile["shapes"]:
                print("    " + shape)
    if http_results:
        print(
            f"\nThrough gunicorn (2 workers x {args.threads} threads), {args.seconds:.0f} s per "
            f"run, {args.busy} busy processes"
        )
        print(
            f"{'test':46} {'gen':>6} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'5xx':>5} "
            f"{'x baseline':>10}  statuses"
        )
        base_rps = next(iter(http_results.values()))["rps"]
        for name, r in http_results.items():
            if r["generator"] == "burst":
                continue
            print(
                f"{name:46} {r['generator']:>6} {r['rps']:8.1f} {r['p50']:8.1f} {r['p95']:8.1f} "
                f"{r['5xx']:5d} {r['rps'] / base_rps:10.2f}  {r['statuses']}"
            )
        for name, r in http_results.items():
            if r["generator"] == "burst":
                print(
                    f"\n{name}: statuses {r['statuses']}, 409 reasons "
                    f"{ {k: v for k, v in r['reasons'].items() if k} }, {r['5xx']} 5xx, "
                    f"all answered {r['p95']:.0f} ms after the release"
                )
    if log_path:
        found = _exceptions_in(log_path)
        print(f"\nServer log {log_path}: {sum(found.values())} tracebacks")
        for line, n in found.most_common():
            print(f"  {n:5d} x {line}")
    print(
        f"\nDatabase after the runs: {check['bookings']:,} bookings, "
        f"{check['overlapping']} held bookings overlapping another."
    )
    if check["overlapping"]:
        raise SystemExit("OVERLAP")


def _http_runs(args, port, setup, secrets, use_hey) -> dict[str, dict]:
    resources, days = setup["resources"], setup["days"] - 3
    tz = zoneinfo.ZoneInfo(os.environ.get("KLYNGE_TIME_ZONE", "Europe/Copenhagen"))
    today = datetime.datetime.now(tz).date()
    lock = threading.Lock()

    def headers(n):
        return {
            "Authorization": f"Bearer {secrets[n % len(secrets)]}",
            "Content-Type": "application/json",
        }

    def body(resource, start):
        end = start + datetime.timedelta(minutes=30)
        return json.dumps(
            {"resource": resource, "start": start.isoformat(), "end": end.isoformat()}
        )

    def free(n):
        # A slot nobody holds: one after another across resources, days and the free hours;
        # the next index is remembered with --data-dir so a reused database stays free.
        with lock:
            i = setup["next_free"]
            setup["next_free"] += 1
        resource = resources[i % len(resources)]
        day = today + datetime.timedelta(days=2 + (i // len(resources)) % days)
        hour = FREE_HOURS[(i // (len(resources) * days)) % len(FREE_HOURS)]
        start = datetime.datetime.combine(day, datetime.time(hour), tzinfo=tz)
        return ("POST", "/api/v1/bookings", body(resource, start), headers(n))

    # 09:30 on day 3 of the first resource lies inside a generated booking that holds its slot.
    taken_start = datetime.datetime.combine(
        today + datetime.timedelta(days=3), datetime.time(9, 30), tzinfo=tz
    )
    taken = ("POST", "/api/v1/bookings", body(resources[0], taken_start), headers(0))
    health = ("GET", "/healthz", None, {})

    def repeated(request, c):
        if use_hey:
            return load_hey(port, args.seconds, c, request)
        return load_python(port, args.seconds, c, lambda n: request)

    load_python(port, 2, 4, lambda n: health)  # warm up both workers
    clients = [int(c) for c in args.clients.split(",")]
    results = {}
    for r in range(args.repeat):
        tag = f" #{r + 1}" if args.repeat > 1 else ""
        if r == 0:
            results[f"GET /healthz (baseline) c={clients[-1]}"] = repeated(health, clients[-1])
        for c in clients:
            name = f"POST /api/v1/bookings free c={c}{tag}"
            if args.load != "python" and wrk_available():
                # Slots for more bookings than the run can make (FREE_PER_SECOND a second).
                requests = [free(n) for n in range(int(args.seconds * FREE_PER_SECOND))]
                results[name] = wrk_run(
                    f"http://127.0.0.1:{port}",
                    [(method, path, head, data) for method, path, data, head in requests],
                    seconds=args.seconds,
                    clients=c,
                )
            else:
                results[name] = load_python(port, args.seconds, c, free)
            results[f"POST /api/v1/bookings taken c={c}{tag}"] = repeated(taken, c)
    if args.burst:
        # The guarantee under the real server: N requests for one free slot at the same moment.
        results[f"{args.burst} at once for one free slot"] = burst(port, args.burst, free(0))
    return results


def burst(port, n, request) -> dict:
    """`n` clients, each with an open keep-alive connection, send the same request at once (a
    barrier releases them together); statuses and the time from release to the last answer."""
    method, path, body, headers = request
    connections = [http.client.HTTPConnection("127.0.0.1", port, timeout=120) for _ in range(n)]
    for conn in connections:
        conn.connect()
    barrier = threading.Barrier(n + 1)
    statuses: collections.Counter = collections.Counter()
    reasons: collections.Counter = collections.Counter()
    lock = threading.Lock()

    def client(conn):
        barrier.wait()
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
            status = response.status
            reason = json.loads(data).get("reason", "") if status == 409 else ""
        except (OSError, http.client.HTTPException, ValueError):
            status, reason = 599, ""
        with lock:
            statuses[status] += 1
            reasons[reason] += 1

    threads = [threading.Thread(target=client, args=(c,)) for c in connections]
    for thread in threads:
        thread.start()
    barrier.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    for conn in connections:
        conn.close()
    return {
        "generator": "burst",
        "requests": n,
        "rps": n / elapsed,
        "p50": float("nan"),
        "p95": elapsed * 1000,
        "statuses": dict(sorted(statuses.items())),
        "5xx": sum(c for s, c in statuses.items() if s >= 500),
        "reasons": dict(reasons),
    }


if __name__ == "__main__":
    main()
