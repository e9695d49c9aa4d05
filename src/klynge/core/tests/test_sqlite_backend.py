"""The SQLite backend (klynge.core.backends.sqlite3): a write transaction holds the lock file
beside the database from its BEGIN to its commit or rollback, so the next writer starts as soon
as it ends instead of sleeping in SQLite's busy handler."""

import fcntl
import os
import threading

import pytest
from django.db import connection, transaction

from klynge.core.models import AuditEntry


@pytest.fixture
def sqlite():
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite backend only (this run is on another database)")


def _lock_is_free() -> bool:
    """Whether another open file description can take the write lock now."""
    descriptor = os.open(f"{connection.settings_dict['NAME']}.writelock", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(descriptor)
    return True


def test_settings_use_the_backend(settings, sqlite):
    assert settings.DATABASES["default"]["ENGINE"] == "klynge.core.backends.sqlite3"
    assert connection.settings_dict["CONN_MAX_AGE"] == 60


@pytest.mark.django_db(transaction=True)
def test_a_write_transaction_holds_the_lock_file_until_it_commits(sqlite):
    connection.ensure_connection()
    assert _lock_is_free()
    with transaction.atomic():
        AuditEntry.objects.create(action="test.lock", target_label="held")
        assert not _lock_is_free()
        with transaction.atomic():  # a savepoint takes nothing more
            assert not _lock_is_free()
        assert not _lock_is_free()
    assert _lock_is_free()
    assert AuditEntry.objects.filter(action="test.lock").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_rollback_releases_the_lock_file(sqlite):
    connection.ensure_connection()
    with pytest.raises(RuntimeError), transaction.atomic():
        AuditEntry.objects.create(action="test.lock", target_label="rolled back")
        assert not _lock_is_free()
        raise RuntimeError("stop")
    assert _lock_is_free()
    assert not AuditEntry.objects.filter(action="test.lock").exists()


@pytest.mark.django_db(transaction=True)
def test_a_second_writer_waits_for_the_first_and_then_goes_on(sqlite):
    """Two threads (two connections) write at once: the second begins only after the first
    has committed, and neither fails with "database is locked"."""
    events: list[str] = []
    inside = threading.Event()
    errors: list[BaseException] = []

    def first():
        try:
            with transaction.atomic():
                AuditEntry.objects.create(action="test.lock", target_label="first")
                inside.set()
                threading.Event().wait(0.3)
                events.append("first done")
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    def second():
        try:
            inside.wait(10)
            with transaction.atomic():
                events.append("second begins")
                AuditEntry.objects.create(action="test.lock", target_label="second")
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert events == ["first done", "second begins"]
    assert sorted(
        AuditEntry.objects.filter(action="test.lock").values_list("target_label", flat=True)
    ) == ["first", "second"]
