"""`klynge db_worker`: django-tasks-db's worker, claiming several ready tasks per transaction.

It replaces django-tasks-db's command of the same name (klynge.core comes before django_tasks_db
in INSTALLED_APPS, as staticfiles replaces `runserver`) and takes the same options, plus
`--claim`.

django-tasks-db's worker claims one task per transaction and checks its database connection
around each: seven round trips to the database for every confirmation e-mail, besides the
task's own work. In a registration rush those statements compete with the requests for the
database, whose server processes are not niced with the worker. This one claims up to
`--claim` tasks (default 20) in one transaction (`SELECT … FOR UPDATE SKIP LOCKED` on
PostgreSQL, so several workers never claim the same task; SQLite's exclusive transaction does it
there) and runs them one after the other, each marked successful or failed as it finishes: two
round trips per task and five per batch. Tasks still unstarted a second after the batch began go
back to the queue, so a slow task (a PDF, an import) holds up at most the tasks queued behind it
for as long as it runs, not a whole batch's worth.

Stopped with SIGTERM or SIGINT (Ctrl-C), it finishes the task it is running and hands the
claimed tasks it has not started back to the queue; a second signal ends the running task too,
and the unstarted ones still go back.
"""

from __future__ import annotations

import logging
import os
import random
import signal
import time
from argparse import ArgumentTypeError
from types import FrameType

from django.core.management.base import CommandError
from django.db import close_old_connections, connections
from django.db.utils import OperationalError
from django.utils import timezone
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

logger = logging.getLogger("django_tasks_db")

CLAIM = 20
BATCH_SECONDS = 1.0  # after this, unstarted tasks of a batch go back to the queue


class Worker(db_worker.Worker):
    def __init__(self, *, claim: int = CLAIM, **options):
        super().__init__(**options)
        self.claim = claim
        self.batch_seconds = BATCH_SECONDS
        self.in_batch = False

    def shutdown(self, signum: int, frame: FrameType | None) -> None:
        if self.running and self.in_batch:
            # Between or during the tasks of a batch: stop after the running one, and let the
            # loop hand the rest back (the library's handler would exit between two tasks).
            logger.warning(
                "Received %s - finishing the current task, returning the others to the queue.",
                signal.strsignal(signum),
            )
            self.running = False
            return
        super().shutdown(signum, frame)

    def ready_tasks(self):
        tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        if not self.process_all_queues:
            tasks = tasks.filter(queue_name__in=self.queue_names)
        if self.excluded_queue_names:
            tasks = tasks.exclude(queue_name__in=self.excluded_queue_names)
        return tasks

    def claim_tasks(self, limit: int) -> list[DBTaskResult] | None:
        """Up to `limit` ready tasks, marked as run by this worker in one transaction; None
        when SQLite was locked (try again)."""
        tasks = self.ready_tasks()
        with exclusive_transaction(tasks.db):
            try:
                claimed = list(tasks.select_for_update(skip_locked=True)[:limit])
                if claimed:
                    now = timezone.now()
                    for task_result in claimed:
                        task_result.status = TaskResultStatus.RUNNING
                        task_result.started_at = now
                        task_result.worker_ids = [*task_result.worker_ids, self.worker_id]
                    DBTaskResult.objects.using(tasks.db).bulk_update(
                        claimed, ["status", "started_at", "worker_ids"]
                    )
            except OperationalError as error:
                if is_locked_database_exception(error):
                    return None  # it unlocks eventually
                raise
        return claimed

    def release(self, unstarted: list[DBTaskResult]) -> None:
        """Back to the queue, as they were before this worker claimed them."""
        if not unstarted:
            return
        for task_result in unstarted:
            task_result.status = TaskResultStatus.READY
            task_result.started_at = None
            task_result.worker_ids = task_result.worker_ids[:-1]
        DBTaskResult.objects.using(unstarted[0]._state.db).bulk_update(
            unstarted, ["status", "started_at", "worker_ids"]
        )
        logger.info("Returned %d unstarted tasks to the queue.", len(unstarted))

    def run(self) -> None:
        logger.info(
            "Starting worker worker_id=%s queues=%s claim=%d",
            self.worker_id,
            ",".join(self.queue_names),
            self.claim,
        )
        if self.startup_delay and self.interval:
            time.sleep(random.random())  # noqa: S311 - spreads workers started together

        while self.running:
            # Drops expired or broken connections; the next query checks the connection first.
            close_old_connections()
            limit = self.claim
            if self.max_tasks is not None:
                limit = min(limit, self.max_tasks - self._run_tasks)
            self.in_batch = True
            claimed = self.claim_tasks(limit)
            started, began = 0, time.monotonic()
            try:
                for task_result in claimed or ():
                    if not self.running:
                        break
                    if started and time.monotonic() - began > self.batch_seconds:
                        break  # the rest goes back, for this or another worker to claim
                    started += 1
                    self.run_task(task_result)
                    if any(c.errors_occurred for c in connections.all(initialized_only=True)):
                        close_old_connections()  # a task broke the connection: check it now
            finally:
                if claimed:
                    self.release(claimed[started:])
                self.in_batch = False

            if self.batch and claimed == []:
                logger.info(
                    "No more tasks to run for worker_id=%s - exiting gracefully.", self.worker_id
                )
                return
            if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
                logger.info(
                    "Run maximum tasks (%d) on worker=%s - exiting gracefully.",
                    self._run_tasks,
                    self.worker_id,
                )
                return
            if self.running and not claimed:
                time.sleep(self.interval)  # nothing to do (or SQLite locked): wait


def valid_claim(value: str) -> int:
    number = int(value)
    if not 1 <= number <= 1000:
        raise ArgumentTypeError("Must be between 1 and 1000")
    return number


class Command(db_worker.Command):
    help = (
        "Run the database task worker (django-tasks-db's, claiming up to --claim ready tasks "
        "per transaction)."
    )

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--claim",
            default=CLAIM,
            type=valid_claim,
            help="how many ready tasks to claim in one transaction (default: %(default)r)",
        )

    def handle(self, *, verbosity, queue_name, exclude_queues, batch, reload, claim, **options):
        # As django-tasks-db's handle(), with this module's Worker.
        self.configure_logging(verbosity)
        if reload and batch:
            logger.warning(
                "--reload and --batch cannot be specified together. Disabling autoreload."
            )
            reload = False
        queue_names = queue_name.split(",")
        excluded_queue_names = exclude_queues.split(",") if exclude_queues else []
        if excluded_queue_names and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = Worker(
            claim=claim,
            queue_names=queue_names,
            excluded_queue_names=excluded_queue_names,
            batch=batch,
            interval=options["interval"],
            backend_name=options["backend_name"],
            startup_delay=options["startup_delay"],
            max_tasks=options["max_tasks"],
            worker_id=options["worker_id"],
        )
        if reload:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()  # only in the child the reloader runs
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()
