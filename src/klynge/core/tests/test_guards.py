"""Every view declares its permission: a view without one is a view someone forgot to guard."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

# Views that come from libraries and carry their own checks.
_LIBRARY_PREFIXES = (
    "django.contrib.admin",
    "ninja.",
    "django.views.i18n",
    "django.contrib.staticfiles",
    "django.contrib.contenttypes",
)


def _patterns(resolver, prefix=""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _patterns(pattern, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.callback


def test_every_klynge_view_declares_its_permission():
    unguarded = []
    for route, view in _patterns(get_resolver()):
        module = getattr(view, "__module__", "") or ""
        # The API is guarded by its global token auth and `ensure_api_permission` (tested there).
        # Django's admin is guarded by its own site (staff admins only, tested in test_pages).
        if module.startswith(_LIBRARY_PREFIXES) or route.startswith(("api/v1/", "admin/")):
            continue
        if not hasattr(view, "required_permission"):
            unguarded.append(f"{route} ({module}.{getattr(view, '__name__', view)})")
    assert unguarded == []


@pytest.mark.django_db
def test_every_api_operation_answers_401_without_a_token(client):
    schema = client.get("/api/v1/openapi.json").json()
    checked = 0
    for path, operations in schema["paths"].items():
        for method in operations:
            response = getattr(client, method)(path, content_type="application/json")
            assert response.status_code == 401, f"{method.upper()} {path}"
            checked += 1
    assert checked == sum(len(ops) for ops in schema["paths"].values()) > 0
