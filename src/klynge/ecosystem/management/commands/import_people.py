"""`klynge import_people FILE [--dry-run] [--json] [--skip-invalid]`.

Imports people from a CSV (UTF-8, `,` `;` or tab separated) or XLSX file whose header has at
least `first_name, last_name, email` (optional: title, phone, languages, organisation_
registry_number, organisation_name, organisation_country, role, listed_in_directory,
newsletter, photos; see `klynge.ecosystem.importing_people`). Output, exit codes and the
all-or-nothing rule are those of `import_organisations`: with `--json` exactly
``{"created": N, "updated": N, "unchanged": N, "errors": [{"line": L, "column": C,
"message": M}, ...]}``; a file that cannot be imported at all stops with a message and exit
code 1.
"""

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from klynge.ecosystem.importing import MAX_FILE_BYTES, Importer, ImportFileError
from klynge.ecosystem.importing_people import PEOPLE


class ImportCommand(BaseCommand):
    """The command line of an `Importer`: arguments, running it, printing the result.

    `import_organisations` prints the same way and could become ``class Command(ImportCommand):
    importer = importing.ORGANISATIONS``.
    """

    importer: Importer

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
            raise CommandError(error.message) from None
        if options["json"]:
            self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False))
            return
        for error in result.errors:
            self.stdout.write(f"{error.line}\t{error.column}\t{error.message}")
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


class Command(ImportCommand):
    importer = PEOPLE
    help = (
        "Imports people from a CSV or XLSX file (header: first_name, last_name, email, optional "
        "title, phone, languages, organisation_registry_number, organisation_name, "
        "organisation_country, role, listed_in_directory, newsletter, photos; at most "
        f"{MAX_FILE_BYTES // (1024 * 1024)} MB)."
    )
