"""The command line shared by `import_organisations` and `import_people`.

Output: with `--json` one JSON object on standard output, always of the contract's shape
``{"created": N, "updated": N, "unchanged": N, "errors": [{"line": L, "column": C, "message":
M}, ...]}`` (plus ``"warnings"``, the same shape, when rows look like duplicates). A file that
cannot be imported at all (too large, empty, not UTF-8, malformed, missing columns) prints that
shape too, with one error on line 0 and column "" (the file as a whole), and exits with code 1;
without `--json` the message goes to standard error. With any row error nothing is written
unless `--skip-invalid`; the counts then say what the valid rows would do.
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from klynge.ecosystem.importing import (
    MAX_FILE_BYTES,
    Importer,
    ImportFileError,
    ImportResult,
    RowError,
)


class ImportCommand(BaseCommand):
    """The command line of an `Importer`: arguments, running it, printing the result."""

    importer: Importer
    max_megabytes = MAX_FILE_BYTES // (1024 * 1024)

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV (UTF-8) or XLSX file")
        parser.add_argument("--dry-run", action="store_true", help="validate, write nothing")
        parser.add_argument("--json", action="store_true", help="print the result as JSON")
        parser.add_argument(
            "--skip-invalid", action="store_true", help="import the valid rows, report the rest"
        )

    def handle(self, *args, **options):
        try:
            result = self.importer.run(
                options["file"],
                actor=None,
                dry_run=options["dry_run"],
                skip_invalid=options["skip_invalid"],
            )
        except ImportFileError as error:
            if options["json"]:
                failed = ImportResult(errors=[RowError(0, "", error.message)])
                self.stdout.write(json.dumps(failed.as_dict(), ensure_ascii=False))
            raise CommandError(error.message, returncode=1) from None
        if options["json"]:
            self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False))
            return
        for error in result.errors:
            self.stdout.write(f"{error.line}\t{error.column}\t{error.message}")
        label = _("possible duplicate")
        for warning in result.warnings:
            self.stdout.write(f"{warning.line}\t{warning.column}\t{label}: {warning.message}")
        counts = {
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
        }
        if result.committed:
            self.stdout.write(
                _("Created %(created)s, updated %(updated)s, unchanged %(unchanged)s.") % counts
            )
            if result.errors:
                self.stdout.write(
                    _("%(count)s rows with errors were skipped.") % {"count": len(result.errors)}
                )
        elif options["dry_run"]:
            self.stdout.write(
                _(
                    "Dry run, nothing written: would create %(created)s, update %(updated)s, "
                    "leave %(unchanged)s unchanged."
                )
                % counts
            )
        else:
            self.stdout.write(
                _("Nothing was imported: %(count)s errors (use --skip-invalid to import the rest).")
                % {"count": len(result.errors)}
            )
