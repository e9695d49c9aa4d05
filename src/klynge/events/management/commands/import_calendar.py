"""`klynge import_calendar NAME [FILE_OR_URL] [--organiser SLUG] [--kind KIND] [--since DATE]
[--until DATE] [--dry-run] [--json]`.

Imports a partner's public iCalendar feed into our calendar as partner events (see
events/external.py). NAME is the partner calendar, created when it does not exist yet (with
the address given, if it is one). Without FILE_OR_URL, the calendar's saved address is fetched.
Re-importing updates the events and removes those no longer in the feed; all or nothing.
"""

import datetime
import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from klynge.ecosystem.models import Organisation
from klynge.events import external
from klynge.events.models import CalendarSource, EventKind


def _date(value: str) -> datetime.datetime:
    try:
        day = datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(
            _("Give dates as YYYY-MM-DD, not %(value)s.") % {"value": value}
        ) from None
    return datetime.datetime.combine(day, datetime.time(), tzinfo=timezone.get_current_timezone())


class Command(BaseCommand):
    help = "Imports a partner's public .ics calendar into ours, as partner events."

    def add_arguments(self, parser):
        parser.add_argument("name", help="the partner calendar's name (created if new)")
        parser.add_argument("source", nargs="?", default="", help="an .ics file or an address")
        parser.add_argument("--organiser", default="", help="the partner organisation's slug")
        parser.add_argument("--kind", choices=EventKind.values, default=None)
        parser.add_argument("--since", default="", help="from this date (default: a year ago)")
        parser.add_argument("--until", default="", help="to this date (default: a year ahead)")
        parser.add_argument("--dry-run", action="store_true", help="count, write nothing")
        parser.add_argument("--json", action="store_true", help="print the counts as JSON")

    def handle(self, *args, **options):
        where = options["source"]
        is_url = where.lower().startswith(("http://", "https://"))
        source = CalendarSource.objects.filter(name=options["name"]).first()
        organiser = None
        if options["organiser"]:
            organiser = Organisation.objects.filter(slug=options["organiser"]).first()
            if organiser is None:
                raise CommandError(
                    _("No organisation with the short name %(slug)s.")
                    % {"slug": options["organiser"]}
                )
        try:
            if source is None or organiser is not None or options["kind"]:
                source = external.save_calendar_source(
                    actor=None,
                    source=source,
                    name=options["name"],
                    url=where if is_url else (source.url if source else ""),
                    organiser=organiser or (source.organiser if source else None),
                    kind=options["kind"] or (source.kind if source else EventKind.NETWORKING),
                )
            if where and not is_url:
                path = Path(where)
                if path.stat().st_size > external.MAX_BYTES:
                    raise CommandError(_("The calendar is larger than 5 MB."))
                data = path.read_bytes()
            elif where or source.url:
                data = external.fetch_calendar(where or source.url)
            else:
                raise CommandError(_("Give an .ics file or the calendar's address."))
            result = external.import_calendar(
                actor=None,
                source=source,
                data=data,
                since=_date(options["since"]) if options["since"] else None,
                until=_date(options["until"]) if options["until"] else None,
                dry_run=options["dry_run"],
            )
        except OSError as error:
            raise CommandError(str(error)) from None
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        if options["json"]:
            self.stdout.write(json.dumps(result.as_dict()))
            return
        self.stdout.write(
            _(
                "%(name)s: %(created)s new, %(updated)s changed, %(unchanged)s unchanged, %(removed)s removed."
            )
            % {"name": source.name, **result.as_dict()}
        )
