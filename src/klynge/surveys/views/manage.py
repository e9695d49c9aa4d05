"""Staff pages: the list of surveys, the builder, opening and closing, invitations, reminders,
the live response rate and the preview."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from klynge.core.forms_util import apply_service_errors
from klynge.core.permissions import permission_required
from klynge.surveys import services
from klynge.surveys.annual import create_annual_member_survey, default_year
from klynge.surveys.answering import AnswerForm
from klynge.surveys.audiences import recipients
from klynge.surveys.figures import percent
from klynge.surveys.forms import (
    AudienceForm,
    NewQuestionForm,
    OpenForm,
    QuestionForm,
    SurveyForm,
)
from klynge.surveys.models import Invitation, QuestionKind
from klynge.surveys.selectors import (
    get_question_for_staff,
    get_survey_for_staff,
    response_rate,
    surveys_with_rates,
)
from klynge.surveys.texts import pick_language
from klynge.surveys.views.common import base_url


def _survey(request, pk, **kwargs):
    return get_survey_for_staff(request.user, pk)


def _question(request, pk, question_pk, **kwargs):
    return get_question_for_staff(request.user, pk, question_pk)


# --- The list --------------------------------------------------------------------------------


@permission_required("surveys.manage_survey")
def survey_list(request, status=200, annual_year=None):
    page = Paginator(surveys_with_rates(), 50).get_page(request.GET.get("page"))
    for survey in page:
        survey.rate = percent(survey.responded, survey.invited)
    context = {"page": page, "annual_year": annual_year or default_year()}
    return render(request, "surveys/manage/list.html", context, status=status)


@require_POST
@permission_required("surveys.manage_survey")
def annual_create(request):
    """The "annual member survey" button: a draft from the template, in four languages."""
    try:
        year = int(request.POST.get("year", ""))
    except ValueError:
        year = 0
    try:
        survey = create_annual_member_survey(actor=request.user, year=year)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return survey_list(request, status=400, annual_year=year or default_year())
    messages.success(
        request,
        _("The annual member survey is ready as a draft. Check it, then open it and invite."),
    )
    return redirect("surveys:detail", survey.pk)


@permission_required("surveys.manage_survey")
def survey_create(request):
    form = SurveyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            survey = services.create_survey(actor=request.user, **form.service_fields())
        except ValidationError as error:
            form.apply_errors(error)
        else:
            messages.success(request, _("The survey is saved as a draft. Add its questions."))
            return redirect("surveys:detail", survey.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "surveys/manage/form.html", {"form": form}, status=status)


@permission_required("surveys.manage_survey", obj=_survey)
def survey_edit(request, pk, obj):
    form = SurveyForm(request.POST or None, survey=obj)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_survey(actor=request.user, survey=obj, **form.service_fields())
        except ValidationError as error:
            form.apply_errors(error)
        else:
            messages.success(request, _("The survey's settings are saved."))
            return redirect("surveys:detail", obj.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "surveys/manage/form.html", {"form": form, "survey": obj}, status=status)


@require_POST
@permission_required("surveys.manage_survey", obj=_survey)
def survey_delete(request, pk, obj):
    try:
        services.delete_survey(actor=request.user, survey=obj)
    except ValidationError as error:
        return _refused(request, obj, error)
    messages.success(request, _("The draft is deleted."))
    return redirect("surveys:manage")


# --- The survey page -----------------------------------------------------------------------


def _refused(request, survey, error: ValidationError):
    """A refused action (the survey's state does not allow it): the survey page again, with
    the reason, answered 400."""
    messages.error(request, " ".join(error.messages))
    return _detail(request, survey, status=400)


def _detail(request, survey, *, status=200, **forms):
    questions = services.questions_of(survey)
    context = {
        "survey": survey,
        "items": _question_rows(survey, questions),
        "rate": response_rate(survey),
        "new_question_form": forms.get("new_question_form") or NewQuestionForm(),
        "open_form": forms.get("open_form") or OpenForm(survey=survey),
        "audience_form": forms.get("audience_form") or AudienceForm(actor=request.user),
        "mailings": list(survey.mailings.select_related("sent_by")[:20]),
        "problems": services.completeness_problems(survey) if survey.is_draft else [],
    }
    return render(request, "surveys/manage/detail.html", context, status=status)


def _question_rows(survey, questions) -> list[dict]:
    numbers = {q.pk: n for n, q in enumerate(questions, start=1)}
    rows = []
    for number, question in enumerate(questions, start=1):
        condition = ""
        if question.condition_question_id:
            condition = _("Only if question %(number)s is: %(values)s") % {
                "number": numbers.get(question.condition_question_id, "?"),
                "values": ", ".join(question.condition_labels()),
            }
        scale = ""
        if question.kind in (QuestionKind.SCALE, QuestionKind.MATRIX, QuestionKind.NPS):
            scale = f"{question.scale_range.start}–{question.scale_range.stop - 1}"
        rows.append(
            {
                "number": number,
                "question": question,
                "text": question.text_for("text"),
                "options": [o.text_for(None, survey.default_language) for o in question.options.all()],
                "condition": condition,
                "scale": scale,
                "first": number == 1,
                "last": number == len(questions),
            }
        )  # fmt: skip
    return rows


@permission_required("surveys.manage_survey", obj=_survey)
def survey_detail(request, pk, obj):
    return _detail(request, obj)


@permission_required("surveys.manage_survey", obj=_survey)
def response_rate_view(request, pk, obj):
    """The response rate, refreshed by HTMX every few seconds while the survey is open."""
    return render(
        request, "surveys/partials/rate.html", {"survey": obj, "rate": response_rate(obj)}
    )


@require_POST
@permission_required("surveys.manage_survey", obj=_survey)
def survey_open(request, pk, obj):
    form = OpenForm(request.POST, survey=obj)
    if form.is_valid():
        try:
            services.open_survey(
                actor=request.user, survey=obj, closes_at=form.cleaned_data["closes_at"]
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The survey is open. Invite its audience now."))
            return redirect("surveys:detail", obj.pk)
    return _detail(request, obj, open_form=form, status=400)


@require_POST
@permission_required("surveys.manage_survey", obj=_survey)
def survey_close(request, pk, obj):
    try:
        services.close_survey(actor=request.user, survey=obj)
    except ValidationError as error:
        return _refused(request, obj, error)
    messages.success(request, _("The survey is closed; no more answers are accepted."))
    return redirect("surveys:detail", obj.pk)


# --- Questions -------------------------------------------------------------------------------


@permission_required("surveys.manage_survey", obj=_survey)
def question_add(request, pk, obj):
    kind = request.POST.get("kind") or request.GET.get("kind") or QuestionKind.SINGLE
    initial = {"kind": kind if kind in QuestionKind.values else QuestionKind.SINGLE}
    if initial["kind"] == QuestionKind.NPS:
        initial.update(scale_min=0, scale_max=10)
    form = QuestionForm(request.POST or None, survey=obj, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_question(actor=request.user, survey=obj, data=form.question_data())
        except ValidationError as error:
            form.apply_errors(error)
        else:
            messages.success(request, _("The question is added."))
            return redirect("surveys:detail", obj.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "surveys/manage/question.html", {"form": form, "survey": obj}, status=status
    )


@permission_required("surveys.manage_survey", obj=_question)
def question_edit(request, pk, question_pk, obj):
    survey = obj.survey
    form = QuestionForm(request.POST or None, survey=survey, question=obj)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_question(actor=request.user, question=obj, data=form.question_data())
        except ValidationError as error:
            form.apply_errors(error)
        else:
            messages.success(request, _("The question is saved."))
            return redirect("surveys:detail", survey.pk)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "survey": survey, "question": obj}
    return render(request, "surveys/manage/question.html", context, status=status)


@require_POST
@permission_required("surveys.manage_survey", obj=_question)
def question_remove(request, pk, question_pk, obj):
    try:
        services.remove_question(actor=request.user, question=obj)
    except ValidationError as error:
        return _refused(request, obj.survey, error)
    messages.success(request, _("The question is removed."))
    return redirect("surveys:detail", pk)


@require_POST
@permission_required("surveys.manage_survey", obj=_question)
def question_move(request, pk, question_pk, obj):
    try:
        services.move_question(
            actor=request.user, question=obj, direction=request.POST.get("direction", "")
        )
    except ValidationError as error:
        return _refused(request, obj.survey, error)
    return redirect(f"{obj.survey.get_absolute_url()}#question-{obj.pk}")


# --- Invitations and reminders -----------------------------------------------------------------


@require_POST
@permission_required("surveys.manage_survey", obj=_survey)
def invite(request, pk, obj):
    form = AudienceForm(request.POST, actor=request.user)
    if form.is_valid():
        try:
            mailing = services.invite(
                actor=request.user,
                survey=obj,
                audience=form.audience_value(),
                base_url=base_url(request),
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            text = _("%(invited)s invited; their e-mails are on their way.") % {
                "invited": mailing.invited
            }
            if mailing.skipped:
                text += " " + _("%(skipped)s without an e-mail address were skipped.") % {
                    "skipped": mailing.skipped
                }
            messages.success(request, text)
            return redirect("surveys:detail", obj.pk)
    return _detail(request, obj, audience_form=form, status=400)


@permission_required("surveys.manage_survey", obj=_survey)
def audience_preview(request, pk, obj):
    """How many people the chosen audience reaches (HTMX, before sending)."""
    form = AudienceForm(request.GET, actor=request.user)
    context = {"form": form, "survey": obj}
    if form.is_valid():
        audience = form.audience_value()
        found = recipients(audience, actor=request.user) if _complete(audience) else []
        invited = set(obj.invitations.values_list("person_id", flat=True))
        context.update(
            checked=True,
            people=len(found),
            organisations=len({r.organisation.pk for r in found if r.organisation is not None}),
            without_email=sum(1 for r in found if not r.person.email),
            already=sum(1 for r in found if r.person.pk in invited),
        )
    return render(request, "surveys/partials/audience_preview.html", context)


def _complete(audience) -> bool:
    return audience.kind != "event" or bool(audience.event_ids)


@require_POST
@permission_required("surveys.manage_survey", obj=_survey)
def remind(request, pk, obj):
    try:
        count = services.send_reminders(actor=request.user, survey=obj, base_url=base_url(request))
    except ValidationError as error:
        return _refused(request, obj, error)
    else:
        if count:
            messages.success(
                request,
                _("A reminder is on its way to %(count)s who have not answered.")
                % {"count": count},
            )
        else:
            messages.success(
                request, _("Nobody to remind: everyone has answered or was e-mailed today.")
            )
    return redirect("surveys:detail", obj.pk)


@permission_required("surveys.manage_survey", obj=_survey)
def invitation_list(request, pk, obj):
    invitations = (
        Invitation.objects.filter(survey=obj)
        .select_related("person", "organisation")
        .order_by("organisation__name", "person__last_name", "person__first_name", "id")
    )
    page = Paginator(invitations, 100).get_page(request.GET.get("page"))
    context = {"survey": obj, "page": page, "rate": response_rate(obj)}
    return render(request, "surveys/manage/invitations.html", context)


# --- The preview ----------------------------------------------------------------------------


@permission_required("surveys.manage_survey", obj=_survey)
def preview(request, pk, obj):
    """The questionnaire as a respondent sees it, in any of its languages; answers are checked
    (conditions, required, ranges) but never saved."""
    language = pick_language([request.GET.get("lang")], obj.languages, obj.default_language)
    questions = services.questions_of(obj)
    data = request.POST if request.method == "POST" else None
    form = AnswerForm(data, survey=obj, questions=questions, language=language)
    status = 200
    checked = False
    if request.method == "POST":
        checked = form.is_valid()
        status = 200 if checked else 400
    context = {
        "survey": obj,
        "form": form,
        "items": form.items(),
        "language": language,
        "preview": True,
        "checked": checked,
        "title": obj.text("title", language),
        "intro": obj.text("intro", language),
    }
    return render(request, "surveys/answer.html", context, status=status)
