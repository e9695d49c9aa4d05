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
kernel's queue for a few milliseconds at most.

There is no lock, so no worker killed at any moment can leave one held for the others:
- gunicorn's master, which creates every worker object before it forks it, gives each its
  slot: one whose process is gone (gunicorn reaps a dead worker before it starts the next).
  Only the master hands out slots, one at a time.
- Each worker writes only its own slot, each field a single aligned 8-byte store, and reads
  the others'. Two workers deciding at the same moment may read each other's count from just
  before; neither holds back for that (each count moves by one per accept), and a held-back
  worker reads again 5 ms later.

A worker counts as live while it writes its heartbeat (every pass of its loop, at least once a
second) and its process exists: a killed worker's slot is ignored once gunicorn has reaped it,
or 3 seconds after its last heartbeat (a hung worker). A worker that is stopping (SIGTERM,
gunicorn's max-requests, a reload) stops counting at once, since it no longer accepts. A slot
counts only from its worker's first heartbeat, when the application is loaded and the loop
runs, so a sibling never holds back for a worker that cannot answer yet. Without a slot (more
than 32 workers) a worker accepts as gthread does.

It relies on gthread's accept switch (`set_accept_enabled`, gunicorn 27) and on the master
creating the worker object before `fork`, hence the version bound in pyproject.toml;
`core/tests/test_balanced_worker.py` runs real gunicorn workers.
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


def should_accept(mine: int, siblings: list[int]) -> bool:
    """Whether a worker holding `mine` connections takes new ones, given how many its live
    siblings hold: unless it holds more than one above the least loaded."""
    return not siblings or mine <= min(siblings) + 1


def claim_slot() -> int:
    """A free slot, emptied for a new worker (in gunicorn's master), or -1 when none is free."""
    for slot in range(SLOTS):
        base = slot * _FIELDS
        pid = int(_table[base + _PID])
        # 0: never used, or claimed by a worker whose fork failed (the master claims a slot
        # and sets the new worker's pid before it claims the next).
        if pid == 0 or not _alive(pid):
            # No pid and no heartbeat yet: siblings leave the slot out until the worker runs.
            _table[base : base + _FIELDS] = [0, 0, 0]
            return slot
    return -1


class ThreadWorker(gthread.ThreadWorker):
    slot = -1

    def __init__(self, *args, **kwargs):
        self.slot = claim_slot()  # in the master, before it forks this worker
        super().__init__(*args, **kwargs)

    @property
    def pid(self):
        return self._pid

    @pid.setter
    def pid(self, value):
        # gunicorn sets the pid in the master right after `fork` (and in the worker itself):
        # from then on the slot is this process's, until it is gone.
        self._pid = value
        if isinstance(value, int) and self.slot >= 0:
            _table[self.slot * _FIELDS + _PID] = value

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
        if self.slot >= 0:
            base = self.slot * _FIELDS
            if not self.alive:  # stopping: siblings leave it out, and it takes no more
                _table[base + _HEARTBEAT] = 0
                enabled = False
            else:
                _table[base + _CONNECTIONS] = self.nr_conns
                if enabled:
                    enabled = should_accept(self.nr_conns, self._siblings())
        return super().set_accept_enabled(enabled)

    def wait_for_and_dispatch_events(self, timeout):
        if self.alive and not self._accepting and self.nr_conns < self.worker_connections:
            timeout = min(timeout, RECHECK)  # held back to let a sibling catch up: look again soon
        super().wait_for_and_dispatch_events(timeout)

    def _siblings(self) -> list[int]:
        """How many connections each live sibling holds."""
        now, found = time.monotonic(), []
        for slot in range(SLOTS):
            base = slot * _FIELDS
            if slot == self.slot or _table[base + _PID] <= 0:
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
