"""Random streams: a worker's draw depends only on (seed, stream, month, id), never on who
else is drawn (common random numbers), and the draws have the right distributions."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from sim.model.arrays.rng import RandomStreams

N = 200_000


@pytest.fixture
def streams():
    return RandomStreams(11)


def test_draws_for_a_subset_equal_the_draws_for_everyone(streams):
    everyone = np.arange(N)
    subset = np.sort(np.random.default_rng(0).choice(N, 1000, replace=False))
    assert np.array_equal(
        streams.uniform_at("a", 5, subset), streams.uniform_at("a", 5, everyone)[subset]
    )
    assert np.array_equal(
        streams.normal_at("a", 5, subset), streams.normal_at("a", 5, everyone)[subset]
    )
    # the order in which ids are asked for does not matter either
    shuffled = subset[::-1]
    assert np.array_equal(
        streams.uniform_at("a", 5, shuffled), streams.uniform_at("a", 5, subset)[::-1]
    )


def test_streams_months_and_seeds_give_independent_draws(streams):
    ids = np.arange(N)
    base = streams.uniform_at("a", 5, ids)
    for other in (
        streams.uniform_at("b", 5, ids),
        streams.uniform_at("a", 6, ids),
        RandomStreams(12).uniform_at("a", 5, ids),
    ):
        assert abs(np.corrcoef(base, other)[0, 1]) < 4 / np.sqrt(N)


def test_uniforms_and_normals_have_their_distributions(streams):
    ids = np.arange(N)
    u = streams.uniform_at("u", 0, ids)
    z = streams.normal_at("z", 0, ids)
    assert 0 < u.min() and u.max() < 1
    assert stats.kstest(u, "uniform").pvalue > 0.001
    assert stats.kstest(z, "norm").pvalue > 0.001
    assert abs(np.corrcoef(u[:-1], u[1:])[0, 1]) < 4 / np.sqrt(N)  # neighbouring ids


@pytest.mark.parametrize("p", [0.002, 0.08, 0.3, 0.95])
def test_chance_ids_is_a_bernoulli_process(streams, p):
    counts = np.array([len(streams.chance_ids("c", m, 20_000, p)) for m in range(60)])
    sd = np.sqrt(20_000 * p * (1 - p))
    assert abs(counts.mean() - 20_000 * p) < 4 * sd / np.sqrt(60)
    ids = streams.chance_ids("c", 0, 20_000, p)
    assert np.all(np.diff(ids) > 0) and ids.min() >= 0 and ids.max() < 20_000
    # each id is hit at the same rate: first and second halves of the id range agree
    hits = np.concatenate([streams.chance_ids("c", m, 2_000, p) for m in range(400)])
    low, high = (hits < 1_000).sum(), (hits >= 1_000).sum()
    assert abs(low - high) < 4 * np.sqrt(low + high)


def test_chance_ids_edge_probabilities(streams):
    assert len(streams.chance_ids("c", 0, 100, 0.0)) == 0
    assert np.array_equal(streams.chance_ids("c", 0, 100, 1.0), np.arange(100))
    assert np.array_equal(
        streams.chance_ids("c", 3, 500, 0.1), streams.chance_ids("c", 3, 500, 0.1)
    )


@pytest.mark.parametrize("compiled", [False, True], ids=["numpy", "compiled"])
def test_unit_interval_never_reaches_zero_or_one(compiled, monkeypatch):
    from sim.model.arrays import groups
    from sim.model.arrays.rng import _LOW_23, _unit_interval

    monkeypatch.setattr(groups, "COMPILED_FROM", 0 if compiled else 10**12)
    every = _unit_interval(np.arange(1 << 23, dtype=np.uint64), _LOW_23)
    assert every.min() > 0 and every.max() < 1
    assert np.all(np.diff(every) > 0)  # distinct and ordered: no two integers share a float


def test_compiled_draws_are_numpys(streams, monkeypatch):
    """The compiled counter-based draws (large arrays) are NumPy's, bit for bit, whatever
    the ids' integer type."""
    from sim.model.arrays import groups

    ids = np.random.default_rng(2).choice(10**7, N, replace=False)
    draws = []
    for threshold in (10**12, 0):  # NumPy's passes, then the compiled ones
        monkeypatch.setattr(groups, "COMPILED_FROM", threshold)
        monkeypatch.setattr(groups, "COMPILED_ONCE_LOADED", threshold)
        draws.append(
            [streams.bits_at("x", 3, ids.astype(np.int32)), streams.bits_at("x", 3, ids)]
            + [streams.uniform_at("u", 5, ids), streams.normal_at("n", 7, ids)]
            + [streams.uniform_at("u", 5, ids.astype(np.int32))]
            + [streams.normal_at("n", 7, ids.astype(np.int32))]
        )
    for numpy, compiled in zip(*draws):
        assert compiled.dtype == numpy.dtype and np.array_equal(compiled, numpy)


@pytest.mark.parametrize("seed", [0, 1, 2**32 - 1, 2**32 + 5, 2**63 - 1])
def test_seed_states_are_numpys_seed_sequence(seed):
    """Streams are seeded, keyed and drawn exactly as by NumPy's SeedSequence of
    (seed, crc32(name), month + 1), computed a block of months at once."""
    from sim.model.arrays.rng import RandomStreams, _name_key, seed_states

    rng = np.random.default_rng(seed % 1000)
    for name_key in [0, *rng.integers(0, 2**32, 3).tolist()]:
        states = seed_states(seed, name_key, 300)
        for m in [0, 1, *rng.integers(0, 300, 4).tolist()]:
            expected = np.random.SeedSequence([seed, name_key, m]).generate_state(4, np.uint64)
            assert states.dtype == expected.dtype and np.array_equal(states[m], expected)
    streams = RandomStreams(seed)
    for month in (-1, 0, 131, 600):  # 600: past the first block of months
        sequence = np.random.SeedSequence([seed, _name_key("offer_arrival"), month + 1])
        assert streams.key("offer_arrival", month) == sequence.generate_state(1, np.uint64)[0]
        ours = streams.stream("offer_arrival", month).random(4)
        assert np.array_equal(ours, np.random.Generator(np.random.PCG64(sequence)).random(4))
