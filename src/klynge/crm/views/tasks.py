"""Follow-up tasks: my open tasks, all staff tasks with a filter, complete and reopen."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from klynge.core.forms_util import apply_service_errors
from klynge.core.permissions import permission_required
from klynge.crm import services
from klynge.crm.forms import TaskFilterForm, TaskForm
from klynge.crm.selectors import get_task_for_user, open_tasks_of, task_with_relations, tasks

TASKS_PER_PAGE = 50


def _task(request, pk, **kwargs):
    return get_task_for_user(request.user, pk)


def _my_tasks_page(request, form=None, status=200):
    page = Paginator(open_tasks_of(request.user), TASKS_PER_PAGE).get_page(request.GET.get("page"))
    context = {"page": page, "task_form": form or TaskForm(user=request.user)}
    return render(request, "crm/my_tasks.html", context, status=status)


@permission_required("crm.view_tasks")
def my_tasks(request):
    return _my_tasks_page(request)


@permission_required("crm.view_tasks")
def all_tasks(request):
    form = TaskFilterForm(request.GET or None)
    page = Paginator(tasks(form.to_filter()), TASKS_PER_PAGE).get_page(request.GET.get("page"))
    template = "crm/partials/task_results.html" if request.htmx else "crm/all_tasks.html"
    return render(request, template, {"form": form, "page": page})


@require_POST
@permission_required("crm.add_task")
def task_create(request):
    """A task about nothing in particular (the organisation and person pages add theirs)."""
    form = TaskForm(request.POST, user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.create_task(
                actor=request.user,
                title=data["title"],
                due_date=data["due_date"],
                assignee=data["assignee"],
                notes=data["notes"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The task is added."))
            return redirect("crm:tasks")
    return _my_tasks_page(request, form=form, status=400)


def _after_change(request, task):
    """HTMX swaps the task's row; without JavaScript the browser goes back where it was."""
    if request.htmx:
        return render(request, "crm/partials/task_row.html", {"task": task_with_relations(task)})
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("crm:tasks")


@require_POST
@permission_required("crm.change_task", obj=_task)
def task_complete(request, pk, obj):
    return _after_change(request, services.complete_task(actor=request.user, task=obj))


@require_POST
@permission_required("crm.change_task", obj=_task)
def task_reopen(request, pk, obj):
    return _after_change(request, services.reopen_task(actor=request.user, task=obj))
