from django.core.management.base import BaseCommand

from klynge.meetings.services import expire_requests


class Command(BaseCommand):
    help = "Expires meeting requests left unanswered past their session's time (idempotent)."

    def handle(self, *args, **options):
        count = expire_requests()
        self.stdout.write(f"{count} meeting request(s) expired.")
