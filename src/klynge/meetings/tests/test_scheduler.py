import random

import pytest

from klynge.meetings import scheduler
from klynge.meetings.scheduler import UNPLACED, Instance


def _tiny(seed: int) -> Instance:
    rng = random.Random(seed)
    people, slots = rng.randint(3, 5), rng.randint(2, 3)
    pairs = [(a, b) for a in range(people) for b in range(a + 1, people)]
    rng.shuffle(pairs)
    requests = [(a, b, rng.randint(1, 3)) for a, b in pairs[: rng.randint(3, 7)]]
    available = [
        frozenset(s for s in range(slots) if rng.random() < 0.75) or frozenset({0})
        for _ in range(people)
    ]
    return Instance(
        n_people=people,
        slot_tables=[rng.randint(1, 2) for _ in range(slots)],
        requests=requests,
        available=available,
        caps=[rng.randint(1, 3) for _ in range(people)],
    )


def test_checker_finds_every_kind_of_violation():
    instance = Instance(
        n_people=3,
        slot_tables=[1, 1],
        requests=[(0, 1, 1), (0, 2, 1), (1, 2, 1)],
        available=[frozenset({0, 1}), frozenset({0}), frozenset({0, 1})],
        caps=[1, 2, 2],
    )
    assert scheduler.check(instance, [UNPLACED, 1, 0]) == []
    assert scheduler.check(instance, [0, 0, 1]) == [
        "request 1: person 0 is in two places in slot 0",
        "request 2: person 1 is not free in slot 1",
        "slot 0: 2 meetings at 1 tables",
        "person 0: 2 meetings, cap 1",
    ]


@pytest.mark.parametrize("seed", range(40))
def test_solve_is_optimal_on_tiny_instances_against_brute_force(seed):
    instance = _tiny(seed)
    best, _slots = scheduler.brute_force(instance)
    result = scheduler.solve(instance, time_limit=5)
    assert scheduler.check(instance, result.slot_of) == []
    assert result.weight == best
    assert result.bound >= best
    assert result.optimal is True


@pytest.mark.parametrize("seed", range(6))
def test_random_instances_are_feasible_and_within_the_proven_bound(seed):
    instance = scheduler.random_instance(
        people=60 + 20 * seed, slots=8, tables=4 + 3 * seed, requests=300 + 50 * seed, seed=seed
    )
    result = scheduler.solve(instance, time_limit=3)
    greedy = scheduler.greedy_first_free(instance)
    assert scheduler.check(instance, result.slot_of) == []
    assert scheduler.check(instance, greedy) == []
    assert scheduler.weight_of(instance, greedy) <= result.weight <= result.bound
    assert result.ratio >= 0.99
    tables = scheduler.assign_tables(result.slot_of, instance.n_slots)
    seen = {(s, t) for s, t in zip(result.slot_of, tables, strict=True) if s != UNPLACED}
    assert len(seen) == result.placed
    assert all(t < instance.slot_tables[s] for s, t in seen)


def test_greedy_takes_requests_in_order_and_the_solver_prefers_priority():
    # One slot, one table: the greedy keeps the first request, the solver the heavier one.
    instance = Instance(
        n_people=4,
        slot_tables=[1],
        requests=[(0, 1, 1), (2, 3, 3)],
        available=[frozenset({0})] * 4,
        caps=[1] * 4,
    )
    assert scheduler.greedy_first_free(instance) == [0, UNPLACED]
    result = scheduler.solve(instance)
    assert (result.slot_of, result.weight, result.bound) == ([UNPLACED, 0], 3, 3.0)


def test_empty_instance():
    instance = Instance(n_people=0, slot_tables=[2], requests=[], available=[], caps=[])
    result = scheduler.solve(instance)
    assert (result.slot_of, result.weight, result.bound, result.optimal) == ([], 0, 0.0, True)
