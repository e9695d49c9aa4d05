"""The client's address behind the configured proxies, and rate limits in the shared cache that
every worker process sees."""

import os
import subprocess
import sys
import textwrap

import pytest
from django.db import connection
from django.test import RequestFactory, override_settings

from klynge.core import ratelimit
from klynge.core.apps import create_cache_tables

PROXY = "10.0.0.1"


def _request(forwarded_for=None):
    headers = {"REMOTE_ADDR": PROXY}
    if forwarded_for is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return RequestFactory().post("/", **headers)


@pytest.mark.parametrize(
    ("proxies", "forwarded_for", "address"),
    [
        # Without proxies only the socket counts: a client cannot name itself.
        (0, None, PROXY),
        (0, "198.51.100.7", PROXY),
        # nginx appends the address it was connected from to whatever the client sent.
        (1, "198.51.100.7", "198.51.100.7"),
        (1, "203.0.113.9, 198.51.100.7", "198.51.100.7"),
        (1, None, PROXY),  # reached without the proxy: the socket address
        # A load balancer, then nginx: the second address from the right.
        (2, "198.51.100.7, 192.0.2.2", "198.51.100.7"),
        (2, "203.0.113.9, 198.51.100.7, 192.0.2.2", "198.51.100.7"),
    ],
)
def test_the_client_address_behind_the_proxies(settings, proxies, forwarded_for, address):
    settings.KLYNGE_PROXY_COUNT = proxies
    assert ratelimit.client_address(_request(forwarded_for)) == address


def test_a_limit_counts_per_key_and_window(monkeypatch):
    limit = ratelimit.Limit("test", limit=2, window_seconds=3600)
    clock = [7200.0]
    monkeypatch.setattr(ratelimit.time, "time", lambda: clock[0])
    assert [limit.hit("a"), limit.hit("a")] == [1, 2]
    assert (limit.exhausted("a"), limit.exhausted("b"), limit.used("b")) == (True, False, 0)
    clock[0] += 3600  # the next window starts empty
    assert (limit.exhausted("a"), limit.hit("a")) == (False, 1)


SCRIPT = textwrap.dedent(
    """
    import django
    django.setup()
    from klynge.core import ratelimit
    limit = ratelimit.Limit("shared-test", limit=5, window_seconds=3600)
    for _ in range(3):
        limit.hit("198.51.100.7")
    print(limit.used("198.51.100.7"), limit.exhausted("198.51.100.7"))
    """
)


def test_worker_processes_share_the_count_in_the_file_cache(tmp_path):
    """Two processes, as two gunicorn workers: the second sees the first one's hits."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "klynge.test_settings",
        "KLYNGE_DATA_DIR": str(tmp_path),
        "KLYNGE_SHARED_CACHE": "file",
    }
    outputs = [
        subprocess.run(
            [sys.executable, "-c", SCRIPT],
            env=env,
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        ).stdout.split()
        for _worker in range(2)
    ]
    assert outputs == [["3", "False"], ["6", "True"]]
    assert any((tmp_path / "cache").iterdir())


@pytest.mark.django_db
def test_the_database_cache_gets_its_table_with_the_migrations_and_counts():
    database_cache = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "shared": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "klynge_cache_test",
        },
    }
    with override_settings(CACHES=database_cache):
        from django.core.cache import caches

        create_cache_tables(using="default")
        assert "klynge_cache_test" in connection.introspection.table_names()
        limit = ratelimit.Limit("db", limit=1, window_seconds=3600)
        try:
            assert (limit.hit("x"), limit.exhausted("x"), limit.exhausted("y")) == (1, True, False)
        finally:
            caches["shared"].clear()


def test_a_request_without_an_address_has_none(settings):
    """django-axes stores the address in an address column: never a placeholder string."""
    from django.http import HttpRequest

    for proxies in (0, 1):
        settings.KLYNGE_PROXY_COUNT = proxies
        assert ratelimit.client_address(HttpRequest()) is None
