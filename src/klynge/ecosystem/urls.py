from django.urls import path

from klynge.ecosystem import views

app_name = "ecosystem"
urlpatterns = [path("<slug:slug>/", views.organisation_detail, name="organisation")]
