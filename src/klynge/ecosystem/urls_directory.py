"""The directory (mounted at /directory/, namespace "ecosystem")."""

from django.urls import path, re_path

from klynge.ecosystem.views import directory, organisations

urlpatterns = [
    path("", directory.directory, name="directory"),
    re_path(
        r"^export\.(?P<file_format>csv|xlsx)$", directory.directory_export, name="directory_export"
    ),
    path("<slug:slug>/edit/", organisations.organisation_edit, name="organisation_edit"),
]
