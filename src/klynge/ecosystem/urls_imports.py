"""Import and de-duplication pages for staff, under /directory/import/."""

from django.urls import path

from klynge.ecosystem.views import duplicates, imports

urlpatterns = [
    path("", imports.import_start, name="import"),
    path("preview/", imports.import_preview, name="import_preview"),
    path("commit/", imports.import_commit, name="import_commit"),
    path("cancel/", imports.import_cancel, name="import_cancel"),
    path("duplicates/", duplicates.duplicates, name="duplicates"),
    path("duplicates/compare/", duplicates.compare, name="duplicates_compare"),
    path("duplicates/merge/", duplicates.merge, name="merge"),
    path("duplicates/dismiss/", duplicates.dismiss, name="duplicates_dismiss"),
    path("duplicates/restore/", duplicates.restore, name="duplicates_restore"),
    path("duplicates/scan/", duplicates.scan, name="duplicates_scan"),
]
