"""`klynge run_periodic`: runs the registered periodic jobs (see `klynge.core.periodic`)."""

import logging
import signal
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import close_old_connections

from klynge.core import periodic

logger = logging.getLogger("klynge.periodic")


class Command(BaseCommand):
    help = "Run the periodic jobs when they are due, until stopped; --once runs each once."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="run every job once and exit")
        parser.add_argument(
            "--interval", type=float, default=30.0, help="seconds between checks (default 30)"
        )

    def handle(self, *args, once=False, interval=30.0, **options):
        stopping = False

        def stop(signum=None, frame=None):
            nonlocal stopping
            stopping = True

        if not once:
            signal.signal(signal.SIGTERM, stop)
            signal.signal(signal.SIGINT, stop)
        last_runs: dict[str, float] = {}
        while not stopping:
            for job in periodic.due(last_runs, time.monotonic()):
                self.run(job)
                last_runs[job.command] = time.monotonic()
                if stopping:
                    break
            if once:
                break
            slept = 0.0
            while not stopping and slept < interval:
                time.sleep(min(0.5, interval))
                slept += 0.5

    def run(self, job: periodic.Job) -> None:
        close_old_connections()
        kwargs = {"base_url": settings.KLYNGE_BASE_URL} if job.base_url else {}
        try:
            call_command(job.command, stdout=self.stdout, stderr=self.stderr, **kwargs)
        except Exception:  # one failing job must not stop the others
            logger.exception("The periodic job %s failed.", job.command)
            self.stderr.write(f"The periodic job {job.command} failed; see the log.")
        finally:
            close_old_connections()
