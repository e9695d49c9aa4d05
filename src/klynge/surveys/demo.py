"""Demo data: last year's annual member survey, closed, with believable answers from the demo
members (about four in five answered), and two needs followed up in the CRM.

Idempotent: nothing is written when the survey about last year exists. The answers go through
the answering service (so they obey the questions' rules); the dates are then moved back to
last autumn, and no e-mail is sent.
"""

from __future__ import annotations

import datetime
import hashlib

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from klynge.surveys import services
from klynge.surveys.annual import create_annual_member_survey
from klynge.surveys.audiences import Audience, AudienceKind, describe, recipients
from klynge.surveys.models import (
    Answer,
    Invitation,
    Mailing,
    Response,
    Survey,
    SurveyStatus,
    TemplateKey,
)
from klynge.surveys.texts import COUNTRY_LANGUAGE, pick_language

# What members wrote they need, with the tags staff would give each.
NEEDS = [
    ("Access to a virtual production stage for a pilot episode in the spring.",
     ["virtual production", "studio"]),
    ("Junior developers with audio and machine-learning skills; we struggle to recruit.",
     ["talent", "recruitment"]),
    ("Partners for a Horizon Europe application on trustworthy AI in newsrooms.",
     ["funding", "AI"]),
    ("Introductions to Nordic broadcasters that buy podcast formats.", ["partners", "audio"]),
    ("Help with the budget of an Innovation Fund application.", ["funding"]),
    ("A test audience for our interactive documentary before the launch.", ["user testing"]),
    ("More breakfast seminars on generative AI and rights clearing.", ["AI", "events"]),
    ("Studio time for live streaming at a fair price for small companies.",
     ["studio", "streaming"]),
    ("Contact with students for a summer internship in data journalism.",
     ["talent", "internships"]),
    ("A matchmaking session with game studios about transmedia.", ["partners", "games"]),
]  # fmt: skip
COMMENTS = [
    "The network meetings are the best part of the membership.",
    "Please publish the event calendar earlier; our planning is quarterly.",
    "The studio booking works well now.",
    "",
    "",
    "",
]
# Which services each kind of organisation tends to use.
SERVICES_BY_KIND = {
    "startup": ["events", "matchmaking", "studios"],
    "media_house": ["events", "studios", "talent"],
    "university": ["events", "talent"],
    "school": ["events", "talent"],
    "research": ["events", "matchmaking"],
    "public_body": ["events"],
}


def _rng(*parts) -> bytes:
    return hashlib.sha256(":".join(str(p) for p in parts).encode()).digest()


def _pick(seed: bytes, index: int, values: list):
    return values[seed[index % len(seed)] % len(values)]


def _answers(survey: Survey, organisation, seed: bytes, need: str | None) -> dict:
    by_key = {q.key: q for q in survey.questions.prefetch_related("options")}

    def key(name: str) -> str:
        return f"q{by_key[name].pk}"

    used = [s for n, s in enumerate(SERVICES_BY_KIND.get(organisation.kind,
                                                        ["events", "studios", "matchmaking"]))
            if seed[20 + n] % 5 != 0]  # fmt: skip
    data = {
        key("nps"): str(_pick(seed, 0, [10, 9, 9, 8, 10, 7, 9, 6, 8, 10, 5, 9, 8])),
        key("satisfaction"): str(_pick(seed, 1, [5, 4, 4, 4, 5, 3, 4, 2, 5, 4, 4])),
        key("services-used"): used,
        key("launched-innovation"): "yes" if seed[2] % 100 < 58 else "no",
        key("received-funding"): "yes" if seed[3] % 100 < 36 else "no",
    }
    for service in used:
        data[key(f"satisfaction-{service}")] = str(_pick(seed, 4 + len(service), [5, 4, 4, 3, 5]))
    matrix = by_key["needs-matrix"]
    for n, row in enumerate(matrix.options.all()):
        low = 3 if (organisation.kind == "startup" and row.value in ("funding", "talent")) else 1
        data[f"{key('needs-matrix')}_{row.value}"] = str(low + seed[8 + n] % (6 - low))
    if data[key("launched-innovation")] == "yes":
        data[key("cluster-contribution")] = _pick(seed, 15, ["a-lot", "somewhat", "somewhat", "no"])
    if need is not None:
        data[key("needs")] = need
    if comment := _pick(seed, 18, COMMENTS):
        data[key("comments")] = comment
    return data


@transaction.atomic
def load() -> int:
    """Builds last year's closed annual member survey; returns the number of responses."""
    year = timezone.localdate().year - 1
    if Survey.objects.filter(template=TemplateKey.ANNUAL_MEMBER, year=year).exists():
        return 0
    tz = timezone.get_current_timezone()
    opened = datetime.datetime(year, 11, 10, 9, 0, tzinfo=tz)
    closes = datetime.datetime(year, 12, 12, 23, 59, tzinfo=tz)
    survey = create_annual_member_survey(actor=None, year=year)
    services.open_survey(
        actor=None, survey=survey, closes_at=timezone.now() + datetime.timedelta(days=1)
    )
    audience = Audience(kind=AudienceKind.MEMBERS)
    mailing = Mailing.objects.create(
        survey=survey,
        audience=audience.kind,
        parameters=audience.parameters(),
        description=describe(audience),
    )
    invitations = Invitation.objects.bulk_create(
        Invitation(
            survey=survey,
            person=r.person,
            organisation=r.organisation,
            mailing=mailing,
            email=r.person.email,
            language=pick_language(
                [COUNTRY_LANGUAGE.get(r.organisation.country if r.organisation else "", "")],
                survey.languages,
                survey.default_language,
            ),
            last_sent_at=opened,
        )
        for r in recipients(audience, actor=None)
        if r.person.email
    )
    Mailing.objects.filter(pk=mailing.pk).update(invited=len(invitations), sent_at=opened)
    answered_organisations: set[int] = set()
    needs_given: list[str] = []
    count = 0
    for invitation in invitations:
        organisation = invitation.organisation
        seed = _rng("demo-survey", year, invitation.person.email)
        # One answer per organisation, from about four organisations in five.
        if organisation is None or organisation.pk in answered_organisations:
            continue
        if _rng("demo-survey", year, organisation.slug)[0] % 5 == 0:
            continue
        answered_organisations.add(organisation.pk)
        # Two in three write a need; each a different one while they last.
        need = NEEDS[len(needs_given) % len(NEEDS)][0] if seed[16] % 3 else None
        if need is not None:
            needs_given.append(need)
        data = _answers(survey, organisation, seed, need)
        services.submit_response(invitation=invitation, data=data)
        when = opened + datetime.timedelta(days=seed[30] % 28, hours=seed[31] % 9)
        Response.objects.filter(invitation=invitation).update(submitted_at=when)
        count += 1
    Invitation.objects.filter(survey=survey, responded=False).update(
        reminders_sent=1, last_sent_at=opened + datetime.timedelta(days=14)
    )
    Survey.objects.filter(pk=survey.pk).update(
        status=SurveyStatus.CLOSED,
        created_at=opened - datetime.timedelta(days=7),
        opened_at=opened,
        closes_at=closes,
        closed_at=closes,
    )
    _needs(survey)
    return count


def _needs(survey: Survey) -> None:
    """Two written needs recorded and followed up by the staff."""
    staff = get_user_model().objects.filter(is_staff=True, is_active=True).order_by("email")
    assignee = staff.first()
    if assignee is None:
        return
    answers = (
        Answer.objects.filter(question__survey=survey, question__key="needs")
        .exclude(text="")
        .select_related("response__organisation")
        .order_by("response__organisation__name")[:2]
    )
    today = timezone.localdate()
    tags = dict(NEEDS)
    for n, answer in enumerate(answers):
        services.record_need(
            actor=assignee,
            answer=answer,
            summary=answer.text.rstrip("."),
            tags=tags.get(answer.text, []),
            follow_up=True,
            assignee=assignee,
            due_date=today + datetime.timedelta(days=7 * (n + 1)),
        )
