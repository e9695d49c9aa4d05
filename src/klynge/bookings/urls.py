from django.urls import path

from klynge.bookings.views import bookings, feeds, reports, resources, staff

app_name = "bookings"
urlpatterns = [
    path("", resources.resource_list, name="resources"),
    path("bookings/", bookings.my_bookings, name="mine"),
    path("bookings/calendar/renew/", bookings.renew_feed, name="renew_feed"),
    path("bookings/organisation/", bookings.organisation_bookings, name="organisation"),
    path("bookings/<int:pk>/", bookings.booking_detail, name="booking"),
    path("bookings/<int:pk>/change/", bookings.change_booking, name="change"),
    path("bookings/<int:pk>/cancel/", bookings.cancel_booking, name="cancel"),
    path("bookings/<int:pk>/booking.ics", bookings.booking_ics, name="booking_ics"),
    path("bookings/<int:pk>/remove-add-on/", bookings.remove_add_on, name="remove_add_on"),
    path("bookings/<int:pk>/decide/", staff.decide, name="decide"),
    path("bookings/<int:pk>/attendance/", staff.attendance, name="attendance"),
    path("offers/<str:token>/", bookings.offer, name="offer"),
    path("feeds/person/<str:token>.ics", feeds.person_feed, name="person_feed"),
    path("feeds/<slug:slug>.ics", feeds.resource_feed, name="resource_feed"),
    path("manage/", staff.manage, name="manage"),
    path("manage/new/", staff.resource_create, name="resource_create"),
    path("manage/add-ons/", staff.add_on_list, name="add_ons"),
    path("manage/add-ons/<int:pk>/", staff.add_on_edit, name="add_on"),
    path("manage/<slug:slug>/", staff.resource_edit, name="resource_edit"),
    path("reports/", reports.report, name="reports"),
    path("reports/bill/", reports.bill, name="bill"),
    path("<slug:slug>/", resources.resource_detail, name="resource"),
    path("<slug:slug>/book/", resources.book, name="book"),
    path("<slug:slug>/waitlist/", resources.join_waitlist, name="waitlist"),
]
