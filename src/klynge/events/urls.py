from django.urls import path

from klynge.events import views

app_name = "events"
urlpatterns = [path("<slug:slug>/", views.event_detail, name="detail")]
