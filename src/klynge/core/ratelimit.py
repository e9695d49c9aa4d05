"""A small fixed-window rate limit on Django's cache, for public forms that send e-mail.

With the default local-memory cache each server process counts on its own; configure a shared
cache (see docs/deploy.md) to make the limit hold across processes and servers.
"""

from __future__ import annotations

import time

from django.core.cache import cache


def client_address(request) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def allow(key: str, *, limit: int, window_seconds: int) -> bool:
    """Counts one hit for `key`; False once `limit` hits happened in the current window."""
    bucket = f"ratelimit:{key}:{int(time.time() // window_seconds)}"
    cache.add(bucket, 0, timeout=window_seconds)
    try:
        hits = cache.incr(bucket)
    except ValueError:  # expired between add and incr
        cache.set(bucket, 1, timeout=window_seconds)
        hits = 1
    return hits <= limit
