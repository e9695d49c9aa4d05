#!/usr/bin/env python3
"""Turns the Research Council of Norway's H2020 participation list into the collaborations file
that `klynge matchmaking_evaluate` reads.

Usage: scripts/h2020_to_collaborations_csv.py INPUT OUTPUT

INPUT is `norway-h2020-participations.csv` (`;`-separated, UTF-8, one row per participation,
Norwegian headers, see `norway-h2020-fields.csv`). OUTPUT (UTF-8, comma separated) gets one row
per organisation and project with the columns `organisation_id, organisation_name, kind,
country, project_id, title, topic, year`:

- `organisation_id` is the organisation number (`Organisasjonsnummer`), or `name:<name>` for a
  participant without one; a participant with neither (the placeholder name "ukjent") is left
  out, since nothing ties it to its other projects;
- `kind` follows the R&D sector as in `h2020_to_import_csv.py` (university, research, company,
  public_body, other); `country` is NO (the file lists Norwegian participants only);
- `project_id` is the project number, `title` the project's name, `topic` the call topic;
- `year` is the year of the contract's start date, else of its signature, else of the call's
  deadline (dates are `dd.mm.yyyy hh:mm`); a row with none of them is left out;
- an organisation listed twice in one project (two roles) gives one row.

Standard library only, so it runs without Klynge's environment.
"""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from h2020_to_import_csv import kind_for

COLUMNS = [
    "organisation_id",
    "organisation_name",
    "kind",
    "country",
    "project_id",
    "title",
    "topic",
    "year",
]
_UNKNOWN = {"ukjent", "unknown", ""}
_DATE_COLUMNS = ("Kontrakt startdato", "Kontrakt signeringsdato", "Søknadsfrist")
_YEAR = re.compile(r"^\d{1,2}\.\d{1,2}\.(\d{4})")


def year_of(row: dict[str, str]) -> str:
    for column in _DATE_COLUMNS:
        match = _YEAR.match((row.get(column) or "").strip())
        if match:
            return match.group(1)
    return ""


def _clean(value: str | None) -> str:
    return " ".join((value or "").split())


def convert(rows: list[dict[str, str]]) -> tuple[list[dict[str, str]], int]:
    """The output rows in input order, and how many input rows were left out."""
    out: list[dict[str, str]] = []
    seen: set[tuple[str, str]] = set()
    skipped = 0
    for row in rows:
        number = _clean(row.get("Organisasjonsnummer"))
        name = _clean(row.get("Organisasjonsnavn"))
        project = _clean(row.get("Prosjektnr"))
        year = year_of(row)
        if name.casefold() in _UNKNOWN:
            name = ""
        organisation_id = number or (f"name:{name}" if name else "")
        if not organisation_id or not project or not year:
            skipped += 1
            continue
        key = (organisation_id, project)
        if key in seen:
            skipped += 1
            continue
        seen.add(key)
        out.append(
            {
                "organisation_id": organisation_id,
                "organisation_name": name or organisation_id,
                "kind": kind_for(_clean(row.get("FoU sektorkode")), row.get("FoU kategori") or ""),
                "country": "NO",
                "project_id": project,
                "title": _clean(row.get("Prosjektnavn")),
                "topic": _clean(row.get("Topic")),
                "year": year,
            }
        )
    return out, skipped


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    source, target = Path(argv[1]), Path(argv[2])
    with source.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    out, skipped = convert(rows)
    with target.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(out)
    print(
        f"{len(rows)} participations, {len(out)} rows written to {target} ({skipped} left out)",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
