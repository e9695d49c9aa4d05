from django.urls import path

from klynge.surveys.views import answer, manage, needs, results

app_name = "surveys"

urlpatterns = [
    path("", answer.my_surveys, name="mine"),
    path("answer/<str:token>/", answer.answer, name="answer"),
    path("<int:pk>/results/", answer.published_results, name="published_results"),
    path("needs/", needs.need_list, name="needs"),
    path("needs/<int:pk>/remove/", needs.need_remove, name="need_remove"),
    path("manage/", manage.survey_list, name="manage"),
    path("manage/new/", manage.survey_create, name="create"),
    path("manage/annual/", manage.annual_create, name="annual"),
    path("manage/<int:pk>/", manage.survey_detail, name="detail"),
    path("manage/<int:pk>/edit/", manage.survey_edit, name="edit"),
    path("manage/<int:pk>/delete/", manage.survey_delete, name="delete"),
    path("manage/<int:pk>/open/", manage.survey_open, name="open"),
    path("manage/<int:pk>/close/", manage.survey_close, name="close"),
    path("manage/<int:pk>/rate/", manage.response_rate_view, name="rate"),
    path("manage/<int:pk>/preview/", manage.preview, name="preview"),
    path("manage/<int:pk>/questions/new/", manage.question_add, name="question_add"),
    path(
        "manage/<int:pk>/questions/<int:question_pk>/",
        manage.question_edit,
        name="question_edit",
    ),
    path(
        "manage/<int:pk>/questions/<int:question_pk>/remove/",
        manage.question_remove,
        name="question_remove",
    ),
    path(
        "manage/<int:pk>/questions/<int:question_pk>/move/",
        manage.question_move,
        name="question_move",
    ),
    path("manage/<int:pk>/invite/", manage.invite, name="invite"),
    path("manage/<int:pk>/audience/", manage.audience_preview, name="audience_preview"),
    path("manage/<int:pk>/remind/", manage.remind, name="remind"),
    path("manage/<int:pk>/invitations/", manage.invitation_list, name="invitations"),
    path("manage/<int:pk>/results/", results.results, name="results"),
    path("manage/<int:pk>/results/texts/<int:question_pk>/", results.texts, name="texts"),
    path("manage/<int:pk>/export.<str:file_format>", results.export, name="export"),
    path("manage/<int:pk>/answers/<uuid:answer_pk>/need/", needs.need_create, name="need_create"),
]
