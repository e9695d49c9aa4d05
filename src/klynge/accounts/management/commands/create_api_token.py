from django.core.management.base import BaseCommand, CommandError

from klynge.accounts import services
from klynge.accounts.models import User


class Command(BaseCommand):
    help = "Create a personal API token for the user with EMAIL and print only the token."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--name", default="command line", help="What the token is for.")

    def handle(self, *args, email, name, **options):
        user = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
        if user is None:
            raise CommandError(f"No active user has the e-mail address {email!r}.")
        _token, secret = services.create_api_token(actor=None, user=user, name=name)
        self.stdout.write(secret)
