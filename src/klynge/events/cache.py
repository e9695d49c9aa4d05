"""The public event page, cached for anonymous visitors and checked against the database.

Most visitors of an event page are not signed in and see the same page. Rendering it costs a
few milliseconds (two ORM queries and the template); serving a stored copy costs one small SQL
statement. So the page is stored, per event, language, host and query string, in Django's cache
(per process by default; a shared cache such as Redis works the same), together with the
event's *fingerprint*, read by that one statement on every request:

- the event's `updated_at`, `visibility` and `status` (every change to the event through the
  services saves `updated_at`; visibility and status are compared even if someone changed them
  without it), and
- its capacity and seat counter `seats_taken` (kept exact by every service that takes or frees
  a seat, in the same transaction: so the free seats on the page are never stale, whichever
  process or server registered or cancelled).

A stored copy is served only while the fingerprint is unchanged, and at most `PAGE_TTL` seconds:
what the page shows from other tables (ticket categories, the programme link, the organiser's
name) may be that much older. Only anonymous GETs without messages are ever stored or served
(signed-in visitors see their own registration), and a copy is stored only after the full
visibility check passed for an anonymous visitor, with the same fingerprint. The CSRF token in
the page (HTMX header, language form) is a placeholder in the stored copy and filled in with the
visitor's own token on every request.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from django.contrib.messages import get_messages
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils import translation

from klynge.events.models import Event

# Seconds a stored page may be served while its fingerprint is unchanged (bounds how old the
# parts of the page read from other tables can be).
PAGE_TTL = 10
# Stands for the visitor's CSRF token in a stored page (64 characters, like a real token).
CSRF_PLACEHOLDER = "KlyngeCsrfPlaceholder" + "0" * 43
# Query parameters the page understands; other query strings are rendered, never stored.
CACHEABLE_PARAMETERS = {"tz"}

Fingerprint = tuple


def _fingerprint_sql() -> str:
    event = connection.ops.quote_name(Event._meta.db_table)
    # Only the table name from the model, quoted, is put into the text; the slug is a parameter.
    return (
        f"SELECT id, updated_at, visibility, status, capacity, seats_taken "  # noqa: S608
        f"FROM {event} WHERE slug = %s"
    )


def fingerprint(slug: str) -> Fingerprint | None:
    """What a stored page of the event depends on, in one statement; None for no such event."""
    with connection.cursor() as cursor:
        cursor.execute(_fingerprint_sql(), [slug])
        row = cursor.fetchone()
    if row is None:
        return None
    pk, updated_at, visibility, status, capacity, seats_taken = row
    return (pk, str(updated_at), visibility, status, capacity, seats_taken)


def cacheable(request: HttpRequest) -> bool:
    """An anonymous GET with no messages to show and only the parameters the page knows."""
    if request.method != "GET" or getattr(request, "htmx", False):
        return False
    if request.user.is_authenticated or not set(request.GET) <= CACHEABLE_PARAMETERS:
        return False
    return not get_messages(request)  # loads them without marking them as shown


def _key(request: HttpRequest, slug: str) -> str:
    where = f"{request.scheme}://{request.get_host()}{request.get_full_path()}"
    digest = hashlib.sha256(where.encode()).hexdigest()[:32]
    return f"events:page:{slug}:{translation.get_language()}:{digest}"


def _respond(request: HttpRequest, parts: list[bytes]) -> HttpResponse:
    """The stored page with the visitor's own CSRF token (which also sets their CSRF cookie)."""
    token = get_token(request).encode()
    return HttpResponse(token.join(parts))


def event_page(
    request: HttpRequest,
    slug: str,
    *,
    load: Callable[[], Event],
    render: Callable[[Event, dict], HttpResponse],
) -> HttpResponse:
    """The event page: a stored copy for an anonymous visitor while it is fresh, else
    `render(event, extra_context)` of the event `load()` returns (which checks visibility)."""
    if not cacheable(request):
        return render(load(), {})
    key = _key(request, slug)
    current = fingerprint(slug)  # read before rendering: a stored page is never older than it
    stored = cache.get(key)
    if stored is not None and current is not None and stored[0] == current:
        return _respond(request, stored[1])
    event = load()
    response = render(event, {"csrf_token": CSRF_PLACEHOLDER})
    if response.status_code != 200 or response.streaming:
        return response
    parts = response.content.split(CSRF_PLACEHOLDER.encode())
    if current is not None and current[0] == event.pk:
        cache.set(key, (current, parts), PAGE_TTL)
    response.content = get_token(request).encode().join(parts)
    return response
