"""Import from CSV or XLSX: read, map columns, validate every row, commit.

One engine serves the `import_organisations` and `import_people` commands and the staff import
page. The shared parts:

- `read_table(path)` reads the file (CSV in UTF-8, with or without BOM, `,` `;` or tab separated;
  or XLSX) into a header and rows with their line numbers, refusing a file that is too large,
  empty, wrongly encoded or malformed with `ImportFileError`.
- A `ColumnSpec` names the fields of one kind of import; `resolve_columns(headers, mapping,
  spec)` ties columns to fields (by header name, case-insensitively, or as a person mapped them
  on the staff page) and `suggest_mapping` proposes a mapping from common local column names.
- `Importer.run(path, actor=..., dry_run=..., skip_invalid=...)` validates every row (each
  problem a `RowError` with line, column and message), plans what the valid rows do against the
  database and, unless it is a dry run or a row has an error (without `skip_invalid`), writes
  everything in one transaction with one audit entry (``ecosystem.import.commit``) summarising
  it. A subclass gives the row validator, the plan and the write.

This module holds the organisations' importer (`run_import`); `importing_people` the people's.
Organisations are validated exactly like `services.create_organisation` does (the model fields'
own validation, the registry number's check digit through `registry.clean_registry_number`, the
name and registry number unique per country among live organisations) and matched to existing
ones by country and registry number, else by name and country.

Bulk writes (`bulk_create`/`bulk_update`) keep 100,000 rows well under a minute; they skip
`Organisation.save`, so the size band and timestamps are set here.
"""

from __future__ import annotations

import contextlib
import csv
import datetime
import gc
import io
import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from klynge.core import audit
from klynge.ecosystem.countries import all_names
from klynge.ecosystem.models import (
    Country,
    Organisation,
    OrganisationKind,
    size_band_for,
)
from klynge.ecosystem.registry import clean_registry_number

# The largest file an import reads (CSV or XLSX): 100,000 organisations take about 11 MB as
# CSV. Bigger uploads are refused with a message before they are stored (views/imports.py);
# the reverse proxy lets more through so that Klynge, not the proxy, answers
# (`client_max_body_size 64m` in docs/deploy.md).
MAX_FILE_BYTES = 20 * 1024 * 1024

# The import's fields and their labels (in the order the staff page offers them).
FIELDS: dict[str, object] = {
    "name": gettext_lazy("name"),
    "registry_number": gettext_lazy("registry number"),
    "country": gettext_lazy("country"),
    "kind": gettext_lazy("kind"),
    "municipality": gettext_lazy("municipality"),
    "city": gettext_lazy("city"),
    "region": gettext_lazy("region"),
    "street": gettext_lazy("street address"),
    "postal_code": gettext_lazy("postal code"),
    "website": gettext_lazy("website"),
    "email": gettext_lazy("e-mail"),
    "phone": gettext_lazy("phone"),
    "employees": gettext_lazy("employees"),
    "founded_year": gettext_lazy("founded"),
    "description_en": gettext_lazy("description (English)"),
    "description_da": gettext_lazy("description (Danish)"),
}
REQUIRED_FIELDS = ("name", "registry_number", "country")

# Header names a column is matched by (after `_header_key`); the field names themselves always.
_HEADER_NAMES = {"description": "description_en"}
# Further names the staff page suggests a mapping from (Danish, Norwegian, Swedish, English).
_SUGGESTIONS = {
    "name": "navn namn organisation organization organisasjonsnavn organisationsnavn "
    "organisationsnamn company company_name firma virksomhed foretag företag",
    "registry_number": "cvr cvr_nr cvr_nummer cvrnr orgnr org_nr organisasjonsnummer "
    "organisationsnummer registration_number company_number registry registernummer",
    "country": "land country_code landekode landkod",
    "kind": "type art slags typ organisation_type",
    "municipality": "kommune kommun adresse_kommune",
    "city": "by sted poststed ort postort town",
    "region": "fylke lan län landsdel adresse_fylke",
    "street": "address adresse adress gade gate gatuadress vej street_address",
    "postal_code": "postnummer postnr zip zip_code postcode post_code",
    "website": "web url hjemmeside webside webbplats homepage",
    "email": "e_mail mail epost e_post",
    "phone": "telefon tlf tel telephone",
    "employees": "ansatte medarbejdere anstallda anställda antal_ansatte",
    "founded_year": "founded stiftet grundlagt etableret grundat year_founded",
    "description_en": "description_english beskrivelse_engelsk",
    "description_da": "beskrivelse beskrivelse_dansk description_danish",
}

_COUNTRY_NAMES = {
    "danmark": "DK",
    "denmark": "DK",
    "dänemark": "DK",
    "norge": "NO",
    "noreg": "NO",
    "norway": "NO",
    "sverige": "SE",
    "sweden": "SE",
    "finland": "FI",
    "suomi": "FI",
    "tyskland": "DE",
    "germany": "DE",
    "deutschland": "DE",
    "united kingdom": "GB",
    "uk": "GB",
    "great britain": "GB",
    "storbritannien": "GB",
    "storbritannia": "GB",
}

_XLSX_EXTENSIONS = (".xlsx", ".xlsm")
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"


class ImportFileError(Exception):
    """The file as a whole cannot be imported (size, encoding, format, header); nothing is."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class RowError:
    line: int
    column: str
    message: str

    def as_dict(self) -> dict:
        return {"line": self.line, "column": self.column, "message": self.message}


@dataclass
class ImportResult:
    """What the import did (or, in a dry run or when rows have errors, would do) with the rows.

    `created`, `updated` and `unchanged` count the valid rows; `committed` says whether they
    were written.
    """

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    rows: int = 0
    committed: bool = False
    # Valid rows that look like another organisation (possible duplicates); they are imported.
    warnings: list[RowError] = field(default_factory=list)

    def as_dict(self) -> dict:
        """The contract's keys; "warnings" (same shape as "errors") only when there are any."""
        data = {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "errors": [error.as_dict() for error in self.errors],
        }
        if self.warnings:
            data["warnings"] = [warning.as_dict() for warning in self.warnings]
        return data


@dataclass
class Table:
    headers: list[str]
    rows: list[tuple[int, list[str]]]  # (line number in the file, cells)


@dataclass(frozen=True)
class ColumnSpec:
    """The fields one kind of import fills, and the column names they are found by.

    `fields` maps a field to its label (in the order the staff page offers them); `required`
    must each have a column; `header_names` are further header names the command matches (after
    `_header_key`), `suggestions` space-separated local names the staff page proposes from.
    """

    fields: Mapping[str, object]
    required: tuple[str, ...]
    header_names: Mapping[str, str] = field(default_factory=dict)
    suggestions: Mapping[str, str] = field(default_factory=dict)


ORGANISATION_COLUMNS = ColumnSpec(FIELDS, REQUIRED_FIELDS, _HEADER_NAMES, _SUGGESTIONS)


# --- Reading ---------------------------------------------------------------------------------


def size_limit_message() -> str:
    return _("The file is larger than the limit of %(size)s MB.") % {
        "size": MAX_FILE_BYTES // (1024 * 1024)
    }


def check_size(size: int) -> None:
    if size > MAX_FILE_BYTES:
        raise ImportFileError(size_limit_message())


def read_table(path: Path | str, *, name: str | None = None) -> Table:
    """The header and rows of a CSV or XLSX file; `name` (the uploaded name) picks the format
    when given, the content decides otherwise."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError:
        raise ImportFileError(_("The file cannot be read.")) from None
    check_size(size)  # before reading a byte of it
    if size == 0:
        raise ImportFileError(_("The file is empty."))
    with path.open("rb") as handle:
        start = handle.read(8)
    suffix = Path(name or path.name).suffix.lower()
    if start.startswith(_ZIP_MAGIC):
        return _read_xlsx(path)
    if suffix in _XLSX_EXTENSIONS:
        raise ImportFileError(_("The file is not a valid XLSX workbook: it is not a zip archive."))
    if start.startswith(_OLE_MAGIC) or suffix == ".xls":
        raise ImportFileError(
            _("Old Excel files (.xls) cannot be read; save the sheet as XLSX or CSV (UTF-8).")
        )
    return _read_csv(path.read_bytes())


def _read_csv(raw: bytes) -> Table:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise ImportFileError(
            _(
                "The file is not UTF-8 encoded text (byte 0x%(byte)02x on line %(line)s cannot "
                "be read as UTF-8). Save it as “CSV UTF-8” and try again."
            )
            % {"byte": raw[error.start], "line": line}
        ) from None
    if not text.strip():
        raise ImportFileError(_("The file is empty."))
    if "\x00" in text:
        raise ImportFileError(_("The file is not a CSV file: it contains binary data."))
    first_line = text.lstrip("\r\n").split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    headers: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    consumed = 0
    try:
        for cells in reader:
            line = consumed + 1
            consumed = reader.line_num
            if headers is None:
                if not any(cell.strip() for cell in cells):
                    continue  # blank lines before the header
                headers = [cell.strip() for cell in cells]
                continue
            if any(cell.strip() for cell in cells):
                rows.append((line, cells))
    except csv.Error as error:
        raise ImportFileError(
            _("The file is not valid CSV near line %(line)s: %(problem)s.")
            % {"line": reader.line_num, "problem": error}
        ) from None
    if headers is None:
        raise ImportFileError(_("The file is empty."))
    return Table(headers, rows)


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    return str(value)


def _read_xlsx(path: Path) -> Table:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        raise ImportFileError(
            _("The file is not a valid XLSX workbook (the archive or its sheets are damaged).")
        ) from None
    try:
        sheet = workbook.active or workbook.worksheets[0]
        sheet.reset_dimensions()
        headers: list[str] | None = None
        rows: list[tuple[int, list[str]]] = []
        for line, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [_cell_text(value) for value in values]
            if headers is None:
                if not any(cell.strip() for cell in cells):
                    continue
                while cells and not cells[-1].strip():
                    cells.pop()
                headers = [cell.strip() for cell in cells]
                continue
            if any(cell.strip() for cell in cells):
                rows.append((line, cells))
    except (zipfile.BadZipFile, KeyError, ValueError, IndexError, TypeError):
        raise ImportFileError(
            _("The file is not a valid XLSX workbook (the archive or its sheets are damaged).")
        ) from None
    finally:
        workbook.close()
    if headers is None:
        raise ImportFileError(_("The file is empty."))
    return Table(headers, rows)


# --- Columns ---------------------------------------------------------------------------------


def _header_key(header: str) -> str:
    return re.sub(r"[\s_\-]+", "_", header.strip().casefold()).strip("_")


def field_for_header(header: str, *, suggest: bool = False, spec: ColumnSpec | None = None) -> str:
    """The field of `spec` (the organisations' by default) a column with this header imports
    into ('' for none).

    The command matches the field names (case-insensitively, and the spec's `header_names`,
    e.g. `description` for `description_en`); `suggest=True` also knows common Danish,
    Norwegian and Swedish names.
    """
    spec = spec or ORGANISATION_COLUMNS
    key = _header_key(header)
    if key in spec.fields:
        return key
    if key in spec.header_names:
        return spec.header_names[key]
    if suggest:
        for field_name, names in spec.suggestions.items():
            if key in names.split():
                return field_name
    return ""


def suggest_mapping(headers: Sequence[str], spec: ColumnSpec | None = None) -> list[str]:
    """One field per column (or ''), each field at most once, for the staff page to start from."""
    taken: set[str] = set()
    mapping = []
    for header in headers:
        field_name = field_for_header(header, suggest=True, spec=spec)
        if field_name in taken:
            field_name = ""
        taken.add(field_name)
        mapping.append(field_name)
    return mapping


def resolve_columns(
    headers: Sequence[str], mapping: Sequence[str] | None = None, spec: ColumnSpec | None = None
) -> dict[str, int]:
    """Field name → column index. `mapping` gives a field (or '') per column; without it the
    header names decide. Refuses a missing required column or a field mapped twice."""
    spec = spec or ORGANISATION_COLUMNS
    if mapping is None:
        mapping = [field_for_header(header, spec=spec) for header in headers]
    columns: dict[str, int] = {}
    for index, field_name in enumerate(mapping):
        if not field_name:
            continue
        if field_name not in spec.fields:
            raise ImportFileError(
                _("“%(field)s” is not a field to import.") % {"field": field_name}
            )
        if field_name in columns:
            raise ImportFileError(
                _("The columns “%(first)s” and “%(second)s” both hold %(field)s.")
                % {
                    "first": headers[columns[field_name]],
                    "second": headers[index],
                    "field": field_name,
                }
            )
        columns[field_name] = index
    missing = [name for name in spec.required if name not in columns]
    if missing:
        raise ImportFileError(
            _("The header lacks the required columns: %(columns)s (found: %(found)s).")
            % {"columns": ", ".join(missing), "found": ", ".join(h for h in headers if h) or "–"}
        )
    return columns


def cell_values(cells: Sequence[str], columns: Mapping[str, int]) -> dict[str, str]:
    """The row's stripped text per mapped field ('' where the row is short)."""
    return {name: (cells[i].strip() if i < len(cells) else "") for name, i in columns.items()}


def validate_rows(
    table: Table, columns: Mapping[str, int], validator
) -> tuple[list[tuple[int, dict]], list[RowError], list[tuple[int, dict]]]:
    """Runs `validator.clean(line, raw)` (→ values, [(column, message)]) over every row.

    A row with more (non-empty) cells than the header has is refused as a whole. Returns the
    valid rows as (line, values), every problem found, and the rows with problems as (line,
    the values that were valid), for checks against the database that can still be made.
    """
    width = len(table.headers)
    errors: list[RowError] = []
    valid: list[tuple[int, dict]] = []
    invalid: list[tuple[int, dict]] = []
    for line, cells in table.rows:
        if len(cells) > width and any(cell.strip() for cell in cells[width:]):
            errors.append(
                RowError(
                    line,
                    "",
                    _("The row has %(cells)s cells but the header only %(columns)s.")
                    % {"cells": len(cells), "columns": width},
                )
            )
            continue
        values, row_errors = validator.clean(line, cell_values(cells, columns))
        if row_errors:
            errors.extend(RowError(line, column, message) for column, message in row_errors)
            invalid.append((line, values))
        else:
            valid.append((line, values))
    return valid, errors, invalid


# --- Validation ------------------------------------------------------------------------------


def country_codes() -> dict[str, str]:
    """Country code or name (any case; ISO 3166-1 alpha-2 codes, the names in Danish, English,
    Norwegian and Swedish, and a few common other spellings) → country code."""
    codes = {code.casefold(): code for code in Country.values}
    codes.update(_COUNTRY_NAMES)
    for code in Country.values:
        for name in all_names(code):
            codes.setdefault(name.casefold(), code)
    return codes


def unknown_country_message(value: str) -> str:
    return _(
        "“%(value)s” is not a known country; use its two-letter ISO 3166 code (such as DK, NO "
        "or SE) or its name."
    ) % {"value": value}


def _kind_codes() -> dict[str, str]:
    kinds = {code.casefold(): code for code in OrganisationKind.values}
    for language in ("da", "en", "nb", "sv"):
        with translation.override(language):
            for code, label in OrganisationKind.choices:
                kinds.setdefault(str(label).casefold(), code)
    return kinds


class _RowValidator:
    """Cleans one row's cells into Organisation field values, collecting per-column errors."""

    def __init__(self):
        self.countries = country_codes()
        self.kinds = _kind_codes()
        self.model_fields = {name: Organisation._meta.get_field(name) for name in FIELDS}
        self.this_year = timezone.localdate().year

    def clean(self, line: int, raw: dict[str, str]) -> tuple[dict, list[tuple]]:
        values: dict = {}
        errors: list[tuple[str, str]] = []

        name = " ".join(raw["name"].split())
        if not name:
            errors.append(("name", _("The name is missing.")))
        else:
            self._field(values, errors, "name", name)

        country_text = raw["country"]
        country = self.countries.get(country_text.casefold()) if country_text else None
        if not country_text:
            errors.append(("country", _("The country is missing.")))
        elif country is None:
            errors.append(
                (
                    "country",
                    unknown_country_message(country_text),
                )
            )
        else:
            values["country"] = country
            try:
                values["registry_number"] = clean_registry_number(country, raw["registry_number"])
            except ValidationError as error:
                errors.append(("registry_number", " ".join(error.messages)))

        kind_text = raw.get("kind", "")
        if kind_text:
            kind = self.kinds.get(kind_text.casefold())
            if kind is None:
                errors.append(
                    (
                        "kind",
                        _("“%(value)s” is not a kind of organisation; use one of %(kinds)s.")
                        % {"value": kind_text, "kinds": ", ".join(OrganisationKind.values)},
                    )
                )
            else:
                values["kind"] = kind

        for name_ in raw:
            if name_ in ("name", "country", "registry_number", "kind"):
                continue
            text = raw[name_]
            if not text:
                continue
            if name_ == "website" and "://" not in text:
                text = f"https://{text}"
            if name_ == "email":
                text = text.lower()
            self._field(values, errors, name_, text)
        year = values.get("founded_year")
        if year is not None and not 1000 <= year <= self.this_year:
            errors.append(
                (
                    "founded_year",
                    _("The founding year must be between 1000 and %(year)s.")
                    % {"year": self.this_year},
                )
            )
            del values["founded_year"]
        return values, errors

    def _field(self, values: dict, errors: list, name: str, text: str) -> None:
        """The model field's own validation (type, length, URL, e-mail), as `full_clean` runs."""
        try:
            values[name] = self.model_fields[name].clean(text, None)
        except ValidationError as error:
            errors.append((name, " ".join(error.messages)))


# --- Matching and writing --------------------------------------------------------------------


@dataclass
class Plan:
    """What the valid rows do; the entries' shape is the importer's own."""

    creates: list[tuple] = field(default_factory=list)  # organisations: (line, values)
    updates: list[tuple] = field(default_factory=list)  # organisations: (line, id, changes)
    unchanged: int = 0
    # Rows that are valid but look like another organisation (possible duplicates).
    warnings: list[RowError] = field(default_factory=list)


def duplicate_message(first_line: int) -> str:
    return _("duplicate in file, first on line %(line)s") % {"line": first_line}


def _plan(rows: list[tuple[int, dict]], errors: list[RowError]) -> Plan:
    """Matches the valid rows against the live organisations and against earlier rows.

    The registry number is the key: a row with a number updates the organisation with that
    number, else the one organisation of that name without a number (filling the number in),
    else it creates one, even when organisations with other numbers share its name (two legal
    entities). A row without a number updates the organisation of that name when there is
    exactly one. Rows that would create an organisation whose name is (nearly) that of another
    one are flagged as possible duplicates (`Plan.warnings`), without stopping the import.
    """
    by_number: dict[tuple[str, str], int] = {}
    by_name: dict[tuple[str, str], list[tuple[int, str]]] = {}
    existing: dict[str, list[tuple[int, str, str]]] = {}  # country -> (id, name, number)
    countries = {values["country"] for _line, values in rows}
    for pk, country, number, name in (
        Organisation.objects.filter(merged_into__isnull=True, country__in=countries)
        .values_list("id", "country", "registry_number", "name")
        .iterator(chunk_size=5000)
    ):
        if number:
            by_number[(country, number)] = pk
        by_name.setdefault((country, name.lower()), []).append((pk, number))
        existing.setdefault(country, []).append((pk, name, number))

    plan = Plan()
    seen_number: dict[tuple[str, str], int] = {}
    seen_name: dict[tuple[str, str], tuple[int, str]] = {}
    matched: list[tuple[int, int, dict]] = []
    for line, values in rows:
        country, number, name = values["country"], values["registry_number"], values["name"]
        name_key = (country, name.lower())
        if number and (country, number) in seen_number:
            errors.append(
                RowError(line, "registry_number", duplicate_message(seen_number[(country, number)]))
            )
            continue
        earlier = seen_name.get(name_key)
        if earlier is not None and not (number and earlier[1]):
            errors.append(RowError(line, "name", duplicate_message(earlier[0])))
            continue
        target: int | None = by_number.get((country, number)) if number else None
        if target is None:
            namesakes = by_name.get(name_key, [])
            if number:  # only an organisation without a number can be this one
                namesakes = [(pk, other) for pk, other in namesakes if not other]
            if len(namesakes) > 1:
                errors.append(
                    RowError(
                        line,
                        "registry_number",
                        _(
                            "%(count)s organisations in this country have this name; give the "
                            "registry number to tell which one this is."
                        )
                        % {"count": len(namesakes)},
                    )
                )
                continue
            if namesakes:
                target = namesakes[0][0]
                # The name was the key: a difference in case alone is no change.
                values = {key: value for key, value in values.items() if key != "name"}
        if number:
            seen_number[(country, number)] = line
        seen_name.setdefault(name_key, (line, number))
        if target is None:
            plan.creates.append((line, values))
        else:
            matched.append((line, target, values))

    _compare(matched, plan)
    plan.warnings = _likely_duplicates(plan.creates, existing)
    return plan


def _likely_duplicates(
    creates: list[tuple[int, dict]], existing: dict[str, list[tuple[int, str, str]]]
) -> list[RowError]:
    """Warnings for the rows to create whose name is (nearly) that of a live organisation or of
    another new row in the same country, apart from legal form, case and punctuation ("Fynsk
    Lyd A/S" next to "Fynsk Lyd ApS"); two different registry numbers are two organisations."""
    from klynge.ecosystem.merging import normalise_name, similar_pairs

    new_by_country: dict[str, list[tuple[int, dict]]] = {}
    for line, values in creates:
        new_by_country.setdefault(values["country"], []).append((line, values))
    warnings: dict[int, RowError] = {}
    for country, new_rows in new_by_country.items():
        # Ids: (0, organisation id) for those in the directory, (1, line) for the file's rows.
        # Two numbers never pair, so a new row with a number only needs the names without
        # one, and an organisation with a number only matters to new rows without one.
        without_number = any(not values["registry_number"] for _line, values in new_rows)
        names: dict[tuple[int, int], tuple[str, str]] = {}
        for pk, name, number in existing.get(country, []):
            if without_number or not number:
                names[(0, pk)] = (name, number)
        if not without_number and not names:
            continue
        for line, values in new_rows:
            names[(1, line)] = (values["name"], values["registry_number"])
        pairs = similar_pairs(
            ((normalise_name(name), ident) for ident, (name, _number) in names.items()),
            involving=lambda ident: ident[0] == 1,
        )
        for (first, second), (_reason, _score) in sorted(pairs.items()):
            number_a, number_b = names[first][1], names[second][1]
            if number_a and number_b and number_a != number_b:
                continue
            line, other = (second[1], first) if second[0] == 1 else (first[1], second)
            if line in warnings:
                continue
            other_name, other_number = names[other]
            if other[0] == 0:
                message = _("Possibly a duplicate of “%(name)s”, already in the directory.") % {
                    "name": other_name
                }
                if other_number:
                    message = _(
                        "Possibly a duplicate of “%(name)s” (registry number %(number)s), "
                        "already in the directory."
                    ) % {"name": other_name, "number": other_number}
            else:
                message = _("Possibly a duplicate of “%(name)s” on line %(line)s.") % {
                    "name": other_name,
                    "line": other[1],
                }
            warnings[line] = RowError(line, "name", message)
    return [warnings[line] for line in sorted(warnings)]


def _compare(matched: list[tuple[int, int, dict]], plan: Plan) -> None:
    """Splits matched rows into updates (the file's non-empty values differ) and unchanged."""
    ids = [pk for _line, pk, _values in matched]
    existing: dict[int, Organisation] = {}
    for start in range(0, len(ids), 500):
        existing.update(Organisation.objects.in_bulk(ids[start : start + 500]))
    for line, pk, values in matched:
        organisation = existing[pk]
        changes = {
            name: value
            for name, value in values.items()
            if name != "country"
            and not (name == "registry_number" and not value)
            and getattr(organisation, name) != value
        }
        if changes:
            plan.updates.append((line, pk, changes))
        else:
            plan.unchanged += 1


def _unique_slugs(names: Iterable[str]) -> list[str]:
    taken = set(Organisation.objects.values_list("slug", flat=True).iterator(chunk_size=5000))
    counters: dict[str, int] = {}
    slugs = []
    for name in names:
        base = slugify(name)[:90] or "organisation"
        slug, n = base, counters.get(base, 2)
        while slug in taken:
            slug, n = f"{base}-{n}", n + 1
        counters[base] = n
        taken.add(slug)
        slugs.append(slug)
    return slugs


def _search_module():
    """`klynge.ecosystem.search` when the directory's search column exists (bulk writes send no
    signals, so the import fills `search_text` itself)."""
    try:
        from klynge.ecosystem import search

        Organisation._meta.get_field("search_text")
    except (ImportError, FieldDoesNotExist):
        return None
    return search


def _write(plan: Plan) -> None:
    now = timezone.now()
    search = _search_module()
    slugs = _unique_slugs(values["name"] for _line, values in plan.creates)
    new = []
    for (_line, values), slug in zip(plan.creates, slugs, strict=True):
        values = {"kind": OrganisationKind.COMPANY, **values}
        organisation = Organisation(slug=slug, **values)
        organisation.size_band = size_band_for(organisation.employees)
        if search is not None:
            organisation.search_text = search.build_search_text(
                getattr(organisation, name) for name in search.SEARCH_FIELDS
            )
        new.append(organisation)
    Organisation.objects.bulk_create(new, batch_size=2000)

    ids = [pk for _line, pk, _changes in plan.updates]
    objects: dict[int, Organisation] = {}
    for start in range(0, len(ids), 500):
        objects.update(Organisation.objects.in_bulk(ids[start : start + 500]))
    changed_fields: set[str] = {"updated_at"}
    changed = []
    for _line, pk, changes in plan.updates:
        organisation = objects[pk]
        for name, value in changes.items():
            setattr(organisation, name, value)
        if "employees" in changes:
            organisation.size_band = size_band_for(organisation.employees)
            changed_fields.add("size_band")
        organisation.updated_at = now
        changed_fields.update(changes)
        changed.append(organisation)
    if changed:
        Organisation.objects.bulk_update(changed, sorted(changed_fields), batch_size=500)
        if search is not None:
            search.refresh_search_texts(
                pk
                for _line, pk, changes in plan.updates
                if set(changes) & set(search.SEARCH_FIELDS)
            )


# --- Running an import ----------------------------------------------------------------------


@contextlib.contextmanager
def _without_gc():
    """Pauses the cyclic garbage collector: the rows and model instances are hundreds of
    thousands of young objects that are all alive, so its passes only cost time (~25%)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class Importer:
    """One kind of import: its columns, how a row is cleaned, matched and written.

    Subclasses set `spec` and implement `validator` (an object whose ``clean(line, raw)``
    returns the row's values and its [(column, message)] problems, without touching the
    database), `plan` (matches the valid rows against the database, appending `RowError`s for
    rows that cannot be matched) and `write` (stores the plan in bulk). `run` does the rest the
    same way for every kind.
    """

    what = ""
    spec: ColumnSpec
    audit_data: Mapping[str, object] = {}  # further keys of the commit's audit entry

    def validator(self):
        raise NotImplementedError

    def plan(
        self,
        rows: list[tuple[int, dict]],
        errors: list[RowError],
        invalid: list[tuple[int, dict]],
    ) -> Plan:
        """Plans the valid `rows`; may add errors for the `invalid` rows' partial values too."""
        raise NotImplementedError

    def write(self, plan: Plan, actor) -> None:
        raise NotImplementedError

    def conflict_message(self) -> str:
        """Why nothing was written when the database refused the plan (another write in the
        meantime took a unique value)."""
        raise NotImplementedError

    def run(
        self,
        path: Path | str,
        *,
        actor,
        mapping: Sequence[str] | None = None,
        dry_run: bool = False,
        skip_invalid: bool = False,
        name: str | None = None,
    ) -> ImportResult:
        """Reads, validates and (unless a dry run, or rows have errors without
        `skip_invalid`) writes the file's rows in one transaction. Raises `ImportFileError`
        for a file that cannot be imported at all."""
        with _without_gc():
            return self._run(path, actor, mapping, dry_run, skip_invalid, name)

    def _run(self, path, actor, mapping, dry_run, skip_invalid, name) -> ImportResult:
        table = read_table(path, name=name)
        columns = resolve_columns(table.headers, mapping, self.spec)
        valid, errors, invalid = validate_rows(table, columns, self.validator())

        result = ImportResult(rows=len(table.rows))
        # A dry run only reads; a real run plans and writes in one transaction, so what it
        # matched is what it writes.
        with contextlib.nullcontext() if dry_run else transaction.atomic():
            plan = self.plan(valid, errors, invalid)
            errors.sort(key=lambda error: error.line)
            result.errors = errors
            result.created, result.updated = len(plan.creates), len(plan.updates)
            result.unchanged = plan.unchanged
            result.warnings = plan.warnings
            if dry_run or (errors and not skip_invalid):
                return result
            try:
                with transaction.atomic():
                    self.write(plan, actor)
                    audit.record(
                        actor=actor,
                        action="ecosystem.import.commit",
                        data={
                            **self.audit_data,
                            "file": name or Path(path).name,
                            "rows": result.rows,
                            "created": result.created,
                            "updated": result.updated,
                            "unchanged": result.unchanged,
                            "errors": len(errors),
                            "skip_invalid": skip_invalid,
                        },
                    )
            except IntegrityError:
                raise ImportFileError(self.conflict_message()) from None
        result.committed = True
        return result


class OrganisationImporter(Importer):
    what = "organisations"
    spec = ORGANISATION_COLUMNS

    def validator(self):
        return _RowValidator()

    def plan(self, rows, errors, invalid):
        return _plan(rows, errors)

    def write(self, plan, actor):
        _write(plan)
        if plan.creates or plan.updates:
            # New or renamed organisations may be duplicates: look for them once committed.
            from klynge.ecosystem.tasks import scan_duplicates_task

            transaction.on_commit(scan_duplicates_task.enqueue)

    def conflict_message(self) -> str:
        return _(
            "The directory changed while the file was imported (another organisation "
            "took a name or registry number); nothing was imported. Try again."
        )


ORGANISATIONS = OrganisationImporter()


def run_import(
    path: Path | str,
    *,
    actor,
    mapping: Sequence[str] | None = None,
    dry_run: bool = False,
    skip_invalid: bool = False,
    name: str | None = None,
) -> ImportResult:
    """Imports organisations (see `Importer.run`)."""
    return ORGANISATIONS.run(
        path, actor=actor, mapping=mapping, dry_run=dry_run, skip_invalid=skip_invalid, name=name
    )
