"""The public event page and the registration POST through `klynge serve`, side by side with pretix.

Run with `.venv/bin/python benchmarks/bench_events.py [--pretix] [--backends sqlite,postgresql]
[--database-url postgres://.../EMPTY_SCRATCH_DB --reset-database] [--seconds 25]
[--post-seconds 20] [--clients 32] [--serve-args "..."]`.

With `--pretix`, pretix 2026.8 is built and measured *in the same run* by
`../shared/bench/pretix/bench.sh` (gunicorn with 2 sync workers; PostgreSQL with Redis, or
SQLite), once per backend just before Klynge on that backend, and the ratios are computed from
those figures; without it, from the figures in ../shared/bench/pretix/RESULTS.md.

For each backend it builds a scratch database (SQLite in a temporary directory; or the
PostgreSQL database in --database-url, which it migrates and fills, so point it at an empty
scratch database, never var/ or a real one; --reset-database empties it first), creates one
published event with 100,000 seats, a staff API token and enough people, starts `klynge serve`
(gunicorn, 2 workers x 2 threads, and the task worker that sends the confirmation e-mails) and
measures as bench.sh measures pretix:

- GET /events/<slug>/ (anonymous, the public event page), after 5 s of warm-up, for 25 s at
  c=8 and at c=32 with `hey -t 30` (the load generator bench.sh uses; Debian package `hey`),
- POST /api/v1/events/<id>/registrations {"person": ID} (staff token; a new person each) for
  20 s at c=8 (pretix: orders at c=8) and at c=32, with `wrk` and a Lua script giving each
  request the next person (`hey` sends the same body every time, and every registration needs
  its own person): C like `hey`, so it takes little of the 2 CPUs it shares with the server.
  Without wrk (Debian package `wrk`; `--post-generator python`), the Python generator below:
  one thread driving all connections with `selectors`.

Without --pretix it also measures GET /healthz (what server and load generator do at all) and
the page with `?utm_source=bench`, which is rendered every time (only `tz` is served from the
stored copies), to show what the cache in events/cache.py saves.

The access log is off by default (`--serve-args "--no-access-log"`): behind the reverse proxy
of a real deployment, which logs every request anyway, gunicorn's own log costs a third of the
page's throughput on 2 CPUs. `--serve-args ""` measures `klynge serve` exactly as `make run`
starts it.

After each of Klynge's POST runs it waits until the task worker has sent the confirmations
they queued (and says how long that took), so that backlog does not run during the next
measurement, pretix's or Klynge's own.

It prints req/s, p50/p95/p99 and the 5xx count for each, the machine's load average before and
after each part (the 2 CPUs are shared), checks in the database that no more registrations were
confirmed than seats, and the ratios against pretix (orders: pretix's 201 answers per second).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import selectors
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
from loadgen import wrk_available, wrk_run

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PEOPLE_PER_SECOND = 1000  # more registrations a second than 2 CPUs can make
PRETIX_ANCHORS = {  # (page req/s at c=32, orders/s at c=8) by backend, from RESULTS.md
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


def parse_hey(out: str) -> dict | None:
    """req/s, p50/p95/p99 (ms), statuses and 5xx of one `hey` output (None if it has none)."""
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if rps is None:
        return None
    statuses = {int(code): int(n) for code, n in re.findall(r"\[(\d+)\]\s+(\d+) responses", out)}
    errors = sum(int(n) for n in re.findall(r"\[(\d+)\]\s+(?:Get|Post) ", out))
    if errors:
        statuses[599] = errors
    latency = dict(re.findall(r"(\d+)% in ([\d.]+) secs", out))
    slowest = re.search(r"Slowest:\s+([\d.]+)", out)
    for p in ("50", "95", "99"):  # too few answers for a percentile: hey leaves it out
        latency.setdefault(p, slowest.group(1) if slowest else "nan")
    total = sum(statuses.values())
    ok = sum(n for code, n in statuses.items() if 200 <= code < 300)
    return {
        "requests": total,
        "rps": float(rps.group(1)),
        "ok_rps": float(rps.group(1)) * ok / total if total else 0.0,
        "p50": float(latency["50"]) * 1000,
        "p95": float(latency["95"]) * 1000,
        "p99": float(latency["99"]) * 1000,
        "statuses": dict(sorted(statuses.items())),
        "5xx": sum(c for code, c in statuses.items() if code >= 500),
    }


def hey(url, seconds, clients, *, body: Path | None = None, header: str = "") -> dict:
    """GET (or POST `body` as JSON) `url` with `hey`, as pretix's bench.sh does: keep-alive
    connections, Go, so it takes little of the CPUs it shares with the server."""
    command = ["hey", "-z", f"{seconds}s", "-c", str(clients), "-t", "30"]
    if body is not None:
        command += ["-m", "POST", "-T", "application/json", "-D", str(body)]
    if header:
        command += ["-H", header]
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    return parse_hey(out)


def _summary(latencies: list[float], statuses: dict[int, int], elapsed: float) -> dict:
    latencies.sort()

    def pct(p):
        return latencies[min(len(latencies) - 1, int(len(latencies) * p))] * 1000

    ok = sum(n for code, n in statuses.items() if 200 <= code < 300)
    return {
        "requests": len(latencies),
        "rps": len(latencies) / elapsed,
        "ok_rps": ok / elapsed,
        "p50": statistics.median(latencies) * 1000,
        "p95": pct(0.95),
        "p99": pct(0.99),
        "statuses": dict(sorted(statuses.items())),
        "5xx": sum(c for s, c in statuses.items() if s >= 500),
    }


class _Connection:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=60)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""
        self.started = 0.0


def _response_length(buffer: bytes) -> tuple[int, int, bool] | None:
    """(status, total length, close) of the first complete response in `buffer`, or None."""
    head_end = buffer.find(b"\r\n\r\n")
    if head_end < 0:
        return None
    head = buffer[:head_end].decode("latin-1").lower()
    status = int(head.split(" ", 2)[1])
    match = re.search(r"\ncontent-length:\s*(\d+)", head)
    if match is None:  # chunked
        end = buffer.find(b"\r\n0\r\n\r\n", head_end)
        return None if end < 0 else (status, end + 7, "connection: close" in head)
    total = head_end + 4 + int(match.group(1))
    return None if len(buffer) < total else (status, total, "connection: close" in head)


def raw_load(port, seconds, clients, request_for) -> dict:
    """`clients` keep-alive connections for `seconds`, driven by one thread with `selectors`
    (much lighter than a thread per client); request_for(i) gives the i-th request's bytes."""
    selector = selectors.DefaultSelector()
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    counter = iter(range(10**9))
    deadline = time.perf_counter() + seconds

    def send(connection):
        connection.started = time.perf_counter()
        connection.sock.sendall(request_for(next(counter)))

    def reopen(connection):
        selector.unregister(connection.sock)
        connection.sock.close()
        fresh = _Connection(port)
        selector.register(fresh.sock, selectors.EVENT_READ, fresh)
        return fresh

    started = time.perf_counter()
    for _ in range(clients):
        connection = _Connection(port)
        selector.register(connection.sock, selectors.EVENT_READ, connection)
        send(connection)
    open_count = clients
    while open_count:
        for key, _events in selector.select(timeout=1):
            connection = key.data
            try:
                chunk = connection.sock.recv(262144)
            except OSError:
                chunk = b""
            if not chunk:  # the server closed the connection: count it and start again
                latencies.append(time.perf_counter() - connection.started)
                statuses[599] = statuses.get(599, 0) + 1
                connection = reopen(connection)
                if time.perf_counter() < deadline:
                    send(connection)
                else:
                    selector.unregister(connection.sock)
                    connection.sock.close()
                    open_count -= 1
                continue
            connection.buffer += chunk
            parsed = _response_length(connection.buffer)
            if parsed is None:
                continue
            status, length, close = parsed
            connection.buffer = connection.buffer[length:]
            latencies.append(time.perf_counter() - connection.started)
            statuses[status] = statuses.get(status, 0) + 1
            if close:
                connection = reopen(connection)
            if time.perf_counter() < deadline:
                send(connection)
            else:
                selector.unregister(connection.sock)
                connection.sock.close()
                open_count -= 1
    return _summary(latencies, statuses, time.perf_counter() - started)


def _request(method, path, port, body=b"", headers=None) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    if body or method == "POST":
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def _wait_for(port, server) -> None:
    for _ in range(300):
        if server.poll() is not None:
            raise SystemExit("the server did not start; see its log")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("the server did not answer")


def _load() -> str:
    """The machine's load averages (1, 5, 15 min): the CPUs are shared with other work."""
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def _reset_postgres(url: str) -> None:
    """Empties the scratch PostgreSQL database (drops and recreates its public schema)."""
    code = (
        "import sys, psycopg\n"
        "with psycopg.connect(sys.argv[1], autocommit=True) as c:\n"
        "    c.execute('DROP SCHEMA public CASCADE'); c.execute('CREATE SCHEMA public')\n"
    )
    subprocess.run([PYTHON, "-c", code, url], check=True)


def klynge_env(data_dir: str, root: Path = ROOT) -> dict[str, str]:
    """The environment of Klynge's processes in a benchmark: production settings (no debug),
    English, warnings only in the log, data in `data_dir`, the code of `root`, and SQLite unless
    the caller sets DATABASE_URL."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "klynge.settings",
        "KLYNGE_DEBUG": "false",
        "KLYNGE_SECRET_KEY": "benchmark-secret-key-benchmark-secret-key",
        "KLYNGE_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "KLYNGE_SSL_REDIRECT": "false",
        "KLYNGE_DATA_DIR": data_dir,
        "KLYNGE_LANGUAGE": "en",
        "KLYNGE_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(root / "src"),
    }
    env.pop("DATABASE_URL", None)
    return env


class KlyngeServer:
    """A scratch database with one published event and `klynge serve` on it (a context
    manager); `page`, `register` measure, `summary()` checks the database afterwards."""

    def __init__(self, args, database_url: str = ""):
        self.args = args
        self.database_url = database_url
        self.backend = "postgresql" if database_url.startswith("postgres") else "sqlite"
        self.use_hey = args.generator == "hey" or (
            args.generator == "auto" and bool(shutil.which("hey"))
        )
        self.use_wrk = args.post_generator == "wrk" or (
            args.post_generator == "auto" and wrk_available()
        )

    def __enter__(self):
        args = self.args
        self.data_dir = tempfile.mkdtemp(prefix="klynge-bench-events-")
        self.port = _free_port()
        env = klynge_env(self.data_dir)
        if self.database_url:
            if args.reset_database:
                _reset_postgres(self.database_url)
            env["DATABASE_URL"] = self.database_url
        self.env = env
        manage = [PYTHON, "-m", "klynge"]
        quiet = {"env": env, "check": True, "stdout": subprocess.DEVNULL}
        subprocess.run([*manage, "migrate", "--no-input"], **quiet)
        subprocess.run([*manage, "collectstatic", "--no-input"], **quiet)
        rounds = max(args.rounds, 1)
        people = int((rounds * args.post_seconds * 2 + 2) * PEOPLE_PER_SECOND)  # the POSTs
        self.setup = _run(env, SETUP, people, args.seats)
        self.log_path = Path(self.data_dir) / "serve.log"
        serve = [*manage, "serve", "--port", str(self.port), "--workers", "2", "--no-periodic"]
        self.serve = [*serve, *args.serve_args.split()]
        with open(self.log_path, "w") as log:
            # As `make run` serves Klynge: gunicorn (access log on stdout, here a file) and the
            # task worker that sends the confirmation e-mails the registrations queue.
            self.server = subprocess.Popen(
                self.serve, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        _wait_for(self.port, self.server)
        self.base = f"http://127.0.0.1:{self.port}"
        self.page_path = f"/events/{self.setup['slug']}/"
        self.next_person = 0
        self.drained: list[float] = []
        self.page(5, 8)  # warm up both workers, as pretix's bench.sh does (5 s at c=8)
        self._register(2, 2)  # and the registration path (pretix: 3 s at c=2)
        return self

    def __exit__(self, *exc):
        self.server.terminate()
        self.server.wait(timeout=30)

    def page(self, seconds, clients, path: str = "") -> dict:
        path = path or self.page_path
        if self.use_hey:
            return hey(self.base + path, seconds, clients)
        request = _request("GET", path, self.port)
        return raw_load(self.port, seconds, clients, lambda n: request)

    def register(self, seconds, clients) -> dict:
        with busy_programs(self.args.busy, self.args.busy_seconds):
            return self._register(seconds, clients)

    def _register(self, seconds, clients) -> dict:
        headers = {
            "Authorization": f"Bearer {self.setup['secret']}",
            "Content-Type": "application/json",
        }
        url = f"/api/v1/events/{self.setup['event']}/registrations"

        if self.use_wrk:
            # A block of people no run can use up (PEOPLE_PER_SECOND a second), then the next.
            count = int(seconds * PEOPLE_PER_SECOND)
            ids = self.setup["people"][self.next_person : self.next_person + count]
            self.next_person += count
            requests = [("POST", url, headers, json.dumps({"person": pk})) for pk in ids]
            return wrk_run(self.base, requests, seconds=seconds, clients=clients)

        def post(n):
            body = json.dumps({"person": self.setup["people"][self.next_person]}).encode()
            self.next_person += 1
            return _request("POST", url, self.port, body, headers)

        return raw_load(self.port, seconds, clients, post)

    def drain(self, timeout: float = 300) -> float:
        """Waits until the task worker has sent every e-mail the registrations queued, so the
        backlog of one measurement does not weigh on the next (pretix's or Klynge's own);
        returns the seconds it took."""
        query = (
            "SELECT COUNT(*) FROM django_tasks_database_dbtaskresult "
            "WHERE status IN ('READY', 'RUNNING')"
        )
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if self.database_url:
                with psycopg.connect(self.database_url) as connection:
                    (left,) = connection.execute(query).fetchone()
            else:
                connection = sqlite3.connect(Path(self.data_dir) / "klynge.sqlite3", timeout=30)
                try:
                    (left,) = connection.execute(query).fetchone()
                finally:
                    connection.close()
            if not left:
                break
            time.sleep(0.5)
        self.drained.append(time.monotonic() - started)
        return self.drained[-1]

    def summary(self) -> dict:
        check = _run(self.env, CHECK, self.setup["event"])
        log_lines = self.log_path.read_text().splitlines()
        errors = [n for n, line in enumerate(log_lines) if "Traceback" in line]
        first_error = ""
        if errors:  # the line that names the exception, after the first traceback's frames
            after = log_lines[errors[0] + 1 : errors[0] + 80]
            first_error = next((line for line in after if not line.startswith((" ", "\t"))), "")
        shutil.rmtree(self.data_dir, ignore_errors=True)
        return {
            "check": check,
            "drained": self.drained,
            "tracebacks": len(errors),
            "first_error": first_error,
            "serve": " ".join(self.serve[3:])
            + (
                f"; {self.args.busy} busy programs for the first {self.args.busy_seconds:g} s "
                "of each registration run"
                if self.args.busy
                else ""
            ),
            "generator": "hey " + _hey_version() if self.use_hey else "Python (selectors)",
            "post_generator": "wrk (Lua: a new person per request)"
            if self.use_wrk
            else "Python (selectors)",
        }


@contextlib.contextmanager
def busy_programs(count: int, seconds: float):
    """`count` programs spinning on the CPU at normal priority for the first `seconds` of what
    runs inside: other work on the machine, such as pretix's workers still answering the orders
    queued in their own run when Klynge's begins. Under it a task worker that gets no CPU while
    it holds a lock the requests need holds them up (see `klynge serve`'s worker priority)."""
    spin = f"import time\nend = time.monotonic() + {seconds}\nwhile time.monotonic() < end: pass"
    programs = [subprocess.Popen([sys.executable, "-c", spin]) for _ in range(count)]
    try:
        yield
    finally:
        for program in programs:
            program.kill()
            program.wait()


def run_klynge(args, database_url: str = "") -> dict:
    """Sets up a scratch database, serves Klynge and measures it; returns the figures."""
    load_before = _load()
    c = args.clients
    results = {}
    with KlyngeServer(args, database_url) as klynge:
        if args.only in ("all", "get"):
            if not args.pretix:  # what server and load generator do at all, for scale
                results[f"GET /healthz c={c}"] = klynge.page(args.seconds / 2, c, "/healthz")
            results["GET event page c=8"] = klynge.page(args.seconds, 8)
            results[f"GET event page c={c}"] = klynge.page(args.seconds, c)
            if not args.pretix:  # rendered every time (unknown parameters are never stored)
                path = klynge.page_path + "?utm_source=bench"
                results[f"GET page, rendered c={c}"] = klynge.page(args.seconds, c, path)
        if args.only in ("all", "post"):
            results["POST registration c=8"] = klynge.register(args.post_seconds, 8)
            results[f"POST registration c={c}"] = klynge.register(args.post_seconds, c)
    return {
        "backend": klynge.backend,
        "results": results,
        "load": f"{load_before} -> {_load()}",
        **klynge.summary(),
    }


# --- pretix in the same run (../shared/bench/pretix/bench.sh) ---------------------------------

PRETIX_BENCH = ROOT.parent / "shared" / "bench" / "pretix" / "bench.sh"  # ../shared beside us
PRETIX_BACKEND = {"sqlite": "sqlite", "postgresql": "pg"}


def _hey_file(path: Path) -> dict | None:
    """The figures of one `hey` output file that pretix's bench.sh wrote."""
    return parse_hey(path.read_text()) if path.exists() else None


def run_pretix(args, backend: str) -> dict:
    """Builds pretix 2026.8 for `backend` and measures it with its own bench.sh (page at c=8
    and c=32 for 25 s, orders at c=8 for 20 s, the 300-order race); returns its figures."""
    work = Path(args.pretix_dir)
    short = PRETIX_BACKEND[backend]
    env = {**os.environ, "PRETIX_BENCH_DIR": str(work), "BACKENDS": short}
    log = work / f"bench-{short}.log"
    work.mkdir(parents=True, exist_ok=True)
    load_before = _load()
    with open(log, "w") as out:
        subprocess.run(["bash", str(args.pretix_bench)], env=env, stdout=out, stderr=out)
    results_dir = work / "results"
    results = {
        "GET event page c=8": _hey_file(results_dir / f"{short}-get-c8.txt"),
        "GET event page c=32": _hey_file(results_dir / f"{short}-get-c32.txt"),
        "POST order c=8": _hey_file(results_dir / f"{short}-post-c8.txt"),
    }
    oversell = results_dir / "oversell.txt"
    return {
        "results": {name: r for name, r in results.items() if r is not None},
        "race": oversell.read_text().strip() if oversell.exists() else "",
        "load": f"{load_before} -> {_load()}",
        "log": str(log),
    }


PGBIN = Path("/usr/lib/postgresql/15/bin")
PRETIX_PORT, PRETIX_PG_PORT, PRETIX_REDIS_PORT = 8345, 54329, 63799


class PretixServer:
    """pretix as ../shared/bench/pretix/bench.sh built it (its run-sqlite or run-pg folder:
    configuration, database with the event, API token, order bodies), served again the way
    bench.sh serves it: gunicorn with 2 sync workers (PostgreSQL with Redis for `pg`)."""

    def __init__(self, args, backend: str):
        self.work = Path(args.pretix_dir)
        self.short = PRETIX_BACKEND[backend]
        self.run = self.work / f"run-{self.short}"
        self.base = f"http://127.0.0.1:{PRETIX_PORT}"
        self.page_url = f"{self.base}/anchor/summit/"
        self.orders_url = f"{self.base}/api/v1/organizers/anchor/events/summit/orders/"
        for needed in ("pretix.cfg", "token.txt", "order_general.json"):
            if not (self.run / needed).exists():
                raise SystemExit(
                    f"{self.run / needed} is missing: build pretix first with "
                    f"`BACKENDS={self.short} PRETIX_BENCH_DIR={self.work} bash {args.pretix_bench}`"
                )
        self.token = (self.run / "token.txt").read_text().strip()
        self.header = f"Authorization: Token {self.token}"
        self.processes = []

    def _postgres(self, action: str) -> None:
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={PRETIX_PG_PORT} "
            f"-c unix_socket_directories={self.run / 'pgsock'}"
        )
        subprocess.run(
            ["runuser", "-u", "postgres", "--", str(PGBIN / "pg_ctl"), "-D", str(self.run / "pgdata"),
             "-l", str(self.run / "pgdata" / "postgres.log"), "-w", "-m", "fast", "-o", options,
             action],
            check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip

    def __enter__(self):
        if self.short == "pg":
            self._postgres("start")
            self.redis = subprocess.Popen(
                ["redis-server", "--bind", "127.0.0.1", "--port", str(PRETIX_REDIS_PORT),
                 "--dir", str(self.run), "--save", "", "--appendonly", "no"],
                stdout=subprocess.DEVNULL,
            )  # fmt: skip
        env = {**os.environ, "PRETIX_CONFIG_FILE": str(self.run / "pretix.cfg")}
        log = open(self.run / "gunicorn-reuse.log", "a")  # closed in __exit__
        self.log = log
        self.server = subprocess.Popen(
            [str(self.work / "venv" / "bin" / "gunicorn"), "pretix.wsgi", "--name", "pretix",
             "--workers", "2", "--bind", f"127.0.0.1:{PRETIX_PORT}", "--timeout", "60",
             "--log-level", "warning"],
            env=env, cwd=self.run, stdout=log, stderr=log,
        )  # fmt: skip
        _wait_for(PRETIX_PORT, self.server)
        # Warm every worker as bench.sh does (the first request per worker is slow), then 5 s
        # of the page at c=8 and 3 s of orders at c=2.
        hey(self.page_url, 5, 8)
        hey(self.orders_url, 3, 2, body=self.run / "order_general.json", header=self.header)
        return self

    def __exit__(self, *exc):
        self.server.terminate()
        self.server.wait(timeout=60)
        self.log.close()
        if self.short == "pg":
            self.redis.terminate()
            self.redis.wait(timeout=30)
            self._postgres("stop")

    def page(self, seconds, clients) -> dict:
        return hey(self.page_url, seconds, clients)

    def register(self, seconds, clients) -> dict:
        body = self.run / "order_general.json"
        return hey(self.orders_url, seconds, clients, body=body, header=self.header)


def run_interleaved(args, backend: str) -> dict:
    """pretix and Klynge served side by side (one idle while the other is measured), measured
    in turn, round after round: the machine's load, which changes by the minute on a shared
    machine, weighs on both alike. Returns the figures of every round."""
    load_before = _load()
    c = args.clients
    plan = [
        ("GET event page c=8", "page", args.seconds, 8),
        (f"GET event page c={c}", "page", args.seconds, c),
        ("POST registration c=8", "register", args.post_seconds, 8),
        (f"POST registration c={c}", "register", args.post_seconds, c),
    ]
    rounds = []
    database_url = args.database_url if backend == "postgresql" else ""
    with PretixServer(args, backend) as pretix, KlyngeServer(args, database_url) as klynge:
        for number in range(args.rounds):
            figures = {}
            for name, kind, seconds, clients in plan:
                # Who goes first alternates, so neither always meets the other's aftermath.
                order = [("pretix", pretix), ("klynge", klynge)]
                if number % 2:
                    order.reverse()
                for who, server in order:
                    figures[(who, name)] = {
                        **getattr(server, kind)(seconds, clients),
                        "load": _load(),
                    }
                    if who == "klynge" and kind == "register":
                        server.drain()
            rounds.append(figures)
            print(f"  round {number + 1} of {args.rounds} done, load average {_load()}", flush=True)
    return {
        "backend": backend,
        "rounds": rounds,
        "load": f"{load_before} -> {_load()}",
        "plan": [name for name, *_rest in plan],
        **klynge.summary(),
    }


def _median(values):
    return statistics.median(values) if values else float("nan")


def _print_interleaved(run: dict, args) -> None:
    print(
        f"\n{run['backend']}: pretix 2026.8 (gunicorn, 2 sync workers"
        f"{', PostgreSQL 15 + Redis' if run['backend'] == 'postgresql' else ', SQLite'}) and Klynge "
        f"({run['serve']}), measured in turn, {args.rounds} rounds, GET {args.seconds:.0f} s / "
        f"POST {args.post_seconds:.0f} s each, hey {_hey_version()} for every GET and pretix's "
        f"POST, {run['post_generator']} for Klynge's POST; load average {run['load']}"
    )
    print(
        f"{'test (median of the rounds)':30} {'who':7} {'req/s':>8} {'2xx/s':>8} {'p50 ms':>8} "
        f"{'p95 ms':>8} {'p99 ms':>8} {'max p99':>8} {'5xx':>5} {'ratio':>6}  ratio per round"
    )
    for name in run["plan"]:
        per_round = {}
        for who in ("pretix", "klynge"):
            rows = [r[(who, name)] for r in run["rounds"] if (who, name) in r]
            per_round[who] = rows
        ratios = [
            k["ok_rps"] / p["ok_rps"] if p["ok_rps"] else float("nan")
            for p, k in zip(per_round["pretix"], per_round["klynge"], strict=True)
        ]
        for who in ("pretix", "klynge"):
            rows = per_round[who]
            ratio = f"{_median(ratios):6.1f}" if who == "klynge" else ""
            detail = " ".join(f"{x:.1f}" for x in ratios) if who == "klynge" else ""
            print(
                f"{name:30} {who:7} {_median([r['rps'] for r in rows]):8.1f} "
                f"{_median([r['ok_rps'] for r in rows]):8.1f} "
                f"{_median([r['p50'] for r in rows]):8.1f} {_median([r['p95'] for r in rows]):8.1f} "
                f"{_median([r['p99'] for r in rows]):8.1f} {max(r['p99'] for r in rows):8.1f} "
                f"{sum(r['5xx'] for r in rows):5d} "
                f"{ratio:>6}  {detail}"
            )
    check = run["check"]
    print(
        f"Klynge's database after the runs: {check['confirmed']} confirmed of {check['capacity']} "
        f"seats, {check['registrations']} registrations; {run['tracebacks']} tracebacks in its "
        "server log. Ratio: Klynge's 2xx answers per second over pretix's, round by round; max "
        "p99: the slowest round's."
    )
    if run.get("drained"):
        print(
            "After each of Klynge's POST runs the benchmark waited for its task worker to send "
            "the queued confirmations before measuring on: "
            + ", ".join(f"{seconds:.0f}" for seconds in run["drained"])
            + " s."
        )
    if run["first_error"]:
        print(f"first traceback in the server log: {run['first_error']}")
    if check["confirmed"] > check["capacity"]:
        raise SystemExit("OVERSOLD")


def _row(name, r, ratio="") -> str:
    return (
        f"{name:34} {r['rps']:8.1f} {r['p50']:8.1f} {r['p95']:8.1f} {r['p99']:8.1f} "
        f"{r['5xx']:5d}  {ratio:>8}  {r['statuses']}"
    )


HEADER = (
    f"{'test':34} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'5xx':>5}  "
    f"{'x pretix':>8}  statuses"
)


def _print_klynge(run: dict, args, pretix: dict | None) -> None:
    backend = run["backend"]
    print(
        f"\nKlynge events through `klynge serve` ({run['serve']}), {backend}, "
        f"GET {args.seconds:.0f} s / POST {args.post_seconds:.0f} s per run, "
        f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs shared with the load "
        f"generator; load average {run['load']}"
    )
    print(
        f"load generators: GET {run['generator']}; POST {run['post_generator']} (hey sends one "
        "body, every registration needs its own person)"
    )
    if pretix and pretix["results"]:
        anchor_get = pretix["results"].get("GET event page c=32", {}).get("rps")
        anchor_get8 = pretix["results"].get("GET event page c=8", {}).get("rps")
        anchor_post = pretix["results"].get("POST order c=8", {}).get("ok_rps")
        source = "measured in this run"
    else:
        anchor_get8, (anchor_get, anchor_post) = None, PRETIX_ANCHORS[backend]
        source = "RESULTS.md"
    print(HEADER)
    for name, r in run["results"].items():
        if name.startswith("GET event page c=8"):
            anchor = anchor_get8 or anchor_get
        elif name.startswith("GET event page"):
            anchor = anchor_get
        elif name.startswith("POST"):
            anchor = anchor_post
        else:
            anchor = None
        ratio = f"{r['rps'] / anchor:.1f}" if anchor else ""
        print(_row(name, r, ratio))
    check = run["check"]
    print(
        f"pretix anchors ({backend}, {source}): event page {anchor_get8 or '-'} req/s at c=8, "
        f"{anchor_get} at c=32, orders {anchor_post}/s (201 only) at c=8. Database after the "
        f"runs: {check['confirmed']} confirmed of {check['capacity']} seats, "
        f"{check['registrations']} registrations; {run['tracebacks']} tracebacks in the server log."
    )
    if run["first_error"]:
        print(f"first traceback in the server log: {run['first_error']}")
    if check["confirmed"] > check["capacity"]:
        raise SystemExit("OVERSOLD")


def _print_pretix(backend: str, pretix: dict) -> None:
    print(f"\npretix 2026.8 ({backend}) by bench.sh in this run; load average {pretix['load']}")
    print(HEADER)
    for name, r in pretix["results"].items():
        print(_row(name, r))
    if pretix["race"]:
        print(pretix["race"])
    if not pretix["results"]:
        print(f"pretix did not produce figures; see {pretix['log']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=25, help="per GET run (pretix: 25)")
    parser.add_argument("--post-seconds", type=float, default=20, help="per POST run (pretix: 20)")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--database-url", default="", help="an EMPTY scratch PostgreSQL database")
    parser.add_argument(
        "--reset-database", action="store_true",
        help="drop and recreate the public schema of --database-url first (a scratch database!)",
    )  # fmt: skip
    parser.add_argument(
        "--backends", default="",
        help="sqlite,postgresql: measure both (postgresql needs --database-url); "
        "default: sqlite, or postgresql when --database-url is given",
    )  # fmt: skip
    parser.add_argument(
        "--pretix", action="store_true",
        help="also build and measure pretix with ../shared/bench/pretix/bench.sh in this run, "
        "before Klynge on each backend, and compute the ratios from those figures",
    )  # fmt: skip
    parser.add_argument(
        "--pretix-reuse", action="store_true",
        help="serve the pretix that bench.sh built (in --pretix-dir) and measure pretix and "
        "Klynge in turn, --rounds times (fair on a shared machine); no rebuild",
    )  # fmt: skip
    parser.add_argument("--rounds", type=int, default=3, help="rounds of --pretix-reuse")
    parser.add_argument("--pretix-bench", default=str(PRETIX_BENCH))
    parser.add_argument("--pretix-dir", default=str(Path(tempfile.gettempdir()) / "pretix-anchor"))
    parser.add_argument("--seats", type=int, default=100_000)
    parser.add_argument(
        "--generator", choices=["auto", "hey", "python"], default="auto",
        help="GET load generator: hey when installed (auto), else the Python one",
    )  # fmt: skip
    parser.add_argument(
        "--post-generator", choices=["auto", "wrk", "python"], default="auto",
        help="registration load generator: wrk with a Lua script when installed (auto), "
        "else the Python one",
    )  # fmt: skip
    parser.add_argument(
        "--serve-args", default="--no-access-log", help="extra arguments for `klynge serve`"
    )
    parser.add_argument(
        "--busy", type=int, default=0, metavar="N",
        help="N programs busy on the CPU during the first --busy-seconds of each of Klynge's "
        "registration runs (another load on the machine; default none)",
    )  # fmt: skip
    parser.add_argument("--busy-seconds", type=float, default=2.5)
    parser.add_argument(
        "--only", choices=["all", "get", "post"], default="all",
        help="run only the page (get) or registration (post) measurements",
    )  # fmt: skip
    args = parser.parse_args()
    backends = [b for b in args.backends.split(",") if b] or [
        "postgresql" if args.database_url else "sqlite"
    ]
    if "postgresql" in backends and not args.database_url:
        raise SystemExit("--backends postgresql needs --database-url (an empty scratch database)")
    print(f"started {time.strftime('%Y-%m-%d %H:%M:%S')}, load average {_load()}")
    for backend in backends:
        if args.pretix_reuse:
            _print_interleaved(run_interleaved(args, backend), args)
            continue
        pretix = run_pretix(args, backend) if args.pretix else None
        if pretix is not None:
            _print_pretix(backend, pretix)
        run = run_klynge(args, args.database_url if backend == "postgresql" else "")
        _print_klynge(run, args, pretix)
    print(f"\nfinished {time.strftime('%Y-%m-%d %H:%M:%S')}, load average {_load()}")


def _hey_version() -> str:
    try:
        return subprocess.run(
            ["dpkg-query", "-W", "-f=${Version}", "hey"], capture_output=True, text=True
        ).stdout.strip()
    except OSError:
        return ""


if __name__ == "__main__":
    main()
