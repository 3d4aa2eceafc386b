"""Group-wise ranking helpers agree with a plain sort, ties and all (issue 5 speed-ups)."""

from __future__ import annotations

import numpy as np
import pytest

from sim.model.arrays import groups
from sim.model.arrays.groups import (
    GroupOrder,
    cumsum_within_groups,
    priority_key,
    rank_within_groups,
    within_top,
)
from sim.model.training import Training


def reference_rank(group, priority):
    order = np.lexsort((priority, group))
    rank = np.empty(len(group), dtype=np.int64)
    for position, i in enumerate(order):
        first = np.searchsorted(group[order], group[i])
        rank[i] = position - first
    return rank


def random_case(seed, n=3000, groups=40, ties=False):
    rng = np.random.default_rng(seed)
    group = rng.integers(0, groups, n)
    value = rng.gamma(2.0, 500.0, n)
    if ties:
        value = np.round(value / 200) * 200 + 1
    return rng, group, value


@pytest.mark.parametrize("ties", [False, True])
def test_group_order_ranks_like_lexsort(ties):
    _, group, value = random_case(1, ties=ties)
    assert np.array_equal(rank_within_groups(group, -value), reference_rank(group, -value))
    running = cumsum_within_groups(group, -value, np.ones(len(group)))
    assert np.array_equal(running, reference_rank(group, -value) + 1)


@pytest.mark.parametrize("seed", range(6))
def test_within_top_matches_full_ranking(seed):
    rng, group, value = random_case(seed, ties=seed % 2 == 0)
    count = rng.integers(0, 120, 40)
    expected = GroupOrder(group, -value).rank() < count[group]
    assert np.array_equal(within_top(group, value, count), expected)


@pytest.mark.parametrize("compiled", [False, True], ids=["numpy", "compiled"])
@pytest.mark.parametrize("seed", range(4))
def test_choose_programs_is_the_first_of_the_full_ranking(seed, compiled):
    """Each worker's best program (adjacent rows, as plan_programs lists them) is the row a
    full ranking puts first, with float32 ties, -0.0 and NaN values among the options."""
    rng = np.random.default_rng(seed)
    worker = np.repeat(np.arange(2000), rng.integers(1, 7, 2000))
    value = np.round(rng.normal(0, 300, len(worker)) / 100) * 100  # many exact ties
    value[rng.random(len(worker)) < 0.01] = np.nan
    value[rng.random(len(worker)) < 0.05] = -0.0
    value += rng.normal(0, 1e-6, len(worker)) * (rng.random(len(worker)) < 0.1)  # near ties
    expected = np.flatnonzero(rank_within_groups(worker, -value) == 0)
    assert np.array_equal(Training.choose_programs(worker, value, compiled), expected)


def test_selection_respects_capacity_cash_and_value_order():
    rng, employer, value = random_case(7, n=5000, groups=60)
    value = value - 800.0  # some candidates are not worth training
    outlay = rng.uniform(500, 3000, len(value))
    cash = np.where(rng.random(60) < 0.4, rng.uniform(0, 8000, 60), np.inf)
    capacity = rng.integers(1, 40, 60)
    chosen = Training.select_within_employers(employer, value, outlay, cash, capacity)
    positive = np.flatnonzero(value > 0)
    order = GroupOrder(employer[positive], -value[positive])
    rank, spent = order.rank(), order.cumsum(outlay[positive])
    emp = employer[positive]
    expected = positive[(rank < capacity[emp]) & (spent <= cash[emp])]
    assert np.array_equal(chosen, expected)
    assert (np.bincount(employer[chosen], minlength=60) <= capacity).all()


def test_running_totals_stay_exact_for_many_float32_values():
    """Running totals of float32 outlays accumulate in float64: over a million values a
    float32 running sum is off by dollars, enough to flip cash-limit decisions."""
    rng = np.random.default_rng(3)
    group = rng.integers(0, 50_000, 1_000_000)
    outlay = rng.uniform(500, 3000, 1_000_000).astype(np.float32)
    running = cumsum_within_groups(group, np.zeros(len(group)), outlay)
    order = np.lexsort((np.arange(len(group)), group))
    expected = np.empty(len(group))
    sorted_group, sorted_outlay = group[order], outlay[order].astype(np.float64)
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_group)) + 1]
    totals = np.cumsum(sorted_outlay)
    expected[order] = totals - np.repeat(
        np.r_[0.0, totals][starts], np.diff(np.r_[starts, len(group)])
    )
    assert np.max(np.abs(running - expected)) < 1e-3


@pytest.fixture
def numpy_only(monkeypatch):
    """Run the NumPy formulation whatever the size (the compiled loops start at none)."""

    def numpy(on: bool) -> None:
        monkeypatch.setattr(groups, "COMPILED_FROM", 10**12 if on else 0)
        monkeypatch.setattr(groups, "COMPILED_ONCE_LOADED", 10**12 if on else 0)

    return numpy


@pytest.mark.parametrize("seed", range(4))
def test_compiled_order_is_the_numpy_order(seed, numpy_only):
    """The compiled counting sort gives exactly the ranks and running totals of one stable
    sort of ``group_priority_key`` (the NumPy formulation), for small groups (insertion sort)
    and large ones (merge sort), ties, -0.0, NaN and sparse group ids."""
    rng = np.random.default_rng(seed)
    n = 20_000
    group = rng.integers(0, [30, 3000, 10**7, 2][seed], n)
    priority = np.round(rng.normal(size=n), 2)  # many ties
    priority[rng.random(n) < 0.01] = -0.0
    priority[rng.random(n) < 0.001] = np.nan
    values = rng.uniform(0, 1000, n).astype(np.float32)
    results = []
    for numpy in (True, False):
        numpy_only(numpy)
        by_group = GroupOrder(group, priority)
        results.append((by_group.rank(), by_group.cumsum(values)))
    assert np.array_equal(results[0][0], results[1][0])
    assert np.array_equal(results[0][1], results[1][1])  # bit for bit


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("seed", range(3))
def test_compiled_within_top_is_the_numpy_one_with_near_ties(dtype, seed, numpy_only):
    rng = np.random.default_rng(seed)
    group = rng.integers(0, 200, 30_000)
    value = (1000 + rng.integers(0, 50, len(group)) * 1e-5).astype(dtype)  # float32 ties
    value[: len(value) // 2] = rng.gamma(2.0, 500.0, len(value) // 2).astype(dtype)
    count = rng.integers(0, 200, 200)
    numpy_only(True)
    expected = within_top(group, value, count)
    numpy_only(False)
    assert np.array_equal(within_top(group, value, count), expected)


@pytest.mark.parametrize("seed", range(4))
def test_compiled_selection_is_the_numpy_one(seed, numpy_only):
    """Training.select_within_employers in one compiled pass chooses exactly the candidates
    the NumPy formulation chooses: capacity, cash limits (running totals bit for bit), float32
    ties, NaN, float32 outlays and the fixed cost (each employer's chosen values summed as
    np.bincount sums them)."""
    rng, employer, value = random_case(seed, n=20_000, groups=300, ties=seed % 2 == 0)
    value = value - 800.0
    value[rng.random(len(value)) < 0.01] = np.nan
    outlay = rng.uniform(500, 3000, len(value)).astype([np.float32, np.float64][seed % 2])
    cash = np.where(rng.random(300) < 0.5, rng.uniform(0, 20_000, 300), np.inf)
    capacity = rng.integers(1, 40, 300)
    for fixed_cost in (None, 2000.0):
        chosen = []
        for numpy in (True, False):
            numpy_only(numpy)
            chosen.append(
                Training.select_within_employers(
                    employer, value, outlay, cash, capacity, fixed_cost
                )
            )
        assert len(chosen[0]) > 0 and np.array_equal(chosen[0], chosen[1])
        if fixed_cost is None:
            without_fixed_cost = chosen[0]
    dropped = np.setdiff1d(without_fixed_cost, chosen[0])
    assert len(dropped) > 0 and np.isin(chosen[0], without_fixed_cost).all()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_compiled_priority_key_is_the_numpy_key(dtype, numpy_only):
    """The same integer key for every float, -0.0, NaN of either sign, infinities,
    subnormals and float64 values beyond float32's range."""
    rng = np.random.default_rng(1)
    value = rng.normal(0, 1000, 50_000).astype(dtype)
    for step, special in ((97, -0.0), (101, np.nan), (103, -np.nan), (107, np.inf)):
        value[::step] = special
    value[::109], value[::113], value[::127] = -np.inf, 1e-45, -1e-45
    if dtype == np.float64:
        value[::131] = 1e39  # beyond float32: becomes inf, as NumPy casts it
    keys = []
    for numpy in (True, False):
        numpy_only(numpy)
        with np.errstate(over="ignore"):
            keys.append(priority_key(value))
    assert keys[1].dtype == keys[0].dtype and np.array_equal(keys[1], keys[0])


@pytest.mark.parametrize("threads", [False, True], ids=["one thread", "threads"])
@pytest.mark.parametrize("seed", range(3))
def test_among_first_is_the_rank_below_the_count(seed, threads, numpy_only, monkeypatch):
    """among_first (compiled, on one thread or split across threads) keeps exactly the elements
    whose rank is below their group's count: ties, NaN priorities, and fractional, zero,
    negative, infinite and NaN counts (seats are float)."""
    from sim.model.arrays import compiled_groups

    if threads:
        monkeypatch.setattr(compiled_groups, "PARALLEL_ROWS", 0)
    rng, group, value = random_case(seed, n=20_000, groups=300, ties=True)
    value[rng.random(len(value)) < 0.01] = np.nan
    count = rng.uniform(-2, 60, 300)
    count[::7], count[::11], count[::13] = np.inf, np.nan, 0.0
    for counts in (count, np.floor(np.nan_to_num(count, posinf=100)).astype(np.int64)):
        chosen = []
        for numpy in (True, False):
            numpy_only(numpy)
            chosen.append(groups.among_first(group, value, counts))
        expected = rank_within_groups(group, value) < counts[group]
        assert chosen[0].any() and np.array_equal(chosen[0], expected)
        assert np.array_equal(chosen[1], expected)
