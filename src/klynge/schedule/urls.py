"""Mounted under /events/<slug>/programme/: every view receives the event's `slug`."""

from django.urls import path  # noqa: F401

app_name = "schedule"
urlpatterns: list = []
