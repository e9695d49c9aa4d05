"""`klynge serve` (what `make run` ends with) starts gunicorn, the worker and the periodic jobs,
and stops them all."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

from klynge.core.management.commands.serve import background_priority


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _children(pid: int) -> dict[str, tuple[int, int]]:
    """Command line -> (nice value, scheduling policy) of each child process of `pid`."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                with open(f"/proc/{entry}/cmdline") as cmdline:
                    found[cmdline.read().replace("\0", " ")] = (
                        int(fields[16]),
                        os.sched_getscheduler(int(entry)),
                    )
        except (OSError, ValueError, IndexError):
            continue
    return found


def test_the_worker_gives_way_most_where_it_holds_no_lock_the_requests_need():
    # PostgreSQL: the lowest nice value, and the CPU only when the web server leaves one free.
    assert background_priority(19, "postgresql") == (19, True)
    assert background_priority(5, "postgresql") == (5, False)
    # SQLite: a worker starved while it holds the database's one write lock holds every
    # request that writes.
    assert background_priority(19, "sqlite") == (10, False)
    assert background_priority(5, "sqlite") == (5, False)


def test_serve_answers_healthz_and_stops_cleanly(tmp_path):
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "KLYNGE_DEBUG": "true",
        "KLYNGE_DATA_DIR": str(tmp_path),
        "KLYNGE_LOG_LEVEL": "WARNING",
    }
    klynge = [sys.executable, "-m", "klynge"]
    subprocess.run([*klynge, "migrate", "-v0"], env=env, check=True, timeout=120)
    port = _free_port()
    server = subprocess.Popen(
        [*klynge, "serve", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        body = None
        # Up to 90 s: gunicorn preloads the whole URL configuration, which takes long on a busy
        # machine; the test is about what answers, not how fast.
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/healthz", timeout=2
                ) as response:
                    body = json.loads(response.read())
                    break
            except OSError:
                time.sleep(0.2)
        assert body == {"status": "ok", "database": "ok"}
        children = _children(server.pid)
        priority = {
            name: next((n for line, n in children.items() if name in line), None)
            for name in ("db_worker", "gunicorn", "run_periodic")
        }
        assert None not in priority.values(), children
        # The worker and the periodic jobs give way to the web server on a busy machine; on
        # SQLite (this server's database) never so far that, holding the one write lock, they
        # would hold the requests up.
        assert priority["db_worker"] == priority["run_periodic"] == (10, os.SCHED_OTHER)
        assert priority["gunicorn"] == (0, os.SCHED_OTHER)
    finally:
        server.send_signal(signal.SIGTERM)
        output, _ = server.communicate(timeout=30)
    assert server.returncode == 0, output
    assert f"Klynge is running on http://127.0.0.1:{port}/" in output


def test_the_wsgi_module_freezes_what_it_loaded():
    """After `klynge.wsgi` (what `gunicorn --preload` imports before forking) the objects it
    loaded are out of the garbage collector's generations: a full collection walks only what
    requests made since."""
    code = (
        "import gc, klynge.wsgi\n"
        "frozen = gc.get_freeze_count()\n"
        "gc.unfreeze()\n"
        "print(frozen, len(gc.get_objects()))\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "klynge.settings"}
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    frozen, tracked = map(int, run.stdout.split())
    assert frozen > 0.9 * tracked > 50_000
