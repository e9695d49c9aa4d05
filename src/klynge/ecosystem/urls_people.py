"""Person pages (mounted at /directory/people/, namespace "ecosystem")."""

from django.urls import path

from klynge.ecosystem.views import people

urlpatterns = [
    path("", people.person_list, name="people"),
    path("<int:pk>/", people.person_detail, name="person"),
    path("<int:pk>/edit/", people.person_edit, name="person_edit"),
]
