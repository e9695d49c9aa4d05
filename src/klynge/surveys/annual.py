"""The ready annual member survey: satisfaction (NPS, overall and per service), needs, and the
innovation questions the KPIs read (`kpi_key`), in Danish, English, Norwegian and Swedish.

The texts are the survey's content, stored with it in all four languages (like an event's
title), not interface strings: staff may edit them in the survey once it is created.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from klynge.surveys.models import KpiKey, QuestionKind, Survey, TemplateKey
from klynge.surveys.services.builder import create_survey
from klynge.surveys.services.questions import QuestionData, add_question
from klynge.surveys.texts import LANGUAGE_CODES


def default_year(today=None) -> int:
    """The year an annual survey created today is about: this year from July on (the survey
    goes out in the autumn), else last year (it goes out after New Year)."""
    today = today or timezone.localdate()
    return today.year if today.month >= 7 else today.year - 1


def _t(da: str, en: str, nb: str, sv: str, **values) -> dict[str, str]:
    texts = {"da": da, "en": en, "nb": nb, "sv": sv}
    return {code: text.format(**values) for code, text in texts.items()}


SATISFIED = (
    _t("Meget utilfreds", "Very dissatisfied", "Svært misfornøyd", "Mycket missnöjd"),
    _t("Meget tilfreds", "Very satisfied", "Svært fornøyd", "Mycket nöjd"),
)
SERVICES = [
    (
        "events",
        _t("Arrangementer og netværksmøder", "Events and network meetings",
           "Arrangementer og nettverksmøter", "Evenemang och nätverksträffar"),
        _t("Hvor tilfreds var I med arrangementerne og netværksmøderne?",
           "How satisfied were you with the events and network meetings?",
           "Hvor fornøyd var dere med arrangementene og nettverksmøtene?",
           "Hur nöjda var ni med evenemangen och nätverksträffarna?"),
    ),
    (
        "studios",
        _t("Studier og udstyr", "Studios and equipment", "Studioer og utstyr",
           "Studior och utrustning"),
        _t("Hvor tilfreds var I med studierne og udstyret?",
           "How satisfied were you with the studios and equipment?",
           "Hvor fornøyd var dere med studioene og utstyret?",
           "Hur nöjda var ni med studiorna och utrustningen?"),
    ),
    (
        "matchmaking",
        _t("Matchmaking og introduktioner til partnere",
           "Matchmaking and introductions to partners",
           "Matchmaking og introduksjoner til partnere",
           "Matchmaking och introduktioner till partner"),
        _t("Hvor tilfreds var I med matchmaking og introduktionerne til partnere?",
           "How satisfied were you with the matchmaking and the introductions to partners?",
           "Hvor fornøyd var dere med matchmakingen og introduksjonene til partnere?",
           "Hur nöjda var ni med matchmakingen och introduktionerna till partner?"),
    ),
    (
        "talent",
        _t("Talentprogrammer, studerende og praktikanter",
           "Talent programmes, students and internships",
           "Talentprogrammer, studenter og praktikanter",
           "Talangprogram, studenter och praktikanter"),
        _t("Hvor tilfreds var I med talentprogrammerne og kontakten til studerende?",
           "How satisfied were you with the talent programmes and the contact with students?",
           "Hvor fornøyd var dere med talentprogrammene og kontakten med studenter?",
           "Hur nöjda var ni med talangprogrammen och kontakten med studenter?"),
    ),
]  # fmt: skip
NEEDS = [
    ("talent", _t("Rekruttering af talent og kompetencer", "Recruiting talent and skills",
                  "Rekruttering av talent og kompetanse", "Rekrytering av talang och kompetens")),
    ("funding", _t("Finansiering og investering", "Funding and investment",
                   "Finansiering og investering", "Finansiering och investeringar")),
    ("partners", _t("Nye partnere og kunder", "New partners and customers",
                    "Nye partnere og kunder", "Nya partner och kunder")),
    ("international", _t("Internationale markeder", "International markets",
                         "Internasjonale markeder", "Internationella marknader")),
    ("technology", _t("Ny teknologi (AI, virtuel produktion, data)",
                      "New technology (AI, virtual production, data)",
                      "Ny teknologi (KI, virtuell produksjon, data)",
                      "Ny teknik (AI, virtuell produktion, data)")),
    ("facilities", _t("Adgang til studier og udstyr", "Access to studios and equipment",
                      "Tilgang til studioer og utstyr", "Tillgång till studior och utrustning")),
]  # fmt: skip


def _questions(year: int, cluster: str) -> list[tuple[str, QuestionData, tuple[str, list] | None]]:
    """(key, question, condition as (key of the earlier question, values) or None)."""
    v = {"year": year, "cluster": cluster}
    questions = [
        (
            "nps",
            QuestionData(
                kind=QuestionKind.NPS,
                required=True,
                text=_t(
                    "Hvor sandsynligt er det, at du vil anbefale et medlemskab af {cluster} til "
                    "en kollega i branchen?",
                    "How likely is it that you would recommend a membership of {cluster} to a "
                    "colleague in the industry?",
                    "Hvor sannsynlig er det at du vil anbefale et medlemskap i {cluster} til en "
                    "kollega i bransjen?",
                    "Hur troligt är det att du skulle rekommendera ett medlemskap i {cluster} "
                    "till en kollega i branschen?",
                    **v,
                ),
                low_label=_t(
                    "Slet ikke sandsynligt",
                    "Not at all likely",
                    "Svært lite sannsynlig",
                    "Inte alls troligt",
                ),
                high_label=_t(
                    "Meget sandsynligt", "Extremely likely", "Svært sannsynlig", "Mycket troligt"
                ),
            ),
            None,
        ),
        (
            "satisfaction",
            QuestionData(
                kind=QuestionKind.SCALE,
                required=True,
                scale_min=1,
                scale_max=5,
                text=_t(
                    "Hvor tilfreds er du samlet set med jeres medlemskab i {year}?",
                    "Overall, how satisfied are you with your membership in {year}?",
                    "Hvor fornøyd er du alt i alt med medlemskapet deres i {year}?",
                    "Hur nöjd är du totalt sett med ert medlemskap under {year}?",
                    **v,
                ),
                low_label=SATISFIED[0],
                high_label=SATISFIED[1],
            ),
            None,
        ),
        (
            "services-used",
            QuestionData(
                kind=QuestionKind.MULTIPLE,
                text=_t(
                    "Hvilke af vores tilbud brugte jeres organisation i {year}?",
                    "Which of our services did your organisation use in {year}?",
                    "Hvilke av tjenestene våre brukte organisasjonen deres i {year}?",
                    "Vilka av våra tjänster använde er organisation under {year}?",
                    **v,
                ),
                help=_t(
                    "Vælg alle, der passer.",
                    "Choose all that apply.",
                    "Velg alle som passer.",
                    "Välj alla som stämmer.",
                ),
                options=[{"value": key, "text": label} for key, label, _q in SERVICES],
            ),
            None,
        ),
    ]
    for key, _label, text in SERVICES:
        questions.append(
            (
                f"satisfaction-{key}",
                QuestionData(
                    kind=QuestionKind.SCALE,
                    scale_min=1,
                    scale_max=5,
                    text=text,
                    low_label=SATISFIED[0],
                    high_label=SATISFIED[1],
                ),
                ("services-used", [key]),
            )
        )
    questions += [
        (
            "needs-matrix",
            QuestionData(
                kind=QuestionKind.MATRIX,
                scale_min=1,
                scale_max=5,
                text=_t(
                    "Hvor vigtige bliver disse for jeres organisation det kommende år?",
                    "How important will these be to your organisation in the coming year?",
                    "Hvor viktige blir disse for organisasjonen deres det kommende året?",
                    "Hur viktiga blir dessa för er organisation det kommande året?",
                ),
                options=[{"value": key, "text": label} for key, label in NEEDS],
                low_label=_t("Ikke vigtigt", "Not important", "Ikke viktig", "Inte viktigt"),
                high_label=_t("Meget vigtigt", "Very important", "Svært viktig", "Mycket viktigt"),
            ),
            None,
        ),
        (
            "needs",
            QuestionData(
                kind=QuestionKind.TEXT,
                text=_t(
                    "Hvad har jeres organisation mest brug for fra klyngen det kommende år?",
                    "What does your organisation need most from the cluster in the coming year?",
                    "Hva trenger organisasjonen deres mest fra klyngen det kommende året?",
                    "Vad behöver er organisation mest från klustret det kommande året?",
                ),
            ),
            None,
        ),
        (
            "launched-innovation",
            QuestionData(
                kind=QuestionKind.YES_NO,
                required=True,
                kpi_key=KpiKey.LAUNCHED_INNOVATION,
                text=_t(
                    "Lancerede jeres organisation et nyt eller væsentligt forbedret produkt, en "
                    "tjeneste eller en proces i {year}?",
                    "Did your organisation launch a new or significantly improved product, "
                    "service or process in {year}?",
                    "Lanserte organisasjonen deres et nytt eller vesentlig forbedret produkt, en "
                    "tjeneste eller en prosess i {year}?",
                    "Lanserade er organisation en ny eller väsentligt förbättrad produkt, tjänst "
                    "eller process under {year}?",
                    **v,
                ),
            ),
            None,
        ),
        (
            "cluster-contribution",
            QuestionData(
                kind=QuestionKind.SINGLE,
                text=_t(
                    "Bidrog klyngen til det?",
                    "Did the cluster contribute to it?",
                    "Bidro klyngen til det?",
                    "Bidrog klustret till det?",
                ),
                options=[
                    {
                        "value": "a-lot",
                        "text": _t("Ja, meget", "Yes, a lot", "Ja, mye", "Ja, mycket"),
                    },
                    {
                        "value": "somewhat",
                        "text": _t("Ja, noget", "Yes, somewhat", "Ja, noe", "Ja, något"),
                    },
                    {"value": "no", "text": _t("Nej", "No", "Nei", "Nej")},
                ],
            ),
            ("launched-innovation", ["yes"]),
        ),
        (
            "received-funding",
            QuestionData(
                kind=QuestionKind.YES_NO,
                required=True,
                kpi_key=KpiKey.RECEIVED_INNOVATION_FUNDING,
                text=_t(
                    "Modtog jeres organisation offentlig innovations- eller forskningsstøtte i "
                    "{year} (for eksempel fra Innovationsfonden, Innovation Norway, Vinnova "
                    "eller Horizon Europe)?",
                    "Did your organisation receive public innovation or research funding in "
                    "{year} (for example from Innovation Fund Denmark, Innovation Norway, "
                    "Vinnova or Horizon Europe)?",
                    "Mottok organisasjonen deres offentlig innovasjons- eller forskningsstøtte i "
                    "{year} (for eksempel fra Innovasjon Norge, Forskningsrådet, "
                    "Innovationsfonden eller Horisont Europa)?",
                    "Fick er organisation offentligt innovations- eller forskningsstöd under "
                    "{year} (till exempel från Vinnova, Tillväxtverket, Innovationsfonden eller "
                    "Horisont Europa)?",
                    **v,
                ),
            ),
            None,
        ),
        (
            "comments",
            QuestionData(
                kind=QuestionKind.TEXT,
                text=_t(
                    "Er der andet, du gerne vil fortælle os?",
                    "Is there anything else you would like to tell us?",
                    "Er det noe annet du vil fortelle oss?",
                    "Finns det något annat du vill berätta för oss?",
                ),
            ),
            None,
        ),
    ]
    return questions


def title(year: int) -> dict[str, str]:
    return _t(
        "Årlig medlemsundersøgelse {year}",
        "Annual member survey {year}",
        "Årlig medlemsundersøkelse {year}",
        "Årlig medlemsundersökning {year}",
        year=year,
    )


def intro(year: int) -> dict[str, str]:
    return _t(
        "Tak, fordi du bruger ti minutter på at fortælle os, hvordan {year} gik. Jeres svar "
        "former næste års program, og tallene om innovation indgår i klyngens årsrapport. "
        "Svarene knyttes til jeres organisation, så vi kan følge op på jeres behov; kun "
        "klyngens medarbejdere ser dem.",
        "Thank you for taking ten minutes to tell us how {year} went. Your answers shape next "
        "year's programme, and the figures on innovation go into the cluster's annual report. "
        "Your answers are linked to your organisation so that we can follow up on your needs; "
        "only the cluster staff see them.",
        "Takk for at du bruker ti minutter på å fortelle oss hvordan {year} gikk. Svarene deres "
        "former neste års program, og tallene om innovasjon inngår i klyngens årsrapport. "
        "Svarene knyttes til organisasjonen deres slik at vi kan følge opp behovene deres; bare "
        "klyngens ansatte ser dem.",
        "Tack för att du tar tio minuter att berätta hur {year} gick. Era svar formar nästa års "
        "program, och siffrorna om innovation går in i klustrets årsrapport. Svaren kopplas "
        "till er organisation så att vi kan följa upp era behov; bara klustrets medarbetare ser "
        "dem.",
        year=year,
    )


@transaction.atomic
def create_annual_member_survey(*, actor, year: int) -> Survey:
    """Creates the annual member survey about `year` as a draft, identified (the KPIs and the
    follow-up of needs are per organisation), in all four languages."""
    default = settings.LANGUAGE_CODE if settings.LANGUAGE_CODE in LANGUAGE_CODES else "da"
    survey = create_survey(
        actor=actor,
        title=title(year),
        intro=intro(year),
        languages=list(LANGUAGE_CODES),
        default_language=default,
        year=year,
        anonymous=False,
        template=TemplateKey.ANNUAL_MEMBER,
    )
    by_key = {}
    for key, data, condition in _questions(year, settings.KLYNGE_CLUSTER_NAME):
        data.key = key
        if condition is not None:
            data.condition_question, data.condition_values = by_key[condition[0]], condition[1]
        by_key[key] = add_question(actor=actor, survey=survey, data=data)
    return survey
