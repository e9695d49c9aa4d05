from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from klynge.api import api
from klynge.core import views as core_views

admin.site.has_permission = core_views.admin_site_has_permission
admin.site.site_header = "Klynge"

urlpatterns = [
    # First: Django tries the patterns in order, and API calls come in rushes (a registration
    # rush is all API calls); the pages' patterns, two of them includes without a prefix, would
    # otherwise be tried before every one of them. A page pays one failed prefix check for it.
    path("api/v1/", api.urls),
    path("", include("klynge.core.urls")),
    path("accounts/", include("klynge.accounts.urls")),
    path("directory/", include("klynge.ecosystem.urls")),
    path("events/<slug:slug>/programme/", include("klynge.schedule.urls")),
    path("events/", include("klynge.events.urls")),
    path("", include("klynge.events.urls_feeds")),  # GET /events.ics
    path("membership/", include("klynge.membership.urls")),
    path("crm/", include("klynge.crm.urls")),
    path("matchmaking/", include("klynge.matchmaking.urls")),
    path("meetings/", include("klynge.meetings.urls")),
    path("studios/", include("klynge.bookings.urls")),
    path("surveys/", include("klynge.surveys.urls")),
    path("insights/", include("klynge.insights.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

# Uploaded files (logos, studio photos): the reverse proxy serves /media/ in production
# (docs/deploy.md); in debug mode (`make run`) Django does, so a local trial shows them too.
urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler403 = "klynge.core.views.permission_denied"
handler404 = "klynge.core.views.page_not_found"
