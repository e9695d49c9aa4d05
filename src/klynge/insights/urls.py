from django.urls import path

from klynge.insights import views, views_manage

app_name = "insights"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("figures/", views.rows_behind, name="rows"),
    path("figures/mine/", views.my_figures, name="mine"),
    path("figures/import/", views_manage.import_figures, name="import_figures"),
    path("organisations/<slug:slug>/", views.organisation_figures, name="organisation"),
    path("benchmarks/", views_manage.benchmarks, name="benchmarks"),
    path("highlights/", views_manage.highlights, name="highlights"),
    path("highlights/<int:pk>/", views_manage.highlight_edit, name="highlight"),
    path("cluster/<int:year>/", views_manage.cluster_year, name="cluster_year"),
    path("board-links/", views_manage.board_links, name="board_links"),
    path("board-links/<int:pk>/revoke/", views_manage.revoke_board_link, name="revoke_board_link"),
    path("board/<str:secret>/", views.board, name="board"),
    path("report/<int:year>/", views.annual_report, name="annual_report"),
    path("evidence/<int:year>/", views.evidence_pack, name="evidence"),
]
