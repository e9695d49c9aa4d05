"""klynge.urls plus the root-level /events.ics the lead mounts (see urls_feeds.py)."""

from django.urls import include, path

from klynge.urls import urlpatterns as klynge_urlpatterns

urlpatterns = [path("", include("klynge.events.urls_feeds")), *klynge_urlpatterns]
