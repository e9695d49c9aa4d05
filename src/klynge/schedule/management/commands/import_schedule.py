"""`klynge import_schedule EVENT_SLUG FILE [--format frab-xml|frab-json|pretalx] [--dry-run]`.

Imports a frab/c3voc schedule (XML or JSON) or a pretalx export into the event's programme:
all or nothing; sessions are matched on guid, so re-importing updates them.
"""

import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from klynge.events.models import Event
from klynge.schedule import services
from klynge.schedule.frab import FORMATS, MAX_IMPORT_BYTES


class Command(BaseCommand):
    help = "Imports a frab/c3voc schedule (XML or JSON) or a pretalx export into an event."

    def add_arguments(self, parser):
        parser.add_argument("event", help="the event's slug")
        parser.add_argument("file", help="schedule file")
        parser.add_argument("--format", choices=FORMATS, default=None, help="default: detect")
        parser.add_argument("--dry-run", action="store_true", help="count, write nothing")
        parser.add_argument("--json", action="store_true", help="print the counts as JSON")

    def handle(self, *args, **options):
        event = Event.objects.filter(slug=options["event"]).first()
        if event is None:
            raise CommandError(
                _("No event with the short name %(slug)s.") % {"slug": options["event"]}
            )
        path = Path(options["file"])
        try:
            if path.stat().st_size > MAX_IMPORT_BYTES:
                raise CommandError(
                    _("The file is too large: at most %(mb)s MB.")
                    % {"mb": MAX_IMPORT_BYTES // 2**20}
                )
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(str(error)) from None
        try:
            result = services.import_schedule(
                actor=None,
                event=event,
                data=data,
                format=options["format"],
                dry_run=options["dry_run"],
                filename=path.name,
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        if options["json"]:
            self.stdout.write(json.dumps(result.as_dict()))
            return
        self.stdout.write(
            _(
                "Sessions: %(s_created)s created, %(s_updated)s updated. Rooms: %(r_created)s "
                "created, %(r_updated)s updated. Speakers: %(p_created)s created, %(p_updated)s "
                "updated.%(dry)s"
            )
            % {
                "s_created": result.sessions.created,
                "s_updated": result.sessions.updated,
                "r_created": result.rooms.created,
                "r_updated": result.rooms.updated,
                "p_created": result.speakers.created,
                "p_updated": result.speakers.updated,
                "dry": " " + _("(dry run: nothing was saved)") if result.dry_run else "",
            }
        )
