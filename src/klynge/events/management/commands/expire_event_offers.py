from django.core.management.base import BaseCommand

from klynge.events.tasks import expire_offers_task


class Command(BaseCommand):
    help = "Ends waiting-list seat offers not accepted in time; run it every few minutes (cron)."

    def add_arguments(self, parser):
        parser.add_argument("--base-url", default="", help="e.g. https://klynge.example")

    def handle(self, *args, base_url="", **options):
        result = expire_offers_task.enqueue(base_url=base_url)
        if result.is_finished:
            self.stdout.write(f"Expired {result.return_value} offers.")
        else:
            self.stdout.write("Queued.")
