from django.core.management.base import BaseCommand

from klynge.events.tasks import send_follow_ups_task, send_reminders_task


class Command(BaseCommand):
    help = (
        "Sends the event reminders that are due and the follow-ups after events that have "
        "ended, each once per registration; run it every few minutes (idempotent)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--base-url", default="", help="e.g. https://klynge.example")

    def handle(self, *args, base_url="", **options):
        for label, task in (
            ("reminders", send_reminders_task),
            ("follow-ups", send_follow_ups_task),
        ):
            result = task.enqueue(base_url=base_url)
            if result.is_finished:
                self.stdout.write(f"Sent {result.return_value} {label}.")
            else:
                self.stdout.write(f"Queued the {label}.")
