"""Django's SQLite backend, with write transactions queued on a lock file.

SQLite lets one writer in at a time. A second `BEGIN IMMEDIATE` waits in SQLite's busy handler,
which sleeps in growing steps (1, 2, 5, 10, … up to 100 ms) and checks again: under a rush of
writes (registrations, bookings) the database is often free while every waiter still sleeps,
so the CPUs idle and the slowest requests wait a second or more. Here a write transaction
first takes an exclusive `flock` on `<database>.writelock`, polled every fraction of a
millisecond, so the next writer starts within a millisecond of the last commit, and SQLite's
own lock is then free. The file lock is released at commit or rollback.

Writes outside a transaction (autocommit statements) and other programs do not take the file
lock; they meet SQLite's busy handler as before, which still guarantees correctness: the file
lock only orders the writers that use it. After the busy timeout (`OPTIONS["timeout"]`) a
waiter stops waiting for the file lock and leaves the decision to SQLite.
"""

from __future__ import annotations

import fcntl
import os
import time

from django.db.backends.sqlite3 import base


class DatabaseWrapper(base.DatabaseWrapper):
    _lock_file: int | None = None
    _lock_held = False

    def get_new_connection(self, conn_params):
        connection = super().get_new_connection(conn_params)
        if not self.is_in_memory_db():
            name = str(self.settings_dict["NAME"])
            self._lock_file = os.open(f"{name}.writelock", os.O_RDWR | os.O_CREAT, 0o600)
        return connection

    def _close(self):
        try:
            super()._close()
        finally:
            self._release_write_lock()
            if self._lock_file is not None:
                os.close(self._lock_file)
                self._lock_file = None

    def _start_transaction_under_autocommit(self):
        self._acquire_write_lock()
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._release_write_lock()
            raise

    def _commit(self):
        try:
            return super()._commit()
        finally:
            self._release_write_lock()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._release_write_lock()

    def _acquire_write_lock(self) -> None:
        if self._lock_file is None or self._lock_held or self.transaction_mode is None:
            return
        deadline = time.monotonic() + float(self.settings_dict["OPTIONS"].get("timeout", 5))
        pause = 0.0001
        while True:
            try:
                fcntl.flock(self._lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    return  # SQLite's busy handler decides from here
                time.sleep(pause)
                pause = min(pause * 2, 0.001)
                continue
            self._lock_held = True
            return

    def _release_write_lock(self) -> None:
        if self._lock_held:
            self._lock_held = False
            if self._lock_file is not None:
                fcntl.flock(self._lock_file, fcntl.LOCK_UN)
