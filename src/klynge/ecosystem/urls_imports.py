"""Import and de-duplication pages for staff, under /directory/import/."""

from django.urls import path

from klynge.ecosystem.views import imports

urlpatterns = [
    path("", imports.import_start, name="import"),
    path("preview/", imports.import_preview, name="import_preview"),
    path("commit/", imports.import_commit, name="import_commit"),
    path("cancel/", imports.import_cancel, name="import_cancel"),
    path("duplicates/", imports.duplicates, name="duplicates"),
    path("duplicates/merge/", imports.merge, name="merge"),
]
