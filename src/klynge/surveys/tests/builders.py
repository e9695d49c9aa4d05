"""Helpers of the surveys tests: a survey with one question of each kind, a complete set of
answers to it, and invitations without e-mails."""

from __future__ import annotations

import datetime

from django.utils import timezone

from klynge.surveys import services
from klynge.surveys.models import Invitation, QuestionKind, Survey
from klynge.surveys.services import QuestionData


def closes_soon() -> datetime.datetime:
    return timezone.now() + datetime.timedelta(days=14)


def build_survey(*, anonymous=False, languages=("da", "en")) -> Survey:
    """A draft with: 1 single choice, 2 multiple choice, 3 yes/no, 4 scale 1-5, 5 NPS,
    6 matrix 1-5 (two rows), 7 free text (shown only if 3 is "yes"), 8 scale (shown only if 2
    includes "events")."""
    survey = services.create_survey(
        actor=None,
        title={"da": "Medlemsundersøgelse", "en": "Member survey"},
        languages=list(languages),
        default_language="da",
        year=2025,
        anonymous=anonymous,
    )

    def t(da, en):
        return {"da": da, "en": en}

    add = services.add_question
    channel = add(
        actor=None,
        survey=survey,
        data=QuestionData(
            kind=QuestionKind.SINGLE,
            text=t("Hvordan hørte du om os?", "How did you hear of us?"),
            required=True,
            options=[
                {"value": "web", "text": t("Nettet", "The web")},
                {"value": "friend", "text": t("En ven", "A friend")},
                {"value": "event", "text": t("Et arrangement", "An event")},
            ],
        ),
    )
    used = add(
        actor=None,
        survey=survey,
        data=QuestionData(
            kind=QuestionKind.MULTIPLE,
            text=t("Hvad brugte I?", "What did you use?"),
            options=[
                {"value": "events", "text": t("Arrangementer", "Events")},
                {"value": "studios", "text": t("Studier", "Studios")},
            ],
        ),
    )
    launched = add(
        actor=None,
        survey=survey,
        data=QuestionData(
            kind=QuestionKind.YES_NO,
            text=t("Lancerede I noget nyt?", "Did you launch anything?"),
            required=True,
            kpi_key="launched_innovation",
        ),
    )
    add(
        actor=None,
        survey=survey,
        data=QuestionData(
            kind=QuestionKind.SCALE,
            text=t("Tilfredshed?", "Satisfaction?"),
            scale_min=1,
            scale_max=5,
            required=True,
            low_label=t("Lav", "Low"),
            high_label=t("Høj", "High"),
        ),
    )
    add(
        actor=None,
        survey=survey,
        data=QuestionData(
            kind=QuestionKind.NPS, text=t("Anbefale os?", "Recommend us?"), required=True
        ),
    )
    add(
        actor=None,
        survey=survey,
        data=QuestionData(
            kind=QuestionKind.MATRIX,
            text=t("Hvor vigtigt?", "How important?"),
            scale_min=1,
            scale_max=5,
            options=[
                {"value": "talent", "text": t("Talent", "Talent")},
                {"value": "funding", "text": t("Finansiering", "Funding")},
            ],
        ),
    )
    add(
        actor=None,
        survey=survey,
        data=QuestionData(
            kind=QuestionKind.TEXT,
            text=t("Hvad lancerede I?", "What did you launch?"),
            condition_question=launched,
            condition_values=["yes"],
        ),
    )
    add(
        actor=None,
        survey=survey,
        data=QuestionData(
            kind=QuestionKind.SCALE,
            text=t("Arrangementerne?", "The events?"),
            scale_min=1,
            scale_max=5,
            condition_question=used,
            condition_values=["events"],
        ),
    )
    assert channel.position == 1
    return survey  # fmt: skip


def keys(survey: Survey) -> dict[int, str]:
    """Answer keys by question number."""
    return {n: f"q{pk}" for n, pk in enumerate(
        survey.questions.order_by("position").values_list("pk", flat=True), start=1)}  # fmt: skip


def full_answers(survey: Survey, **overrides) -> dict:
    """A complete, valid questionnaire for `build_survey` (overrides by question number)."""
    k = keys(survey)
    matrix = k[6]
    data = {
        k[1]: "web",
        k[2]: ["events", "studios"],
        k[3]: "yes",
        k[4]: "4",
        k[5]: "9",
        f"{matrix}_talent": "5",
        f"{matrix}_funding": "3",
        k[7]: "A podcast network",
        k[8]: "5",
    }
    for number, value in overrides.items():
        number, _sep, row = number.removeprefix("q").partition("_")
        name = f"{k[int(number)]}_{row}" if row else k[int(number)]
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    return data


def open_now(survey: Survey) -> Survey:
    return services.open_survey(actor=None, survey=survey, closes_at=closes_soon())


def invite_people(survey: Survey, people, organisation=None) -> list[Invitation]:
    return [
        Invitation.objects.create(
            survey=survey,
            person=person,
            organisation=organisation,
            email=person.email,
            language="da",
            last_sent_at=timezone.now(),
        )
        for person in people
    ]


def respond(survey: Survey, organisation=None, **answers) -> None:
    """One more respondent (a new person, invited for `organisation`) answering `answers`
    (by question number, e.g. q4="5"; None leaves it empty) over the complete defaults."""
    from klynge.ecosystem.tests.factories import PersonFactory

    (invitation,) = invite_people(survey, [PersonFactory()], organisation=organisation)
    services.submit_response(invitation=invitation, data=full_answers(survey, **answers))


def respond_to_annual(survey: Survey, organisation=None, **answers) -> None:
    """One more respondent (a new person, invited for `organisation`) to the annual member
    survey, answering by question key (underscores for dashes, e.g. launched_innovation="yes")
    over the defaults NPS 9, satisfaction 4, no launch, no funding."""
    from klynge.ecosystem.tests.factories import PersonFactory

    by_key = {question.key: question for question in survey.questions.all()}
    defaults = {"nps": "9", "satisfaction": "4", "launched_innovation": "no",
                "received_funding": "no"}  # fmt: skip
    data = {
        f"q{by_key[key.replace('_', '-')].pk}": value
        for key, value in {**defaults, **answers}.items()
    }
    (invitation,) = invite_people(survey, [PersonFactory()], organisation=organisation)
    services.submit_response(invitation=invitation, data=data)
