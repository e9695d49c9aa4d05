"""The root-level calendar feed: `path("", include("klynge.events.urls_feeds"))` in klynge/urls.py
serves GET /events.ics (the issue's contract)."""

from django.urls import path

from klynge.events import views

app_name = "events_feeds"
urlpatterns = [path("events.ics", views.calendar_feed, name="ics")]
