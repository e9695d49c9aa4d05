"""Partner recommendations at scale, and the offline evaluation table.

Run with `.venv/bin/python benchmarks/bench_matchmaking.py [--organisations N] [--rounds N]
[--skip-evaluation] [--skip-rebuild]` (KLYNGE_BENCH_DIR=folder keeps the generated database
and index for the next run). It builds a throw-away SQLite database in a temporary folder (never
var/), generates N organisations (default 100,000) with descriptions in Danish, Norwegian,
Swedish and English, offers, needs, competences, sectors and N partner relations, then measures:

- the whole index rebuilt from the database (`klynge.matchmaking.index.rebuild_index`), target
  under 10 minutes;
- warm p50/p95 of the top 10 for one organisation: the engine alone, and the full selector the
  page and API call (engine + feedback + visibility queries), against a bare primary-key query
  measured in the same run; target p95 under 100 ms; the load average meanwhile;
- how many of the exact top 10 (every organisation scored with the exact text cosine) the fast
  path (embedding, candidates, exact re-scoring) returns;
- the memory of two worker processes forked like gunicorn's, each serving queries from the
  memory-mapped index (resident, proportional and private);
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


def _memory() -> dict[str, float]:
    """This process's memory from /proc (Linux), MB: resident, proportional (shared pages
    divided among the processes mapping them) and private (its own, not shared)."""
    values: dict[str, float] = {}
    with open("/proc/self/smaps_rollup", encoding="ascii") as handle:
        for line in handle:
            parts = line.split()
            if len(parts) == 3 and parts[2] == "kB":
                values[parts[0].rstrip(":")] = int(parts[1]) / 1024
    return {
        "rss": values.get("Rss", 0.0),
        "pss": values.get("Pss", 0.0),
        "private": values.get("Private_Clean", 0.0) + values.get("Private_Dirty", 0.0),
    }


def _worker(sample: list[int], queue) -> None:
    """One 'gunicorn worker': maps the index, answers queries, reports its memory."""
    from klynge.matchmaking import index as index_module

    # Like a gunicorn worker forked with --preload: the index is not loaded yet.
    index_module._cached.update(version=None, index=None, checked=0.0)
    before = _memory()
    index = index_module.get_index()
    for pk in sample:
        index.recommend(pk, 10)
    queue.put((before, _memory()))


def worker_memory(sample: list[int], workers: int = 2) -> list[tuple[dict, dict]]:
    """Memory of `workers` processes started like gunicorn's (forked after Django is set up,
    before the index is loaded), each after `len(sample)` queries, all alive together."""
    import multiprocessing

    from django.db import connections

    connections.close_all()  # forked children must not share the parent's connection
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    processes = [context.Process(target=_worker, args=(sample, queue)) for _ in range(workers)]
    for process in processes:
        process.start()
    results = [queue.get() for _ in processes]
    for process in processes:
        process.join()
    return results


def agreement(index, sample: list[int], k: int = 10) -> float:
    """Share of the exact top k (every organisation scored with the exact text cosine, no
    embedding, no candidates) that the fast path returns too."""
    embedding = index.embedding
    hits = 0
    try:
        exact = {}
        index.embedding = None
        for pk in sample:
            exact[pk] = {j for j, _s, _f in index.rank(index.position[pk], k)}
    finally:
        index.embedding = embedding
    for pk in sample:
        hits += len(exact[pk] & {j for j, _s, _f in index.rank(index.position[pk], k)})
    return hits / (k * len(sample))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--organisations", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--skip-evaluation", action="store_true")
    parser.add_argument(
        "--skip-rebuild",
        action="store_true",
        help="serve the index already in KLYNGE_BENCH_DIR (rebuild only if there is none)",
    )
    args = parser.parse_args()

    from klynge.ecosystem.models import Organisation
    from klynge.matchmaking.index import current_index_folder, get_index, rebuild_index
    from klynge.matchmaking.selectors import recommendations_for_organisation

    print(
        f"scratch data in {DATA_DIR}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    call_command("migrate", verbosity=0)
    if not Organisation.objects.exists():
        started = time.perf_counter()
        generate(args.organisations)
        print(
            f"generated {args.organisations} organisations in {time.perf_counter() - started:.0f} s"
        )

    if args.skip_rebuild and current_index_folder() is not None:
        index = get_index()
        print(f"index for {index.n} organisations reused from {current_index_folder()}")
    else:
        started = time.perf_counter()
        index = rebuild_index()
        rebuild = time.perf_counter() - started
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"index rebuilt for {index.n} organisations in {rebuild:.1f} s (target < 600 s)")
        print(f"peak memory of this process so far: {peak:.0f} MB")
    folder = current_index_folder()
    size = sum(path.stat().st_size for path in folder.iterdir()) / 2**20
    print(f"index files: {size:.0f} MB in {folder}")

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

    load = os.getloadavg()[0]
    base = measure(lambda pk: Organisation.objects.filter(pk=pk).first())
    engine = measure(lambda pk: index.recommend(pk, 10))
    full = measure(lambda pk: recommendations_for_organisation(staff, organisations[pk]))
    load = (load + os.getloadavg()[0]) / 2
    print()
    print(f"{'top 10 for one organisation (ms)':<44}{'p50':>8}{'p95':>8}{'p95 / baseline':>16}")
    for label, (p50, p95) in (
        ("baseline: one primary-key query", base),
        ("engine (index.recommend)", engine),
        ("selector (engine + feedback + visibility)", full),
    ):
        print(f"{label:<44}{p50:>8.1f}{p95:>8.1f}{p95 / base[1]:>16.1f}")
    print(f"target: p95 < 100 ms; load average {load:.1f} on {os.cpu_count()} cores meanwhile")

    quality = agreement(index, sample[:40])
    print(f"agreement@10 with exact scoring of all {index.n} (40 organisations): {quality:.3f}")

    print()
    print("memory per worker (MB; 2 forked workers alive together, after 50 queries each)")
    print(f"{'':<10}{'RSS':>8}{'PSS':>8}{'private':>9}   (before loading the index)")
    for n, (before, after) in enumerate(worker_memory(sample[:50]), start=1):
        print(
            f"worker {n:<3}{after['rss']:>8.0f}{after['pss']:>8.0f}{after['private']:>9.0f}"
            f"   ({before['rss']:.0f}, {before['pss']:.0f}, {before['private']:.0f})"
        )
    if not args.skip_evaluation:
        print()
        print("offline evaluation on the Norwegian H2020 participations (k = 10)")
        print("\n".join(evaluation_table()))


if __name__ == "__main__":
    main()
