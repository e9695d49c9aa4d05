"""Partner recommendations at scale, and the offline evaluation table.

Run with `.venv/bin/python benchmarks/bench_matchmaking.py [--organisations N] [--rounds N]
[--collaborations FILE]`. It builds a throw-away SQLite database in a temporary folder (never
var/), generates N organisations (default 100,000) with descriptions in Danish, Norwegian,
Swedish and English, offers, needs, competences, sectors and N partner relations, then measures:

- the whole index rebuilt from the database (`klynge.matchmaking.index.rebuild_index`), target
  under 10 minutes;
- warm p50/p95 of the top 10 for one organisation: the engine alone, and the full selector the
  page and API call (engine + feedback + visibility queries), against a bare primary-key query
  measured in the same run; target p95 under 100 ms;
- the evaluation table (engine against random, popularity and Adamic-Adar) on the real
  collaborations file for several split years, if it is there (converted on the fly with
  scripts/h2020_to_collaborations_csv.py).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DATA_DIR = os.environ.get("KLYNGE_BENCH_DIR") or tempfile.mkdtemp(
    prefix="klynge-bench-matchmaking-"
)
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
os.environ.pop("DATABASE_URL", None)  # always the scratch SQLite database

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "data" / "collaborations" / "norway-h2020-participations.csv"
WORDS = {
    "da": "lyd billede nyheder journalistik produktion podcast spil animation studie film "
    "streaming data publikum kunstig intelligens undervisning forskning".split(),
    "nb": "lyd bilde nyheter journalistikk produksjon podkast spill animasjon studio film "
    "strømming data publikum kunstig intelligens forskning".split(),
    "sv": "ljud bild nyheter journalistik produktion podd spel animering studio film "
    "strömning data publik artificiell intelligens forskning".split(),
    "en": "sound image news journalism production podcast games animation studio film "
    "streaming data audience artificial intelligence research virtual reality".split(),
}
TAGS = [f"{word} {n}" for word in WORDS["en"] for n in range(20)]


def generate(count: int, seed: int = 7) -> None:
    from klynge.ecosystem.models import (
        Organisation,
        OrganisationKind,
        OrganisationRelation,
        Sector,
        Tag,
    )

    rng = random.Random(seed)
    kinds = list(OrganisationKind.values)
    sector_ids = list(Sector.objects.values_list("pk", flat=True))
    tags = Tag.objects.bulk_create([Tag(name=name) for name in TAGS])
    tag_ids = [tag.pk for tag in tags]
    languages = list(WORDS)
    batch = 5000
    for start in range(0, count, batch):
        rows, extra = [], []
        for n in range(start, min(start + batch, count)):
            language = rng.choice(languages)
            words = WORDS[language]
            country = {"da": "DK", "nb": "NO", "sv": "SE", "en": rng.choice(["GB", "DE"])}[language]
            rows.append(
                Organisation(
                    name=f"Org {n}",
                    slug=f"org-{n}",
                    kind=rng.choice(kinds),
                    membership_status=rng.choice(["member", "member", "partner", "none"]),
                    country=country,
                    region=f"Region {rng.randint(1, 20)}",
                    description_en=" ".join(rng.choices(words, k=rng.randint(10, 30))),
                    offers_text=" ".join(rng.choices(words, k=4)),
                    needs_text=" ".join(rng.choices(words, k=4)),
                )
            )
            extra.append(
                (
                    rng.sample(tag_ids, 2),
                    rng.sample(tag_ids, 2),
                    rng.sample(tag_ids, 2),
                    rng.sample(sector_ids, 2),
                )
            )
        with transaction.atomic():
            created = Organisation.objects.bulk_create(rows, batch_size=1000)
            if created[0].pk is None:
                first = Organisation.objects.get(slug=created[0].slug).pk
                for offset, organisation in enumerate(created):
                    organisation.pk = first + offset
            through = {
                "offers": Organisation.offers.through,
                "needs": Organisation.needs.through,
                "competences": Organisation.competences.through,
            }
            links = {name: [] for name in through}
            sectors = []
            for organisation, (offers, needs, competences, own_sectors) in zip(
                created, extra, strict=True
            ):
                for name, values in (
                    ("offers", offers),
                    ("needs", needs),
                    ("competences", competences),
                ):
                    links[name].extend(
                        through[name](organisation_id=organisation.pk, tag_id=t) for t in values
                    )
                sectors.extend(
                    Organisation.sectors.through(organisation_id=organisation.pk, sector_id=s)
                    for s in own_sectors
                )
            for name, objects in links.items():
                through[name].objects.bulk_create(objects, batch_size=5000)
            Organisation.sectors.through.objects.bulk_create(sectors, batch_size=5000)
    ids = list(Organisation.objects.values_list("pk", flat=True))
    relations, seen = [], set()
    while len(relations) < count:
        a, b = rng.sample(ids, 2)
        if (a, b) not in seen:
            seen.add((a, b))
            relations.append(
                OrganisationRelation(
                    source_id=a, target_id=b, kind="partner", start_year=rng.randint(2015, 2025)
                )
            )
    OrganisationRelation.objects.bulk_create(relations, batch_size=5000)


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[max(0, int(len(ordered) * 0.95) - 1)]


def evaluation_table() -> list[str]:
    if not REAL.exists():
        return ["(the real collaborations file is not here: evaluation skipped)"]
    from klynge.matchmaking.evaluation import evaluate, format_table, read_rows

    target = Path(DATA_DIR) / "collaborations.csv"
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "h2020_to_collaborations_csv.py"),
            str(REAL),
            str(target),
        ],
        check=True,
        capture_output=True,
    )
    rows = read_rows(target.read_text(encoding="utf-8"))
    lines = []
    for year in (2018, 2019, 2020):
        lines.append(format_table(evaluate(rows, split_year=year, k=10)))
        lines.append("")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--organisations", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--skip-evaluation", action="store_true")
    args = parser.parse_args()

    from klynge.ecosystem.models import Organisation
    from klynge.matchmaking.index import rebuild_index
    from klynge.matchmaking.selectors import recommendations_for_organisation

    print(f"scratch data in {DATA_DIR}")
    call_command("migrate", verbosity=0)
    if not Organisation.objects.exists():
        started = time.perf_counter()
        generate(args.organisations)
        print(
            f"generated {args.organisations} organisations in {time.perf_counter() - started:.0f} s"
        )

    started = time.perf_counter()
    index = rebuild_index()
    rebuild = time.perf_counter() - started
    print(f"index rebuilt for {index.n} organisations in {rebuild:.1f} s (target < 600 s)")

    from klynge.accounts.models import User

    staff, _created = User.objects.get_or_create(
        email="bench@example.org", defaults={"name": "Bench", "is_staff": True}
    )
    rng = random.Random(3)
    ids = list(index.ids)
    sample = [int(rng.choice(ids)) for _ in range(args.rounds)]
    organisations = Organisation.objects.in_bulk(sample)
    for pk in sample[:5]:  # warm up
        recommendations_for_organisation(staff, organisations[pk])

    def measure(call):
        times = []
        for pk in sample:
            t = time.perf_counter()
            call(pk)
            times.append((time.perf_counter() - t) * 1000)
        return percentiles(times)

    base = measure(lambda pk: Organisation.objects.filter(pk=pk).first())
    engine = measure(lambda pk: index.recommend(pk, 10))
    full = measure(lambda pk: recommendations_for_organisation(staff, organisations[pk]))
    print()
    print(f"{'top 10 for one organisation (ms)':<44}{'p50':>8}{'p95':>8}{'p95 / baseline':>16}")
    for label, (p50, p95) in (
        ("baseline: one primary-key query", base),
        ("engine (index.recommend)", engine),
        ("selector (engine + feedback + visibility)", full),
    ):
        print(f"{label:<44}{p50:>8.1f}{p95:>8.1f}{p95 / base[1]:>16.1f}")
    print("target: p95 < 100 ms")
    if not args.skip_evaluation:
        print()
        print("offline evaluation on the Norwegian H2020 participations (k = 10)")
        print("\n".join(evaluation_table()))


if __name__ == "__main__":
    main()
