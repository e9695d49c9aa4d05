"""Request times of Klynge's main pages against a bare Django view, in one process.

Run with `make bench` (or `.venv/bin/python benchmarks/bench_pages.py [--rounds N]`). It builds a
throw-away SQLite database with the demo cluster, then requests every page round-robin (so
machine noise hits all of them alike) and prints the median time per page and its ratio to the
median of a view that only returns "ok" through the same middleware stack. The ratio is the
figure to compare across machines; the milliseconds are this machine's.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import types

DATA_DIR = tempfile.mkdtemp(prefix="klynge-bench-")
os.environ.update(
    {
        "DJANGO_SETTINGS_MODULE": "klynge.settings",
        "KLYNGE_DEBUG": "false",
        "KLYNGE_SECRET_KEY": "benchmark-secret-key-benchmark-secret-key",
        "KLYNGE_ALLOWED_HOSTS": "testserver",
        "KLYNGE_SSL_REDIRECT": "false",
        "KLYNGE_DATA_DIR": DATA_DIR,
        "KLYNGE_TASKS_BACKEND": "immediate",
        "KLYNGE_LANGUAGE": "en",
        "KLYNGE_LOG_LEVEL": "ERROR",
    }
)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import override_settings  # noqa: E402
from django.urls import path  # noqa: E402


def baseline(request):
    return HttpResponse("ok")


def _urlconf() -> str:
    import klynge.urls

    module = types.ModuleType("bench_urls")
    module.urlpatterns = [path("__baseline__", baseline), *klynge.urls.urlpatterns]
    sys.modules["bench_urls"] = module
    return "bench_urls"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=300)
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)
    with open(os.devnull, "w") as devnull:
        call_command("load_demo", stdout=devnull)

    from klynge.accounts.models import User
    from klynge.accounts.services import create_api_token

    def signed_in(email: str) -> Client:
        client = Client()
        client.force_login(User.objects.get(email=email))
        return client

    staff = User.objects.get(email="staff@klynge.example")
    _token, secret = create_api_token(actor=staff, user=staff, name="bench")
    anonymous = Client()
    api = Client(headers={"Authorization": f"Bearer {secret}"})
    cases = {
        "baseline view": (anonymous, "/__baseline__"),
        "GET /healthz": (anonymous, "/healthz"),
        "home page (public)": (anonymous, "/"),
        "dashboard (staff)": (signed_in("staff@klynge.example"), "/dashboard/"),
        "dashboard (member admin)": (signed_in("member-admin@klynge.example"), "/dashboard/"),
        "dashboard (student)": (signed_in("student@klynge.example"), "/dashboard/"),
        "audit log (staff)": (signed_in("staff@klynge.example"), "/staff/audit/"),
        "GET /api/v1/people (50)": (api, "/api/v1/people"),
    }
    timings: dict[str, list[float]] = {name: [] for name in cases}
    with override_settings(ROOT_URLCONF=_urlconf()):
        for client, url in cases.values():  # warm caches and connections
            assert client.get(url).status_code == 200, url
        for _ in range(args.rounds):
            for name, (client, url) in cases.items():
                start = time.perf_counter()
                client.get(url)
                timings[name].append(time.perf_counter() - start)

    base = statistics.median(timings["baseline view"])
    print(f"Klynge page benchmark: {args.rounds} rounds, SQLite, Python {sys.version.split()[0]}")
    print(f"database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}")
    print(f"{'page':32} {'median ms':>10} {'p90 ms':>8} {'× baseline':>11}")
    for name, values in timings.items():
        values.sort()
        median = statistics.median(values)
        p90 = values[int(len(values) * 0.9)]
        print(f"{name:32} {median * 1000:10.2f} {p90 * 1000:8.2f} {median / base:11.1f}")


if __name__ == "__main__":
    main()
