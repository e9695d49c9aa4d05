"""Mounted under /events/<slug>/programme/: every view receives the event's `slug`."""

from django.urls import path

from klynge.schedule import views

app_name = "schedule"
urlpatterns = [
    path("", views.programme, name="programme"),
    path("grid/", views.programme_grid, name="grid"),
    path("schedule.xml", views.export, {"fmt": "xml"}, name="export_xml"),
    path("schedule.json", views.export, {"fmt": "json"}, name="export_json"),
    path("sessions/<uuid:guid>/", views.session_detail, name="session"),
    path("sessions/<uuid:guid>/star/", views.star, name="star"),
    path("sessions/<uuid:guid>/edit/", views.session_edit, name="session_edit"),
    path("sessions/<uuid:guid>/delete/", views.session_delete, name="session_delete"),
    path("sessions/<uuid:guid>/consent/", views.session_consent, name="session_consent"),
    path("sessions/new/", views.session_edit, name="session_add"),
    path("speakers/<int:pk>/", views.speaker_detail, name="speaker"),
    path("speakers/<int:pk>/edit/", views.speaker_edit, name="speaker_edit"),
    path("speakers/<int:pk>/person/", views.speaker_person, name="speaker_person"),
    path("speakers/new/", views.speaker_edit, name="speaker_add"),
    path("agenda/", views.agenda, name="agenda"),
    path("agenda/feed/", views.agenda_feed_create, name="agenda_feed_create"),
    path("agenda/<str:token>.ics", views.agenda_feed, name="agenda_feed"),
    path("manage/", views.manage, name="manage"),
    path("manage/rooms/new/", views.room_edit, name="room_add"),
    path("manage/rooms/<int:pk>/", views.room_edit, name="room_edit"),
    path("manage/tracks/new/", views.track_edit, name="track_add"),
    path("manage/tracks/<int:pk>/", views.track_edit, name="track_edit"),
    path("manage/import/", views.import_upload, name="import"),
    path("manage/import/<int:pk>/", views.import_confirm, name="import_confirm"),
]
