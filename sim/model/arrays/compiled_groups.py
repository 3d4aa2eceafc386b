"""Compiled (Numba) loops behind :mod:`sim.model.arrays.groups`, for large arrays.

Imported on first use, so that small economies never load Numba. Each gives exactly what the
NumPy formulation in ``groups`` gives (tests/test_groups.py checks them against each other).
"""

from __future__ import annotations

import numba
import numpy as np
from numba import njit, prange

SHORT_GROUP = 16  # groups up to this size are ordered by insertion sort, larger ones merge-sorted


# Calls of fewer rows run on one thread: a parallel loop waits for every thread, and on a
# busy machine a thread can wait a scheduler slice (milliseconds) for a core, longer than such
# a call takes alone. Larger calls hand out rows in chunks, so that a thread that started
# late takes fewer of them (the rows are independent: any split gives the same numbers).
PARALLEL_ROWS, CHUNK_ROWS = 200_000, 16_384


def in_threads(kernel, rows: int, *args, chunk: int | None = None):
    """``kernel(*args)``, on one thread below ``PARALLEL_ROWS`` rows; above, its parallel
    loop hands out ``chunk`` iterations at a time (default ``CHUNK_ROWS``)."""
    if rows >= PARALLEL_ROWS:
        with numba.parallel_chunksize(CHUNK_ROWS if chunk is None else chunk):
            return kernel(*args)
    threads = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        return kernel(*args)
    finally:
        numba.set_num_threads(threads)


@njit(cache=True)
def order_within_groups(group, key, n_groups):
    """Indices sorted by group, then by ``key``, ties in input order, and the position in
    that order of each group's first element (``n_groups + 1`` entries)."""
    n = len(group)
    first = np.zeros(n_groups + 1, dtype=np.int64)
    for i in range(n):
        first[group[i] + 1] += 1
    for g in range(n_groups):
        first[g + 1] += first[g]
    fill = first[:-1].copy()
    order = np.empty(n, dtype=np.int64)
    for i in range(n):  # a stable counting sort by group
        g = group[i]
        order[fill[g]] = i
        fill[g] += 1
    for g in range(n_groups):
        sort_segment(order, key, first[g], first[g + 1])
    return order, first


@njit(cache=True)
def sort_segment(order, key, start, stop):
    """Stable sort of ``order[start:stop]`` by ``key[order]``."""
    size = stop - start
    if size < 2:
        return
    if size <= SHORT_GROUP:
        for a in range(start + 1, stop):
            item = order[a]
            item_key = key[item]
            b = a - 1
            while b >= start and key[order[b]] > item_key:
                order[b + 1] = order[b]
                b -= 1
            order[b + 1] = item
        return
    segment = order[start:stop].copy()
    by_key = np.argsort(key[segment], kind="mergesort")  # stable
    for a in range(size):
        order[start + a] = segment[by_key[a]]


@njit(cache=True)
def top_within_groups(group, value, key, count, bucket_count):
    """:func:`within_top`: rank each group by (bin, descending; ``key``; input order), where
    the bins are those of NumPy's ``(value - smallest) / ((largest - smallest) / buckets)``,
    and keep the first ``count[group]``."""
    n, n_groups = len(group), len(count)
    buckets = bucket_count[0]
    last_bin = np.int64(buckets) - 1
    smallest = np.full(n_groups, np.inf, dtype=value.dtype)
    largest = np.full(n_groups, -np.inf, dtype=value.dtype)
    for i in range(n):
        g = group[i]
        smallest[g] = min(smallest[g], value[i])
        largest[g] = max(largest[g], value[i])
    width = (largest - smallest) / buckets
    for g in range(n_groups):
        if not width[g] > 0:  # a group whose values are all equal: one bin
            width[g] = 1.0
    # one key per element: the priority key above the reversed bin
    ranked = np.empty(n, dtype=np.int64)
    for i in range(n):
        g = group[i]
        bin_of = min(np.int64((value[i] - smallest[g]) / width[g]), last_bin)
        ranked[i] = (key[i] << 5) | (last_bin - bin_of)
    order, first = order_within_groups(group, ranked, n_groups)
    top = np.zeros(n, dtype=np.bool_)
    for g in range(n_groups):
        stop = min(first[g + 1], first[g] + count[g])
        for position in range(first[g], stop):
            top[order[position]] = True
    return top


@njit(cache=True, parallel=True)
def select_within_groups(group, key, positive, outlay, limit, capacity):
    """:meth:`sim.model.training.Training.select_within_employers` in one pass: of the
    ``positive`` elements, each group's first ``capacity[group]`` in ``key`` order (ties in
    input order) and, where ``limit[group]`` is finite, those whose running ``outlay`` total in
    that order stays within it. The running total is the one NumPy's ``GroupOrder.cumsum``
    gives: one float64 prefix sum over the limited groups in group order, less its value
    before the group. Groups are ordered in threads (:func:`in_threads`); each sorts its own
    slice of the order, so any split gives the same order."""
    n, n_groups = len(group), len(capacity)
    first = np.zeros(n_groups + 1, dtype=np.int64)
    for i in range(n):
        if positive[i]:
            first[group[i] + 1] += 1
    for g in range(n_groups):
        first[g + 1] += first[g]
    fill = first[:-1].copy()
    order = np.empty(first[n_groups], dtype=np.int64)
    for i in range(n):  # a stable counting sort by group
        if positive[i]:
            g = group[i]
            order[fill[g]] = i
            fill[g] += 1
    for g in prange(n_groups):
        sort_segment(order, key, first[g], first[g + 1])
    chosen = np.zeros(n, dtype=np.bool_)
    running = 0.0
    for g in range(n_groups):
        start, stop = first[g], first[g + 1]
        if stop == start:
            continue
        if np.isfinite(limit[g]):
            before = running
            for position in range(start, stop):
                i = order[position]
                running += np.float64(outlay[i])
                if position - start < capacity[g] and running - before <= limit[g]:
                    chosen[i] = True
        else:
            for position in range(start, min(stop, start + capacity[g])):
                chosen[order[position]] = True
    return chosen


@njit(cache=True)
def priority_keys(priority):
    """:func:`sim.model.arrays.groups.priority_key`, in two passes."""
    n = len(priority)
    value = np.empty(n, dtype=np.float32)
    for i in range(n):
        value[i] = np.float32(priority[i]) + np.float32(0.0)  # -0.0 becomes 0.0
    bits = value.view(np.int32)
    key = np.empty(n, dtype=np.int64)
    for i in range(n):
        b = np.int64(bits[i])
        b ^= (b >> 31) & 0x7FFFFFFF
        key[i] = b + 2**31
    return key
