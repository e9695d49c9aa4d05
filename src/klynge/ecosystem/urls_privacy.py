"""Privacy pages, under /directory/privacy/ (namespace "ecosystem")."""

from django.urls import path

from klynge.ecosystem.views import privacy

urlpatterns = [
    path("", privacy.your_data, name="privacy"),
    path("export/", privacy.export, name="privacy_export"),
    path("erasure/", privacy.erasure_request, name="privacy_erasure_request"),
    path("requests/", privacy.erasure_requests, name="privacy_requests"),
    path("erase/<int:person_id>/", privacy.erase, name="privacy_erase"),
]
