from django.core.management.base import BaseCommand

from klynge.surveys.tasks import send_due_reminders_task


class Command(BaseCommand):
    help = (
        "Closes the surveys whose closing time has passed, then reminds those invited to an "
        "open survey who have not answered, when their reminder is due; run it every hour or "
        "so (idempotent: nobody is reminded twice for one due reminder)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--base-url", default="", help="e.g. https://klynge.example")

    def handle(self, *args, base_url="", **options):
        result = send_due_reminders_task.enqueue(base_url=base_url)
        if result.is_finished:
            self.stdout.write(f"Reminders queued: {result.return_value}.")
        else:
            self.stdout.write("Queued the survey reminders.")
