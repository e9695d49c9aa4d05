from django.urls import path

from klynge.crm.views import pages, pipeline, tasks

app_name = "crm"
urlpatterns = [
    path("pipeline/", pipeline.pipeline_board, name="pipeline"),
    path("tasks/", tasks.my_tasks, name="tasks"),
    path("tasks/all/", tasks.all_tasks, name="all_tasks"),
    path("tasks/new/", tasks.task_create, name="task_create"),
    path("tasks/<int:pk>/complete/", tasks.task_complete, name="task_complete"),
    path("tasks/<int:pk>/reopen/", tasks.task_reopen, name="task_reopen"),
    path("organisations/<slug:slug>/", pages.organisation_crm, name="organisation"),
    path(
        "organisations/<slug:slug>/interactions/",
        pages.organisation_interaction_add,
        name="organisation_interaction",
    ),
    path("organisations/<slug:slug>/tasks/", pages.organisation_task_add, name="organisation_task"),
    path("organisations/<slug:slug>/account/", pages.account_update, name="account"),
    path("organisations/<slug:slug>/stage/", pipeline.stage_change, name="stage"),
    path("people/<int:pk>/", pages.person_crm, name="person"),
    path("people/<int:pk>/interactions/", pages.person_interaction_add, name="person_interaction"),
    path("people/<int:pk>/tasks/", pages.person_task_add, name="person_task"),
]
