import time

from django.core.management.base import BaseCommand

from klynge.matchmaking.index import current_index_folder, rebuild_index


class Command(BaseCommand):
    help = "Rebuilds the partner-recommendation index from the directory (daily; idempotent)."

    def handle(self, *args, **options):
        started = time.perf_counter()
        index = rebuild_index()
        self.stdout.write(
            f"Indexed {index.n} organisations in {time.perf_counter() - started:.1f} s "
            f"({current_index_folder()})."
        )
