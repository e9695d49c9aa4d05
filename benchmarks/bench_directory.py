"""Directory search and facet counts at scale: 100,000 organisations and 300,000 people.

About one organisation in five has a current membership in one of four tiers (and some more
lapsed or ended ones), for the membership tier facet and filter that members and staff see.

Run with `.venv/bin/python benchmarks/bench_directory.py [--organisations N] [--rounds N]`.
It builds a throw-away SQLite database (or uses the PostgreSQL database in DATABASE_URL, which
it fills, so point it at an empty scratch database), generates the data with bulk inserts, then
measures, warm and in-process, the p50/p95 of the directory's search + facet counts for a
handful of queries, and of the whole directory page, against a bare view through the same
middleware. Targets (issue 3): p95 under 150 ms on SQLite, under 100 ms on PostgreSQL.

The directory caches its counts under the data version (`search.directory_counts`), so warm
searches mostly read them from the cache: the "search+facets" rows are that steady state, the
"uncached search+facets" rows compute every count (the first search after a change).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import random
import statistics
import sys
import tempfile
import time
import types

# KLYNGE_BENCH_DIR keeps the generated database between runs (it is generated once).
DATA_DIR = os.environ.get("KLYNGE_BENCH_DIR") or tempfile.mkdtemp(prefix="klynge-bench-directory-")
os.environ.update(
    {
        "DJANGO_SETTINGS_MODULE": "klynge.settings",
        "KLYNGE_DEBUG": "false",
        "KLYNGE_SECRET_KEY": "benchmark-secret-key-benchmark-secret-key",
        "KLYNGE_ALLOWED_HOSTS": "testserver",
        "KLYNGE_SSL_REDIRECT": "false",
        "KLYNGE_DATA_DIR": DATA_DIR,
        "KLYNGE_TASKS_BACKEND": "immediate",
        "KLYNGE_LANGUAGE": "en",
        "KLYNGE_LOG_LEVEL": "ERROR",
    }
)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import override_settings  # noqa: E402
from django.urls import path  # noqa: E402

WORDS = (
    "film tv audio podcast games streaming data design studio sound video animation news "
    "journalism broadcast media content production marketing communication research education "
    "virtual reality augmented immersive interactive platform archive subtitles dubbing music "
    "radio documentary editing colour grading visual effects motion capture camera lighting "
    "drone live event festival cinema series drama comedy children learning school university"
).split()
CITIES = {
    "DK": [("Odense", "Syddanmark"), ("Aarhus", "Midtjylland"), ("København", "Hovedstaden")],
    "NO": [("Bergen", "Vestland"), ("Oslo", "Oslo"), ("Trondheim", "Trøndelag")],
    "SE": [("Malmö", "Skåne"), ("Lund", "Skåne"), ("Göteborg", "Västra Götaland")],
}
RARE_WORD = "zyxomatic"  # in about one organisation in 10,000


def baseline(request):
    return HttpResponse("ok")


def _urlconf() -> str:
    import klynge.urls

    module = types.ModuleType("bench_directory_urls")
    module.urlpatterns = [path("__baseline__", baseline), *klynge.urls.urlpatterns]
    sys.modules["bench_directory_urls"] = module
    return "bench_directory_urls"


def generate(organisations: int, people_per_org: int, seed: int = 7) -> None:
    from klynge.ecosystem.models import (
        Affiliation,
        MembershipStatus,
        Organisation,
        OrganisationKind,
        Person,
        Sector,
        Tag,
    )
    from klynge.ecosystem.search import (
        SEARCH_FIELDS,
        build_search_text,
        sdg_bits_for,
        sector_bits_for,
    )

    rng = random.Random(seed)
    kinds = list(OrganisationKind.values)
    statuses = (
        [MembershipStatus.MEMBER] * 5
        + [MembershipStatus.PARTNER]
        + [MembershipStatus.PROSPECT] * 2
        + [MembershipStatus.NONE] * 2
    )
    sector_slugs = dict(Sector.objects.values_list("pk", "slug"))
    sector_ids = list(sector_slugs)
    tags = Tag.objects.bulk_create([Tag(name=f"{word} {n}") for word in WORDS for n in range(4)])
    tag_names = {tag.pk: tag.name for tag in tags}
    batch = 5000
    for start in range(0, organisations, batch):
        rows, tag_rows = [], []
        for n in range(start, min(start + batch, organisations)):
            country = rng.choice(["DK", "DK", "NO", "SE"])
            city, region = rng.choice(CITIES[country])
            description = " ".join(rng.choices(WORDS, k=rng.randint(8, 25)))
            if n % 10_000 == 17:
                description += f" {RARE_WORD}"
            organisation = Organisation(
                name=f"{rng.choice(WORDS).title()} {rng.choice(WORDS).title()} {n}",
                slug=f"org-{n}",
                kind=rng.choice(kinds),
                membership_status=rng.choice(statuses),
                country=country,
                city=city,
                region=region,
                employees=rng.choice([None, rng.randint(1, 2000)]),
                description_en=description,
                offers_text=" ".join(rng.choices(WORDS, k=5)),
                needs_text=" ".join(rng.choices(WORDS, k=5)),
            )
            organisation.size_band = ""
            own_tags = rng.sample(list(tag_names), 3)
            own_sectors = rng.sample(sector_ids, rng.randint(1, 3))
            own_sdgs = rng.sample(range(1, 18), rng.randint(0, 3))
            organisation.sector_bits = sector_bits_for(sector_slugs[pk] for pk in own_sectors)
            organisation.sdg_bits = sdg_bits_for(own_sdgs)
            organisation.search_text = build_search_text(
                (getattr(organisation, f) for f in SEARCH_FIELDS),
                [tag_names[pk] for pk in own_tags],
            )
            rows.append(organisation)
            tag_rows.append((own_tags, own_sectors, own_sdgs))
        with transaction.atomic():
            created = Organisation.objects.bulk_create(rows, batch_size=1000)
            if created[0].pk is None:
                first = Organisation.objects.get(slug=created[0].slug).pk
                for offset, organisation in enumerate(created):
                    organisation.pk = first + offset
            sectors, sdgs, competences = [], [], []
            for organisation, (own_tags, own_sectors, own_sdgs) in zip(
                created, tag_rows, strict=True
            ):
                for sector_id in own_sectors:
                    sectors.append(
                        Organisation.sectors.through(
                            organisation_id=organisation.pk, sector_id=sector_id
                        )
                    )
                for number in own_sdgs:
                    sdgs.append(
                        Organisation.sdgs.through(organisation_id=organisation.pk, sdg_id=number)
                    )
                for tag_id in own_tags:
                    competences.append(
                        Organisation.competences.through(
                            organisation_id=organisation.pk, tag_id=tag_id
                        )
                    )
            Organisation.sectors.through.objects.bulk_create(sectors, batch_size=5000)
            Organisation.sdgs.through.objects.bulk_create(sdgs, batch_size=5000)
            Organisation.competences.through.objects.bulk_create(competences, batch_size=5000)
            people = Person.objects.bulk_create(
                [
                    Person(
                        first_name=rng.choice(["Ida", "Emil", "Sofie", "Lars", "Nora", "Ali"]),
                        last_name=f"Holm{n}",
                        listed_in_directory=rng.random() < 0.6,
                    )
                    for n in range(len(created) * people_per_org)
                ],
                batch_size=5000,
            )
            if people[0].pk is None:
                last = Person.objects.order_by("-pk").values_list("pk", flat=True)[0]
                for offset, person in enumerate(people):
                    person.pk = last - len(people) + 1 + offset
            Affiliation.objects.bulk_create(
                [
                    Affiliation(
                        person=person,
                        organisation=created[index // people_per_org],
                        role="employee",
                    )
                    for index, person in enumerate(people)
                ],
                batch_size=5000,
            )
        print(f"  {min(start + batch, organisations):>7} organisations", end="\r", flush=True)
    print()
    with connection.cursor() as cursor:
        # Fresh statistics, and on PostgreSQL a visibility map, so index-only scans are possible
        # at once (in production autovacuum does this soon after bulk writes).
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


TIERS = ["Basis", "Standard", "Premium", "Partner"]


def generate_memberships(seed: int = 11) -> None:
    """Four tiers; a current membership (nine in ten active, the rest in grace) for two in five
    members (a fifth of all organisations), and a lapsed or ended one for one in ten of the
    others. Through the app registry, like the ecosystem app itself."""
    import datetime

    from django.apps import apps

    from klynge.ecosystem.models import MembershipStatus, Organisation

    tier_model = apps.get_model("membership", "Tier")
    membership_model = apps.get_model("membership", "Membership")
    rng = random.Random(seed)
    tiers = [
        tier_model.objects.get_or_create(name=name, defaults={"position": position})[0]
        for position, name in enumerate(TIERS)
    ]
    weights = [5, 3, 1, 1]
    start, end = datetime.date(2026, 1, 1), datetime.date(2026, 12, 31)
    rows = []
    for pk, status in Organisation.objects.values_list("pk", "membership_status").iterator():
        if status == MembershipStatus.MEMBER and rng.random() < 0.4:
            current = "active" if rng.random() < 0.9 else "grace"
        elif status != MembershipStatus.MEMBER and rng.random() < 0.1:
            current = rng.choice(["lapsed", "ended"])
        else:
            continue
        tier = rng.choices(tiers, weights)[0]
        rows.append(
            membership_model(
                organisation_id=pk, tier=tier, status=current, start_date=start, end_date=end
            )
        )
    with transaction.atomic():
        membership_model.objects.bulk_create(rows, batch_size=5000)
        # bulk_create sends no signals: copy the current tiers as the membership app would.
        current = [row for row in rows if row.status in ("active", "grace")]
        for tier in tiers:
            ids = [row.organisation_id for row in current if row.tier_id == tier.pk]
            Organisation.objects.filter(pk__in=ids).update(membership_tier=tier)
    with connection.cursor() as cursor:
        # Fresh statistics, and on PostgreSQL a visibility map, so index-only scans are possible
        # at once (in production autovacuum does this soon after bulk writes).
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def member_user():
    """A user who is an employee of a member organisation (so sees the tier facet)."""
    from klynge.accounts.models import User
    from klynge.ecosystem.models import Affiliation, MembershipStatus, Organisation, Person

    user, _created = User.objects.get_or_create(email="member@klynge.example")
    organisation = Organisation.objects.filter(membership_status=MembershipStatus.MEMBER).first()
    person, _created = Person.objects.get_or_create(
        user=user, defaults={"first_name": "Maja", "last_name": "Medlem"}
    )
    Affiliation.objects.get_or_create(person=person, organisation=organisation, role="employee")
    return user


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--organisations", type=int, default=100_000)
    parser.add_argument("--people-per-organisation", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)
    from django.apps import apps

    from klynge.accounts.models import User
    from klynge.ecosystem.models import Organisation, Person
    from klynge.ecosystem.search import DirectoryFilters, directory_results
    from klynge.ecosystem.selectors import directory_queryset

    started = time.perf_counter()
    if not Organisation.objects.exists():
        generate(args.organisations, args.people_per_organisation)
    elif not os.environ.get("KLYNGE_BENCH_DIR"):
        sys.exit("The database already holds organisations; give the benchmark an empty one.")
    membership_model = apps.get_model("membership", "Membership")
    if not membership_model.objects.exists():
        generate_memberships()
    print(
        f"generated {Organisation.objects.count()} organisations, {Person.objects.count()} "
        f"people, {membership_model.objects.filter(status__in=['active', 'grace']).count()} "
        f"current memberships in {time.perf_counter() - started:.0f} s"
    )
    tier_ids = dict(apps.get_model("membership", "Tier").objects.values_list("name", "pk"))
    staff, _created = User.objects.get_or_create(
        email="bench@klynge.example", defaults={"is_staff": True}
    )
    staff_client = Client()
    staff_client.force_login(staff)
    member_client = Client()
    member_client.force_login(member_user())
    anonymous = Client()

    queries = {
        "everything (no filter)": DirectoryFilters(),
        "common word 'film'": DirectoryFilters(q="film"),
        "two words 'film sound'": DirectoryFilters(q="film sound"),
        f"rare word '{RARE_WORD}'": DirectoryFilters(q=RARE_WORD),
        "no match 'qqqqq'": DirectoryFilters(q="qqqqq"),
        "kind + country": DirectoryFilters(kind=["company"], country=["DK"]),
        "word + sector + region": DirectoryFilters(
            q="podcast", sector=["content"], region=["Syddanmark"]
        ),
        "sdg + sort by size": DirectoryFilters(sdg=[9], sort="size"),
        "word, newest, page 40": DirectoryFilters(q="studio", sort="newest"),
    }
    public_base = directory_queryset(None)
    staff_base = directory_queryset(staff)

    cases: dict[str, object] = {}
    for label, filters in queries.items():
        cases[f"search+facets: {label}"] = lambda f=filters, lb=label: run_case(f, lb, public_base)
    cases["search+facets (staff): common word"] = lambda: run_case(
        DirectoryFilters(q="film"), "", staff_base
    )
    # The same without the cached counts: what the first visitor after a change waits for.
    for label, filters in queries.items():
        cases[f"uncached search+facets: {label}"] = lambda f=filters, lb=label: run_case(
            f, lb, public_base, cached=False
        )
    # Members and staff also get the membership tier facet (one more query) and filter.
    premium, partner = tier_ids["Premium"], tier_ids["Partner"]
    tier_queries = {
        "everything (no filter)": (DirectoryFilters(), public_base),
        "common word 'film'": (DirectoryFilters(q="film"), public_base),
        "common word 'film' (staff)": (DirectoryFilters(q="film"), staff_base),
        f"rare word '{RARE_WORD}'": (DirectoryFilters(q=RARE_WORD), public_base),
        "kind + country": (DirectoryFilters(kind=["company"], country=["DK"]), public_base),
        "tier filter 'Basis'": (DirectoryFilters(tier=[tier_ids["Basis"]]), public_base),
        "tier filter, two tiers, sort by size": (
            DirectoryFilters(tier=[premium, partner], sort="size"),
            public_base,
        ),
        "tier + word + sector": (
            DirectoryFilters(tier=[premium], q="podcast", sector=["content"]),
            public_base,
        ),
        "tier + kind (staff)": (DirectoryFilters(tier=[premium], kind=["startup"]), staff_base),
    }
    for label, (filters, base) in tier_queries.items():
        cases[f"search+facets+tiers: {label}"] = lambda f=filters, b=base: run_case(
            f, "", b, tiers=True
        )
    page_cases = {
        "baseline view": (anonymous, "/__baseline__"),
        "page /directory/ (public)": (anonymous, "/directory/"),
        "page /directory/?q=film&country=DK": (anonymous, "/directory/?q=film&country=DK"),
        "page /directory/?q=film (staff)": (staff_client, "/directory/?q=film"),
        "page /directory/ (HTMX partial)": (anonymous, "/directory/?kind=startup"),
        "page /directory/ (member, tiers)": (member_client, "/directory/"),
        "page /directory/?tier=Premium&q=film (member)": (
            member_client,
            f"/directory/?tier={premium}&q=film",
        ),
    }

    def run_case(filters, label, base, tiers=False, cached=True):
        # A copy: directory_results writes the match count and the known tiers into it.
        filters = dataclasses.replace(filters)
        page = 40 if "page 40" in label else 1
        result = directory_results(base, filters, page, tiers=tiers, cached=cached)
        list(result.page)
        return result.count

    counts = {}
    timings: dict[str, list[float]] = {name: [] for name in [*cases, *page_cases]}
    with override_settings(ROOT_URLCONF=_urlconf()):
        for name, case in cases.items():  # warm up
            counts[name] = case()
        for client, url in page_cases.values():
            assert client.get(url).status_code == 200, url
        for _ in range(args.rounds):
            for name, case in cases.items():
                start = time.perf_counter()
                case()
                timings[name].append(time.perf_counter() - start)
            for name, (client, url) in page_cases.items():
                headers = {"HX-Request": "true"} if "HTMX" in name else {}
                start = time.perf_counter()
                client.get(url, headers=headers)
                timings[name].append(time.perf_counter() - start)

    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    base = statistics.median(timings["baseline view"])
    print(
        f"Klynge directory benchmark: {args.organisations} organisations, "
        f"{args.organisations * args.people_per_organisation} people, {args.rounds} rounds, "
        f"{engine}, Python {sys.version.split()[0]}"
    )
    print(f"{'case':64} {'matches':>8} {'p50 ms':>8} {'p95 ms':>8} {'× baseline':>11}")
    for name, values in timings.items():
        p50, p95 = statistics.median(values), percentile(values, 0.95)
        matches = counts.get(name, "")
        print(f"{name:64} {matches!s:>8} {p50 * 1000:8.1f} {p95 * 1000:8.1f} {p50 / base:11.0f}")
    target = 150 if engine.startswith("sqlite") else 100
    worst = max(percentile(v, 0.95) for k, v in timings.items() if k.startswith("search"))
    print(f"worst search+facets p95: {worst * 1000:.1f} ms (target < {target} ms)")
    worst = max(percentile(v, 0.95) for k, v in timings.items() if k.startswith("uncached"))
    print(f"worst uncached search+facets p95: {worst * 1000:.1f} ms")
    print(f"baseline view p50 {base * 1000:.2f} ms: the machine's speed during this run")


if __name__ == "__main__":
    main()
