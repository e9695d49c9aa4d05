"""`klynge import_benchmarks FILE [--source TEXT] [--dry-run] [--json]`: national statistics.

Long format (one row per country, division, year and measure): country, nace, year, measure,
value[, currency][, source]; or wide: country, nace, year and a column per measure
(value_added_per_employee, employment_growth, operating_margin, firm_formation_rate).
"""

from django.core.management.base import BaseCommand, CommandError

from klynge.ecosystem.importing import ImportFileError
from klynge.insights.importing import import_benchmarks
from klynge.insights.management.commands.import_figures import report


class Command(BaseCommand):
    help = "Imports national benchmarks per country, NACE division and year."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--source", default="", help="source for rows without one")
        parser.add_argument("--dry-run", action="store_true", help="validate, write nothing")
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args, **options):
        try:
            result = import_benchmarks(
                options["file"], actor=None, source=options["source"], dry_run=options["dry_run"]
            )
        except ImportFileError as error:
            raise CommandError(error.message) from None
        report(self, result, options)
