"""The public event page and the registration POST through gunicorn, as pretix was measured.

Run with `.venv/bin/python benchmarks/bench_events.py [--seconds 20] [--clients 32]`.
It builds a scratch database in a temporary directory (SQLite; or the PostgreSQL database in
--database-url, which it migrates and fills, so point it at an empty scratch database, never
var/), creates one published event with 100,000 seats, a staff API token and enough people,
starts `gunicorn klynge.wsgi` with 2 workers (and `--threads`, 4 by default as `klynge serve`
runs it), and drives it with a keep-alive HTTP load generator of N concurrent clients:

- GET /events/<slug>/ (anonymous, the public event page),
- POST /api/v1/events/<id>/registrations {"person": ID} (staff token; one new person each).

It prints req/s, p50/p95/p99 and the 5xx count for each, checks in the database that no more
registrations were confirmed than seats, and the ratios against pretix 2026.8's figures measured
on this machine (../shared/bench/pretix/RESULTS.md: event page ~29.5 req/s at c=32 on PG,
orders 14.1/s at c=8 on PG; 28.1 and 12.5 on SQLite). A same-run pretix measurement is
`bash ../shared/bench/pretix/bench.sh`.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PRETIX = {  # (event page req/s at c=32, orders/s at c=8), by backend, from RESULTS.md
    "postgresql": (29.5, 14.1),
    "sqlite": (28.1, 12.5),
}
SETUP = r"""
import json, sys
import django
django.setup()
from datetime import timedelta
from django.utils import timezone
from klynge.accounts import services as account_services
from klynge.accounts.models import User
from klynge.ecosystem.models import Person
from klynge.events import services

staff = User.objects.create_user("bench-staff@klynge.example", "bench-password-42", is_staff=True)
_token, secret = account_services.create_api_token(actor=staff, user=staff, name="bench")
start = timezone.now() + timedelta(days=30)
event = services.create_event(
    actor=staff, title="MediaTech Summit", title_da="MediaTech-topmøde",
    description_en="Two days of talks, demos and networking. " * 20, kind="conference",
    format="hybrid", starts_at=start, ends_at=start + timedelta(hours=8), venue="Odense",
    address="Nørregade 1, 5000 Odense C", capacity=int(sys.argv[2]), status="published",
)
people = Person.objects.bulk_create(
    Person(first_name=f"Bench{i}", last_name="Person", email=f"bench{i}@example.org")
    for i in range(int(sys.argv[1]))
)
print(json.dumps({"secret": secret, "event": event.pk, "slug": event.slug,
                  "people": [p.pk for p in people]}))
"""
CHECK = r"""
import json, sys
import django
django.setup()
from klynge.events.models import Event, Registration
event = Event.objects.get(pk=int(sys.argv[1]))
print(json.dumps({
    "capacity": event.capacity,
    "confirmed": Registration.objects.filter(event=event, status="confirmed").count(),
    "registrations": Registration.objects.filter(event=event).count(),
}))
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(env, code, *args) -> dict:
    out = subprocess.run(
        [PYTHON, "-c", code, *map(str, args)], env=env, check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def load(port, seconds, clients, request_for) -> dict:
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

    def pct(p):
        return latencies[min(len(latencies) - 1, int(len(latencies) * p))] * 1000

    return {
        "requests": len(latencies),
        "rps": len(latencies) / elapsed,
        "p50": statistics.median(latencies) * 1000,
        "p95": pct(0.95),
        "p99": pct(0.99),
        "statuses": dict(sorted(statuses.items())),
        "5xx": sum(c for s, c in statuses.items() if s >= 500),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker")
    parser.add_argument("--database-url", default="", help="an EMPTY scratch PostgreSQL database")
    parser.add_argument("--seats", type=int, default=100_000)
    args = parser.parse_args()

    data_dir = tempfile.mkdtemp(prefix="klynge-bench-events-")
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "klynge.settings",
        "KLYNGE_DEBUG": "false",
        "KLYNGE_SECRET_KEY": "benchmark-secret-key-benchmark-secret-key",
        "KLYNGE_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "KLYNGE_SSL_REDIRECT": "false",
        "KLYNGE_DATA_DIR": data_dir,
        "KLYNGE_LANGUAGE": "en",
        "KLYNGE_LOG_LEVEL": "ERROR",
        "PYTHONPATH": str(ROOT / "src"),
    }
    env.pop("DATABASE_URL", None)
    if args.database_url:
        env["DATABASE_URL"] = args.database_url
    backend = "postgresql" if args.database_url.startswith("postgres") else "sqlite"
    manage = [PYTHON, "-m", "klynge"]
    quiet = {"env": env, "check": True, "stdout": subprocess.DEVNULL}
    subprocess.run([*manage, "migrate", "--no-input"], **quiet)
    subprocess.run([*manage, "collectstatic", "--no-input"], **quiet)
    people = int(args.seconds * 1500) + 5000  # more than the POST runs can use
    setup = _run(env, SETUP, people, args.seats)
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
        page = f"/events/{setup['slug']}/"
        get = lambda n: ("GET", page, None, {})  # noqa: E731
        persons = setup["people"]
        headers = {"Authorization": f"Bearer {setup['secret']}", "Content-Type": "application/json"}
        post_url = f"/api/v1/events/{setup['event']}/registrations"
        used = iter(persons)
        post_lock = threading.Lock()

        def post(n):
            with post_lock:
                person = next(used)
            return ("POST", post_url, json.dumps({"person": person}), headers)

        load(port, 3, 8, get)  # warm up both workers
        health = lambda n: ("GET", "/healthz", None, {})  # noqa: E731
        results = {
            # What this load generator and server can do at all, for scale.
            f"GET /healthz c={args.clients}": load(port, args.seconds / 2, args.clients, health),
            f"GET event page c={args.clients}": load(port, args.seconds, args.clients, get),
            "POST registration c=8": load(port, args.seconds, 8, post),
            f"POST registration c={args.clients}": load(port, args.seconds, args.clients, post),
        }
    finally:
        server.terminate()
        server.wait(timeout=30)
    check = _run(env, CHECK, setup["event"])
    shutil.rmtree(data_dir, ignore_errors=True)

    pretix_get, pretix_post = PRETIX[backend]
    print(
        f"Klynge events through gunicorn (2 workers x {args.threads} threads), {backend}, "
        f"{args.seconds:.0f} s per run, Python {sys.version.split()[0]}, {os.cpu_count()} CPUs"
    )
    print(f"{'test':30} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'5xx':>5}  "
          f"{'x pretix':>8}  statuses")  # fmt: skip
    for name, r in results.items():
        ratio = r["rps"] / (pretix_get if name.startswith("GET") else pretix_post)
        if "healthz" in name:
            ratio = float("nan")
        print(
            f"{name:30} {r['rps']:8.1f} {r['p50']:8.1f} {r['p95']:8.1f} {r['p99']:8.1f} "
            f"{r['5xx']:5d}  {ratio:8.1f}  {r['statuses']}"
        )
    print(
        f"pretix anchors ({backend}): event page {pretix_get} req/s, orders {pretix_post}/s. "
        f"Database after the runs: {check['confirmed']} confirmed of {check['capacity']} seats, "
        f"{check['registrations']} registrations."
    )
    if check["confirmed"] > check["capacity"]:
        raise SystemExit("OVERSOLD")


if __name__ == "__main__":
    main()
