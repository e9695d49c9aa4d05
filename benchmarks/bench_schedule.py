"""Programme import/export and page speed with the real 38C3 schedule (1,007 sessions, 72 rooms).

Run with `.venv/bin/python benchmarks/bench_schedule.py [--runs 5] [--page-rounds 20]`.
It migrates a throw-away SQLite database in a temporary directory (never var/; or the PostgreSQL
database in DATABASE_URL, which it fills: point it at an empty scratch database), then measures,
in-process, the median of:

- parsing the XML with lxml alone (the baseline every other figure is divided by),
- importing the XML into a fresh event (bulk inserts), and re-importing it (updates by guid),
- exporting the programme as frab XML and as frab JSON,
- rendering the programme page for a signed-in person: as it opens (a programme this large opens
  on its first day), all 1,007 sessions (?day=all), and the grid of rooms × time for the first day;
  the number of SQL queries of each page is printed with it.

The schedule file comes from ../shared/data/schedules/ (or KLYNGE_SCHEDULE_XML).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

DATA_DIR = tempfile.mkdtemp(prefix="klynge-bench-schedule-")
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
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from lxml import etree  # noqa: E402

SCHEDULE = Path(
    os.environ.get("KLYNGE_SCHEDULE_XML")
    or Path(__file__).resolve().parents[2] / "shared" / "data" / "schedules" / "38c3-schedule.xml"
)


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def _time(function, runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        samples.append(time.perf_counter() - started)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--page-rounds", type=int, default=20)
    options = parser.parse_args()

    from klynge.accounts.models import User
    from klynge.events.models import Event
    from klynge.schedule import frab, selectors, services
    from klynge.schedule.models import Session

    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    print(f"database: {engine} ({DATA_DIR if engine == 'sqlite3' else 'DATABASE_URL'})")
    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)
    data = SCHEDULE.read_bytes()
    staff = User.objects.create_user(email="bench@klynge.example", password="x", is_staff=True)
    now = timezone.now()

    def new_event(index: int) -> Event:
        return Event.objects.create(
            title=f"38C3 #{index}",
            slug=f"bench-38c3-{index}",
            kind="conference",
            format="onsite",
            visibility="public",
            status="published",
            starts_at=now,
            ends_at=now + timezone.timedelta(days=4),
        )

    parse = _time(
        lambda: etree.fromstring(
            data, etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
        ),
        options.runs,
    )

    events = [new_event(index) for index in range(options.runs)]
    remaining = list(events)

    def import_once():
        services.import_schedule(actor=staff, event=remaining.pop(0), data=data)

    imports = _time(import_once, options.runs)
    event = events[0]
    assert Session.objects.filter(event=event).count() == 1007
    reimports = _time(
        lambda: services.import_schedule(actor=staff, event=event, data=data), options.runs
    )

    def export(kind):
        context = selectors.export_context(event, base_url="https://klynge.example/")
        return frab.export_xml(context) if kind == "xml" else frab.export_json(context)

    export_xml = _time(lambda: export("xml"), options.runs)
    export_json = _time(lambda: export("json"), options.runs)

    client = Client()
    client.force_login(staff)
    url = f"/events/{event.slug}/programme/"
    first_day = selectors.programme_days(event)[0].isoformat()
    pages = {
        "default": (url, {}),
        "all": (url, {"day": "all"}),
        "grid": (f"{url}grid/", {"day": first_day}),
    }
    queries = {}
    for key, (address, query) in pages.items():
        assert client.get(address, query).status_code == 200
        with CaptureQueriesContext(connection) as captured:
            client.get(address, query)
        queries[key] = len(captured.captured_queries)
    page_default = _time(lambda: client.get(*pages["default"]), options.page_rounds)
    page_all = _time(lambda: client.get(*pages["all"]), options.page_rounds)
    page_grid = _time(lambda: client.get(*pages["grid"]), options.page_rounds)

    base = _median_ms(parse)
    rows = [
        ("lxml parse of the XML (baseline)", parse),
        ("import 38C3 XML into a new event", imports),
        ("re-import, same file (1,007 matched by guid)", reimports),
        ("export frab XML", export_xml),
        ("export frab JSON", export_json),
        (f"programme page as it opens ({first_day}, {queries['default']} q)", page_default),
        (f"programme page, all 1,007 sessions ({queries['all']} q)", page_all),
        (f"grid of rooms × time, {first_day} ({queries['grid']} q)", page_grid),
    ]
    print(f"{'measurement':50} {'median ms':>10} {'p95 ms':>8} {'× baseline':>11}  runs")
    for label, samples in rows:
        median = _median_ms(samples)
        p95 = sorted(samples)[max(0, int(len(samples) * 0.95) - 1)] * 1000
        print(f"{label:50} {median:10.1f} {p95:8.1f} {median / base:11.1f}  {len(samples)}")


if __name__ == "__main__":
    main()
