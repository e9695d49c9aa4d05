"""The meeting scheduler: place as many (priority-weighted) accepted requests as possible.

Pure Python (no Django), so the benchmark and the tests drive it directly.

The problem. Requests r = (a, b, w) between people a and b with weight w; slots s with T_s
tables; each person p has free slots A_p and a cap c_p. Tables in one slot are interchangeable,
so a schedule is a choice of (request, slot) pairs x[r, s] in {0, 1}:

    maximise   sum w_r x[r, s]
    subject to sum_s x[r, s] <= 1                    (a request is met at most once)
               sum_{r with p} x[r, s] <= 1           (nobody in two places at once)
               sum_r x[r, s] <= T_s                  (no table used twice)
               sum_{r with p, s} x[r, s] <= c_p      (per-person cap)
               x[r, s] = 0 unless s in A_a and A_b   (availability)

Tables are numbered per slot afterwards. How it is solved (`solve`):

1. An upper bound from a linear relaxation (HiGHS through scipy) of the aggregated problem:
   y_r in [0, 1], sum_{r with p} y_r <= min(c_p, |A_p|), sum_r y_r <= sum_s T_s. It is valid
   (every schedule gives a feasible y) and solves in well under a second at 20,000 requests.
2. A primal solution: requests in order of (weight, LP value) are placed greedily in a common
   free slot, then a repair pass inserts unplaced requests by moving one blocking meeting to
   another slot.
3. If the proven gap is still above `target_gap`, CP-SAT (OR-Tools, `scheduler_cpsat`) within
   the time left: the exact model above, hinted with that solution, when it is small enough
   (its proven bound, `best_objective_bound`, tightens the LP's); else, since building and
   presolving 50,000 variables alone can take longer than the budget, small neighbourhoods
   of the schedule (the people around a missed request) re-solved exactly one after another.
   Everything, presolve included, stops at the deadline.

The result always carries a PROVEN upper bound (`bound`), the smaller of the two.
`greedy_first_free` is the baseline peers use: requests in the order they were accepted, each in
the first common free slot.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

UNPLACED = -1


@dataclass
class Instance:
    n_people: int
    slot_tables: list[int]  # tables free in each slot
    requests: list[tuple[int, int, int]]  # (person a, person b, weight)
    available: list[frozenset[int]]  # per person: the slots they are free in
    caps: list[int]  # per person: meetings at most

    @property
    def n_slots(self) -> int:
        return len(self.slot_tables)

    def common_slots(self, r: int) -> list[int]:
        a, b, _w = self.requests[r]
        return sorted(self.available[a] & self.available[b])


@dataclass
class Result:
    slot_of: list[int]  # per request: its slot, or UNPLACED
    weight: int
    bound: float  # a proven upper bound on the optimum
    bound_source: str
    optimal: bool
    seconds: float
    stats: dict = field(default_factory=dict)

    @property
    def placed(self) -> int:
        return sum(1 for s in self.slot_of if s != UNPLACED)

    @property
    def ratio(self) -> float:
        return self.weight / self.bound if self.bound > 0 else 1.0


def weight_of(instance: Instance, slot_of: Sequence[int]) -> int:
    return sum(w for (_a, _b, w), s in zip(instance.requests, slot_of, strict=True) if s >= 0)


def check(instance: Instance, slot_of: Sequence[int]) -> list[str]:
    """Every rule a schedule breaks (empty: feasible)."""
    problems = []
    busy: set[tuple[int, int]] = set()
    used = [0] * instance.n_slots
    count = [0] * instance.n_people
    for r, s in enumerate(slot_of):
        if s == UNPLACED:
            continue
        a, b, _w = instance.requests[r]
        if not 0 <= s < instance.n_slots:
            problems.append(f"request {r}: no slot {s}")
            continue
        for p in (a, b):
            if s not in instance.available[p]:
                problems.append(f"request {r}: person {p} is not free in slot {s}")
            if (p, s) in busy:
                problems.append(f"request {r}: person {p} is in two places in slot {s}")
            busy.add((p, s))
            count[p] += 1
        used[s] += 1
    for s, n in enumerate(used):
        if n > instance.slot_tables[s]:
            problems.append(f"slot {s}: {n} meetings at {instance.slot_tables[s]} tables")
    for p, n in enumerate(count):
        if n > instance.caps[p]:
            problems.append(f"person {p}: {n} meetings, cap {instance.caps[p]}")
    return problems


def assign_tables(slot_of: Sequence[int], n_slots: int) -> list[int]:
    """Per request, its table index within its slot (0, 1, ...), or UNPLACED."""
    next_table = [0] * n_slots
    tables = []
    for s in slot_of:
        if s == UNPLACED:
            tables.append(UNPLACED)
        else:
            tables.append(next_table[s])
            next_table[s] += 1
    return tables


class _State:
    """A partial schedule with the bookkeeping for constant-time feasibility checks."""

    def __init__(self, instance: Instance):
        self.inst = instance
        self.slot_of = [UNPLACED] * len(instance.requests)
        self.left = list(instance.slot_tables)
        self.count = [0] * instance.n_people
        self.busy: list[dict[int, int]] = [{} for _ in range(instance.n_people)]  # slot -> r
        self.in_slot: list[set[int]] = [set() for _ in range(instance.n_slots)]
        self.common = [instance.common_slots(r) for r in range(len(instance.requests))]

    def can(self, r: int, s: int) -> bool:
        a, b, _w = self.inst.requests[r]
        return self.left[s] > 0 and s not in self.busy[a] and s not in self.busy[b]

    def fits_caps(self, r: int) -> bool:
        a, b, _w = self.inst.requests[r]
        return self.count[a] < self.inst.caps[a] and self.count[b] < self.inst.caps[b]

    def place(self, r: int, s: int) -> None:
        a, b, _w = self.inst.requests[r]
        self.slot_of[r] = s
        self.left[s] -= 1
        self.in_slot[s].add(r)
        for p in (a, b):
            self.count[p] += 1
            self.busy[p][s] = r

    def remove(self, r: int) -> None:
        s = self.slot_of[r]
        a, b, _w = self.inst.requests[r]
        self.slot_of[r] = UNPLACED
        self.left[s] += 1
        self.in_slot[s].discard(r)
        for p in (a, b):
            self.count[p] -= 1
            del self.busy[p][s]

    def move(self, r: int, exclude: int) -> bool:
        """Moves placed request r to another feasible slot (not `exclude`)."""
        current = self.slot_of[r]
        for s in self.common[r]:
            if s != current and s != exclude and self.can(r, s):
                self.remove(r)
                self.place(r, s)
                return True
        return False

    def insert_with_one_move(self, r: int) -> bool:
        """Places r, possibly after moving one meeting that blocks a common slot."""
        if not self.fits_caps(r):
            return False
        a, b, _w = self.inst.requests[r]
        for s in self.common[r]:
            if self.can(r, s):
                self.place(r, s)
                return True
        for s in self.common[r]:
            blockers = {self.busy[p][s] for p in (a, b) if s in self.busy[p]}
            if len(blockers) == 1 and (self.left[s] > 0 or blockers):
                # One of the two is busy: move that meeting elsewhere (frees a table too).
                (blocker,) = blockers
                if self.move(blocker, exclude=s) and self.can(r, s):
                    self.place(r, s)
                    return True
            elif not blockers and self.left[s] == 0:
                # Both free but the slot is full: move any meeting out to a slot with room.
                for other in list(self.in_slot[s]):
                    if self.move(other, exclude=s):
                        self.place(r, s)
                        return True
        return False


def greedy_first_free(instance: Instance, order: Sequence[int] | None = None) -> list[int]:
    """The peers' baseline: requests in the given order (default: as listed, i.e. as accepted),
    each placed in the first slot both people are free in, with a table left, within caps."""
    state = _State(instance)
    for r in order if order is not None else range(len(instance.requests)):
        if not state.fits_caps(r):
            continue
        for s in state.common[r]:
            if state.can(r, s):
                state.place(r, s)
                break
    return state.slot_of


def lp_bound(
    instance: Instance, *, time_limit: float | None = None
) -> tuple[float, np.ndarray | None]:
    """The aggregated LP relaxation's optimum (a proven upper bound) and its solution y_r;
    (inf, None) when HiGHS did not finish within `time_limit` seconds."""
    from scipy.optimize import linprog
    from scipy.sparse import csr_matrix

    m = len(instance.requests)
    if m == 0:
        return 0.0, np.zeros(0)
    weights = np.array([w for _a, _b, w in instance.requests], dtype=float)
    upper = np.array([1.0 if instance.common_slots(r) else 0.0 for r in range(m)])
    people = np.array([[a, b] for a, b, _w in instance.requests], dtype=np.int64)
    rows = np.concatenate([people[:, 0], people[:, 1], np.full(m, instance.n_people)])
    cols = np.concatenate([np.arange(m)] * 3)
    matrix = csr_matrix((np.ones(3 * m), (rows, cols)), shape=(instance.n_people + 1, m))
    limits = [min(instance.caps[p], len(instance.available[p])) for p in range(instance.n_people)]
    limits.append(sum(instance.slot_tables))
    result = linprog(
        -weights,
        A_ub=matrix,
        b_ub=np.array(limits, dtype=float),
        bounds=np.column_stack([np.zeros(m), upper]),
        method="highs",
        options={} if time_limit is None else {"time_limit": time_limit},
    )
    if result.status != 0:  # the LP is always feasible (y = 0) and bounded: out of time
        return float("inf"), None
    return float(-result.fun), result.x


def _primal(instance: Instance, y: np.ndarray, deadline: float, bound: float) -> list[int]:
    state = _State(instance)
    m = len(instance.requests)
    # LP rounding: what the relaxation takes fully first, then by weight, then those with
    # fewer options.
    order = sorted(
        range(m),
        key=lambda r: (-round(float(y[r]), 2), -instance.requests[r][2], len(state.common[r])),
    )
    for r in order:
        if not state.fits_caps(r):
            continue
        options = [s for s in state.common[r] if state.can(r, s)]
        if options:
            # The slot with the most tables left keeps scarce slots for the others.
            state.place(r, max(options, key=lambda s: (state.left[s], -s)))
    weight = weight_of(instance, state.slot_of)
    for _round in range(3):
        improved = False
        for r in order:
            if weight >= bound - 1e-6 or time.monotonic() > deadline:
                return state.slot_of
            if state.slot_of[r] == UNPLACED and state.insert_with_one_move(r):
                weight += instance.requests[r][2]
                improved = True
        if not improved:
            break
    return state.slot_of


FULL_MODEL_VARS = 3_000  # above this, CP-SAT works on neighbourhoods (see scheduler_cpsat)


def _combinatorial_bound(instance: Instance) -> float:
    """A weaker proven bound for when the LP has no time: every request that can happen,
    at most one meeting per table and slot and per two free person-slots."""
    weights = sorted(
        (w for r, (_a, _b, w) in enumerate(instance.requests) if instance.common_slots(r)),
        reverse=True,
    )
    person_slots = sum(
        min(instance.caps[p], len(instance.available[p])) for p in range(instance.n_people)
    )
    most = min(len(weights), sum(instance.slot_tables), person_slots // 2)
    return float(sum(weights[:most]))


def solve(
    instance: Instance,
    *,
    time_limit: float = 10.0,
    workers: int = 2,
    target_gap: float = 0.001,
    max_cp_vars: int = FULL_MODEL_VARS,
    seed: int = 0,
) -> Result:
    """The best schedule found within `time_limit` seconds (wall clock, everything included),
    with a proven upper bound.

    1. The LP bound (HiGHS, limited to the time left; a combinatorial bound if it runs out).
    2. LP rounding, greedy and repair: a complete schedule in well under a second.
    3. While the proven gap is above `target_gap` and time is left: CP-SAT on the whole model
       when it has at most `max_cp_vars` variables (its bound then tightens the LP's), else on
       neighbourhoods of missed requests (`scheduler_cpsat.improve_by_neighbourhoods`). Both
       stop at the deadline, presolve included; the schedule from 2 is kept unless they find a
       better one."""
    from klynge.meetings import scheduler_cpsat

    started = time.monotonic()
    # A little is kept back for writing out the result and for CP-SAT noticing its stop.
    stop_at = started + time_limit - min(0.5, 0.05 * time_limit)
    stats: dict = {}
    lp_seconds = 0.5 * (stop_at - started)
    bound, y = lp_bound(instance, time_limit=lp_seconds) if lp_seconds > 0.05 else (0.0, None)
    if y is None:
        bound, y = _combinatorial_bound(instance), np.zeros(len(instance.requests))
        stats["lp"] = "timed out"
    stats["lp_bound"] = bound
    stats["lp_seconds"] = round(time.monotonic() - started, 3)
    upper = int(np.floor(bound + 1e-6))
    slot_of = _primal(instance, y, stop_at, upper)
    weight = weight_of(instance, slot_of)
    stats["heuristic_weight"] = weight
    stats["heuristic_seconds"] = round(time.monotonic() - started, 3)
    source = "combinatorial" if "lp" in stats else "lp"
    optimal = weight >= upper
    common = [instance.common_slots(r) for r in range(len(instance.requests))]
    n_vars = sum(len(c) for c in common)
    stats["variables"] = n_vars
    gap = (upper - weight) / upper if upper > 0 else 0.0
    if not optimal and gap > target_gap and stop_at - time.monotonic() > 0.3:
        if n_vars <= max_cp_vars:
            stats["method"] = "cp-sat"
            outcome = scheduler_cpsat.solve_full(
                instance, common, slot_of, stop_at=stop_at, workers=workers, upper=upper
            )
            if outcome is not None:
                stats["cp_sat_bound"] = outcome.bound
                if outcome.weight > weight:
                    slot_of = [outcome.slot_of[r] for r in range(len(instance.requests))]
                    weight = outcome.weight
                if outcome.bound < bound:
                    bound, source = outcome.bound, "cp-sat"
                optimal = outcome.optimal or weight >= np.floor(bound + 1e-6)
        else:
            stats["method"] = "neighbourhoods"
            priority = [round(float(v), 2) for v in y]
            stats.update(
                scheduler_cpsat.improve_by_neighbourhoods(
                    instance,
                    common,
                    slot_of,
                    priority=priority,
                    stop_at=stop_at,
                    workers=workers,
                    upper=upper,
                    seed=seed,
                )
            )
            weight = weight_of(instance, slot_of)
            optimal = weight >= upper
    # Integer weights: the optimum is at most the bound rounded down.
    bound = float(np.floor(bound + 1e-6))
    return Result(
        slot_of=slot_of,
        weight=weight,
        bound=bound,
        bound_source=source,
        optimal=optimal,
        seconds=time.monotonic() - started,
        stats=stats,
    )


def brute_force(instance: Instance) -> tuple[int, list[int]]:
    """The exact optimum by enumeration (tiny instances only, for tests)."""
    options = [[UNPLACED, *instance.common_slots(r)] for r in range(len(instance.requests))]
    best, best_slots = -1, []
    for combo in itertools.product(*options):
        if not check(instance, combo):
            w = weight_of(instance, combo)
            if w > best:
                best, best_slots = w, list(combo)
    return best, best_slots


def random_instance(
    *,
    people: int,
    slots: int,
    tables: int,
    requests: int,
    cap: int = 8,
    seed: int = 0,
) -> Instance:
    """A generated matchmaking day like the real ones: most people free all day, some only part
    of it; requests go to popular people more often (a Zipf-like popularity); priorities 1 to 3
    (nice to meet, want to meet, must meet) with 30/50/20 %; every pair asks at most once."""
    rng = np.random.default_rng(seed)
    available = []
    for _p in range(people):
        if rng.random() < 0.6:
            available.append(frozenset(range(slots)))
        else:
            k = int(rng.integers(max(1, slots // 3), slots + 1))
            start = int(rng.integers(0, slots - k + 1))
            available.append(frozenset(range(start, start + k)))
    popularity = 1.0 / np.arange(1, people + 1) ** 0.6
    popularity /= popularity.sum()
    targets = rng.permutation(people)
    seen: set[tuple[int, int]] = set()
    result: list[tuple[int, int, int]] = []
    priorities = np.array([1, 2, 3])
    limit = people * (people - 1) // 2
    while len(result) < min(requests, limit):
        batch = requests - len(result)
        senders = rng.integers(0, people, size=batch)
        recipients = targets[rng.choice(people, size=batch, p=popularity)]
        weights = rng.choice(priorities, size=batch, p=[0.3, 0.5, 0.2])
        for a, b, w in zip(senders.tolist(), recipients.tolist(), weights.tolist(), strict=True):
            pair = (min(a, b), max(a, b))
            if a == b or pair in seen:
                continue
            seen.add(pair)
            result.append((a, b, w))
            if len(result) == requests:
                break
    return Instance(
        n_people=people,
        slot_tables=[tables] * slots,
        requests=result,
        available=available,
        caps=[cap] * people,
    )
