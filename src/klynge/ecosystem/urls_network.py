"""The ecosystem map under /directory/network/ (namespace "ecosystem")."""

from django.urls import path

from klynge.ecosystem.views import network

urlpatterns = [
    path("", network.network_map, name="network"),
    path("breakdown/", network.network_breakdown, name="breakdown"),
    path(
        "organisations/<slug:slug>/",
        network.organisation_relations,
        name="relations",
    ),
    path("organisations/<slug:slug>/add/", network.relation_add, name="relation_add"),
    path("relations/<int:pk>/remove/", network.relation_remove, name="relation_remove"),
]
