"""Suite-wide test switches for the `browser` and `postgres` markers (applies to src/ and tests/).

- `browser` tests drive Debian's Chromium (/usr/bin/chromium, or KLYNGE_CHROMIUM): without it they
  skip locally, but in CI (CI=true) a missing Chromium is an error, so the browser flows cannot
  silently stop running.
- `postgres` tests need the default database to be PostgreSQL (DATABASE_URL=postgres://...);
  otherwise they skip. CI runs the suite on SQLite and again on PostgreSQL.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

DEFAULT_CHROMIUM = "/usr/bin/chromium"
# Each test's reports by phase ("setup", "call", "teardown"): lets fixtures react to a failure,
# e.g. the browser tests take a screenshot.
phase_report_key = pytest.StashKey[dict[str, pytest.TestReport]]()


def chromium_executable() -> str:
    return os.environ.get("KLYNGE_CHROMIUM") or DEFAULT_CHROMIUM


def _chromium_available() -> bool:
    path = Path(chromium_executable())
    return path.is_file() and os.access(path, os.X_OK)


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def _default_database_is_postgres() -> bool:
    from django.conf import settings

    return settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def _missing_chromium_reason() -> str:
    return (
        f"Chromium not found at {chromium_executable()} (set KLYNGE_CHROMIUM or install chromium)"
    )


def pytest_collection_modifyitems(config, items):
    has_chromium = _chromium_available()
    on_postgres = None  # asked lazily: only when a postgres test was collected
    for item in items:
        if item.get_closest_marker("browser") and not has_chromium and not _in_ci():
            item.add_marker(pytest.mark.skip(reason=_missing_chromium_reason()))
        if item.get_closest_marker("postgres"):
            if on_postgres is None:
                on_postgres = _default_database_is_postgres()
            if not on_postgres:
                item.add_marker(
                    pytest.mark.skip(reason="needs PostgreSQL (DATABASE_URL=postgres://...)")
                )


def pytest_runtest_setup(item):
    # In CI a browser test without a browser is a failure, not a skip.
    if item.get_closest_marker("browser") and _in_ci() and not _chromium_available():
        pytest.fail(f"CI=true but {_missing_chromium_reason()}", pytrace=False)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """The Chromium executable the browser tests launch."""
    return chromium_executable()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    item.stash.setdefault(phase_report_key, {})[report.when] = report
    return report


@pytest.fixture
def failure_check(request):
    """A callable for fixture teardown: did this test's setup or call phase fail?"""

    def failed() -> bool:
        reports = request.node.stash.get(phase_report_key, {})
        return any(report.failed for report in reports.values())

    return failed


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits and cached maps live in the caches: every test starts with empty ones."""
    from django.core.cache import caches

    for cache in caches.all():
        cache.clear()
    yield


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts in the default language: a request in Danish leaves Danish active in
    the thread (LocaleMiddleware activates, nothing deactivates), which made later tests that
    render text without a request depend on the order the suite runs in."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)
