"""Group-wise ranking without Python loops over groups."""
from __future__ import annotations

import numpy as np


def rank_within_groups(group: np.ndarray, priority: np.ndarray) -> np.ndarray:
    """Rank (0 = first) of each element within its group, ordered by ascending ``priority``.

    Ties keep input order, so results are deterministic.
    """
    n = len(group)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    order = np.lexsort((priority, group))
    sorted_group = group[order]
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_group)) + 1]
    group_start = np.repeat(starts, np.diff(np.r_[starts, n]))
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n) - group_start
    return rank


def cumsum_within_groups(group: np.ndarray, priority: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Running total of ``values`` within each group, in ascending ``priority`` order."""
    n = len(group)
    if n == 0:
        return np.zeros(0)
    order = np.lexsort((priority, group))
    sorted_group = group[order]
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_group)) + 1]
    group_start = np.repeat(starts, np.diff(np.r_[starts, n]))
    running = np.cumsum(values[order])
    running = running - np.r_[0.0, running][group_start]
    out = np.empty(n)
    out[order] = running
    return out
