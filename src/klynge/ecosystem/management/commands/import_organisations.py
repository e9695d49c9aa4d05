"""`klynge import_organisations FILE [--dry-run] [--json] [--skip-invalid]`.

Imports organisations from a CSV (UTF-8, `,` `;` or tab separated) or XLSX file whose header
has at least `name, registry_number, country`. Output, exit codes and the all-or-nothing rule:
see `klynge.ecosystem.management.import_command`.
"""

from klynge.ecosystem.importing import MAX_FILE_BYTES, ORGANISATIONS
from klynge.ecosystem.management.import_command import ImportCommand


class Command(ImportCommand):
    importer = ORGANISATIONS
    help = (
        "Imports organisations from a CSV or XLSX file (header: name, registry_number, country, "
        f"optional kind, municipality, city, region, website, description, ...; at most "
        f"{MAX_FILE_BYTES // (1024 * 1024)} MB)."
    )
