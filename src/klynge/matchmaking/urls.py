from django.urls import path

from klynge.matchmaking import views

app_name = "matchmaking"
urlpatterns = [
    path("", views.my_recommendations, name="mine"),
    path("organisations/<slug:slug>/", views.organisation_recommendations, name="organisation"),
    path("organisations/<slug:slug>/feedback/", views.feedback, name="feedback"),
    path("organisations/<slug:slug>/introduce/", views.introduce, name="introduce"),
    path("introductions/", views.introduction_queue, name="introductions"),
    path("introductions/<int:pk>/accept/", views.introduction_accept, name="accept"),
    path("introductions/<int:pk>/decline/", views.introduction_decline, name="decline"),
    path("outcomes/", views.outcomes, name="outcomes"),
    path("outcomes/export.csv", views.outcomes_export, name="outcomes_export"),
]
