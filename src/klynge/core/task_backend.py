"""Klynge's task backend: django-tasks-db's, writing a queued task's row with a prepared INSERT.

An e-mail queued with a registration is a row of django-tasks-db's table written in the
registration's own transaction (the outbox, `klynge.core.emails`). The library writes it with
`DBTaskResult.objects.create()`, whose ORM save path was the most expensive statement of a
registration; `PreparedInsert` writes the same row, with the same signals (the library fills in
`run_after` in a `pre_save` receiver), from an INSERT compiled once per connection. Everything
else (the worker, results, pruning) is the library's.
"""

from __future__ import annotations

import functools
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.compat import normalize_json, task_enqueued

from klynge.core.prepared import PreparedInsert


@functools.cache
def _new_task_row() -> PreparedInsert:
    from django_tasks_db.models import DBTaskResult

    return PreparedInsert(DBTaskResult)


class OutboxBackend(DatabaseBackend):
    """django-tasks-db's `DatabaseBackend`, its task rows inserted by `PreparedInsert`."""

    def enqueue(self, task, args, kwargs):
        # As DatabaseBackend.enqueue, which builds the result (and the task in it, from its
        # import path) twice: once for the signal, once to return.
        self.validate_task(task)
        result = self._task_to_db_task(task, args, kwargs).task_result
        task_enqueued.send(type(self), task_result=result)
        return result

    def _task_to_db_task(self, task, args, kwargs) -> Any:
        # As DatabaseBackend._task_to_db_task, with the row inserted by PreparedInsert.
        from django_tasks_db.models import DBTaskResult

        return _new_task_row().insert(
            DBTaskResult(
                id=self._get_id(),
                args_kwargs=normalize_json({"args": args, "kwargs": kwargs}),
                priority=task.priority,
                task_path=task.module_path,
                queue_name=task.queue_name,
                run_after=task.run_after,
                backend_name=self.alias,
            )
        )


def tasks_in_database(alias: str = "default") -> bool:
    """Whether the tasks of `alias` are rows of the database, which `klynge db_worker` runs."""
    return issubclass(import_string(settings.TASKS[alias]["BACKEND"]), DatabaseBackend)
