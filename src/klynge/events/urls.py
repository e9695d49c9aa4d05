from django.urls import path

from klynge.events import calendar_views, staff_views, views

app_name = "events"
urlpatterns = [
    path("", views.event_list, name="list"),
    path("mine/", views.my_registrations, name="mine"),
    path("feed.ics", views.calendar_feed, name="ics"),
    path("feed.atom", calendar_views.atom_feed, name="atom"),
    path("calendar/<str:token>.ics", calendar_views.personal_feed, name="personal_feed"),
    path("mine/calendar/", calendar_views.calendar_token_reset, name="calendar_token"),
    path("manage/partners/", calendar_views.partner_calendars, name="partners"),
    path(
        "manage/partners/<int:pk>/import/",
        calendar_views.partner_calendar_import,
        name="partner_import",
    ),
    path(
        "manage/partners/<int:pk>/remove/",
        calendar_views.partner_calendar_delete,
        name="partner_remove",
    ),
    path("manage/", views.manage_list, name="manage"),
    path("manage/new/", views.event_create, name="create"),
    path("manage/<slug:slug>/edit/", views.event_edit, name="edit"),
    path("manage/<slug:slug>/publish/", views.event_publish, name="publish"),
    path("manage/<slug:slug>/cancel/", views.event_cancel, name="cancel"),
    path(
        "manage/<slug:slug>/registrations/",
        views.event_registrations_view,
        name="manage_registrations",
    ),
    path(
        "manage/<slug:slug>/registrations/<int:pk>/decide/",
        views.decide_registration,
        name="decide",
    ),
    path(
        "manage/<slug:slug>/registrations.csv",
        staff_views.registrations_csv,
        name="registrations_csv",
    ),
    path("manage/<slug:slug>/invitations/", staff_views.invitations, name="invitations"),
    path(
        "manage/<slug:slug>/invitations/<int:pk>/withdraw/",
        staff_views.invitation_withdraw,
        name="invitation_withdraw",
    ),
    path("manage/<slug:slug>/check-in/", views.check_in_view, name="check_in"),
    path("manage/<slug:slug>/tickets/", views.manage_tickets, name="tickets"),
    path("manage/<slug:slug>/tickets/<int:pk>/", views.category_edit, name="category_edit"),
    path(
        "manage/<slug:slug>/tickets/<int:pk>/remove/",
        views.category_remove,
        name="category_remove",
    ),
    path("manage/<slug:slug>/questions/<int:pk>/", views.question_edit, name="question_edit"),
    path(
        "manage/<slug:slug>/questions/<int:pk>/remove/",
        views.question_remove,
        name="question_remove",
    ),
    path("manage/<slug:slug>/communication/", views.manage_communication, name="communication"),
    path(
        "manage/<slug:slug>/reminders/<int:pk>/remove/",
        views.reminder_remove,
        name="reminder_remove",
    ),
    path(
        "manage/<slug:slug>/recordings/<int:pk>/remove/",
        views.recording_remove,
        name="recording_remove",
    ),
    path("manage/<slug:slug>/feedback/", views.feedback_summary_view, name="feedback_summary"),
    path("manage/<slug:slug>/badges.pdf", views.badges_view, name="badges"),
    path("recordings/", views.recordings_library, name="recordings"),
    path("feedback/<str:token>/", views.feedback_view, name="feedback"),
    path("registrations/<int:pk>/cancel/", views.cancel_registration, name="cancel_registration"),
    path("registrations/<int:pk>/accept/", views.accept_offer, name="accept_offer"),
    path("<slug:slug>/", views.event_detail, name="detail"),
    path("<slug:slug>/register/", views.register, name="register"),
    path("<slug:slug>/group/", views.group_register, name="group"),
    path("<slug:slug>/watch/", views.watch, name="watch"),
]
