"""Danish and English stay complete: every string a person reads is in the Danish catalogue."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

PACKAGE = Path(__file__).resolve().parents[2]


def _untranslated(po_path: Path) -> list[str]:
    with po_path.open("rb") as handle:
        catalog = read_po(handle)
    missing = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            missing.append(message.id if isinstance(message.id, str) else message.id[0])
    return missing


@pytest.mark.parametrize("language", ["da", "nb", "sv"])
def test_catalogue_has_no_untranslated_or_fuzzy_entries(language):
    assert _untranslated(PACKAGE / "locale" / language / "LC_MESSAGES" / "django.po") == []


def test_catalogues_contain_every_string_in_the_code(tmp_path):
    """Re-extracts the strings from a copy of the code and checks nothing new is missing."""
    if shutil.which("xgettext") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("GNU gettext (xgettext) is required in CI to check the catalogues")
        pytest.skip("GNU gettext (xgettext) is not installed")
    copy = tmp_path / "src" / "klynge"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    env = {
        **os.environ,
        "PYTHONPATH": str(tmp_path / "src"),  # the copy's settings point LOCALE_PATHS at the copy
        "DJANGO_SETTINGS_MODULE": "klynge.test_settings",
    }
    subprocess.run(
        [
            sys.executable,
            "-m",
            "django",
            "makemessages",
            "-l",
            "da",
            "-l",
            "nb",
            "-l",
            "sv",
            "--no-location",
            "--ignore",
            "conftest.py",
            "--ignore",
            "*/tests/*",
        ],
        cwd=copy,
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    for language in ("da", "nb", "sv"):
        assert _untranslated(copy / "locale" / language / "LC_MESSAGES" / "django.po") == [], (
            f"new strings lack a {language} translation: run `make messages`, translate, commit"
        )


# The names xgettext looks for in Python (its defaults plus the keywords makemessages adds).
_EXTRACTED_NAMES = {
    "_",
    "gettext",
    "gettext_lazy",
    "gettext_noop",
    "ngettext",
    "ngettext_lazy",
    "pgettext",
    "pgettext_lazy",
    "npgettext",
    "npgettext_lazy",
}


def test_translation_functions_are_imported_under_names_makemessages_extracts():
    """`from django.utils.translation import gettext_lazy as _lazy` hides every string marked
    with `_lazy(...)` from makemessages: such strings would reach every reader in English."""
    import ast

    hidden = []
    for path in PACKAGE.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation":
                for alias in node.names:
                    name = alias.asname or alias.name
                    if "gettext" in alias.name and name not in _EXTRACTED_NAMES:
                        hidden.append(f"{path.relative_to(PACKAGE)}: {alias.name} as {name}")
    assert hidden == []
