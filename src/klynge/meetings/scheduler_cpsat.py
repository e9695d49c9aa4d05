"""CP-SAT for the meeting scheduler, always inside a deadline.

The model is the count model of `scheduler`: one Boolean x[r, s] per request r and slot s the
two people share, with the tables of a slot as a count (tables in one slot are interchangeable,
`scheduler.assign_tables` numbers them afterwards). It is written straight into the model's
protocol buffer (Python's expression API took seconds for 50,000 variables) and solved in a
`CpSolver` whose time limit is the time left and whose `stop_search` a timer calls at the
deadline, so neither the presolve nor the search outlives the caller's deadline.

Two uses (see `scheduler.solve`):

- `solve_full`: the whole instance, when it is small (a few thousand variables) and CP-SAT
  proves the optimum in a second or two; its best bound is a proven bound on the optimum.
- `improve_by_neighbourhoods` (large neighbourhood search): above that the whole model did not
  pay. At 8,000 variables (200 people) CP-SAT found nothing better than the heuristic in 10 s,
  where neighbourhoods reached the proven bound in 2 to 5 s in three runs of four; at 58,000,
  building and presolving it alone took longer than the budget on a loaded machine. A few
  people around a request the schedule misses are set free with all their meetings,
  everything else stays where it is, and CP-SAT re-solves that small model exactly (a few
  thousand variables, milliseconds of presolve); a better placement is kept. Each round is
  short, so the schedule can only improve and is complete whenever the deadline comes.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

UNPLACED = -1
IDLE_ROUNDS = 15  # neighbourhood rounds in a row without a gain before the search gives up


@dataclass
class Outcome:
    slot_of: dict[int, int]  # per free request: its slot or UNPLACED
    weight: int  # of the free requests
    bound: float  # CP-SAT's proven bound on the free requests' weight (inf when unknown)
    optimal: bool
    seconds: float


def _import_cp_model():
    from ortools.sat.python import cp_model

    return cp_model


def solve_model(
    instance,
    common: Sequence[Sequence[int]],
    slot_of: Sequence[int],
    free: Sequence[int],
    *,
    stop_at: float,
    workers: int,
    upper: int | None = None,
    seed: int = 0,
) -> Outcome | None:
    """Re-places the requests `free` optimally with every other placed request of `slot_of`
    kept where it is, until `stop_at` (time.monotonic()). `upper` is a proven upper bound on
    the free requests' weight (a valid cut: CP-SAT stops when it reaches it). Returns None when
    there was no time to build and solve it."""
    started = time.monotonic()
    cp_model = _import_cp_model()
    requests, caps, tables = instance.requests, instance.caps, instance.slot_tables
    free_set = set(free)
    people = {p for r in free for p in requests[r][:2]}
    # What the fixed meetings take: each free request's people's busy slots and meetings, and
    # the tables of every slot.
    busy: dict[int, set[int]] = {p: set() for p in people}
    count: dict[int, int] = dict.fromkeys(people, 0)
    used = [0] * instance.n_slots
    for r, s in enumerate(slot_of):
        if s == UNPLACED or r in free_set:
            continue
        used[s] += 1
        a, b, _w = requests[r]
        for p in (a, b):
            if p in busy:
                busy[p].add(s)
                count[p] += 1

    model = cp_model.CpModel()
    proto = model.proto
    variables = proto.variables
    constraints = proto.constraints
    owner: list[tuple[int, int]] = []  # per variable: (request, slot)
    by_person_slot: dict[tuple[int, int], list[int]] = {}
    by_slot: list[list[int]] = [[] for _ in range(instance.n_slots)]
    by_person: dict[int, list[int]] = {p: [] for p in people}
    coefficients: list[int] = []
    hint: list[int] = []
    for r in free:
        a, b, w = requests[r]
        if count[a] >= caps[a] or count[b] >= caps[b]:
            continue
        first = len(owner)
        for s in common[r]:
            if s in busy[a] or s in busy[b] or used[s] >= tables[s]:
                continue
            x = len(owner)
            owner.append((r, s))
            variables.add().domain.extend((0, 1))
            by_person_slot.setdefault((a, s), []).append(x)
            by_person_slot.setdefault((b, s), []).append(x)
            by_slot[s].append(x)
            coefficients.append(-w)  # the protocol buffer minimises
            hint.append(1 if slot_of[r] == s else 0)
        row = range(first, len(owner))
        by_person[a].extend(row)
        by_person[b].extend(row)
        if len(row) > 1:
            constraints.add().at_most_one.literals.extend(row)
        if time.monotonic() > stop_at:
            return None
    if not owner:
        return Outcome({r: UNPLACED for r in free}, 0, 0.0, True, time.monotonic() - started)
    for xs in by_person_slot.values():
        if len(xs) > 1:
            constraints.add().at_most_one.literals.extend(xs)

    def at_most(xs: list[int], limit: int) -> None:
        linear = constraints.add().linear
        linear.vars.extend(xs)
        linear.coeffs.extend([1] * len(xs))
        linear.domain.extend((0, limit))

    for s, xs in enumerate(by_slot):
        if len(xs) > tables[s] - used[s]:
            at_most(xs, tables[s] - used[s])
    for p, xs in by_person.items():
        if len(xs) > caps[p] - count[p]:
            at_most(xs, caps[p] - count[p])
    n = len(owner)
    if upper is not None:
        linear = constraints.add().linear
        linear.vars.extend(range(n))
        linear.coeffs.extend(coefficients)
        linear.domain.extend((-int(upper), 0))
    proto.objective.vars.extend(range(n))
    proto.objective.coeffs.extend(coefficients)
    proto.objective.scaling_factor = -1.0
    proto.solution_hint.vars.extend(range(n))
    proto.solution_hint.values.extend(hint)

    seconds = stop_at - time.monotonic()
    if seconds < 0.05:
        return None
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = seconds
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    # The time limit is also checked by presolve, but not between all of its steps: a timer
    # stops the search at the deadline whatever CP-SAT is doing.
    timer = threading.Timer(seconds, solver.stop_search)
    timer.daemon = True
    timer.start()
    try:
        status = solver.solve(model)
    finally:
        timer.cancel()
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    values = solver.response_proto.solution
    placed = {r: UNPLACED for r in free}
    weight = 0
    for x, (r, s) in enumerate(owner):
        if values[x]:
            placed[r] = s
            weight += requests[r][2]
    return Outcome(
        slot_of=placed,
        weight=weight,
        bound=float(solver.best_objective_bound),
        optimal=status == cp_model.OPTIMAL,
        seconds=time.monotonic() - started,
    )


def solve_full(
    instance,
    common: Sequence[Sequence[int]],
    hint: Sequence[int],
    *,
    stop_at: float,
    workers: int,
    upper: int,
) -> Outcome | None:
    """The whole instance (every request free), hinted with `hint`."""
    return solve_model(
        instance,
        common,
        hint,
        range(len(instance.requests)),
        stop_at=stop_at,
        workers=workers,
        upper=upper,
    )


def _neighbourhood(instance, slot_of, by_person, seed_request: int, budget: int, common):
    """The requests to set free around `seed_request`: its two people, then the people they
    meet (breadth first) until the free requests have about `budget` slot options. Free: the
    requests between two of these people, and the unplaced ones of any of them."""
    requests = instance.requests
    a, b, _w = requests[seed_request]
    people = {a, b}
    queue = [a, b]
    free: set[int] = set()
    options = 0

    def add_requests_of(p: int) -> int:
        added = 0
        for r in by_person[p]:
            if r in free:
                continue
            x, y, _ = requests[r]
            other = y if x == p else x
            if slot_of[r] == UNPLACED or other in people:
                free.add(r)
                added += len(common[r])
        return added

    for p in (a, b):
        options += add_requests_of(p)
    head = 0
    while head < len(queue) and options < budget:
        p = queue[head]
        head += 1
        for r in by_person[p]:
            if slot_of[r] == UNPLACED:
                continue
            x, y, _ = requests[r]
            other = y if x == p else x
            if other not in people:
                people.add(other)
                queue.append(other)
                options += add_requests_of(other)
                if options >= budget:
                    break
    return sorted(free)


def improve_by_neighbourhoods(
    instance,
    common: Sequence[Sequence[int]],
    slot_of: list[int],
    *,
    priority: Sequence[float],
    stop_at: float,
    workers: int,
    upper: int,
    seed: int = 0,
    budget: int = 3000,
    round_seconds: float = 1.0,
) -> dict:
    """Large neighbourhood search (see module docstring), in place on `slot_of`, until
    `stop_at`, until the weight reaches `upper` (a proven bound: optimal), or until every
    missed request was the centre of a round since the last improvement, or after
    `IDLE_ROUNDS` rounds in a row without a gain. `priority` orders the
    missed requests (the LP's value, then the weight). Returns counters for the statistics."""
    _import_cp_model()  # once, before the rounds' clocks start (the first import takes a while)
    rng = random.Random(seed)  # noqa: S311 (which neighbourhood next, not a secret)
    requests = instance.requests
    by_person: list[list[int]] = [[] for _ in range(instance.n_people)]
    for r, (a, b, _w) in enumerate(requests):
        if common[r]:
            by_person[a].append(r)
            by_person[b].append(r)
    weight = sum(requests[r][2] for r, s in enumerate(slot_of) if s != UNPLACED)
    rounds = improved = idle = 0
    tried: set[int] = set()
    while weight < upper and idle < IDLE_ROUNDS:
        left = stop_at - time.monotonic()
        if left < 0.1:
            break
        missed = [
            r for r, s in enumerate(slot_of) if s == UNPLACED and common[r] and r not in tried
        ]
        if not missed:
            break
        # Mostly the most promising missed request, sometimes another, so rounds differ.
        missed.sort(key=lambda r: (-priority[r], -requests[r][2], r))
        centre = missed[0] if rng.random() < 0.7 else rng.choice(missed)
        tried.add(centre)
        free = _neighbourhood(instance, slot_of, by_person, centre, budget, common)
        before = sum(requests[r][2] for r in free if slot_of[r] != UNPLACED)
        outcome = solve_model(
            instance,
            common,
            slot_of,
            free,
            stop_at=min(stop_at, time.monotonic() + round_seconds),
            workers=workers,
            upper=upper - (weight - before),
            seed=rounds,
        )
        rounds += 1
        if outcome is None:
            budget = max(500, budget // 2)
            idle += 1
            continue
        if outcome.weight > before:
            for r, s in outcome.slot_of.items():
                slot_of[r] = s
            weight += outcome.weight - before
            improved += 1
            idle = 0
            tried.clear()
        else:
            idle += 1
        # Adapt the size: grow while rounds are proven optimal fast, shrink when they are not.
        if outcome.optimal and outcome.seconds < 0.25 * round_seconds:
            budget = min(30_000, int(budget * 1.3))
        elif not outcome.optimal:
            budget = max(500, int(budget * 0.7))
    return {"rounds": rounds, "improved": improved, "budget": budget}
