"""Needs: a free-text answer recorded as an organisation's need, with a CRM follow-up task."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from klynge.core.forms_util import apply_service_errors
from klynge.core.permissions import permission_required
from klynge.surveys import services
from klynge.surveys.forms import NeedForm
from klynge.surveys.selectors import get_answer_for_staff, get_need_for_staff, needs


def _answer(request, pk, answer_pk, **kwargs):
    return get_answer_for_staff(request.user, pk, answer_pk)


def _need(request, pk, **kwargs):
    return get_need_for_staff(request.user, pk)


@permission_required("surveys.record_need", obj=_answer)
def need_create(request, pk, answer_pk, obj):
    form = NeedForm(request.POST or None, user=request.user, answer=obj)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.record_need(
                actor=request.user,
                answer=obj,
                summary=data["summary"],
                tags=data["tags"],
                follow_up=data["follow_up"],
                assignee=data["assignee"],
                due_date=data["due_date"],
                task_title=data["task_title"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            if data["follow_up"]:
                messages.success(request, _("The need is recorded, with a task in the CRM."))
            else:
                messages.success(request, _("The need is recorded."))
            url = reverse("surveys:results", args=[obj.question.survey_id])
            return redirect(f"{url}#answer-{obj.pk}")
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "answer": obj, "survey": obj.question.survey}
    return render(request, "surveys/manage/need.html", context, status=status)


@permission_required("surveys.view_needs")
def need_list(request):
    tag = request.GET.get("tag", "").strip()[:60]
    page = Paginator(needs(tag=tag), 50).get_page(request.GET.get("page"))
    return render(request, "surveys/needs.html", {"page": page, "tag": tag})


@require_POST
@permission_required("surveys.record_need", obj=_need)
def need_remove(request, pk, obj):
    services.remove_need(actor=request.user, need=obj)
    messages.success(request, _("The need is removed; its CRM task, if any, stays."))
    return redirect("surveys:needs")
