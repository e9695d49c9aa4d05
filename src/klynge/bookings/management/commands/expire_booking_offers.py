from django.core.management.base import BaseCommand

from klynge.bookings import services


class Command(BaseCommand):
    help = "Releases waiting-list offers nobody accepted in time and offers the slots onward."

    def add_arguments(self, parser):
        parser.add_argument("--base-url", default="", help="Prefix of links in the e-mails.")

    def handle(self, *args, base_url: str = "", **options):
        count = services.expire_offers(base_url=base_url)
        self.stdout.write(str(count))
