"""Renders e-mails in the recipient's language and queues them so they go out only if the
surrounding transaction commits.

With the database task backend (production: `klynge db_worker` sends them) the task row is
written *inside* the caller's transaction: a transactional outbox. The e-mail commits or rolls
back with the change that caused it, so neither a rollback (nothing is sent) nor a crash between
the commit and the enqueue (nothing would be lost) can make the two disagree. Other backends
(the immediate one in tests) are enqueued once the transaction has committed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.tasks import Task, task
from django.template.loader import render_to_string
from django.utils import translation
from django_tasks_db.backend import DatabaseBackend

from klynge.core.tasks import send_email

# An attachment: (file name, text content, MIME type), e.g. ("event.ics", "...", "text/calendar").
Attachment = tuple[str, str, str]


@task()
def send_email_with_attachments(
    *, to: list[str], subject: str, body: str, attachments: list[list[str]]
) -> int:
    """Sends one e-mail with text attachments (kept apart from `send_email` so tasks already
    queued with the old arguments still run)."""
    message = EmailMultiAlternatives(subject=subject, body=body, to=to)
    for filename, content, mimetype in attachments:
        message.attach(filename, content, mimetype)
    return message.send()


def is_outbox(task_: Task) -> bool:
    """Whether `task_`'s backend writes its tasks to the database in the current transaction."""
    # django-tasks-db's backend (and Klynge's, built on it) stores a task as a row of the
    # default database, so the row joins the transaction.
    return isinstance(task_.get_backend(), DatabaseBackend)


def enqueue_on_commit(task_: Task, **kwargs: Any) -> None:
    """Enqueues `task_` so that it runs only if the current transaction commits: in the
    transaction itself with the database backend (transactional outbox), else after commit.
    Outside a transaction it is enqueued at once."""
    if is_outbox(task_):
        task_.enqueue(**kwargs)
    else:
        transaction.on_commit(lambda: task_.enqueue(**kwargs))


def render_email(
    *, template: str, context: dict[str, Any], language: str | None = None
) -> tuple[str, str]:
    """(subject, body) of ``<template>_subject.txt`` and ``<template>.txt`` in `language`."""
    context = {"cluster_name": settings.KLYNGE_CLUSTER_NAME, **context}
    with translation.override(language or translation.get_language() or settings.LANGUAGE_CODE):
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
        body = render_to_string(f"{template}.txt", context)
    return subject, body


def send_email_now(
    *,
    to: str,
    template: str,
    context: dict[str, Any],
    language: str | None = None,
    attachments: Sequence[Attachment] = (),
) -> int:
    """Renders and sends an e-mail at once (for code already running in a background task)."""
    subject, body = render_email(template=template, context=context, language=language)
    message = EmailMultiAlternatives(subject=subject, body=body, to=[to])
    for filename, content, mimetype in attachments:
        message.attach(str(filename), str(content), str(mimetype))
    return message.send()


def queue_email(
    *,
    to: str,
    template: str,
    context: dict[str, Any],
    language: str | None = None,
    attachments: Sequence[Attachment] = (),
) -> None:
    """Renders ``<template>_subject.txt`` and ``<template>.txt`` now and queues the e-mail so
    that it is sent only if the surrounding transaction commits (see the module's docstring).

    `attachments` are (file name, text, MIME type) triples, e.g. an .ics calendar entry.
    Nothing is sent if the surrounding transaction rolls back.
    """
    subject, body = render_email(template=template, context=context, language=language)
    if attachments:
        files = [
            [str(name), str(content), str(mimetype)] for name, content, mimetype in attachments
        ]
        enqueue_on_commit(
            send_email_with_attachments, to=[to], subject=subject, body=body, attachments=files
        )
    else:
        enqueue_on_commit(send_email, to=[to], subject=subject, body=body)
