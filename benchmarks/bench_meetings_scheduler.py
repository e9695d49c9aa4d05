"""The B2B meeting scheduler on generated matchmaking days (issue 6, item 4).

Run with `.venv/bin/python benchmarks/bench_meetings_scheduler.py [--seeds N] [--time-limit S]`.

For each size (people, slots, tables per slot, accepted requests) and seed it generates an
instance (`klynge.meetings.scheduler.random_instance`: 60 % of people free all day, the others
a contiguous part of it; requests skewed to popular people; priorities 1/2/3 at 30/50/20 %; a cap
of 8 meetings per person), then measures in the same run:

- greedy: the first-free-slot greedy peers use (requests in the order they were accepted);
- klynge: `scheduler.solve` (LP bound + LP-guided greedy + repair; then CP-SAT on the whole
  model up to 3,000 variables, on neighbourhoods of missed requests above that), 2 CP-SAT
  workers for this 2-core machine, 10 s limit (everything included: "time max" shows it holds);
- bound: the PROVEN upper bound `solve` reports (the smaller of the aggregated LP relaxation's
  optimum and CP-SAT's best bound), and on the small sizes the exact optimum from CP-SAT run to
  optimality (`--exact-limit` seconds).

It prints one row per size with the median over seeds of the solve time and the worst ratios.
Two table settings per size: the issue's (tables are the scarce resource) and "ample" tables
(people's caps and availability are), the harder case for the heuristics.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))

from klynge.meetings import scheduler

SIZES = [
    # people, slots, tables, requests
    (40, 6, 6, 150),
    (40, 6, 20, 150),
    (200, 12, 20, 1_000),
    (200, 12, 100, 1_000),
    (500, 16, 40, 5_000),
    (500, 16, 250, 5_000),
    (1_000, 16, 80, 10_000),
    (1_000, 16, 500, 10_000),
    (2_000, 16, 150, 20_000),
    (2_000, 16, 1_000, 20_000),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--exact-limit", type=float, default=60.0)
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores at the start")
    print(
        f"{'people':>6} {'slots':>5} {'tables':>6} {'requests':>8} | {'greedy':>7} "
        f"{'klynge':>7} {'bound':>7} {'source':>6} {'exact':>7} | {'klynge/bound':>12} "
        f"{'greedy/bound':>12} | {'time p50':>8} {'time max':>8} {'greedy t':>8}"
    )
    for people, slots, tables, requests in SIZES:
        rows = []
        for seed in range(args.seeds):
            instance = scheduler.random_instance(
                people=people, slots=slots, tables=tables, requests=requests, seed=seed
            )
            started = time.perf_counter()
            greedy = scheduler.greedy_first_free(instance)
            greedy_time = time.perf_counter() - started
            assert scheduler.check(instance, greedy) == []
            result = scheduler.solve(instance, time_limit=args.time_limit, workers=args.workers)
            problems = scheduler.check(instance, result.slot_of)
            assert problems == [], problems[:5]
            exact = None
            if requests <= 1_000:
                exact_result = scheduler.solve(
                    instance,
                    time_limit=args.exact_limit,
                    workers=args.workers,
                    target_gap=0.0,
                    max_cp_vars=10**7,
                )
                if exact_result.optimal:
                    exact = exact_result.weight
            bound = min(result.bound, exact) if exact is not None else result.bound
            rows.append(
                {
                    "greedy": scheduler.weight_of(instance, greedy),
                    "weight": result.weight,
                    "bound": bound,
                    "source": "exact" if exact is not None else result.bound_source,
                    "exact": exact,
                    "time": result.seconds,
                    "greedy_time": greedy_time,
                }
            )
        worst = min(rows, key=lambda r: r["weight"] / r["bound"] if r["bound"] else 1)
        times = [r["time"] for r in rows]
        print(
            f"{people:>6} {slots:>5} {tables:>6} {requests:>8} | {worst['greedy']:>7} "
            f"{worst['weight']:>7} {int(worst['bound']):>7} {worst['source']:>6} "
            f"{worst['exact'] if worst['exact'] is not None else '–':>7} | "
            f"{min(r['weight'] / r['bound'] for r in rows):>12.2%} "
            f"{max(r['greedy'] / r['bound'] for r in rows):>12.2%} | "
            f"{statistics.median(times):>7.2f}s {max(times):>7.2f}s "
            f"{statistics.median(r['greedy_time'] for r in rows):>7.2f}s",
            flush=True,
        )
    print(f"load average {os.getloadavg()[0]:.1f} at the end")
    print(
        "Columns: weights of the worst seed (by klynge/bound); klynge/bound is the worst over "
        "seeds, greedy/bound the best; time = klynge's solve including the bound."
    )


if __name__ == "__main__":
    main()
