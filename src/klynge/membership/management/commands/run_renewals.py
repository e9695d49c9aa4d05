import datetime
import json

from django.core.management.base import BaseCommand, CommandError

from klynge.membership.renewals import run_renewals


class Command(BaseCommand):
    help = (
        "The membership renewal run (run it daily): bills the next period of memberships that "
        "end soon, marks unpaid invoices overdue and reminds, moves unpaid memberships to grace "
        "and lapses them after the grace period. Safe to run more than once a day."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", help="Run as of this day (YYYY-MM-DD); default today.")
        parser.add_argument(
            "--base-url",
            default="",
            help="Scheme and host for links in e-mails, e.g. https://klynge.example",
        )

    def handle(self, *args, date=None, base_url="", **options):
        on = None
        if date:
            try:
                on = datetime.date.fromisoformat(date)
            except ValueError:
                raise CommandError(f"--date must be YYYY-MM-DD, not {date!r}.") from None
        report = run_renewals(actor=None, on=on, base_url=base_url.rstrip("/"))
        self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False))
