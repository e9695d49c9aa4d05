"""`klynge db_worker` (klynge/core/management/commands/db_worker.py): django-tasks-db's worker,
claiming several ready tasks per transaction, on the real database queue."""

import io
import signal
import threading

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.tasks import task
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from klynge.core.management.commands.db_worker import Worker

pytestmark = pytest.mark.django_db(transaction=True)

RAN: list[str] = []
STOP: list[Worker] = []  # the worker `stop` asks to stop, as a SIGTERM would


@task()
def remember(label: str) -> str:
    RAN.append(label)
    return label


@task()
def fail(label: str) -> None:
    RAN.append(label)
    raise RuntimeError(label)


@task()
def stop(label: str) -> None:
    RAN.append(label)
    STOP[0].shutdown(signal.SIGTERM, None)


@pytest.fixture(autouse=True)
def _clean():
    RAN.clear()
    STOP.clear()
    yield
    RAN.clear()
    STOP.clear()


def _enqueue(*tasks):
    return [function.using(backend="database").enqueue(label).id for function, label in tasks]


def _worker(*options: str) -> None:
    call_command(
        "db_worker",
        "--batch",
        "--backend",
        "database",
        "--no-startup-delay",
        "--interval",
        "0.01",
        *options,
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )


def _direct_worker(worker_id: str, *, claim: int) -> Worker:
    """The command's worker without its signal handlers (which only the main thread may set)."""
    return Worker(
        claim=claim,
        queue_names=["default"],
        excluded_queue_names=[],
        interval=0.01,
        batch=True,
        backend_name="database",
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id,
    )


def _statuses(ids) -> list[str]:
    rows = dict(DBTaskResult.objects.filter(pk__in=ids).values_list("pk", "status"))
    return [rows[DBTaskResult._meta.pk.to_python(pk)] for pk in ids]


def test_the_worker_claims_its_tasks_in_batches_and_runs_each_once():
    ids = _enqueue(*[(remember, f"t{n}") for n in range(5)])
    with CaptureQueriesContext(connection) as queries:
        _worker("--claim", "2")
    assert RAN == ["t0", "t1", "t2", "t3", "t4"]
    assert _statuses(ids) == ["SUCCESSFUL"] * 5
    worker_ids = {tuple(r.worker_ids) for r in DBTaskResult.objects.filter(pk__in=ids)}
    assert len(worker_ids) == 1 and len(next(iter(worker_ids))) == 1
    # Three claims of up to two tasks, and the one that found none; not one per task.
    claims = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith("SELECT")
        and 'FROM "django_tasks_database_dbtaskresult"' in q["sql"]
        and "LIMIT 2" in q["sql"]
    ]
    assert len(claims) == 4
    if connection.vendor == "postgresql":
        assert all("FOR UPDATE SKIP LOCKED" in sql for sql in claims)


def test_a_failing_task_is_marked_failed_and_the_rest_of_the_batch_runs():
    ids = _enqueue((remember, "a"), (fail, "b"), (remember, "c"))
    _worker()
    assert RAN == ["a", "b", "c"]
    assert _statuses(ids) == ["SUCCESSFUL", "FAILED", "SUCCESSFUL"]
    failed = DBTaskResult.objects.get(pk=ids[1])
    assert failed.exception_class_path == "builtins.RuntimeError"


def test_a_stopped_worker_finishes_its_task_and_returns_the_unstarted_ones():
    ids = _enqueue((remember, "a"), (stop, "b"), (remember, "c"), (remember, "d"))
    worker = _direct_worker("stopping-worker", claim=10)
    STOP.append(worker)
    worker.run()
    assert RAN == ["a", "b"]
    assert _statuses(ids) == ["SUCCESSFUL", "SUCCESSFUL", "READY", "READY"]
    returned = DBTaskResult.objects.filter(pk__in=ids[2:])
    assert [(r.started_at, r.worker_ids) for r in returned] == [(None, [])] * 2
    _worker()  # the next worker runs them
    assert RAN == ["a", "b", "c", "d"]
    assert _statuses(ids) == ["SUCCESSFUL"] * 4


def test_tasks_left_when_a_batch_runs_long_go_back_to_the_queue():
    ids = _enqueue(*[(remember, f"t{n}") for n in range(3)])
    worker = _direct_worker("slow-worker", claim=10)
    worker.batch_seconds = 0  # every batch "runs long" after its first task
    with CaptureQueriesContext(connection) as queries:
        worker.run()
    assert RAN == ["t0", "t1", "t2"]
    assert _statuses(ids) == ["SUCCESSFUL"] * 3
    runs = DBTaskResult.objects.filter(pk__in=ids).values_list("worker_ids", flat=True)
    assert list(runs) == [["slow-worker"]] * 3
    claims = [q for q in queries.captured_queries if "LIMIT 10" in q["sql"]]
    assert len(claims) == 4  # one task per batch, and the claim that found none


def test_max_tasks_claims_no_more_tasks_than_it_runs():
    ids = _enqueue(*[(remember, f"t{n}") for n in range(5)])
    _worker("--max-tasks", "2", "--claim", "10")
    assert RAN == ["t0", "t1"]
    assert _statuses(ids) == ["SUCCESSFUL"] * 2 + ["READY"] * 3
    assert not DBTaskResult.objects.filter(pk__in=ids[2:]).exclude(worker_ids=[]).exists()


def test_the_claim_option_is_checked():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="claim"):
        _worker("--claim", "0")


def test_workers_running_side_by_side_never_run_a_task_twice():
    """Several workers on one queue (as docs/deploy.md allows): on PostgreSQL SKIP LOCKED, on
    SQLite the exclusive transaction keeps them from claiming the same task."""
    ids = _enqueue(*[(remember, f"t{n}") for n in range(60)])
    errors = []

    def work(n):
        try:
            _direct_worker(f"worker-{n}", claim=4).run()
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(RAN) == sorted(f"t{n}" for n in range(60))
    assert _statuses(ids) == ["SUCCESSFUL"] * 60
    runs = DBTaskResult.objects.filter(pk__in=ids).values_list("worker_ids", flat=True)
    assert all(len(worker_ids) == 1 for worker_ids in runs)
