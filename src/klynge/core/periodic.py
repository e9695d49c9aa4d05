"""Periodic jobs: management commands that must run every few minutes or once a day.

Apps register their jobs in `AppConfig.ready()`; `klynge run_periodic` (started by
`klynge serve`) runs each when it is due, or every job once with `--once` (for cron or a
systemd timer instead). Every registered command must be idempotent: running it twice, or on
two servers at once, changes nothing the second time.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass


@dataclass(frozen=True)
class Job:
    command: str  # a management command
    every: datetime.timedelta
    # Passes `--base-url` (settings.KLYNGE_BASE_URL) for the links in the e-mails it sends.
    base_url: bool = False


_JOBS: dict[str, Job] = {}


def register(job: Job) -> None:
    _JOBS[job.command] = job


def registered() -> list[Job]:
    return sorted(_JOBS.values(), key=lambda job: (job.every, job.command))


def due(last_runs: dict[str, float], now: float) -> list[Job]:
    """The jobs never run (in this process) or last run at least their interval before `now`
    (seconds, as from `time.monotonic()`)."""
    return [
        job
        for job in registered()
        if job.command not in last_runs or now - last_runs[job.command] >= job.every.total_seconds()
    ]
