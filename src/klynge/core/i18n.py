"""Compiles the translation catalogues (.po → .mo) with Babel: no system gettext needed.

Runs without Django settings (`python -m klynge.core.i18n`), so `make setup` can call it before
any configuration exists; `klynge compile_translations` calls the same function.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


def compile_catalogues(locale_dir: Path = LOCALE_DIR, *, force: bool = False) -> int:
    """Writes a .mo beside every .po that is newer than its .mo; returns how many it wrote."""
    compiled = 0
    for po_path in sorted(locale_dir.glob("*/LC_MESSAGES/*.po")):
        mo_path = po_path.with_suffix(".mo")
        if not force and mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=po_path.parts[-3], abort_invalid=True)
        with mo_path.open("wb") as mo_file:
            write_mo(mo_file, catalog, use_fuzzy=False)
        compiled += 1
    return compiled


if __name__ == "__main__":
    count = compile_catalogues(force="--force" in sys.argv)
    if count:
        print(f"Compiled {count} translation catalogue(s).")
