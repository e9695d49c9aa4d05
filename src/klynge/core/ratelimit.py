"""Rate limits for public forms that create data or send e-mail, and the client's address.

`client_address` is the address of the person, not of the reverse proxy in front of Klynge: with
``KLYNGE_PROXY_COUNT`` proxies it reads X-Forwarded-For with django-ipware, taking the address
the first proxy saw (each proxy appends the address it was connected from, so anything a client
writes into the header itself stays further left and is ignored). The login rate limit
(django-axes) uses this same function, so both limits count the same address.

`Limit` counts hits per key in fixed windows in the "shared" cache, which every worker process
and server sees (``KLYNGE_SHARED_CACHE``: a file cache under ``KLYNGE_DATA_DIR`` by default,
shared by the workers of one server; the database cache for several servers). Counting is a
read and a write, not one atomic step, so two hits at the very same moment may both pass the
last free place: a limit that stops floods, not an exact quota.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from ipware.ip import get_client_ip

CACHE_ALIAS = "shared"


def client_address(request) -> str | None:
    """The client's IP address behind ``KLYNGE_PROXY_COUNT`` trusted proxies; None when the
    request has none (django-axes stores it in an address column, which takes no placeholder)."""
    address = None
    proxies = getattr(settings, "KLYNGE_PROXY_COUNT", 0)
    if proxies:
        # ipware counts the proxies *listed* in X-Forwarded-For after the client; the proxy
        # that connects to Klynge is REMOTE_ADDR, not in the list, hence one fewer. Not strict:
        # extra (forged) addresses on the left of the header do not matter.
        address, _routable = get_client_ip(
            request,
            proxy_order="left-most",
            proxy_count=proxies - 1,
            strict=False,
            request_header_order=["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"],
        )
    return address or request.META.get("REMOTE_ADDR") or None


@dataclass(frozen=True)
class Limit:
    """At most `limit` hits per key in each window of `window_seconds`."""

    name: str
    limit: int
    window_seconds: int

    def _bucket(self, key: str) -> str:
        window = int(time.time() // self.window_seconds)
        return f"ratelimit:{self.name}:{key}:{window}"

    def used(self, key: str) -> int:
        return caches[CACHE_ALIAS].get(self._bucket(key), 0)

    def exhausted(self, key: str) -> bool:
        """Whether the key has no hit left in this window (counts nothing)."""
        return self.used(key) >= self.limit

    def hit(self, key: str) -> int:
        """Counts one hit for the key; returns the hits in this window so far."""
        cache, bucket = caches[CACHE_ALIAS], self._bucket(key)
        if cache.add(bucket, 1, timeout=self.window_seconds):
            return 1
        try:
            return cache.incr(bucket)
        except ValueError:  # expired between add and incr
            cache.set(bucket, 1, timeout=self.window_seconds)
            return 1


def allow(key: str, *, limit: int, window_seconds: int) -> bool:
    """Counts one hit for `key`; False once more than `limit` hits happened in the window."""
    return Limit("hits", limit, window_seconds).hit(key) <= limit
