import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from klynge.bookings import availability, services


class Command(BaseCommand):
    help = (
        "Invoices each member organisation, once per month that has ended, for its bookings' "
        "hours past the included hours and priced add-ons not billed yet (idempotent)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--date", default="", help="Run as on this day (YYYY-MM-DD, local); default today."
        )
        parser.add_argument("--base-url", default="", help="Prefix of links in the e-mails.")

    def handle(self, *args, date: str = "", base_url: str = "", **options):
        now = timezone.now()
        if date:
            try:
                now = availability.local_midnight(datetime.date.fromisoformat(date))
            except ValueError:
                raise CommandError(f"--date must be YYYY-MM-DD, not {date!r}.") from None
        report = services.bill_completed_months(now=now, base_url=base_url)
        for invoice in report.invoices:
            self.stdout.write(f"{invoice.display_number}\t{invoice.organisation}\t{invoice.total}")
        self.stdout.write(f"{len(report.invoices)} invoice(s), total {report.total}")
