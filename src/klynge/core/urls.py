from django.urls import path

from klynge.core import views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("staff/audit/", views.audit_log, name="audit_log"),
    path("healthz", views.healthz, name="healthz"),
]
