#!/usr/bin/env python3
"""Turns the Research Council of Norway's H2020 participation list into Klynge's import format.

Usage: scripts/h2020_to_import_csv.py INPUT OUTPUT

INPUT is `norway-h2020-participations.csv` (`;`-separated, UTF-8, one row per participation,
Norwegian headers, see `norway-h2020-fields.csv`). OUTPUT gets one row per distinct
organisation number with the columns `name, registry_number, country, kind, municipality,
region`, ready for `klynge import_organisations OUTPUT`:

- the kind follows the R&D sector (`FoU sektor`/`FoU kategori`): universities and colleges →
  university, research institutes → research, industry → company, the Research Council, health
  trusts and other public bodies → public_body, anything else → other;
- the region is the county (`Adresse fylke`) in Norwegian (the part before a Sami/Kven name);
- numbers are passed through as they are, so the import reports any invalid one; a participant
  without a number whose name is the placeholder "ukjent" (unknown) gets an empty name, so the
  import reports that row too instead of creating an organisation called "ukjent";
- two organisation numbers under the same name (two legal entities) stay two organisations of
  that name: the registry number, not the name, tells organisations apart.

Standard library only, so it runs without Klynge's environment.
"""

from __future__ import annotations

import csv
import sys
from collections import Counter
from pathlib import Path

COLUMNS = ["name", "registry_number", "country", "kind", "municipality", "region"]

_KIND_OF_SECTOR = {
    "UoH": "university",  # universities and university colleges
    "INS": "research",  # research institutes
    "NÆR": "company",  # industry
    "NFR": "public_body",  # the Research Council of Norway
    "HEL": "public_body",  # health trusts (public hospitals)
}


_UNKNOWN = {"ukjent", "unknown"}  # placeholders the source uses for a missing name


def kind_for(sector_code: str, category: str) -> str:
    if sector_code in _KIND_OF_SECTOR:
        return _KIND_OF_SECTOR[sector_code]
    if sector_code == "DIV":  # "Øvrige": other public bodies or other organisations
        return "public_body" if "offentlig" in category.casefold() else "other"
    return "other"


def _region(county: str) -> str:
    return county.split(" - ")[0].strip()


def convert(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """One output row per distinct organisation number, in order of first appearance."""
    organisations: dict[str, dict[str, str]] = {}
    names: dict[str, Counter] = {}
    for row in rows:
        number = (row.get("Organisasjonsnummer") or "").strip()
        name = " ".join((row.get("Organisasjonsnavn") or "").split())
        if name.casefold() in _UNKNOWN:
            name = ""
        names.setdefault(number, Counter())[name] += 1
        organisations.setdefault(
            number,
            {
                "name": name,
                "registry_number": number,
                "country": "NO",
                "kind": kind_for(
                    (row.get("FoU sektorkode") or "").strip(), row.get("FoU kategori") or ""
                ),
                "municipality": (row.get("Adresse kommune") or "").strip(),
                "region": _region(row.get("Adresse fylke") or ""),
            },
        )
    for number, organisation in organisations.items():
        organisation["name"] = names[number].most_common(1)[0][0]  # the usual spelling
    return list(organisations.values())


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    source, target = Path(argv[1]), Path(argv[2])
    with source.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    organisations = convert(rows)
    with target.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(organisations)
    print(
        f"{len(rows)} participations, {len(organisations)} organisations written to {target}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
