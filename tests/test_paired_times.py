"""The benchmarks' paired comparison of two checkouts (benchmarks/paired_times.py): the sign
test's interval for the median of the round-by-round ratios."""

import importlib.util
import math
from pathlib import Path

import numpy as np
import pytest

_SPEC = importlib.util.spec_from_file_location(
    "paired_times", Path(__file__).resolve().parent.parent / "benchmarks" / "paired_times.py"
)
paired_times = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(paired_times)


def miss_chance(n: int, k: int) -> float:
    """P(median outside [x(k), x(n+1-k)]) for n draws of a continuous distribution."""
    return 2 * sum(math.comb(n, i) for i in range(k)) / 2**n


@pytest.mark.parametrize("n", range(1, 31))
def test_the_interval_is_the_narrowest_with_95_percent_coverage(n):
    values = np.random.default_rng(n).normal(size=n)
    median, low, high, coverage = paired_times.median_interval(values)
    x = np.sort(values)
    assert median == pytest.approx(np.median(values))
    k = int(np.flatnonzero(x == low)[0]) + 1  # low is x(k)
    assert high == x[n - k]
    assert coverage == pytest.approx(1 - miss_chance(n, k))
    if n >= 6:  # enough values for 95%: reached, and one step narrower would not reach it
        assert coverage >= 0.95
        if k + 1 <= n // 2:
            assert 1 - miss_chance(n, k + 1) < 0.95
    else:  # too few: the whole range, with the coverage it has
        assert (low, high) == (x[0], x[-1])


def test_the_interval_covers_the_true_median_as_often_as_it_says():
    rng = np.random.default_rng(7)
    n, trials = 9, 4000
    hits = 0
    for _ in range(trials):
        _, low, high, coverage = paired_times.median_interval(rng.lognormal(0.0, 0.3, n))
        hits += low <= 1.0 <= high  # the lognormal's median is exp(0) = 1
    assert coverage == pytest.approx(1 - miss_chance(9, 2))
    assert abs(hits / trials - coverage) < 4 * math.sqrt(coverage * (1 - coverage) / trials)


def test_pairs_are_taken_round_by_round():
    assert paired_times.paired_ratios([2.0, 4.0], [1.0, 1.0]) == [0.5, 0.25]
    with pytest.raises(ValueError, match="2 runs of theirs, 3 of ours"):
        paired_times.paired_ratios([1.0, 2.0], [1.0, 2.0, 3.0])
    line = paired_times.paired_line([1.0] * 7, [0.5, 0.6, 0.55, 0.7, 0.5, 0.65, 0.6])
    assert line.startswith("paired over 7 rounds: ours / theirs 0.60 (median; 0.50 to 0.70,")
