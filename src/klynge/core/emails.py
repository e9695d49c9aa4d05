"""Renders e-mails in the recipient's language and queues them to be sent after commit."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.tasks import task
from django.template.loader import render_to_string
from django.utils import translation

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


def queue_email(
    *,
    to: str,
    template: str,
    context: dict[str, Any],
    language: str | None = None,
    attachments: Sequence[Attachment] = (),
) -> None:
    """Renders ``<template>_subject.txt`` and ``<template>.txt`` and sends them after commit.

    `attachments` are (file name, text, MIME type) triples, e.g. an .ics calendar entry.
    Nothing is sent if the surrounding transaction rolls back.
    """
    context = {"cluster_name": settings.KLYNGE_CLUSTER_NAME, **context}
    with translation.override(language or translation.get_language() or settings.LANGUAGE_CODE):
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
        body = render_to_string(f"{template}.txt", context)
    if attachments:
        files = [
            [str(name), str(content), str(mimetype)] for name, content, mimetype in attachments
        ]
        transaction.on_commit(
            lambda: send_email_with_attachments.enqueue(
                to=[to], subject=subject, body=body, attachments=files
            )
        )
    else:
        transaction.on_commit(lambda: send_email.enqueue(to=[to], subject=subject, body=body))
