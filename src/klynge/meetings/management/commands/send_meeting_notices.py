from django.core.management.base import BaseCommand

from klynge.meetings.services import send_meeting_notices


class Command(BaseCommand):
    help = "E-mails meeting reminders and, after each meeting, the one-click follow-up question."

    def add_arguments(self, parser):
        parser.add_argument("--base-url", default="", help="For the links in the e-mails.")

    def handle(self, *args, **options):
        counts = send_meeting_notices(base_url=options["base_url"].rstrip("/"))
        self.stdout.write(
            f"{counts['reminders']} reminder(s), {counts['follow_ups']} follow-up e-mail(s)."
        )
