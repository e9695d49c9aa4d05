"""`klynge import_people FILE [--dry-run] [--json] [--skip-invalid]`.

Imports people from a CSV (UTF-8, `,` `;` or tab separated) or XLSX file whose header has at
least `first_name, last_name, email` (optional: title, phone, languages, organisation_
registry_number, organisation_name, organisation_country, role, listed_in_directory,
newsletter, photos; see `klynge.ecosystem.importing_people`). Output, exit codes and the
all-or-nothing rule are those of `import_organisations` (see
`klynge.ecosystem.management.import_command`).
"""

from klynge.ecosystem.importing import MAX_FILE_BYTES
from klynge.ecosystem.importing_people import PEOPLE
from klynge.ecosystem.management.import_command import ImportCommand


class Command(ImportCommand):
    importer = PEOPLE
    help = (
        "Imports people from a CSV or XLSX file (header: first_name, last_name, email, optional "
        "title, phone, languages, organisation_registry_number, organisation_name, "
        "organisation_country, role, listed_in_directory, newsletter, photos; at most "
        f"{MAX_FILE_BYTES // (1024 * 1024)} MB)."
    )
