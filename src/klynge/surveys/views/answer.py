"""The respondent's page: the personal link from the invitation is the authorisation, so it
works without signing in. It speaks the respondent's language (see `_language`)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from klynge.core.permissions import permission_required, public
from klynge.surveys import services
from klynge.surveys.answering import AnswerForm
from klynge.surveys.models import Response
from klynge.surveys.selectors import get_published_survey, open_invitations_of, published_surveys
from klynge.surveys.texts import pick_language


def _language(request, invitation) -> str:
    """?lang= (the language links on the page), else a language the visitor chose on the site
    (its cookie), else the invitation's (the e-mail's), else the browser's."""
    survey = invitation.survey
    wanted = [
        request.GET.get("lang"),
        request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME),
        invitation.language,
        translation.get_language(),
    ]
    return pick_language(wanted, survey.languages, survey.default_language)


@public
@never_cache
def answer(request, token):
    invitation = services.invitation_for_token(token)
    if invitation is None:
        raise Http404
    survey = invitation.survey
    language = _language(request, invitation)
    with translation.override(language):
        return _answer(request, token, invitation, survey, language)


def _answer(request, token, invitation, survey, language):
    response = None
    if not survey.anonymous:
        response = Response.objects.filter(invitation=invitation).first()
    done = survey.anonymous and invitation.responded
    questions = services.questions_of(survey)
    initial = services.answers_as_data(response) if response is not None else None
    form = AnswerForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        survey=survey,
        questions=questions,
        language=language,
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.submit_response(
                    invitation=invitation, data=form.service_data(), actor=request.user
                )
            except ValidationError as error:
                form.apply(error)
            else:
                if response is not None:
                    messages.success(request, _("Your changes are saved. Thank you!"))
                else:
                    messages.success(request, _("Thank you: your answers are recorded."))
                return redirect(f"{request.path}?lang={language}")
        status = 400
    context = {
        "survey": survey,
        "invitation": invitation,
        "form": form,
        "items": form.items(),
        "language": language,
        "title": survey.text("title", language),
        "intro": survey.text("intro", language),
        "done": done,
        "answered": response is not None,
        "open": survey.is_open,
        "other_languages": [code for code in survey.languages if code != language],
    }
    return render(request, "surveys/answer.html", context, status=status)


@permission_required("surveys.view_own_surveys")
def my_surveys(request):
    """The signed-in person's open invitations and the results published to members."""
    from klynge.surveys.services import link_for

    invitations = [(i, link_for(i)) for i in open_invitations_of(request.user)]
    published = [
        survey
        for survey in published_surveys().order_by("-closes_at", "-id")
        if request.user.has_perm("surveys.view_published_results", survey)
    ]
    context = {"invitations": invitations, "published": published}
    return render(request, "surveys/mine.html", context)


def _published(request, pk, **kwargs):
    return get_published_survey(request.user, pk)


@permission_required("surveys.view_published_results", obj=_published)
def published_results(request, pk, obj):
    from klynge.surveys.forms import BreakdownForm
    from klynge.surveys.results import survey_results

    form = BreakdownForm(request.GET or None)
    results = survey_results(obj, viewer="member", dimension=form.dimension())
    context = {"survey": obj, "results": results, "form": form, "published": True}
    template = "surveys/partials/results.html" if request.htmx else "surveys/results.html"
    return render(request, template, context)
