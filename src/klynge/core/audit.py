"""The audit log's single write path: every service calls `record` for what it changed."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from klynge.core.models import AuditEntry
from klynge.core.prepared import PreparedInsert

# Every write records an entry: its INSERT compiled once (see `klynge.core.prepared`).
_new_entry = PreparedInsert(AuditEntry)


def record(
    *,
    actor: Any | None,
    action: str,
    target: models.Model | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    """Records that `actor` (a user, or None for the system) did `action` to `target`.

    `action` is a dotted verb such as ``accounts.invitation.create``; `data` holds what changed,
    in JSON-serialisable form. Call it inside the service's transaction so the entry and the
    change commit together.
    """
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    entry = AuditEntry(
        actor=actor if is_user else None,
        actor_label=(actor.get_username() if is_user else "system"),
        action=action,
        target_type=ContentType.objects.get_for_model(target) if target is not None else None,
        target_id=str(target.pk) if target is not None else "",
        target_label=str(target)[:255] if target is not None else "",
        data=data or {},
    )
    return _new_entry.insert(entry)
