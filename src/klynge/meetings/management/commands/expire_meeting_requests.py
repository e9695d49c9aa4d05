from django.core.management.base import BaseCommand

from klynge.meetings.services import expire_requests


class Command(BaseCommand):
    help = (
        "Expires meeting requests left unanswered past their session's time and tells each "
        "sender (idempotent)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--base-url", default="", help="For the links in the e-mails.")

    def handle(self, *args, **options):
        count = expire_requests(base_url=options["base_url"].rstrip("/"))
        self.stdout.write(f"{count} meeting request(s) expired.")
