"""A believable demo cluster: real organisations, generated people, the 2020 events, logins.

`load_demo` is idempotent: every row is keyed (organisations and events by slug, people and
users by e-mail) and an existing row is left as it is, so a second run writes nothing. Writes
go through the ecosystem services with no actor, so the audit log shows them as the system's.
"""

from __future__ import annotations

import datetime
import hashlib
import unicodedata
from dataclasses import dataclass
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from klynge.accounts.models import User
from klynge.accounts.roles import Role
from klynge.core import audit
from klynge.ecosystem import services
from klynge.ecosystem.models import (
    Affiliation,
    AffiliationRole,
    MembershipStatus,
    Organisation,
    OrganisationKind,
    Person,
)
from klynge.events.models import Event, EventFormat, EventKind, EventStatus, Visibility

DEMO_PASSWORD = "klynge-demo-2026"  # noqa: S105 - published on purpose: it is the demo's


class DemoLogin(NamedTuple):
    email: str
    role: str
    panel: str


DEMO_LOGINS = [
    DemoLogin("admin@klynge.example", Role.STAFF_ADMIN.value, "ecosystem_overview"),
    DemoLogin("staff@klynge.example", Role.STAFF.value, "ecosystem_overview"),
    DemoLogin("member-admin@klynge.example", Role.MEMBER_ADMIN.value, "administered_organisations"),
    DemoLogin("employee@klynge.example", Role.MEMBER_EMPLOYEE.value, "my_organisation"),
    DemoLogin("student@klynge.example", Role.STUDENT.value, "talent"),
    DemoLogin("founder@klynge.example", Role.FOUNDER.value, "my_startup"),
]

# How each login gets its role: (organisation slug, affiliation role, job title). Staff are
# employees of the cluster itself, a partner rather than a member, so not member employees.
# fmt: off
_LOGIN_TIES = {
    "admin@klynge.example": ("media-city-odense", AffiliationRole.EMPLOYEE, "Cluster manager"),
    "staff@klynge.example": ("media-city-odense", AffiliationRole.EMPLOYEE, "Project manager"),
    "member-admin@klynge.example": ("tv-2-danmark", AffiliationRole.MEMBER_ADMIN, "Head of innovation"),
    "employee@klynge.example": ("tv-2-danmark", AffiliationRole.EMPLOYEE, "Developer"),
    "student@klynge.example": ("syddansk-universitet", AffiliationRole.STUDENT, "MSc student"),
    "founder@klynge.example": ("factiverse", AffiliationRole.FOUNDER, "Co-founder"),
}

K, S = OrganisationKind, MembershipStatus
MEMBER, PROSPECT, PARTNER, NONE = S.MEMBER, S.PROSPECT, S.PARTNER, S.NONE

# slug, name, kind, membership, country, city, website, description (public facts only)
ORGANISATIONS = [
    ("media-city-odense", "Media City Odense", K.CLUSTER, PARTNER, "DK", "Odense", "https://mediacityodense.dk", "Media and mediatech cluster in Odense; runs this platform."),
    ("tv-2-danmark", "TV 2 Danmark", K.MEDIA_HOUSE, MEMBER, "DK", "Odense", "https://tv2.dk", "Danish public service broadcaster headquartered in Odense."),
    ("odense-kommune", "Odense Kommune", K.PUBLIC_BODY, MEMBER, "DK", "Odense", "https://www.odense.dk", "The municipality of Odense."),
    ("syddansk-universitet", "Syddansk Universitet", K.UNIVERSITY, MEMBER, "DK", "Odense", "https://www.sdu.dk", "University of Southern Denmark."),
    ("vizrt", "Vizrt", K.COMPANY, MEMBER, "NO", "Bergen", "https://www.vizrt.com", "Real-time graphics and live production tools for broadcasters."),
    ("vimond", "Vimond", K.COMPANY, MEMBER, "NO", "Bergen", "https://www.vimond.com", "Video platform software for media companies."),
    ("nrk", "NRK", K.MEDIA_HOUSE, PROSPECT, "NO", "Oslo", "https://www.nrk.no", "Norwegian public broadcaster."),
    ("tv-2-norge", "TV 2", K.MEDIA_HOUSE, MEMBER, "NO", "Bergen", "https://www.tv2.no", "Norwegian commercial broadcaster based in Bergen."),
    ("dagens-naeringsliv", "Dagens Næringsliv", K.MEDIA_HOUSE, MEMBER, "NO", "Oslo", "https://www.dn.no", "Norwegian business newspaper."),
    ("faktisk-no", "Faktisk.no", K.MEDIA_HOUSE, MEMBER, "NO", "Oslo", "https://www.faktisk.no", "Norwegian fact-checking newsroom."),
    ("highsoft", "Highsoft", K.COMPANY, MEMBER, "NO", "", "https://www.highcharts.com", "Maker of the Highcharts charting libraries."),
    ("everviz", "Everviz", K.STARTUP, MEMBER, "NO", "", "https://www.everviz.com", "Data visualisation for newsrooms; a Highsoft spin-off."),
    ("factiverse", "Factiverse", K.STARTUP, MEMBER, "NO", "Stavanger", "https://www.factiverse.ai", "AI tools for fact-checking."),
    ("mjoll", "Mjoll", K.STARTUP, MEMBER, "NO", "Bergen", "", "Weather graphics for broadcasters; a Fonn Group startup."),
    ("7-mountains", "7 Mountains", K.STARTUP, MEMBER, "NO", "Bergen", "", "Broadcast graphics software; a Fonn Group startup."),
    ("myreze", "Myreze", K.COMPANY, MEMBER, "NO", "Bergen", "https://www.myreze.com", "Virtual studio and real-time 3D production."),
    ("motion-corporation", "Motion Corporation", K.COMPANY, MEMBER, "NO", "", "", "Timed synchronisation of content across devices."),
    ("global-m", "Global M", K.COMPANY, MEMBER, "NO", "", "", "Live video contribution over the internet."),
    ("mobica", "Mobica", K.COMPANY, PROSPECT, "NO", "", "", "Software engineering services."),
    ("vuu", "Vuu", K.STARTUP, PROSPECT, "NO", "", "", "Video technology startup."),
    ("visualyst", "Visualyst", K.STARTUP, PROSPECT, "NO", "", "", "Media technology startup."),
    ("scriptix", "Scriptix", K.STARTUP, PROSPECT, "NL", "", "", "Speech-to-text technology."),
    ("fonn-group", "Fonn Group", K.COMPANY, PROSPECT, "NO", "Bergen", "", "Group of broadcast technology companies."),
    ("universitetet-i-bergen", "Universitetet i Bergen", K.UNIVERSITY, MEMBER, "NO", "Bergen", "https://www.uib.no", "University of Bergen."),
    ("media-city-bergen", "Media City Bergen / NCE Media", K.CLUSTER, PARTNER, "NO", "Bergen", "https://mediacitybergen.no", "The Norwegian media cluster in Bergen."),
    ("norwegian-cognitive-center", "Norwegian Cognitive Center", K.CLUSTER, PARTNER, "NO", "Bergen", "", "Cross-cluster consortium for applied AI."),
    ("nordic-5g-consortium", "Nordic 5G Consortium", K.ASSOCIATION, PARTNER, "NO", "Bergen", "", "Nordic collaboration on 5G for content production."),
    ("odense-robotics", "Odense Robotics", K.CLUSTER, PARTNER, "DK", "Odense", "https://www.odenserobotics.dk", "Danish robotics and automation cluster."),
    ("digitallead", "DigitalLead", K.CLUSTER, PARTNER, "DK", "Aarhus", "", "Danish cluster for digital technologies."),
    ("danish-sound-cluster", "Danish Sound Cluster", K.CLUSTER, PARTNER, "DK", "Struer", "", "Danish cluster for sound technology."),
    ("vision-denmark", "Vision Denmark", K.CLUSTER, PARTNER, "DK", "København", "", "Danish cluster for film, TV and visual media."),
    ("moving-media-southern-sweden", "Moving Media Southern Sweden", K.CLUSTER, PARTNER, "SE", "", "", "Cluster for moving images in digital media in southern Sweden."),
    ("region-skane", "Region Skåne", K.PUBLIC_BODY, MEMBER, "SE", "", "https://www.skane.se", "Regional authority of Skåne."),
    ("region-blekinge", "Region Blekinge", K.PUBLIC_BODY, NONE, "SE", "Karlskrona", "", "Regional authority of Blekinge."),
    ("malmo-stad", "Malmö stad", K.PUBLIC_BODY, PROSPECT, "SE", "Malmö", "https://malmo.se", "The city of Malmö."),
    ("helsingborgs-stad", "Helsingborgs stad", K.PUBLIC_BODY, NONE, "SE", "Helsingborg", "https://helsingborg.se", "The city of Helsingborg."),
    ("malmo-universitet", "Malmö universitet", K.UNIVERSITY, MEMBER, "SE", "Malmö", "https://mau.se", "Malmö University."),
]

# Regions by city, and sectors and SDGs per organisation (neutral public facts).
REGIONS = {
    "Odense": "Syddanmark", "Aarhus": "Midtjylland", "Struer": "Midtjylland",
    "København": "Hovedstaden", "Bergen": "Vestland", "Oslo": "Oslo", "Stavanger": "Rogaland",
    "Malmö": "Skåne", "Helsingborg": "Skåne", "Karlskrona": "Blekinge",
}
SECTORS_OF = {
    "tv-2-danmark": ["tv", "journalism"], "vizrt": ["broadcast_tech"], "vimond": ["streaming"],
    "nrk": ["tv", "audio", "journalism"], "tv-2-norge": ["tv", "journalism"],
    "dagens-naeringsliv": ["journalism"], "faktisk-no": ["journalism", "ai"], "highsoft": ["data"],
    "everviz": ["data", "journalism"], "factiverse": ["ai", "journalism"],
    "mjoll": ["broadcast_tech"], "7-mountains": ["broadcast_tech"], "myreze": ["xr", "broadcast_tech"],
    "motion-corporation": ["streaming"], "global-m": ["streaming"], "mobica": ["technology"],
    "vuu": ["streaming"], "visualyst": ["data"], "scriptix": ["ai", "audio"],
    "fonn-group": ["broadcast_tech"], "syddansk-universitet": ["education_research"],
    "universitetet-i-bergen": ["education_research"], "malmo-universitet": ["education_research"],
    "danish-sound-cluster": ["audio"], "vision-denmark": ["film", "tv"],
    "moving-media-southern-sweden": ["film", "games"],
}
SDGS_OF = {"media-city-odense": [4, 8, 9, 11], "syddansk-universitet": [4],
           "universitetet-i-bergen": [4], "malmo-universitet": [4], "odense-kommune": [11]}
# (source, kind, target): ties the seed documents describe.
RELATIONS = [
    ("everviz", "spin_off", "highsoft"),
    ("fonn-group", "owner", "mjoll"),
    ("fonn-group", "owner", "7-mountains"),
    ("media-city-odense", "partner", "media-city-bergen"),
    ("media-city-odense", "partner", "odense-robotics"),
    ("media-city-odense", "partner", "digitallead"),
    ("media-city-odense", "partner", "danish-sound-cluster"),
    ("media-city-odense", "partner", "vision-denmark"),
    ("universitetet-i-bergen", "partner", "media-city-bergen"),
    ("universitetet-i-bergen", "partner", "tv-2-norge"),
    ("universitetet-i-bergen", "partner", "nrk"),
    ("media-city-bergen", "partner", "norwegian-cognitive-center"),
    ("media-city-bergen", "partner", "nordic-5g-consortium"),
] + [
    (slug, "cluster_member", "media-city-bergen")
    for slug in ("vizrt", "vimond", "tv-2-norge", "dagens-naeringsliv", "faktisk-no", "highsoft",
                 "everviz", "factiverse", "mjoll", "7-mountains", "myreze", "motion-corporation",
                 "global-m")
]

# Chief executives (or contacts) of these members sit on the board of the cluster.
BOARD = ["tv-2-danmark", "odense-kommune", "syddansk-universitet", "vizrt"]

FIRST_NAMES = [
    "Astrid", "Bjørn", "Camilla", "Dorte", "Eirik", "Freja", "Gustav", "Hanne", "Ingrid",
    "Jonas", "Karin", "Lasse", "Maja", "Nils", "Oda", "Pernille", "Rasmus", "Sigrid", "Tobias",
    "Ulla", "Viggo", "Vilde", "Aksel", "Britt", "Emil", "Frida", "Halvor", "Johanne", "Kasper",
    "Linnea", "Magnus", "Nora", "Oskar", "Ragnhild", "Sander", "Tuva", "Ebba", "Mikkel",
]
LAST_NAMES = [
    "Andersen", "Berg", "Christensen", "Dahl", "Eriksson", "Fjeld", "Graversen", "Halvorsen",
    "Iversen", "Juhl", "Knudsen", "Lindqvist", "Mortensen", "Nygaard", "Olsen", "Pedersen",
    "Rasmussen", "Strand", "Thorsen", "Vestergaard", "Wikström", "Aasen", "Bakke", "Holm",
    "Lund", "Moe", "Nyström", "Skov", "Solberg", "Brandt", "Krogh", "Lindgren",
]

_R = AffiliationRole
_TITLES = {
    _R.CONTACT: "Head of partnerships", _R.CEO: "Chief executive", _R.FOUNDER: "Co-founder",
    _R.MEMBER_ADMIN: "Operations manager", _R.STUDENT: "MSc student",
    _R.MENTOR: "Associate professor",
}
_EMPLOYEE_TITLES = ["Developer", "Journalist", "Producer", "Product manager", "Designer"]
# The roles of the first, second, ... generated person of a member organisation, by kind.
_ROLE_PATTERNS = {
    K.STARTUP: [_R.FOUNDER, _R.FOUNDER, _R.MEMBER_ADMIN, _R.EMPLOYEE, _R.EMPLOYEE],
    K.UNIVERSITY: [_R.CONTACT, _R.MENTOR, _R.STUDENT, _R.STUDENT, _R.STUDENT],
    K.PUBLIC_BODY: [_R.CONTACT, _R.MEMBER_ADMIN, _R.EMPLOYEE, _R.EMPLOYEE, _R.EMPLOYEE],
}
_DEFAULT_PATTERN = [_R.CEO, _R.CONTACT, _R.MEMBER_ADMIN, _R.EMPLOYEE, _R.EMPLOYEE]

OSLO = ZoneInfo("Europe/Oslo")
COPENHAGEN = ZoneInfo("Europe/Copenhagen")
E, F, V = EventKind, EventFormat, Visibility
MCB, NCC, MCO = "media-city-bergen", "norwegian-cognitive-center", "media-city-odense"

# The 2020 review's events: slug, title, kind, format, visibility, organiser, start (Oslo
# time; the day is the review's where it names one), hours, venue, summary.
EVENTS_2020 = [
    ("jolab-bellingcat-workshop-2020", "JoLab: Workshop with Bellingcat", E.WORKSHOP, F.ONSITE, V.PUBLIC, MCB, (2020, 1, 20, 9), 4 * 24 + 7, "Media City Bergen", "Five days of open-source investigation with Bellingcat, opening the MCB Journalism Lab."),
    ("media-cluster-10-years", "The Norwegian Media Cluster: 10 years", E.NETWORKING, F.ONSITE, V.MEMBERS, MCB, (2020, 2, 13, 18), 5, "Media City Bergen", "A night of celebration with members, partners and the extended cluster family."),
    ("digitalt-frokostmote-fakenews", "Digitalt Frokostmøte om #FakeNews", E.BREAKFAST_SEMINAR, F.ONLINE, V.PUBLIC, MCB, (2020, 4, 23, 8), 1.5, "", "How society can defend itself against false information, and technology that detects it."),
    ("mcb-tech-20-online", "mcb tech .20 online", E.CONFERENCE, F.ONLINE, V.PUBLIC, MCB, (2020, 6, 11, 9), 7, "", "The concepts of the future, from a virtual studio built with the cluster's own tools."),
    ("digitalt-frokostmote-redaksjonell-innovasjon", "Digitalt Frokostmøte om Redaksjonell Innovasjon", E.BREAKFAST_SEMINAR, F.ONLINE, V.PUBLIC, MCB, (2020, 8, 19, 8), 1.5, "", "Publishers show the services and products they launched during the pandemic."),
    ("ai-for-leaders", "AI for leaders: take a step into the future", E.WEBINAR, F.HYBRID, V.PUBLIC, NCC, (2020, 8, 25, 12), 3, "Media City Bergen", "How AI and data-centred business development can change a business."),
    ("cracking-the-ai-code", "Biz Talk & Tech Talk: Cracking the AI Code", E.WEBINAR, F.ONLINE, V.PUBLIC, NCC, (2020, 9, 24, 9), 5, "", "Everyday examples of AI with great impact, for leaders (Biz Talk) and developers (Tech Talk)."),
    ("slik-dekker-vi-valget", "Slik dekker vi valget", E.BREAKFAST_SEMINAR, F.HYBRID, V.PUBLIC, MCB, (2020, 10, 22, 8), 2, "Media City Bergen", "Publishers and broadcasters on how they plan to cover the US presidential election."),
    ("nce-media-christmas-special-2020", "NCE Media Christmas Special", E.MEMBER_MEETING, F.ONLINE, V.MEMBERS, MCB, (2020, 12, 15, 14), 2, "", "A recap of 2020 and the cluster's awards, for members and partners."),
    ("vizrt-the-election-story", "Vizrt – The Election Story", E.WEBINAR, F.ONLINE, V.PUBLIC, MCB, (2020, 12, 17, 10), 1, "", "How broadcasters use Vizrt tools in election coverage, from video walls to AR graphics."),
]

# Media City Odense's coming events, in Odense: slug, title, kind, format, visibility, days
# after the first run, start hour, hours, summary.
UPCOMING = [
    ("morgenseminar-generativ-ai", "Morgenseminar: Generativ AI i nyhedsproduktionen", E.BREAKFAST_SEMINAR, F.HYBRID, V.PUBLIC, 12, 8, 2, "How newsrooms put generative AI to work, and where they draw the line."),
    ("medlemsmode-media-city-odense", "Medlemsmøde i Media City Odense", E.MEMBER_MEETING, F.ONSITE, V.MEMBERS, 19, 15, 2.5, "The members' meeting: the year's plans, new members and shared projects."),
    ("workshop-virtuel-produktion", "Workshop: Virtuel produktion fra idé til prototype", E.WORKSHOP, F.ONSITE, V.PUBLIC, 33, 9, 6, "A hands-on day with virtual studios and real-time graphics."),
    ("kursus-datajournalistik", "Kursus: Datajournalistik for redaktioner", E.COURSE, F.ONLINE, V.PUBLIC, 47, 9, 7, "Finding, cleaning and visualising data for stories."),
    ("odense-media-hackathon", "Odense Media Hackathon", E.HACKATHON, F.ONSITE, V.PUBLIC, 61, 10, 32, "Students, developers and journalists build media prototypes in 32 hours."),
    ("mediatech-festival", "MediaTech Festival", E.CONFERENCE, F.HYBRID, V.PUBLIC, 89, 9, 2 * 24 + 8, "Three days of talks, demos and networking for the media and mediatech industry."),
]
# fmt: on
# Seats by kind of event (None: no limit), so registration and the waiting list show in the demo.
EVENT_SEATS = {
    E.BREAKFAST_SEMINAR: 60,
    E.WORKSHOP: 20,
    E.COURSE: 25,
    E.HACKATHON: 40,
    E.CONFERENCE: 400,
}  # fmt: skip


@dataclass
class DemoSummary:
    organisations: int = 0
    people: int = 0
    affiliations: int = 0
    users: int = 0
    events: int = 0

    @property
    def created_anything(self) -> bool:
        return any((self.organisations, self.people, self.affiliations, self.users, self.events))

    def __str__(self) -> str:
        return (
            f"Created {self.organisations} organisations, {self.people} people, "
            f"{self.affiliations} affiliations, {self.users} logins and {self.events} events."
        )


def _pick(key: str, *lists: list[str]) -> list[str]:
    """Deterministic choices from `lists`, keyed by `key` (stable across runs and machines)."""
    digest = hashlib.sha256(key.encode()).digest()
    return [
        items[int.from_bytes(digest[4 * i : 4 * i + 4]) % len(items)]
        for i, items in enumerate(lists)
    ]


def _ascii(text: str) -> str:
    text = text.lower().translate(str.maketrans({"æ": "ae", "ø": "oe", "å": "aa"}))
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _working_day(day: datetime.date) -> datetime.date:
    """The first Tuesday, Wednesday or Thursday from `day` outside the summer and Christmas."""
    while (
        day.weekday() not in (1, 2, 3)
        or day.month == 7
        or (day.month, day.day) >= (12, 20)
        or (day.month, day.day) <= (1, 6)
    ):
        day += datetime.timedelta(days=1)
    return day


class _Builder:
    def __init__(self) -> None:
        self.summary = DemoSummary()
        self.organisations: dict[str, Organisation] = {}
        self.names: dict[str, tuple[str, str]] = {}

    def name_for(self, key: str) -> tuple[str, str]:
        """A generated name for `key`, different from every other name of this demo."""
        if key not in self.names:
            taken = set(self.names.values())
            attempt = 0
            while (name := tuple(_pick(f"{key}:{attempt}", FIRST_NAMES, LAST_NAMES))) in taken:
                attempt += 1
            self.names[key] = name
        return self.names[key]

    def organisation(self, slug, name, kind, status, country, city, website, description):
        organisation = (
            Organisation.objects.filter(slug=slug).first()
            or Organisation.objects.filter(name__iexact=name, country=country).first()
        )
        if organisation is None:
            organisation = services.create_organisation(
                actor=None, name=name, kind=kind, country=country, slug=slug, city=city,
                website=website, description_en=description, membership_status=status,
            )  # fmt: skip
            self.summary.organisations += 1
        self.organisations[slug] = organisation

    def person(self, email: str, key: str, title: str = "", user: User | None = None) -> Person:
        first, last = self.name_for(key)
        person = Person.objects.filter(email__iexact=email).first()
        if person is None:
            person = services.create_person(
                actor=None, first_name=first, last_name=last, email=email, title=title, user=user
            )
            self.summary.people += 1
        return person

    def tie(self, person: Person, slug: str, role: str, start: datetime.date | None = None):
        organisation = self.organisations[slug]
        if not Affiliation.objects.filter(
            person=person, organisation=organisation, role=role, end_date__isnull=True
        ).exists():
            services.affiliate(
                actor=None, person=person, organisation=organisation, role=role, start_date=start
            )
            self.summary.affiliations += 1

    def staff_of(self, slug: str, kind: str, count: int) -> None:
        pattern = _ROLE_PATTERNS.get(kind, _DEFAULT_PATTERN)
        for n in range(count):
            role = pattern[n]
            key = f"{slug}:{n}"
            first, last = self.name_for(key)
            email = f"{_ascii(first)}.{_ascii(last)}@{slug}.example"
            title = _TITLES.get(role) or _pick(key, _EMPLOYEE_TITLES)[0]
            person = self.person(email, key, title)
            digest = hashlib.sha256(key.encode()).digest()
            start = datetime.date(2016 + digest[0] % 9, 1 + digest[1] % 12, 1)
            self.tie(person, slug, role, start)
            if n == 0 and slug in BOARD:
                self.tie(person, MCO, AffiliationRole.BOARD_MEMBER, start)

    def login(self, login: DemoLogin) -> None:
        user = User.objects.filter(email__iexact=login.email).first()
        slug, role, title = _LOGIN_TIES[login.email]
        if user is None:
            first, last = self.name_for(f"login:{login.email}")
            make = User.objects.create_user
            if login.role == Role.STAFF_ADMIN:
                make = User.objects.create_superuser
            user = make(
                login.email,
                DEMO_PASSWORD,
                name=f"{first} {last}",
                is_staff=login.role in (Role.STAFF, Role.STAFF_ADMIN),
            )
            audit.record(actor=None, action="accounts.user.create", target=user)
            self.summary.users += 1
        person = self.person(login.email, f"login:{login.email}", title, user=user)
        if person.user_id is None:
            person.user = user
            person.save(update_fields=["user", "updated_at"])
        self.tie(person, slug, role)

    def event(
        self, slug, title, kind, fmt, visibility, organiser, starts_at, hours, venue, summary
    ):
        if Event.objects.filter(slug=slug).exists():
            return
        event = Event(
            slug=slug, title=title, kind=kind, format=fmt, visibility=visibility,
            status=EventStatus.PUBLISHED, starts_at=starts_at,
            ends_at=starts_at + datetime.timedelta(hours=hours), venue=venue, summary=summary,
            organiser=self.organisations.get(organiser), time_zone=str(starts_at.tzinfo),
            description_en=summary, capacity=EVENT_SEATS.get(kind),
        )  # fmt: skip
        event.full_clean()
        event.save()
        audit.record(actor=None, action="events.event.create", target=event)
        self.summary.events += 1


@transaction.atomic
def load_demo(*, stdout=None) -> DemoSummary:
    """Builds (or completes) the demo cluster and returns what it created."""
    builder = _Builder()
    for row in ORGANISATIONS:
        builder.organisation(*row)
    for slug, _, kind, status, *_ in ORGANISATIONS:
        digest = hashlib.sha256(slug.encode()).digest()
        builder.staff_of(slug, kind, 3 + digest[0] % 3 if status == MEMBER else 1)
    for login in DEMO_LOGINS:
        builder.login(login)
    for slug, title, kind, fmt, vis, organiser, start, hours, venue, summary in EVENTS_2020:
        starts_at = datetime.datetime(*start, tzinfo=OSLO)
        builder.event(slug, title, kind, fmt, vis, organiser, starts_at, hours, venue, summary)
    today = timezone.localdate()
    for slug, title, kind, fmt, vis, days, hour, hours, summary in UPCOMING:
        day = _working_day(today + datetime.timedelta(days=days))
        starts_at = datetime.datetime(day.year, day.month, day.day, hour, tzinfo=COPENHAGEN)
        builder.event(slug, title, kind, fmt, vis, MCO, starts_at, hours, "Odense", summary)
    _enrich()
    if stdout is not None:
        stdout.write(str(builder.summary))
    return builder.summary


def _enrich() -> None:
    """Regions, sectors, SDGs and relations, added only where missing (idempotent)."""
    from klynge.ecosystem.models import NaceCode, OrganisationRelation, Sdg, Sector
    from klynge.ecosystem.services_relations import add_relation
    from klynge.ecosystem.taxonomy import seed_taxonomies

    seed_taxonomies(Sector, Sdg, NaceCode)

    organisations = {
        o.slug: o for o in Organisation.objects.filter(slug__in=[r[0] for r in ORGANISATIONS])
    }
    sectors = {sector.slug: sector for sector in Sector.objects.all()}
    sdgs = {sdg.number: sdg for sdg in Sdg.objects.all()}
    for slug, organisation in organisations.items():
        region = REGIONS.get(organisation.city, "")
        if region and not organisation.region:
            Organisation.objects.filter(pk=organisation.pk).update(region=region)
        if slug in SECTORS_OF and not organisation.sectors.exists():
            organisation.sectors.set([sectors[key] for key in SECTORS_OF[slug]])
        if slug in SDGS_OF and not organisation.sdgs.exists():
            organisation.sdgs.set([sdgs[number] for number in SDGS_OF[slug]])
    for source, kind, target in RELATIONS:
        if not OrganisationRelation.objects.filter(
            source=organisations[source], target=organisations[target], kind=kind
        ).exists():
            add_relation(
                actor=None, source=organisations[source], target=organisations[target], kind=kind
            )
