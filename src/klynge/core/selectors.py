from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet
from django.utils import timezone

from klynge.core.models import AuditEntry


@dataclass(frozen=True)
class AuditFilter:
    action: str = ""
    actor: str = ""
    target_type: int | None = None
    since: datetime.date | None = None
    until: datetime.date | None = None


def audit_entries(filters: AuditFilter) -> QuerySet[AuditEntry]:
    entries = AuditEntry.objects.select_related("target_type")
    if filters.action:
        entries = entries.filter(action__startswith=filters.action)
    if filters.actor:
        entries = entries.filter(actor_label__icontains=filters.actor)
    if filters.target_type:
        entries = entries.filter(target_type_id=filters.target_type)
    tz = timezone.get_current_timezone()
    if filters.since:
        entries = entries.filter(
            created_at__gte=datetime.datetime.combine(filters.since, datetime.time.min, tzinfo=tz)
        )
    if filters.until:
        entries = entries.filter(
            created_at__lt=datetime.datetime.combine(
                filters.until + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz
            )
        )
    return entries


def audited_types() -> list[ContentType]:
    ids = AuditEntry.objects.exclude(target_type=None).values("target_type").distinct()
    return list(ContentType.objects.filter(pk__in=ids).order_by("app_label", "model"))


def audited_actions() -> list[str]:
    return list(AuditEntry.objects.values_list("action", flat=True).distinct().order_by("action"))
