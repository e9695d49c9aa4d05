"""Export of a directory filter to CSV or XLSX for staff (the same filters as the page)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from klynge.core.spreadsheets import cell
from klynge.ecosystem.models import Organisation

# (header, attribute or callable) — the columns staff asked for in the spreadsheets they replace.
COLUMNS = [
    ("id", "pk"),
    ("name", "name"),
    ("kind", "kind"),
    ("membership_status", "membership_status"),
    ("registry_number", "registry_number"),
    ("country", "country"),
    ("region", "region"),
    ("municipality", "municipality"),
    ("city", "city"),
    ("postal_code", "postal_code"),
    ("street", "street"),
    ("website", "website"),
    ("email", "email"),
    ("phone", "phone"),
    ("employees", "employees"),
    ("size_band", "size_band"),
    ("founded_year", "founded_year"),
    ("sectors", lambda o: ", ".join(sorted(s.slug for s in o.sectors.all()))),
    ("sdgs", lambda o: ", ".join(str(g.number) for g in o.sdgs.all())),
    ("description_en", "description_en"),
    ("description_da", "description_da"),
]
FORMATS = {"csv": _("CSV"), "xlsx": _("Excel (XLSX)")}


def _value(organisation: Organisation, getter) -> object:
    value = getter(organisation) if callable(getter) else getattr(organisation, getter)
    return "" if value is None else cell(value)


def export_rows(queryset: QuerySet[Organisation]) -> Iterator[list]:
    """The header, then one row per organisation; tags are prefetched in chunks (no N+1)."""
    yield [header for header, _getter in COLUMNS]
    rows = queryset.defer("search_text").prefetch_related("sectors", "sdgs").order_by("name", "pk")
    for organisation in rows.iterator(chunk_size=2000):
        yield [_value(organisation, getter) for _header, getter in COLUMNS]


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(queryset: QuerySet[Organisation]) -> Iterator[str]:
    """UTF-8 CSV with a BOM so Excel opens Nordic letters right; streamed line by line."""
    writer = csv.writer(_Echo())
    yield "\ufeff"
    for row in export_rows(queryset):
        yield writer.writerow(row)


def xlsx_bytes(queryset: QuerySet[Organisation]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Organisations")
    for row in export_rows(queryset):
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
