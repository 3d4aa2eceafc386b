"""Group-wise ranking without Python loops over groups.

Elements are ordered by one stable sort of an integer key that sorts like (group, priority)
(:func:`group_priority_key`). From ``COMPILED_FROM`` elements on, compiled loops
(:mod:`sim.model.arrays.compiled_groups`, Numba) give the same order faster: a counting sort by
group, then a sort of each group by its priority key, without sorting the whole array.
"""

from __future__ import annotations

import numpy as np

COMPILED_FROM = 700_000  # elements: below, Numba's start-up (~0.3 s) outweighs one call's gain
COMPILED_ONCE_LOADED = 0  # elements, once this process has loaded the compiled loops: from
# here they run (at 10,000 workers a run is about a fifth faster with every order compiled)
_loaded = False  # load_compiled() has run in this process


def load_compiled() -> None:
    """From now on run every economy's heaviest passes, in this process, in compiled loops
    (Numba's, loaded from its cache: about 0.3 s), with the same results. A large economy
    loads them when it is built; a process that runs many models (a sweep's worker, the page's
    pool) loads them first, since below ``COMPILED_FROM`` one run gains less than the load."""
    global _loaded
    import sim.model.arrays.compiled_groups  # noqa: F401
    import sim.model.arrays.compiled_rng  # noqa: F401
    import sim.model.arrays.compiled_tallies  # noqa: F401

    _loaded = True


def compiled_loaded() -> bool:
    """Whether :func:`load_compiled` has run in this process."""
    return _loaded


def compiled_for(n: int) -> bool:
    """Whether arrays of ``n`` elements go through compiled loops (orders here, and the
    counter-based draws of :mod:`sim.model.arrays.rng`); the results are the same either way."""
    return n >= COMPILED_FROM or (_loaded and n >= COMPILED_ONCE_LOADED)


class GroupOrder:
    """Elements sorted by group, then by ascending ``priority`` (ties keep input order).

    Sort once, then ask for ranks and running totals within groups in that order.
    Groups are non-negative integers.
    """

    def __init__(self, group: np.ndarray, priority: np.ndarray):
        n = self.n = len(group)
        if compiled_for(n):
            group = np.asarray(group).astype(np.intp, copy=False)
            n_groups = int(group.max()) + 1
            if n_groups <= 2 * n + 1024:  # dense ids: one compiled counting sort by group
                from sim.model.arrays.compiled_groups import order_within_groups

                self.order, first = order_within_groups(group, priority_key(priority), n_groups)
                self.group_start = first[group[self.order]]
                return
            # sparse ids (e.g. ledger rows): one sort of the keys costs less than renumbering
            # the ids for a counting sort (3.7 against 1.5 ms for 45,000 payments)
        self.order = np.argsort(group_priority_key(group, priority), kind="stable")
        sorted_group = group[self.order]
        # np.concatenate, not np.r_: this runs thousands of times a run
        starts = np.concatenate(([0], np.flatnonzero(np.diff(sorted_group)) + 1))
        self.group_start = np.repeat(starts, np.diff(starts, append=n))

    def rank(self) -> np.ndarray:
        """Rank (0 = first) of each element within its group."""
        rank = np.empty(self.n, dtype=np.int64)
        rank[self.order] = np.arange(self.n) - self.group_start
        return rank

    def cumsum(self, values: np.ndarray) -> np.ndarray:
        """Running total of ``values`` within each group, up to and including each element."""
        running = np.cumsum(values[self.order], dtype=np.float64)  # float32 input would drift
        running = running - np.concatenate(([0.0], running))[self.group_start]
        out = np.empty(self.n)
        out[self.order] = running
        return out


def rank_within_groups(group: np.ndarray, priority: np.ndarray) -> np.ndarray:
    """Rank (0 = first) of each element within its group, ordered by ascending ``priority``.

    Ties keep input order, so results are deterministic.
    """
    if len(group) == 0:
        return np.zeros(0, dtype=np.int64)
    return GroupOrder(group, priority).rank()


def among_first(group: np.ndarray, priority: np.ndarray, count: np.ndarray) -> np.ndarray:
    """Whether each element is among the first ``count[group]`` of its group by ascending
    ``priority`` (ties in input order): ``rank_within_groups(group, priority) <
    count[group]``, for groups ``0 .. len(count) - 1``."""
    if len(group) == 0:
        return np.zeros(0, dtype=bool)
    if compiled_for(len(group)):  # the same elements, ordered in threads for large arrays
        from sim.model.arrays.compiled_groups import first_within_groups, in_parts

        count = np.asarray(count)
        if count.dtype.kind == "f":  # ranks below a fractional count: as many as its ceiling
            # in 0 .. len(group), NaN as 0 (fmax drops it): np.clip(np.nan_to_num(...)) in
            # three ufunc calls instead of two Python-level functions (9 us a call)
            count = np.fmax(np.minimum(np.ceil(count), len(group)), 0)
        return in_parts(
            first_within_groups,
            len(group),
            np.asarray(group).astype(np.intp, copy=False),
            np.asarray(priority),
            count.astype(np.int64),
        )
    return rank_within_groups(group, priority) < count[group]


def cumsum_within_groups(group: np.ndarray, priority: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Running total of ``values`` within each group, in ascending ``priority`` order."""
    if len(group) == 0:
        return np.zeros(0)
    return GroupOrder(group, priority).cumsum(values)


def priority_key(priority: np.ndarray) -> np.ndarray:
    """One int64 per element that sorts like ``priority``: its float32 bits mapped to an
    order-preserving integer in ``0 .. 2**32-1``. Integer keys sort fast and make ties exact:
    priorities closer than float32's resolution (about 1e-7 relative) tie, and -0.0 ties 0.0.
    """
    if compiled_for(len(priority)):
        from sim.model.arrays.compiled_groups import priority_keys

        return priority_keys(np.asarray(priority))
    value = np.asarray(priority, dtype=np.float32) + np.float32(0.0)  # -0.0 becomes 0.0
    bits = value.view(np.int32).astype(np.int64)
    # negative floats sort in reverse bit order: flip their magnitude bits; then shift to >= 0
    bits ^= (bits >> 31) & 0x7FFFFFFF
    bits += 2**31
    return bits


def group_priority_key(group: np.ndarray, priority: np.ndarray) -> np.ndarray:
    """One int64 per element that sorts like (group, priority): the group in the high 32 bits,
    :func:`priority_key` in the low 32 bits. A stable sort of it orders small arrays."""
    key = np.asarray(group).astype(np.int64) << 32
    key |= priority_key(priority)
    return key


def within_top(
    group: np.ndarray, value: np.ndarray, count: np.ndarray, buckets: int = 16
) -> np.ndarray:
    """Whether each element is among the ``count[group]`` largest ``value`` of its group (ties
    by input order), as :class:`GroupOrder` ranks would say, without sorting every element.

    Each group's values are binned evenly between the group's smallest and largest (the bins
    keep their order). Whole bins above the cut are in, bins below are out, and only
    the bin the cut falls in is ranked (from ``COMPILED_FROM`` elements, in compiled loops).
    """
    n_groups = len(count)
    if len(group) == 0:
        return np.zeros(0, dtype=bool)
    if compiled_for(len(group)):
        from sim.model.arrays.compiled_groups import top_within_groups

        assert 0 < buckets <= 32, "the bin is kept in 5 bits of the ranking key"
        value = np.asarray(value)
        return top_within_groups(
            np.asarray(group).astype(np.intp, copy=False),
            value,
            priority_key(-value),
            np.asarray(count, dtype=np.int64),
            np.array([buckets], dtype=value.dtype),  # the bin width in the values' precision
        )
    largest = np.full(n_groups, -np.inf, dtype=value.dtype)
    np.maximum.at(largest, group, value)
    smallest = np.full(n_groups, np.inf, dtype=value.dtype)
    np.minimum.at(smallest, group, value)
    width = (largest - smallest) / buckets
    width[~(width > 0)] = 1.0  # a group whose values are all equal: one bin
    bin_of = np.minimum(((value - smallest[group]) / width[group]).astype(np.intp), buckets - 1)
    per_bin = np.bincount(group * buckets + bin_of, minlength=n_groups * buckets)
    at_or_above = np.cumsum(per_bin.reshape(n_groups, buckets)[:, ::-1], axis=1)[:, ::-1]
    # The cut bin: the highest bin with at least `count` elements at or above it (-1: none).
    cut_bin = (at_or_above >= count[:, None]).sum(axis=1) - 1
    rows = np.arange(n_groups)
    above_cut = np.where(
        cut_bin + 1 < buckets, at_or_above[rows, np.minimum(cut_bin + 1, buckets - 1)], 0
    )
    # The cut falls exactly below the cut bin: all of it is in, no ranking needed.
    whole_bin = (at_or_above[rows, np.maximum(cut_bin, 0)] == count)[group]
    cut_of = cut_bin[group]
    in_cut_bin = bin_of == cut_of
    top = (bin_of > cut_of) | (in_cut_bin & whole_bin)
    cut = np.flatnonzero(in_cut_bin & ~whole_bin)
    rank = GroupOrder(group[cut], -value[cut]).rank() + above_cut[group[cut]]
    top[cut[rank < count[group[cut]]]] = True
    return top
