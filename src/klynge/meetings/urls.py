from django.urls import path

from klynge.meetings import views

app_name = "meetings"
urlpatterns = [
    path("event/<slug:slug>/", views.event_sessions, name="event_sessions"),
    path("event/<slug:slug>/new/", views.session_create, name="create"),
    path("<int:pk>/", views.session_detail, name="session"),
    path("<int:pk>/opt-in/", views.opt_in, name="opt_in"),
    path("<int:pk>/participants/", views.participants, name="participants"),
    path("<int:pk>/request/<int:participant_pk>/", views.request_create, name="request"),
    path("<int:pk>/agenda/", views.agenda, name="agenda"),
    path("<int:pk>/manage/", views.session_manage, name="manage"),
    path("<int:pk>/manage/schedule/", views.schedule_review, name="schedule"),
    path("<int:pk>/manage/schedule/run/", views.schedule_run, name="schedule_run"),
    path("<int:pk>/manage/schedule/publish/", views.schedule_publish, name="schedule_publish"),
    path("requests/<int:pk>/accept/", views.request_accept, name="accept"),
    path("requests/<int:pk>/decline/", views.request_decline, name="decline"),
    path("requests/<int:pk>/withdraw/", views.request_withdraw, name="withdraw"),
    path("requests/<int:pk>/cancel/", views.request_cancel, name="cancel"),
    path("<int:pk>/manage/plan/", views.table_plan, name="plan"),
    path("meetings/<int:pk>/move/", views.meeting_move, name="move"),
    path("meetings/<int:pk>/unplace/", views.meeting_unplace, name="unplace"),
    path("agenda/<str:token>.ics", views.agenda_feed, name="agenda_feed"),
    path("follow-up/<str:token>/", views.follow_up, name="follow_up"),
]
