"""Builds Klynge's own NACE Rev. 2 code list from Eurostat's table.

    python scripts/build_nace_fixture.py ../shared/data/nace/nace2.csv

Writes src/klynge/ecosystem/fixtures/nace.json: every section and division, plus the groups
and classes of the divisions where media and mediatech organisations sit (printing, publishing,
film/TV/music, broadcasting, telecoms, IT, information services, PR, R&D, advertising, design
and photography, education, creative arts). Run it again when Eurostat revises the list.
"""

import csv
import json
import sys
from pathlib import Path

MEDIA_DIVISIONS = {"18", "58", "59", "60", "61", "62", "63", "70", "72", "73", "74", "85", "90"}
TARGET = Path(__file__).resolve().parent.parent / "src/klynge/ecosystem/fixtures/nace.json"


def wanted(code: str, level: int) -> bool:
    return level <= 2 or code[:2] in MEDIA_DIVISIONS


def main(source: str) -> None:
    rows = []
    with open(source, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            code, level = row["nace2"].strip(), int(row["Level"])
            if wanted(code, level):
                parent = row["Parent"].strip()
                rows.append([code, row["Name"].strip(), level, None if parent in ("", "NA") else parent])
    rows.sort(key=lambda row: (row[2], row[0]))  # parents before children
    lines = ",\n".join(json.dumps(row, ensure_ascii=False) for row in rows)
    TARGET.write_text(f"[\n{lines}\n]\n", encoding="utf-8")
    print(f"{len(rows)} codes written to {TARGET}")


if __name__ == "__main__":
    main(sys.argv[1])
