"""An organisation's people and adding organisations (mounted at /directory/, namespace
"ecosystem"; included before the organisation pages so "new" is not taken for a slug)."""

from django.urls import path

from klynge.ecosystem.views import affiliations

urlpatterns = [
    path("new/", affiliations.organisation_create, name="organisation_create"),
    path("<slug:slug>/people/", affiliations.organisation_people, name="organisation_people"),
    path("<slug:slug>/people/add/", affiliations.person_add, name="organisation_person_add"),
    path("<slug:slug>/people/invite/", affiliations.invite, name="organisation_invite"),
    path("<slug:slug>/people/<int:pk>/role/", affiliations.change_role, name="affiliation_role"),
    path("<slug:slug>/people/<int:pk>/end/", affiliations.end, name="affiliation_end"),
]
