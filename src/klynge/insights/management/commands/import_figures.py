"""`klynge import_figures FILE [--dry-run] [--json]`: yearly figures from CSV or XLSX.

Header: registry_number, country, year and any of currency, revenue, personnel_costs,
operating_profit, employees_fte, innovation_funding, innovations_launched, nace, source_note.
All rows or none; `--dry-run` reports every row's problems and writes nothing.
"""

import json

from django.core.management.base import BaseCommand, CommandError

from klynge.ecosystem.importing import ImportFileError
from klynge.insights.importing import import_figures


class Command(BaseCommand):
    help = "Imports yearly figures per organisation (matched by country and registry number)."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="validate, write nothing")
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args, **options):
        try:
            result = import_figures(options["file"], actor=None, dry_run=options["dry_run"])
        except ImportFileError as error:
            raise CommandError(error.message) from None
        report(self, result, options)


def report(command, result, options) -> None:
    if options["json"]:
        command.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False))
    else:
        for error in result.errors:
            command.stdout.write(f"{error.line}\t{error.column}\t{error.message}")
        state = "written" if result.committed else "nothing written"
        command.stdout.write(
            f"{result.rows} rows: {result.created} new, {result.updated} changed, "
            f"{result.unchanged} unchanged, {len(result.errors)} errors; {state}."
        )
    if result.errors:
        raise CommandError(f"{len(result.errors)} rows have errors.")
