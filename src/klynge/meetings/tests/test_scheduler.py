import random

import pytest

from klynge.meetings import scheduler
from klynge.meetings.scheduler import UNPLACED, Instance


@pytest.fixture(autouse=True, scope="module")
def _solvers_imported():
    # The first import of OR-Tools and SciPy's HiGHS takes seconds on a loaded machine and
    # counts against `solve`'s deadline; these tests are about the schedules, not cold imports.
    from ortools.sat.python import cp_model  # noqa: F401
    from scipy.optimize import linprog  # noqa: F401


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


@pytest.mark.parametrize("seed", range(40))
def test_neighbourhood_search_alone_is_optimal_on_tiny_instances(seed):
    # max_cp_vars=0: never the whole model, only neighbourhoods; on a tiny instance one
    # neighbourhood holds every request, so the search must reach the optimum.
    instance = _tiny(seed)
    best, _slots = scheduler.brute_force(instance)
    result = scheduler.solve(instance, time_limit=5, max_cp_vars=0, target_gap=0.0)
    assert scheduler.check(instance, result.slot_of) == []
    assert result.weight == best
    assert result.bound >= best


def test_neighbourhood_search_repairs_a_poor_schedule_and_keeps_it_feasible():
    from klynge.meetings import scheduler_cpsat

    instance = scheduler.random_instance(people=120, slots=8, tables=30, requests=700, seed=4)
    common = [instance.common_slots(r) for r in range(len(instance.requests))]
    start = scheduler.greedy_first_free(instance)
    slot_of = list(start)
    bound, y = scheduler.lp_bound(instance)
    stats = scheduler_cpsat.improve_by_neighbourhoods(
        instance,
        common,
        slot_of,
        priority=[float(v) for v in y],
        stop_at=float("inf"),
        workers=1,
        upper=int(bound),
    )
    assert scheduler.check(instance, slot_of) == []
    assert stats["improved"] >= 1
    assert scheduler.weight_of(instance, start) < scheduler.weight_of(instance, slot_of) <= bound


def test_a_model_without_time_left_is_not_built_and_the_schedule_is_kept():
    from klynge.meetings import scheduler_cpsat

    instance = scheduler.random_instance(people=60, slots=6, tables=10, requests=300, seed=1)
    common = [instance.common_slots(r) for r in range(len(instance.requests))]
    start = scheduler.greedy_first_free(instance)
    outcome = scheduler_cpsat.solve_model(
        instance, common, start, range(len(start)), stop_at=0.0, workers=1
    )
    assert outcome is None
    slot_of = list(start)
    stats = scheduler_cpsat.improve_by_neighbourhoods(
        instance, common, slot_of, priority=[0.0] * len(start), stop_at=0.0, workers=1, upper=10**6
    )
    assert (slot_of, stats["rounds"]) == (start, 0)


def test_with_almost_no_time_the_schedule_is_still_complete_and_bounded():
    # The LP gets no time: the weaker combinatorial bound stands in; the greedy still runs.
    instance = scheduler.random_instance(people=300, slots=12, tables=40, requests=2500, seed=2)
    result = scheduler.solve(instance, time_limit=0.0)
    assert scheduler.check(instance, result.slot_of) == []
    assert result.stats["lp"] == "timed out"
    assert result.bound_source == "combinatorial"
    assert 0 < result.weight <= result.bound


def test_combinatorial_bound_is_a_valid_bound_on_tiny_instances():
    for seed in range(40):
        instance = _tiny(seed)
        best, _slots = scheduler.brute_force(instance)
        assert scheduler._combinatorial_bound(instance) >= best


def test_tables_numbered_after_the_count_model_are_never_used_twice():
    # The model only counts meetings per slot; numbering the tables afterwards must give each
    # meeting of a slot its own table, within the tables the slot has.
    instance = scheduler.random_instance(people=400, slots=10, tables=25, requests=3000, seed=5)
    result = scheduler.solve(instance, time_limit=3, max_cp_vars=0)
    tables = scheduler.assign_tables(result.slot_of, instance.n_slots)
    per_slot: dict[int, list[int]] = {}
    for s, t in zip(result.slot_of, tables, strict=True):
        if s == UNPLACED:
            assert t == UNPLACED
        else:
            per_slot.setdefault(s, []).append(t)
    assert sum(len(ts) for ts in per_slot.values()) == result.placed
    for s, ts in per_slot.items():
        assert sorted(ts) == list(range(len(ts)))
        assert len(ts) <= instance.slot_tables[s]
    # Tables are the scarce resource here: some slots use every table.
    assert any(len(ts) == instance.slot_tables[s] for s, ts in per_slot.items())
