"""What one registration costs the web server, in instructions: steady on a noisy machine.

    .venv/bin/python benchmarks/bench_registration_cost.py [--baseline REV] [--database-url URL]

Timings on the shared 2-core machine swing by half within an hour, so a change of a few per
cent in a registration's CPU cannot be seen in them. This benchmark counts instructions instead,
with valgrind's callgrind (Debian package `valgrind`), which gives the same count run after run
(hash randomisation is fixed with PYTHONHASHSEED=0):

- one process, Django's WSGI handler, no HTTP server: staff registrations through
  `POST /api/v1/events/{id}/registrations`, as `bench_events.py` sends them, each for a new
  person (30 first, to warm up, then the measured ones);
- the process is counted twice, with `--small` and with `--large` registrations; the difference
  divided by the difference in registrations is the cost of one, start-up left out;
- with `--baseline REV`, the same for another revision, checked out in a temporary git worktree
  and measured in the same run, with the ratio of the two.

On SQLite (the default, a scratch database) the count includes the database's own work, as it
runs in the process; with `--database-url` (a scratch PostgreSQL database, emptied first) it is
the web server's side only. Each process is also run once without valgrind, which checks that
every registration answered 201 and gives its CPU time for scale (noisy, as said).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench_events import SETUP, _reset_postgres, _run, klynge_env

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
WARM_UP = 30

LOOP = r"""
import io, json, os, sys, time
import django
django.setup()
from django.core.handlers.wsgi import WSGIHandler

setup = json.loads(os.environ["BENCH_SETUP"])
first, count, warm_up = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
people = setup["people"][first : first + warm_up + count]
path = f"/api/v1/events/{setup['event']}/registrations"
application = WSGIHandler()

def register(person):
    body = json.dumps({"person": person}).encode()
    environ = {
        "REQUEST_METHOD": "POST", "PATH_INFO": path, "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "HTTP_HOST": "127.0.0.1",
        "wsgi.url_scheme": "http", "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(body)),
        "HTTP_AUTHORIZATION": "Bearer " + setup["secret"], "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
    }
    answer = {}
    def start_response(status, headers, exc_info=None):
        answer["status"] = status
    content = b"".join(application(environ, start_response))
    if not answer["status"].startswith("201"):
        sys.exit(f"registration answered {answer['status']}: {content[:300]!r}")

for person in people[:warm_up]:
    register(person)
started = time.process_time()
for person in people[warm_up:]:
    register(person)
print(json.dumps({"cpu_ms": (time.process_time() - started) * 1000 / max(count, 1)}))
"""


class Checkout:
    """One revision's code, a scratch database set up with it, and its measurements."""

    def __init__(self, label: str, root: Path, args):
        self.label, self.root, self.args = label, root, args
        self.next_person = 0

    def __enter__(self):
        self.data_dir = tempfile.mkdtemp(prefix="klynge-bench-cost-")
        env = {
            **klynge_env(self.data_dir, self.root),
            "PYTHONHASHSEED": "0",  # the same dict layouts, so the same count, run after run
            "PYTHONWARNINGS": "ignore",
        }
        if self.args.database_url:
            _reset_postgres(self.args.database_url)
            env["DATABASE_URL"] = self.args.database_url
        migrate = subprocess.run(
            [PYTHON, "-m", "klynge", "migrate", "--no-input"],
            env=env,
            capture_output=True,
            text=True,
        )
        if migrate.returncode:  # (its warnings, e.g. a worktree without node_modules, are noise)
            raise SystemExit(f"{self.label}: migrate failed:\n{migrate.stderr}")
        # The native check (small), then small and large under valgrind, each after a warm-up.
        people = 3 * WARM_UP + 2 * self.args.small + self.args.large
        setup = _run(env, SETUP, people, 10**6)
        self.env = {**env, "BENCH_SETUP": json.dumps(setup)}
        return self

    def __exit__(self, *exc):
        shutil.rmtree(self.data_dir, ignore_errors=True)

    def _people(self, count: int) -> str:
        first = self.next_person
        self.next_person += WARM_UP + count
        return str(first)

    def native(self, count: int) -> float:
        """CPU ms per registration without valgrind (and the check that all answered 201)."""
        out = subprocess.run(
            [PYTHON, "-c", LOOP, self._people(count), str(count), str(WARM_UP)],
            env=self.env,
            capture_output=True,
            text=True,
        )
        if out.returncode:
            raise SystemExit(f"{self.label}: {out.stderr.strip().splitlines()[-1]}")
        return json.loads(out.stdout.strip().splitlines()[-1])["cpu_ms"]

    def counted(self, count: int) -> subprocess.Popen:
        """Starts the loop under callgrind; `instructions()` reads its count."""
        command = [
            "valgrind",
            "--tool=callgrind",
            "--callgrind-out-file=/dev/null",
            PYTHON,
            "-c",
            LOOP,
            self._people(count),
            str(count),
            str(WARM_UP),
        ]
        return subprocess.Popen(
            command, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )


def instructions(process: subprocess.Popen, label: str) -> int:
    _out, err = process.communicate()
    found = re.search(r"Collected\s*:\s*(\d+)", err)
    if process.returncode or not found:
        raise SystemExit(f"{label}: valgrind failed: {err.strip().splitlines()[-1:]}")
    return int(found.group(1))


def measure(checkout: Checkout, args) -> dict:
    """Instructions per registration of one checkout. On PostgreSQL its two counts run at once
    (the machine has two cores, and a count does not depend on what else runs); on SQLite one
    after the other, so that neither waits for the other's write lock."""
    cpu_ms = checkout.native(args.small)
    if args.database_url:
        small, large = checkout.counted(args.small), checkout.counted(args.large)
        small, large = instructions(small, checkout.label), instructions(large, checkout.label)
    else:
        small = instructions(checkout.counted(args.small), checkout.label)
        large = instructions(checkout.counted(args.large), checkout.label)
    return {"per_registration": (large - small) / (args.large - args.small), "cpu_ms": cpu_ms}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", help="a git revision to measure in the same run")
    parser.add_argument("--database-url", default="", help="a scratch PostgreSQL database")
    parser.add_argument("--small", type=int, default=20, help="registrations in the short run")
    parser.add_argument("--large", type=int, default=220, help="registrations in the long run")
    args = parser.parse_args()
    if args.large <= args.small:
        parser.error("--large must be more than --small")
    if not shutil.which("valgrind"):
        raise SystemExit("valgrind is not installed (Debian: apt-get install valgrind)")
    worktree = None
    roots = [("this checkout", ROOT)]
    if args.baseline:
        worktree = Path(tempfile.mkdtemp(prefix="klynge-baseline-"))
        subprocess.run(
            [
                "git",
                "-C",
                str(ROOT),
                "worktree",
                "add",
                "--detach",
                "-q",
                str(worktree),
                args.baseline,
            ],
            check=True,
        )
        roots.append((f"baseline {args.baseline}", worktree))
    results = {}
    try:
        # One scratch database at a time (PostgreSQL's is emptied for each checkout).
        for label, root in roots:
            with Checkout(label, root, args) as checkout:
                results[label] = measure(checkout, args)
    finally:
        if worktree is not None:
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(worktree)],
                check=False,
            )
    backend = "PostgreSQL (the web server's side)" if args.database_url else "SQLite (in process)"
    print(
        f"\nA staff registration through the API in one process, {backend}, Python "
        f"{sys.version.split()[0]}: instructions per registration from callgrind "
        f"({args.large} against {args.small} registrations after {WARM_UP} to warm up), and "
        "CPU per registration without valgrind (noisy)"
    )
    base = results.get(f"baseline {args.baseline}") if args.baseline else None
    print(f"{'code':34} {'instructions':>14} {'ratio':>7} {'CPU ms':>8}")
    for label, figures in results.items():
        ratio = f"{figures['per_registration'] / base['per_registration']:.3f}" if base else ""
        print(
            f"{label:34} {figures['per_registration'] / 1e6:13.2f}M {ratio:>7} "
            f"{figures['cpu_ms']:8.2f}"
        )


if __name__ == "__main__":
    main()
