"""Impact KPIs at scale: 100,000 organisations with 10 years of figures (1,000,000
organisation-years), memberships over the years, and a national benchmark table.

Run with `.venv/bin/python benchmarks/bench_insights.py [--organisations N] [--years N]
[--rounds N]`. It builds a throw-away SQLite database (or fills the PostgreSQL database in
DATABASE_URL: point it at an empty scratch database), generates the data with bulk inserts,
then measures, warm and in-process, the median and slowest of a few rounds of:

- all six KPIs of one year (issue 7 target: under 5 s),
- the ten-year trend, i.e. all KPIs for each of ten years (target: under 30 s),
- the annual report as a PDF, which includes a five-year trend (target: under 20 s),

against a baseline measured in the same run: counting the year's organisation-year rows, the
least any KPI must read. KLYNGE_BENCH_DIR keeps the generated SQLite database between runs.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import statistics
import tempfile
import time

DATA_DIR = os.environ.get("KLYNGE_BENCH_DIR") or tempfile.mkdtemp(prefix="klynge-bench-insights-")
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

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

DIVISIONS = ["58", "59", "60", "61", "62", "63", "73", "90"]
KINDS = ["company"] * 6 + ["startup"] * 2 + ["media_house", "university", "public_body"]


def generate(organisations: int, years: int, seed: int = 7) -> int:
    from klynge.ecosystem.models import Organisation
    from klynge.insights.models import Benchmark, Measure, OrganisationYear
    from klynge.membership.models import Membership, Tier

    rng = random.Random(seed)
    last = timezone.localdate().year - 1
    first = last - years + 1
    tier = Tier.objects.create(name="Bench member")
    now = timezone.now()
    batch = 5000
    made = 0
    for start in range(0, organisations, batch):
        orgs = []
        for n in range(start, min(start + batch, organisations)):
            orgs.append(
                Organisation(
                    name=f"Bench organisation {n}",
                    slug=f"bench-{n}",
                    kind=rng.choice(KINDS),
                    country=rng.choice(["DK", "DK", "NO", "SE"]),
                    membership_status="member",
                    founded_year=rng.randint(first - 30, last),
                    created_at=now,
                    updated_at=now,
                )
            )
        orgs = Organisation.objects.bulk_create(orgs, batch_size=batch)  # ids returned
        memberships, rows = [], []
        for organisation in orgs:
            joined = rng.randint(first - 3, last + 1)
            left = rng.choice([None, None, None, rng.randint(joined, last + 1)])
            end = datetime.date(left, 12, 31) if left else datetime.date(last + 2, 12, 31)
            memberships.append(
                Membership(
                    organisation=organisation,
                    tier=tier,
                    start_date=datetime.date(joined, 1, 1),
                    end_date=end,
                    status="ended" if left else "active",
                    created_at=now,
                    updated_at=now,
                )
            )
            division = rng.choice(DIVISIONS)
            fte = rng.uniform(1, 400)
            for year in range(first, last + 1):
                fte = max(0.5, fte * rng.uniform(0.9, 1.15))
                revenue = fte * rng.uniform(800_000, 2_000_000)
                known = rng.random() < 0.8  # a fifth of the rows lack some figures
                rows.append(
                    OrganisationYear(
                        organisation=organisation,
                        year=year,
                        country=organisation.country,
                        currency="DKK",
                        nace_division=division,
                        revenue=round(revenue, 2) if known else None,
                        personnel_costs=round(fte * rng.uniform(450_000, 650_000), 2),
                        operating_profit=round(revenue * rng.uniform(-0.1, 0.25), 2)
                        if known
                        else None,
                        employees_fte=round(fte, 1),
                        innovation_funding=rng.choice([0, 0, 250_000]) if known else None,
                        innovations_launched=rng.choice([0, 1, 2]) if known else None,
                        created_at=now,
                        updated_at=now,
                    )
                )
        with transaction.atomic():
            Membership.objects.bulk_create(memberships, batch_size=batch)
            OrganisationYear.objects.bulk_create(rows, batch_size=batch)
        made += len(rows)
        print(f"  {start + len(orgs):,} organisations, {made:,} organisation-years", flush=True)
    benchmarks = []
    for year in range(first - 1, last):  # statistics come a year late
        for country in ("DK", "NO", "SE"):
            for division in DIVISIONS[:-1]:  # division 90 missing on purpose
                for measure, value in (
                    (Measure.VALUE_ADDED_PER_EMPLOYEE, rng.uniform(450_000, 800_000)),
                    (Measure.EMPLOYMENT_GROWTH, rng.uniform(-1, 4)),
                    (Measure.OPERATING_MARGIN, rng.uniform(3, 10)),
                    (Measure.FIRM_FORMATION_RATE, rng.uniform(5, 12)),
                ):
                    benchmarks.append(
                        Benchmark(
                            country=country,
                            nace_division=division,
                            year=year,
                            measure=measure,
                            value=round(value, 4),
                            currency="DKK",
                            source="Generated for the benchmark",
                        )
                    )
    Benchmark.objects.bulk_create(benchmarks)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    return made


def timed(function, rounds: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU seconds of this process per round. SQLite runs inside the process, so
    its CPU time is the work itself, whatever else the shared machine is doing; on PostgreSQL
    the server's work is not in it (read the wall-clock figures there)."""
    walls, cpus = [], []
    for _ in range(rounds):
        started, cpu = time.perf_counter(), time.process_time()
        function()
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
    return walls, cpus


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--organisations", type=int, default=100_000)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    from klynge.insights import kpis, pdf, reports
    from klynge.insights.models import OrganisationYear

    call_command("migrate", verbosity=0)
    if not OrganisationYear.objects.exists():
        print(f"Generating {args.organisations:,} organisations x {args.years} years ...")
        started = time.perf_counter()
        generate(args.organisations, args.years)
        print(f"  generated in {time.perf_counter() - started:.0f} s")
    count = OrganisationYear.objects.count()
    last = timezone.localdate().year - 1
    years = list(range(last - args.years + 1, last + 1))
    print(
        f"{connection.vendor}, {count:,} organisation-years, "
        f"{kpis.sources.members(last).count():,} members in {last}; {args.rounds} rounds, warm"
    )
    kpis.kpis_for_year(last, suppress=False)  # warm the caches once

    pdf_sizes = []

    def annual_pdf():
        report = reports.build_annual_report(last, language="da")
        pdf_sizes.append(len(pdf.annual_report_pdf(report)))

    cases = [
        (
            "baseline: count the year's rows",
            lambda: OrganisationYear.objects.filter(year=last).count(),
        ),
        ("all KPIs for one year (target < 5 s)", lambda: kpis.kpis_for_year(last, suppress=False)),
        ("ten-year trend (target < 30 s)", lambda: kpis.trend(years, suppress=False)),
        ("annual report PDF (target < 20 s)", annual_pdf),
    ]
    results = []
    for label, function in cases:
        walls, cpus = timed(function, args.rounds)
        results.append((label, statistics.median(walls), max(walls), statistics.median(cpus)))
    base = results[0][1]
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"load average {load} on {os.cpu_count()} cores")
    print(f"{'case':<40} {'median s':>9} {'slowest s':>10} {'CPU s':>7} {'x baseline':>11}")
    for label, median, slowest, cpu in results:
        print(f"{label:<40} {median:>9.2f} {slowest:>10.2f} {cpu:>7.2f} {median / base:>11.1f}")
    result = kpis.kpis_for_year(last, suppress=False)
    for key in kpis.KPI_KEYS:
        kpi = result[key]
        print(
            f"  {key}: {kpis.format_kpi(kpi.value, kpi.unit)}, coverage "
            f"{kpi.organisations_with_data:,}/{kpi.members:,}, missing {kpi.missing_sectors[:4]}"
        )
    print(f"  PDF size {pdf_sizes[-1]:,} bytes")


if __name__ == "__main__":
    main()
