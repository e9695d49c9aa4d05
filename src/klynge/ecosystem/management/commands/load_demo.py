from django.core.management.base import BaseCommand
from django.db import transaction

from klynge.accounts.models import User
from klynge.bookings.demo import load as load_bookings_demo
from klynge.crm.demo import load_crm_demo
from klynge.ecosystem.demo import DEMO_LOGINS, DEMO_PASSWORD, load_demo
from klynge.ecosystem.models import Organisation
from klynge.insights.demo import load as load_insights_demo
from klynge.meetings.demo import load as load_meetings_demo
from klynge.membership.demo import load_demo_memberships
from klynge.schedule.demo import load as load_schedule_demo
from klynge.surveys.demo import load as load_surveys_demo


class Command(BaseCommand):
    help = (
        "Build the demo cluster (real organisations, generated people, events and one login "
        "per role). Safe to run again: existing rows are left as they are."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Build nothing when any organisation exists already.",
        )

    def handle(self, *args, if_empty=False, **options):
        if if_empty and Organisation.objects.exists():
            self.stdout.write("Organisations exist already; the demo data was not loaded.")
        else:
            with transaction.atomic():
                summary = load_demo()
                # The other apps' demo parts build on the organisations and logins.
                load_demo_memberships()
                load_crm_demo()
                load_schedule_demo()
                load_bookings_demo()
                load_meetings_demo()
                load_insights_demo()
                load_surveys_demo()
            if summary.created_anything:
                self.stdout.write(self.style.SUCCESS(str(summary)))
            else:
                self.stdout.write("The demo data is complete already; nothing was changed.")
        self.print_logins()

    def print_logins(self):
        width = max(len(login.email) for login in DEMO_LOGINS)
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD})")
        self.stdout.write(f"  {'E-mail':<{width}}  Role")
        for login in DEMO_LOGINS:
            self.stdout.write(f"  {login.email:<{width}}  {login.role}")
        emails = [login.email for login in DEMO_LOGINS]
        existing = set(User.objects.filter(email__in=emails).values_list("email", flat=True))
        if missing := [email for email in emails if email not in existing]:
            self.stdout.write(
                self.style.WARNING(
                    f"Not in this database: {', '.join(missing)} (run load_demo without --if-empty)."
                )
            )
