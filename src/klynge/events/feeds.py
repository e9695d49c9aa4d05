"""The Atom feed of upcoming public events (news readers, partner sites), with
`django.contrib.syndication`: one entry per published public event that has not ended, soonest
first, partners' imported events included (marked in the title)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from klynge.events.selectors import upcoming_public_events

FEED_SIZE = 50


class UpcomingEventsFeed(Feed):
    feed_type = Atom1Feed

    def title(self):
        return _("Upcoming events: %(cluster)s") % {"cluster": settings.KLYNGE_CLUSTER_NAME}

    def subtitle(self):
        return _("Public events of %(cluster)s and its partners.") % {
            "cluster": settings.KLYNGE_CLUSTER_NAME
        }

    def link(self):
        return reverse("events:list")

    def feed_url(self):
        return reverse("events:atom")

    def items(self):
        return list(upcoming_public_events()[:FEED_SIZE])

    def item_title(self, event):
        when = timezone.localtime(event.starts_at, event.zone)
        title = f"{event.display_title} ({when:%d.%m.%Y %H:%M})"
        if event.is_external:
            title = _("%(title)s, a partner's event") % {"title": title}
        return title

    def item_description(self, event):
        return event.description

    def item_link(self, event):
        return event.get_absolute_url()

    def item_guid(self, event):
        return f"event-{event.pk}@klynge"

    item_guid_is_permalink = False

    def item_pubdate(self, event):
        return event.created_at

    def item_updateddate(self, event):
        return event.updated_at

    def item_categories(self, event):
        return [event.get_kind_display()]

    def item_author_name(self, event):
        return event.organiser.name if event.organiser else settings.KLYNGE_CLUSTER_NAME
