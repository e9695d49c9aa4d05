"""`klynge serve`: the web server (gunicorn) and the background worker, started and stopped together."""

import os
import signal
import subprocess
import sys
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from klynge.core.task_backend import tasks_in_database

# On SQLite the worker's transactions take the database's one write lock, which every
# registration needs as well. A worker left without CPU while it holds the lock holds them all
# up (priority inversion): with two other programs busy on this 2-core machine for the first
# 2.5 s of a 15 s rush at 32 clients, the registrations' p99 was 1,123 and 1,586 ms with the
# worker in the idle class and 420 ms at nice 10. PostgreSQL locks rows, none a request needs.
SQLITE_WORKER_NICE = 10


def background_priority(nice: int, vendor: str) -> tuple[int, bool]:
    """The nice value of the task worker and the periodic jobs, and whether they also go into
    Linux's idle scheduling class, for the asked `nice` on the database `vendor`."""
    if vendor == "sqlite":
        return min(nice, SQLITE_WORKER_NICE), False
    return nice, nice == 19


def _lower_priority(nice: int, idle: bool) -> None:
    """Runs in a background child before it starts: `nice`, and if `idle` also Linux's
    SCHED_IDLE, under which a request that wakes up takes the CPU from the worker at once (at
    nice 19 alone the worker still took 1-1.3 ms of CPU per registration during a rush, under
    SCHED_IDLE 0.6-1.1; registrations at 32 clients 183-260 against 181-243 a second)."""
    os.nice(nice)
    if idle and hasattr(os, "SCHED_IDLE"):
        try:
            os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
        except OSError:  # a sandbox that forbids it: nice 19 alone
            pass


class Command(BaseCommand):
    help = "Run the web server and the task worker until interrupted (Ctrl-C)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
        parser.add_argument(
            "--threads",
            type=int,
            default=2,
            help="threads per worker process (default 2: a second request goes on while one is "
            "slow; more threads share one CPU and lengthen every transaction)",
        )
        parser.add_argument(
            "--no-access-log", action="store_true", help="do not log every request on stdout"
        )
        parser.add_argument("--no-worker", action="store_true", help="do not start the task worker")
        parser.add_argument(
            "--worker-nice",
            type=int,
            default=19,
            choices=range(0, 20),
            metavar="0-19",
            help="how much lower the CPU priority of the task worker and the periodic jobs is "
            "than the web server's (default 19, the lowest, and on Linux the idle scheduling "
            "class as well: on a busy machine requests are answered first and their e-mails "
            "are sent in the gaps, or right after a rush; on SQLite, whose one write lock the "
            "worker shares with the requests, at most 10 and never the idle class)",
        )
        parser.add_argument(
            "--no-periodic",
            action="store_true",
            help="do not run the periodic jobs (when cron or another server runs them)",
        )

    def handle(
        self,
        *args,
        host,
        port,
        workers,
        threads,
        no_access_log,
        no_worker,
        worker_nice,
        no_periodic,
        **options,
    ):
        if not 0 < port < 65536:
            raise CommandError(f"PORT must be between 1 and 65535, not {port}.")
        processes: list[subprocess.Popen] = []
        # The worker sends what requests queued (a confirmation with its .ics and QR code costs
        # about as much CPU as the registration itself): at a lower priority, a rush of
        # requests is answered first on a busy machine and the queue catches up after it.
        nice, idle = background_priority(worker_nice, connection.vendor)
        background = {"preexec_fn": (lambda: _lower_priority(nice, idle)) if nice else None}
        uses_worker = tasks_in_database()
        if uses_worker and not no_worker:
            processes.append(
                subprocess.Popen([sys.executable, "-m", "klynge", "db_worker"], **background)
            )
        if not no_periodic:
            # Links in e-mails from periodic jobs point here unless KLYNGE_BASE_URL says otherwise.
            environment = {"KLYNGE_BASE_URL": f"http://{host}:{port}", **os.environ}
            processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "klynge", "run_periodic"], env=environment, **background
                )
            )
        processes.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "klynge.wsgi",
                    "--bind",
                    f"{host}:{port}",
                    "--workers",
                    str(workers),
                    "--threads",
                    str(threads),
                    # gthread, sharing new connections out evenly between the workers.
                    *(
                        ["--worker-class", "klynge.core.balanced_worker.ThreadWorker"]
                        if threads > 1
                        else []
                    ),
                    *([] if no_access_log else ["--access-logfile", "-"]),
                    # Load Klynge once before forking, so no worker's first request pays for it.
                    "--preload",
                    "--graceful-timeout",
                    "10",
                ]
            )
        )
        self.stdout.write(
            self.style.SUCCESS(f"Klynge is running on http://{host}:{port}/ (Ctrl-C stops it)")
        )

        stopping = False

        def stop(signum=None, frame=None):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping and all(p.poll() is None for p in processes):
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        for process in processes:
            if process.poll() is None:
                process.terminate()
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        failed = [p for p in processes if p.returncode not in (0, -signal.SIGTERM, -signal.SIGINT)]
        if failed and not stopping:
            raise CommandError("A Klynge process stopped unexpectedly; see its output above.")
