"""The gunicorn worker `klynge serve` runs (klynge/core/balanced_worker.py): new connections are
shared out evenly between the workers, and a worker never waits for a stopped sibling."""

import logging
import os
import selectors
import socket
import subprocess
import sys
import time
from collections import Counter

import pytest
from gunicorn.config import Config

from klynge.core import balanced_worker
from klynge.core.balanced_worker import ThreadWorker, should_accept

WORKER = "klynge.core.balanced_worker.ThreadWorker"


def test_a_worker_holds_back_while_it_has_more_than_one_connection_above_the_least_loaded():
    assert should_accept(0, [])  # alone (or siblings gone): always
    assert should_accept(5, [4, 9])
    assert should_accept(5, [5])
    assert not should_accept(6, [4, 9])
    assert not should_accept(3, [1])
    assert should_accept(2, [1])


@pytest.fixture
def listener():
    """An empty slot table, as in a master that has started no worker yet, and a socket to
    accept on; both put back afterwards."""
    saved = balanced_worker._table[:]
    balanced_worker._table[:] = [0] * len(saved)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock
    balanced_worker._table[:] = saved


def _worker(listener, pid: int | None = None) -> ThreadWorker:
    """A worker object created as gunicorn's master creates it before the fork, given the pid
    the master gives it after the fork (this process's unless said), and made ready to run its
    loop here."""
    worker = ThreadWorker(1, os.getppid(), [listener], None, 30, Config(), logging.getLogger())
    worker.pid = os.getpid() if pid is None else pid
    worker.poller = selectors.DefaultSelector()
    return worker


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()  # reaped, as gunicorn's master reaps a dead worker before it starts the next
    return child.pid


def test_the_master_gives_each_worker_a_slot_of_its_own_reusing_only_those_of_dead_workers(
    listener,
):
    first, second = _worker(listener), _worker(listener, pid=_dead_pid())
    assert (first.slot, second.slot) == (0, 1)
    assert _worker(listener).slot == 1  # the second has died and been reaped: its slot is free
    for slot in range(balanced_worker.SLOTS):  # every slot held by a running process
        balanced_worker._table[slot * balanced_worker._FIELDS] = os.getpid()
    assert _worker(listener).slot == -1  # no slot: it accepts as gthread does


def test_a_worker_counts_for_its_siblings_while_its_loop_runs_and_no_longer_once_it_stops(
    listener,
):
    busy, idle = _worker(listener), _worker(listener)
    idle.nr_conns = 1
    assert busy._siblings() == []  # forked, but its loop has not run yet: not waited for
    idle.notify()  # a pass of the idle worker's loop: heartbeat and count
    assert idle._accepting and busy._siblings() == [1]
    busy.nr_conns = 3
    busy.notify()
    assert not busy._accepting  # 3 is more than one above 1: it leaves new ones to `idle`
    idle.alive = False  # told to stop (SIGTERM, max-requests, a reload) ...
    idle.set_accept_enabled(False)  # ... it leaves its loop
    assert not idle._accepting and busy._siblings() == []
    busy.notify()
    assert busy._accepting  # it does not wait for a worker that takes no more connections
    idle.set_accept_enabled(True)
    assert not idle._accepting  # a stopping worker takes no more, whatever gthread asks


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _serve(worker_class: str, workers: int = 2):
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable, "-m", "gunicorn", "klynge.core.tests.pid_app:app",
            "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--threads", "2",
            "--worker-class", worker_class, "--graceful-timeout", "1",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if len(_children(server.pid)) == workers:
            try:
                if len(_burst(port, 4)) == workers:  # every worker in its loop
                    time.sleep(0.5)  # and the probes counted off
                    return server, port
            except OSError:
                pass
        time.sleep(0.2)
    server.kill()
    pytest.fail("gunicorn did not start")


def _burst(port: int, clients: int) -> list[int]:
    """How many of `clients` connections opened at once each worker took, fewest first."""
    connections = [_connect(port) for _ in range(clients)]
    try:
        return sorted(Counter(_ask(connections)).values())
    finally:
        for sock in connections:
            sock.close()


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/stat") as stat:
                if int(stat.read().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry))
        except (OSError, ValueError, IndexError):
            continue
    return found


def _connect(port: int) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=30)


def _ask(connections: list[socket.socket]) -> list[int]:
    """One keep-alive request on each connection, all sent before any answer is read; the
    process ids that answered."""
    for sock in connections:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: test\r\n\r\n")
    pids = []
    for sock in connections:
        data = b""
        while b"\r\n\r\n" not in data or not data.split(b"\r\n\r\n", 1)[1]:
            chunk = sock.recv(4096)
            if not chunk:
                raise OSError("closed")
            data += chunk
        head, body = data.split(b"\r\n\r\n", 1)
        length = int(next(line.split(b":")[1] for line in head.split(b"\r\n")
                          if line.lower().startswith(b"content-length")))  # fmt: skip
        while len(body) < length:
            body += sock.recv(4096)
        pids.append(int(body))
    return pids


def _stop(server) -> None:
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:  # pragma: no cover
        server.kill()


def test_connections_opened_at_once_are_shared_evenly_between_the_workers():
    server, port = _serve(WORKER)
    try:
        for _ in range(3):  # three bursts of 24 clients, each keeping its connection
            connections = [_connect(port) for _ in range(24)]
            try:
                first = _ask(connections)
                second = _ask(connections)
            finally:
                for sock in connections:
                    sock.close()
            assert first == second  # a kept-alive connection stays with its worker
            counts = sorted(Counter(first).values())
            assert len(counts) == 2 and counts[1] - counts[0] <= 4, counts
            time.sleep(0.5)  # the closed connections are counted off
    finally:
        _stop(server)


def test_a_killed_worker_does_not_hold_the_others_back():
    """A worker killed outright no longer counts once gunicorn has reaped it: the survivor
    takes the next connections, and shares them with gunicorn's replacement once it runs."""
    server, port = _serve(WORKER)
    try:
        idle = [_connect(port) for _ in range(6)]
        holders = Counter(_ask(idle))
        victim = holders.most_common(1)[0][0]
        os.kill(victim, 9)
        for sock in idle:
            sock.close()
        at_once = [_connect(port) for _ in range(6)]
        try:
            assert victim not in _ask(at_once)
        finally:
            for sock in at_once:
                sock.close()
        deadline = time.monotonic() + 30
        while len(_children(server.pid)) < 2 or victim in _children(server.pid):
            assert time.monotonic() < deadline, "gunicorn did not replace the worker"
            time.sleep(0.1)
        for _ in range(20):  # until the replacement answers (a moment on a busy machine)
            time.sleep(0.5)
            if len(_burst(port, 12)) == 2:
                break
        time.sleep(0.5)
        counts = _burst(port, 12)
        assert len(counts) == 2 and counts[1] - counts[0] <= 4, counts
    finally:
        _stop(server)
