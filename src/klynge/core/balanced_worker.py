"""gunicorn's threaded worker, leaving new connections to a less loaded sibling worker.

`klynge serve` runs gunicorn with this worker class. gunicorn's gthread worker accepts every
connection it is woken for, whether its threads are free or not, and keeps a keep-alive
connection for the connection's life. Clients that connect at once (a load balancer's pool, a
burst of browsers, a benchmark's 32 connections) are therefore shared out by whichever worker
wakes first: with 2 workers and 32 clients one typically held 25 connections and the other 7,
so those 25 clients waited three and a half times as long as the 7, which is what the slowest
requests (p99) were made of.

Each worker publishes how many connections it holds in a small shared array, created in
gunicorn's master before it forks the workers. A worker holding more than one connection
above its least loaded live sibling stops accepting, and looks again every 5 ms until that is
no longer so; the least loaded worker always accepts, so a new connection waits in the
kernel's queue for a few milliseconds at most. A worker counts as live while it writes its
heartbeat (every pass of its loop, at least once a second) and its process exists; a killed
worker's slot is ignored once gunicorn has reaped it, or 3 seconds after its last heartbeat
(a hung worker), and taken over by the next worker gunicorn starts. Without a slot (more than
32 workers) or with the shared lock held too long (a worker killed while holding it), a
worker accepts as gthread does.

It relies on gthread's accept switch (`set_accept_enabled`, gunicorn 27), hence the version
bound in pyproject.toml; `core/tests/test_balanced_worker.py` runs real gunicorn workers.
"""

from __future__ import annotations

import multiprocessing
import os
import time

from gunicorn.workers import gthread

SLOTS = 32  # more workers than any one server runs
STALE = 3.0  # seconds without a heartbeat after which a slot's worker counts as gone
RECHECK = 0.005  # seconds: how soon a worker held back looks again
_FIELDS = 3  # per slot:
_PID, _CONNECTIONS, _HEARTBEAT = range(_FIELDS)

# Shared by the master and every worker it forks (gunicorn imports the worker class first).
_table = multiprocessing.RawArray("d", SLOTS * _FIELDS)
_lock = multiprocessing.Lock()


def should_accept(mine: int, siblings: list[int]) -> bool:
    """Whether a worker holding `mine` connections takes new ones, given how many its live
    siblings hold: unless it holds more than one above the least loaded."""
    return not siblings or mine <= min(siblings) + 1


class ThreadWorker(gthread.ThreadWorker):
    slot = -1

    def run(self):
        # A slot once the application is loaded and the loop starts, so a sibling never holds
        # back for a worker that cannot answer yet.
        now = time.monotonic()
        if _lock.acquire(timeout=1.0):  # else: no slot, and gthread's own behaviour
            try:
                for slot in range(SLOTS):
                    base = slot * _FIELDS
                    if _table[base + _PID] == 0 or now - _table[base + _HEARTBEAT] > STALE:
                        _table[base : base + _FIELDS] = [os.getpid(), 0, now]
                        self.slot = slot
                        break
            finally:
                _lock.release()
        super().run()

    def notify(self):
        """Every pass of the worker's loop: the heartbeat, and whether to accept now."""
        super().notify()
        if self.slot >= 0 and self.alive:
            _table[self.slot * _FIELDS + _HEARTBEAT] = time.monotonic()
            self._reconsider()

    def accept(self, listener):
        super().accept(listener)
        # gthread asks set_accept_enabled only when its own limit changes: ask again.
        self._reconsider()

    def _reconsider(self):
        self.set_accept_enabled(self.nr_conns < self.worker_connections)

    def set_accept_enabled(self, enabled):
        # A worker killed inside the lock would leave it held: after a moment, go on without
        # it and accept, as gthread itself does.
        if self.slot < 0 or not _lock.acquire(timeout=0.05):
            return super().set_accept_enabled(enabled)
        try:
            if enabled:
                enabled = should_accept(self.nr_conns, self._siblings())
            super().set_accept_enabled(enabled)
            _table[self.slot * _FIELDS + _CONNECTIONS] = self.nr_conns
        finally:
            _lock.release()
        return None

    def wait_for_and_dispatch_events(self, timeout):
        if self.alive and not self._accepting and self.nr_conns < self.worker_connections:
            timeout = min(timeout, RECHECK)  # held back to let a sibling catch up: look again soon
        super().wait_for_and_dispatch_events(timeout)

    def _siblings(self) -> list[int]:
        """How many connections each live sibling holds."""
        now, found = time.monotonic(), []
        for slot in range(SLOTS):
            base = slot * _FIELDS
            if slot == self.slot or _table[base + _PID] == 0:
                continue
            if now - _table[base + _HEARTBEAT] <= STALE and _alive(int(_table[base + _PID])):
                found.append(int(_table[base + _CONNECTIONS]))
        return found


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, PermissionError):  # gone, or its pid reused by someone else's
        return False
    return True
