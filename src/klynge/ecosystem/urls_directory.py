"""The directory (mounted at /directory/, namespace "ecosystem")."""

from django.urls import path

from klynge.ecosystem.views import directory, organisations

urlpatterns = [
    path("", directory.directory, name="directory"),
    path("<slug:slug>/edit/", organisations.organisation_edit, name="organisation_edit"),
]
