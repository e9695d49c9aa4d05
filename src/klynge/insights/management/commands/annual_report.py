"""`klynge annual_report YEAR [--language da|en] [--pdf FILE]`: the year in review.

Prints the key figures with their coverage; with `--pdf` writes the PDF a person sends to the
board (the same as the button on the insights dashboard).
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone, translation

from klynge.insights import kpis, pdf, reports


class Command(BaseCommand):
    help = "Builds the annual report (the year in review) for YEAR; --pdf FILE writes the PDF."

    def add_arguments(self, parser):
        parser.add_argument("year", type=int)
        parser.add_argument("--language", choices=reports.LANGUAGES, default="en")
        parser.add_argument("--pdf", dest="pdf_file", help="write the PDF to this file")

    def handle(self, *args, year, language, pdf_file=None, **options):
        if not 1990 <= year <= timezone.localdate().year:
            raise CommandError(f"{year} is not a year with figures (1990 to this year).")
        report = reports.build_annual_report(year, language=language)
        with translation.override(language):
            self.stdout.write(f"{report.cluster_name}: {year}")
            self.stdout.write(
                f"members {report.mix.total}, new {len(report.new_members)}, "
                f"events {report.activity.events}, participants {report.activity.participants}"
            )
            for kpi in report.kpi_list:
                value = "fewer than 3" if kpi.suppressed else kpis.format_kpi(kpi.value, kpi.unit)
                self.stdout.write(
                    f"{kpi.key}\t{value}\t{kpi.comparison or '–'}\t"
                    f"{kpi.organisations_with_data}/{kpi.members}"
                )
        if pdf_file:
            path = Path(pdf_file)
            try:
                path.write_bytes(pdf.annual_report_pdf(report))
            except OSError as error:
                raise CommandError(f"Cannot write {path}: {error.strerror}") from None
            self.stdout.write(f"PDF written to {path} ({path.stat().st_size} bytes).")
