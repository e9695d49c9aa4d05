"""Renders e-mails in the recipient's language and queues them to be sent after commit."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

from klynge.core.tasks import send_email


def queue_email(
    *, to: str, template: str, context: dict[str, Any], language: str | None = None
) -> None:
    """Renders ``<template>_subject.txt`` and ``<template>.txt`` and sends them after commit.

    Nothing is sent if the surrounding transaction rolls back.
    """
    context = {"cluster_name": settings.KLYNGE_CLUSTER_NAME, **context}
    with translation.override(language or translation.get_language() or settings.LANGUAGE_CODE):
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
        body = render_to_string(f"{template}.txt", context)
    transaction.on_commit(lambda: send_email.enqueue(to=[to], subject=subject, body=body))
