"""`klynge scan_duplicates`: stores the pairs of organisations and people that may be
duplicates, for the duplicates page (idempotent; run nightly by `klynge run_periodic`)."""

from django.core.management.base import BaseCommand

from klynge.ecosystem.merging import scan_duplicates


class Command(BaseCommand):
    help = "Finds possible duplicate organisations and people for the duplicates page."

    def handle(self, *args, **options):
        result = scan_duplicates()
        self.stdout.write(
            f"{result.pairs} pairs to review ({result.organisations} organisations, "
            f"{result.people} people)"
        )
