"""Import speed: `klynge import_organisations` on a CSV of 100,000 organisations.

Run with `.venv/bin/python benchmarks/bench_import.py [--rows N] [--rounds R]`. It writes a CSV
of N organisations (a third each Danish, Norwegian and Swedish, every registry number with a
correct check digit) into a temporary folder, builds a throw-away SQLite database, and times:

- the dry run (read, validate, match; nothing written),
- the import into the empty directory (all rows created, one transaction),
- a second import of the same file (all rows unchanged),
- `scan_duplicates()` over the imported directory (the task an import queues; it compares
  every name and stores the pairs for the duplicates page).

With --rounds > 1 the organisations are deleted between rounds and the medians are printed.
The target from the issue: under 60 s for 100,000 rows.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import random
import shutil
import statistics
import tempfile
import time
from pathlib import Path

DATA_DIR = tempfile.mkdtemp(prefix="klynge-bench-import-")
os.environ.update(
    {
        "DJANGO_SETTINGS_MODULE": "klynge.settings",
        "KLYNGE_DEBUG": "false",
        "KLYNGE_SECRET_KEY": "benchmark-secret-key-benchmark-secret-key",
        "KLYNGE_ALLOWED_HOSTS": "testserver",
        "KLYNGE_SSL_REDIRECT": "false",
        "KLYNGE_DATA_DIR": DATA_DIR,
        # The duplicate scan an import queues is measured on its own below.
        "KLYNGE_TASKS_BACKEND": "database",
        "KLYNGE_LANGUAGE": "en",
        "KLYNGE_LOG_LEVEL": "ERROR",
    }
)

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

_CVR_WEIGHTS = (2, 7, 6, 5, 4, 3, 2, 1)
_NO_WEIGHTS = (3, 2, 7, 6, 5, 4, 3, 2)


def cvr(rng: random.Random) -> str:
    """8 digits, weighted sum (2 7 6 5 4 3 2 1) divisible by 11."""
    while True:
        digits = [rng.randint(1, 9)] + [rng.randint(0, 9) for _ in range(6)]
        check = -sum(d * w for d, w in zip(digits, _CVR_WEIGHTS, strict=False)) % 11
        if check < 10:
            return "".join(map(str, [*digits, check]))


def no_orgnr(rng: random.Random) -> str:
    """9 digits starting with 8 or 9; check digit 11 − (weighted sum mod 11), 11 → 0."""
    while True:
        digits = [rng.choice((8, 9))] + [rng.randint(0, 9) for _ in range(7)]
        remainder = sum(d * w for d, w in zip(digits, _NO_WEIGHTS, strict=True)) % 11
        check = 0 if remainder == 0 else 11 - remainder
        if check < 10:
            return "".join(map(str, [*digits, check]))


def se_orgnr(rng: random.Random) -> str:
    """10 digits (legal persons start with 5 and have a third digit ≥ 2), Luhn check digit."""
    digits = [5, rng.randint(0, 9), rng.randint(2, 9)] + [rng.randint(0, 9) for _ in range(6)]
    total = 0
    for index, digit in enumerate(reversed(digits)):
        value = digit * 2 if index % 2 == 0 else digit
        total += value - 9 if value > 9 else value
    return "".join(map(str, [*digits, (10 - total % 10) % 10]))


_WORDS = (
    "Nordic Fynsk Media Lyd Pixel Studio Film Kanal Nyheds Data Stream Audio Story Vision "
    "Bergen Odense Malmö Aarhus Oslo Göteborg Digital Kreativ Signal Sky Fjord Hav Lys"
).split()
_KINDS = ("company", "startup", "media_house", "research", "association", "")
_FORMS = {"DK": "ApS", "NO": "AS", "SE": "AB"}
_CITIES = {"DK": "Odense", "NO": "Bergen", "SE": "Malmö"}


def write_csv(path: Path, rows: int, seed: int = 2026) -> None:
    from klynge.ecosystem.registry import cvr_is_valid, no_orgnr_is_valid, se_orgnr_is_valid

    rng = random.Random(seed)
    makers = {"DK": (cvr, cvr_is_valid), "NO": (no_orgnr, no_orgnr_is_valid)}
    makers["SE"] = (se_orgnr, se_orgnr_is_valid)
    seen: set[str] = set()
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["name", "registry_number", "country", "kind", "city", "website", "employees",
             "founded_year", "description"]
        )  # fmt: skip
        for n in range(rows):
            country = ("DK", "NO", "SE")[n % 3]
            make, is_valid = makers[country]
            number = make(rng)
            while number in seen:
                number = make(rng)
            assert is_valid(number), number
            seen.add(number)
            name = f"{rng.choice(_WORDS)} {rng.choice(_WORDS)} {n} {_FORMS[country]}"
            writer.writerow(
                [
                    name,
                    number,
                    country,
                    rng.choice(_KINDS),
                    _CITIES[country],
                    f"https://org{n}.example",
                    rng.randint(1, 900),
                    rng.randint(1950, 2025),
                    "Medieproduktion og teknologi.",
                ]
            )


def timed_import(path: Path, *flags: str) -> tuple[float, dict]:
    out = io.StringIO()
    start = time.perf_counter()
    call_command("import_organisations", str(path), "--json", *flags, stdout=out)
    return time.perf_counter() - start, json.loads(out.getvalue())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    from klynge.ecosystem.merging import scan_duplicates
    from klynge.ecosystem.models import Organisation

    path = Path(DATA_DIR) / "organisations.csv"
    start = time.perf_counter()
    write_csv(path, args.rows)
    print(
        f"generated {args.rows:,} rows ({path.stat().st_size / 1e6:.1f} MB) "
        f"in {time.perf_counter() - start:.1f} s"
    )

    dry, first, second, dedup = [], [], [], []
    for round_ in range(args.rounds):
        if round_:
            with connection.cursor() as cursor:
                cursor.execute("DELETE FROM ecosystem_organisationduplicate")
                cursor.execute("DELETE FROM ecosystem_organisation")
        seconds, result = timed_import(path, "--dry-run")
        assert result["created"] == args.rows and not result["errors"], result["errors"][:3]
        dry.append(seconds)
        seconds, result = timed_import(path)
        assert result["created"] == args.rows and not result["errors"], result
        assert Organisation.objects.count() == args.rows
        first.append(seconds)
        seconds, result = timed_import(path)
        assert result["unchanged"] == args.rows, result
        second.append(seconds)
        start = time.perf_counter()
        pairs = scan_duplicates().pairs
        dedup.append(time.perf_counter() - start)
        print(
            f"round {round_ + 1}: dry run {dry[-1]:.1f} s, import {first[-1]:.1f} s, "
            f"re-import {second[-1]:.1f} s, scan_duplicates {dedup[-1]:.1f} s "
            f"({pairs} pairs)"
        )

    median = statistics.median
    label = "median " if args.rounds > 1 else ""
    print(f"\n{args.rows:,} organisations, SQLite, {args.rounds} round(s), {label}figures:")
    print(
        f"  dry run (validate only)     {median(dry):6.1f} s  {args.rows / median(dry):9,.0f} rows/s"
    )
    print(
        f"  import (all created)        {median(first):6.1f} s  {args.rows / median(first):9,.0f} rows/s"
    )
    print(
        f"  re-import (all unchanged)   {median(second):6.1f} s  {args.rows / median(second):9,.0f} rows/s"
    )
    print(f"  scan_duplicates()           {median(dedup):6.1f} s")
    print(f"  target: import under 60 s -> {'met' if median(first) < 60 else 'MISSED'}")


if __name__ == "__main__":
    try:
        main()
    finally:
        shutil.rmtree(DATA_DIR, ignore_errors=True)
