"""`klynge export_schedule EVENT_SLUG --format xml|json [--base-url URL]`: frab/c3voc schedule."""

import json

from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse
from django.utils.translation import gettext as _

from klynge.events.models import Event
from klynge.schedule import frab, selectors


class Command(BaseCommand):
    help = "Prints an event's programme as a frab/c3voc schedule (XML or JSON)."

    def add_arguments(self, parser):
        parser.add_argument("event", help="the event's slug")
        parser.add_argument("--format", choices=("xml", "json"), default="xml")
        parser.add_argument(
            "--base-url", default="", help="e.g. https://klynge.example (links to the pages)"
        )

    def handle(self, *args, **options):
        event = Event.objects.filter(slug=options["event"]).first()
        if event is None:
            raise CommandError(
                _("No event with the short name %(slug)s.") % {"slug": options["event"]}
            )
        base = options["base_url"].rstrip("/")
        context = selectors.export_context(
            event,
            base_url=f"{base}{reverse('schedule:programme', args=[event.slug])}" if base else "",
            session_url=(lambda s: f"{base}{s.get_absolute_url()}") if base else None,
        )
        if options["format"] == "xml":
            self.stdout.write(frab.export_xml(context).decode(), ending="")
        else:
            self.stdout.write(json.dumps(frab.export_json(context), ensure_ascii=False, indent=1))
