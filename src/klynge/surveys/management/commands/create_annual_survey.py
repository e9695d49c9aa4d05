from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from klynge.surveys.annual import create_annual_member_survey, default_year


class Command(BaseCommand):
    help = (
        "Creates the annual member survey (NPS, satisfaction per service, needs, and the "
        "innovation questions the KPIs read) as a draft in Danish, English, Norwegian and "
        "Swedish. Prints the new survey's id."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--year",
            type=int,
            default=None,
            help="The year the survey is about (default: this year from July, else last year).",
        )

    def handle(self, *args, year=None, **options):
        try:
            survey = create_annual_member_survey(actor=None, year=year or default_year())
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(str(survey.pk))
