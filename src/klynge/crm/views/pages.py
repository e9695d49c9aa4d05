"""The CRM pages of one organisation and of one person: the log, open tasks, owner and stage."""

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
from klynge.crm import services
from klynge.crm.forms import AccountForm, InteractionForm, StageForm, TaskForm
from klynge.crm.models import Stage, default_currency
from klynge.crm.selectors import (
    account_of,
    get_organisation_for_user,
    get_person_for_user,
    interactions_for,
    open_tasks_about,
    organisations_of,
    people_of,
)
from klynge.ecosystem import privacy

INTERACTIONS_PER_PAGE = 25


def organisation_of_request(request, slug, **kwargs):
    return get_organisation_for_user(request.user, slug)


def person_of_request(request, pk, **kwargs):
    return get_person_for_user(request.user, pk)


class Subject:
    """What the shared partials need to know about the page's organisation or person."""

    def __init__(self, request, *, organisation=None, person=None):
        self.request = request
        self.organisation = organisation
        self.person = person

    @property
    def kind(self) -> str:
        return "organisation" if self.organisation is not None else "person"

    @property
    def url(self) -> str:
        if self.organisation is not None:
            return reverse("crm:organisation", args=[self.organisation.slug])
        return reverse("crm:person", args=[self.person.pk])

    @property
    def interaction_url(self) -> str:
        if self.organisation is not None:
            return reverse("crm:organisation_interaction", args=[self.organisation.slug])
        return reverse("crm:person_interaction", args=[self.person.pk])

    @property
    def task_url(self) -> str:
        if self.organisation is not None:
            return reverse("crm:organisation_task", args=[self.organisation.slug])
        return reverse("crm:person_task", args=[self.person.pk])

    def interaction_form(self, data=None) -> InteractionForm:
        if self.organisation is not None:
            return InteractionForm(
                data,
                related_queryset=people_of(self.organisation),
                related_label=_("With (optional)"),
            )
        return InteractionForm(
            data,
            related_queryset=organisations_of(self.person),
            related_label=_("Organisation (optional)"),
        )

    def subject_kwargs(self, related) -> dict:
        if self.organisation is not None:
            return {"organisation": self.organisation, "person": related}
        return {"organisation": related, "person": self.person}

    def interactions(self, page_number=None):
        rows = interactions_for(organisation=self.organisation, person=self.person)
        return Paginator(rows, INTERACTIONS_PER_PAGE).get_page(page_number)

    def tasks(self):
        return open_tasks_about(organisation=self.organisation, person=self.person)


def _context(subject: Subject, *, interaction_form=None, task_form=None, **extra) -> dict:
    request = subject.request
    context = {
        "subject": subject,
        "organisation": subject.organisation,
        "person": subject.person,
        "interactions": subject.interactions(request.GET.get("page")),
        "interaction_form": interaction_form or subject.interaction_form(),
        "tasks": subject.tasks(),
        "task_form": task_form or TaskForm(user=request.user),
    }
    if subject.organisation is not None:
        account = account_of(subject.organisation)
        context["account"] = account
        account_form = extra.pop("account_form", None)
        if account_form is None:
            account_form = AccountForm(
                initial={
                    "owner": account.owner_id if account else None,
                    "expected_annual_fee": account.expected_annual_fee if account else None,
                    "currency": account.currency if account else default_currency(),
                }
            )
        context["account_form"] = account_form
        context["stage_form"] = extra.pop("stage_form", None) or StageForm(
            initial={"stage": account.stage if account else Stage.IDENTIFIED}
        )
    context.update(extra)
    return context


def _record_personal_data_view(subject: Subject, context: dict) -> None:
    """The audit log keeps which member of staff saw whose contact details and notes."""
    actor = subject.request.user
    if subject.person is not None:
        privacy.record_personal_data_view(actor=actor, person=subject.person, page="crm")
        return
    interactions = context["interactions"]
    interactions.object_list = list(interactions.object_list)
    context["tasks"] = tasks = list(context["tasks"])
    people = {row.person for row in [*interactions.object_list, *tasks] if row.person_id}
    people.update(people_of(subject.organisation))  # offered in the forms' "with" lists
    privacy.record_personal_data_list_view(
        actor=actor, page="crm", people=people, target=subject.organisation
    )


def subject_page(subject: Subject, status: int = 200, *, record_view: bool = False, **forms):
    template = "crm/organisation.html" if subject.organisation is not None else "crm/person.html"
    context = _context(subject, **forms)
    if record_view:
        _record_personal_data_view(subject, context)
    return render(subject.request, template, context, status=status)


@permission_required("crm.view_crm", obj=organisation_of_request)
def organisation_crm(request, slug, obj):
    return subject_page(Subject(request, organisation=obj), record_view=True)


@permission_required("crm.view_crm", obj=person_of_request)
def person_crm(request, pk, obj):
    return subject_page(Subject(request, person=obj), record_view=True)


def _add_interaction(subject: Subject):
    request = subject.request
    form = subject.interaction_form(request.POST)
    saved = False
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.log_interaction(
                actor=request.user,
                kind=data["kind"],
                occurred_at=data["occurred_at"],
                summary=data["summary"],
                **subject.subject_kwargs(data.get("related")),
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            saved = True
    if request.htmx:
        context = {
            "subject": subject,
            "interactions": subject.interactions(1),
            "interaction_form": subject.interaction_form() if saved else form,
        }
        return render(
            request, "crm/partials/interactions.html", context, status=200 if saved else 400
        )
    if saved:
        messages.success(request, _("The interaction is logged."))
        return redirect(subject.url)
    return subject_page(subject, status=400, interaction_form=form)


@require_POST
@permission_required("crm.add_interaction", obj=organisation_of_request)
def organisation_interaction_add(request, slug, obj):
    return _add_interaction(Subject(request, organisation=obj))


@require_POST
@permission_required("crm.add_interaction", obj=person_of_request)
def person_interaction_add(request, pk, obj):
    return _add_interaction(Subject(request, person=obj))


def _add_task(subject: Subject):
    request = subject.request
    form = TaskForm(request.POST, user=request.user)
    saved = False
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.create_task(
                actor=request.user,
                title=data["title"],
                due_date=data["due_date"],
                assignee=data["assignee"],
                notes=data["notes"],
                organisation=subject.organisation,
                person=subject.person,
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            saved = True
    if request.htmx:
        context = {
            "subject": subject,
            "tasks": subject.tasks(),
            "task_form": TaskForm(user=request.user) if saved else form,
        }
        return render(
            request, "crm/partials/subject_tasks.html", context, status=200 if saved else 400
        )
    if saved:
        messages.success(request, _("The task is added."))
        return redirect(subject.url)
    return subject_page(subject, status=400, task_form=form)


@require_POST
@permission_required("crm.add_task", obj=organisation_of_request)
def organisation_task_add(request, slug, obj):
    return _add_task(Subject(request, organisation=obj))


@require_POST
@permission_required("crm.add_task", obj=person_of_request)
def person_task_add(request, pk, obj):
    return _add_task(Subject(request, person=obj))


@require_POST
@permission_required("crm.change_account", obj=organisation_of_request)
def account_update(request, slug, obj):
    form = AccountForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.update_account(
                actor=request.user,
                organisation=obj,
                owner=data["owner"],
                expected_annual_fee=data["expected_annual_fee"],
                currency=data["currency"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The account is saved."))
            return redirect("crm:organisation", slug=obj.slug)
    return subject_page(Subject(request, organisation=obj), status=400, account_form=form)
