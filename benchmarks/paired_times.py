"""Two checkouts' times, round by round: the ratio of each round's pair and an interval for
their median.

A benchmark run ``--against`` another checkout alternates their runs (theirs, ours, theirs...),
so each of our runs has a partner that ran just before it, under nearly the same load. The
ratio of each pair cancels most of the machine's drift, where the ratio of the two medians
keeps it. The interval for the median ratio is the sign test's (order statistics of the
ratios, from the binomial distribution with p = 1/2): distribution-free, so one round slowed
by another process cannot move it much.

    >>> median_interval([0.61, 0.58, 0.66, 0.60, 0.63, 0.59, 0.64])[:3]
    (0.61, 0.58, 0.66)
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence


def median_interval(values: Sequence[float], confidence: float = 0.95) -> tuple:
    """(median, low, high, coverage): the narrowest interval of order statistics
    ``[x(k), x(n+1-k)]`` whose chance of holding the median is at least ``confidence``, and that
    chance. With too few values for ``confidence`` (5 or fewer at 0.95) it is the whole range,
    and ``coverage`` says how sure that range is."""
    x = sorted(values)
    n = len(x)
    if n == 0:
        raise ValueError("median_interval: no values")
    below = [math.comb(n, i) / 2**n for i in range(n + 1)]  # P(exactly i values below)
    k, coverage = 1, 1.0 - 2 * below[0]  # [x(1), x(n)] misses when all are on one side
    while k + 1 <= n // 2:
        wider_miss = 2 * sum(below[: k + 1])  # [x(k+1), x(n-k)] misses with this chance
        if 1.0 - wider_miss < confidence:
            break
        k, coverage = k + 1, 1.0 - wider_miss
    return statistics.median(x), x[k - 1], x[n - k], coverage


def paired_ratios(theirs: Sequence[float], ours: Sequence[float]) -> list[float]:
    """Each round's ours / theirs (the runs of round i are the i-th of each list)."""
    if len(theirs) != len(ours):
        raise ValueError(f"paired_ratios: {len(theirs)} runs of theirs, {len(ours)} of ours")
    return [o / t for t, o in zip(theirs, ours)]


def paired_line(theirs: Sequence[float], ours: Sequence[float]) -> str:
    """``paired over 7 rounds: ours / theirs 0.61 (median; 0.58 to 0.66, 98% sure by the sign
    test)``."""
    ratios = paired_ratios(theirs, ours)
    median, low, high, coverage = median_interval(ratios)
    return (
        f"paired over {len(ratios)} rounds: ours / theirs {median:.2f} (median; {low:.2f} to"
        f" {high:.2f}, {100 * coverage:.0f}% sure by the sign test)"
    )
