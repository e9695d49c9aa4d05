"""The ecosystem's pages. Each capability keeps its routes in its own module (urls_*.py)."""

from django.urls import include, path

from klynge.ecosystem.views import organisations

app_name = "ecosystem"
urlpatterns = [
    path("", include("klynge.ecosystem.urls_directory")),
    path("people/", include("klynge.ecosystem.urls_people")),
    path("import/", include("klynge.ecosystem.urls_imports")),
    path("network/", include("klynge.ecosystem.urls_network")),
    path("privacy/", include("klynge.ecosystem.urls_privacy")),
    path("", include("klynge.ecosystem.urls_affiliations")),
    path("<slug:slug>/", organisations.organisation_detail, name="organisation"),
]
