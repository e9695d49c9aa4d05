from django.core.management.base import BaseCommand

from klynge.core.i18n import compile_catalogues


class Command(BaseCommand):
    help = "Compile Klynge's .po catalogues into .mo files with Babel (no system gettext needed)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="recompile even unchanged ones")

    def handle(self, *args, force, **options):
        count = compile_catalogues(force=force)
        self.stdout.write(f"Compiled {count} translation catalogue(s).")
