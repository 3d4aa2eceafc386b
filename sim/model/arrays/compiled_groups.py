"""Compiled (Numba) loops behind :mod:`sim.model.arrays.groups`, for large arrays.

Imported on first use, so that small economies never load Numba. Each gives exactly what the
NumPy formulation in ``groups`` gives (tests/test_groups.py checks them against each other).
"""

from __future__ import annotations

import types

import numba
import numpy as np
from numba import njit, prange
from numba.core.dispatcher import Dispatcher

from sim.model.arrays import compiled_cache  # noqa: F401  (drops stale caches first)

SHORT_GROUP = 16  # groups up to this size are ordered by insertion sort, larger ones merge-sorted


# Calls of fewer rows run on the calling thread alone: a parallel loop waits for every thread,
# and on a busy machine a thread can wait a scheduler slice (milliseconds) for a core, longer
# than such a call takes alone. Larger calls hand out rows in chunks, so that a thread that
# started late takes fewer of them (the rows are independent: any split gives the same numbers).
PARALLEL_ROWS, CHUNK_ROWS = 200_000, 16_384


def in_threads(kernel, rows: int, *args, chunk: int | None = None):
    """``kernel(*args)``: below ``PARALLEL_ROWS`` rows its :func:`serial` twin; above, its
    parallel loop hands out ``chunk`` iterations at a time (default ``CHUNK_ROWS``)."""
    if rows < PARALLEL_ROWS:
        return serial(kernel)(*args)
    with numba.parallel_chunksize(CHUNK_ROWS if chunk is None else chunk):
        return kernel(*args)


_SERIAL: dict = {}  # parallel kernel -> its serial twin
_NOT_SERIAL = ("parallel", "nopython")


def serial(kernel):
    """A parallel kernel's loops compiled for the calling thread alone: its ``prange`` loops
    as plain loops, calling the serial twins of the parallel kernels it calls. The same
    operations in the same order, so the same results. It saves what a small call spent on
    threads: switching Numba to one thread and back, and launching each parallel loop (4 to
    11 us a call at 10,000 workers, some 60 us a month), and a process running only small
    economies never starts Numba's threads. Its cached machine code is kept apart from the
    parallel build's under a name of its own (Numba keys its cache by name and bytecode, not by
    options)."""
    twin = _SERIAL.get(kernel)
    if twin is None:
        function = kernel.py_func
        names = dict(function.__globals__)
        for name in function.__code__.co_names:  # the globals it reads
            value = names.get(name)
            if isinstance(value, Dispatcher) and value.targetoptions.get("parallel"):
                names[name] = serial(value)
        copy = types.FunctionType(
            function.__code__, names, function.__name__, function.__defaults__,
            function.__closure__,
        )  # fmt: skip
        copy.__qualname__ = f"{function.__qualname__}_serial"
        copy.__module__, copy.__doc__ = function.__module__, function.__doc__
        # the kernel's other options (boundscheck...): not ``parallel``, nor ``nopython``,
        # which njit sets itself
        options = {k: v for k, v in kernel.targetoptions.items() if k not in _NOT_SERIAL}
        twin = _SERIAL[kernel] = njit(cache=True, **options)(copy)
    return twin


def in_parts(kernel, rows: int, *args):
    """``kernel(*args, parts)`` for a kernel that splits its rows into ``parts`` slices, one
    per thread from ``PARALLEL_ROWS`` rows (one below), and gives the same result for any
    number of them. The threads take the slices by Numba's static schedule (chunk 0): a
    dynamic one would also hand out the kernel's array set-up an element at a time."""
    parts = numba.get_num_threads() if rows >= PARALLEL_ROWS else 1
    return in_threads(kernel, rows, *args, parts, chunk=0)


@njit(cache=True, inline="always")
def slice_bounds(part, parts, n):
    """The bounds of slice ``part`` of ``parts`` near-equal slices of ``range(n)`` (the rows a
    kernel run by :func:`in_parts` gives each slice)."""
    return part * n // parts, (part + 1) * n // parts


@njit(cache=True)
def order_within_groups(group, key, n_groups):
    """Indices sorted by group, then by ``key``, ties in input order, and the position in
    that order of each group's first element (``n_groups + 1`` entries)."""
    counts = np.zeros((1, n_groups), dtype=np.int64)
    _count_slice(group, None, 0, len(group), counts[0])
    first, fill = _starts(counts)
    order, keys = np.empty(first[n_groups], dtype=np.int64), np.empty(first[n_groups], key.dtype)
    _place_slice(group, key, None, 0, len(group), fill[0], order, keys)
    for g in range(n_groups):
        sort_run(order, keys, first[g], first[g + 1])
    return order, first


# A stable counting sort by group of the elements (all, or those ``include`` marks), in slices
# of the input: each slice counts its elements of each group, and places them after those of
# the slices before it, so that any number of slices gives the serial order. The elements'
# keys are placed beside them, so that each group's run sorts keys next to each other in memory.
@njit(cache=True)
def _count_slice(group, include, start, stop, counts):
    for i in range(start, stop):
        if include is None:
            counts[group[i]] += 1
        else:  # without a branch: the elements included are mixed with the others
            counts[group[i]] += include[i]


@njit(cache=True)
def _starts(counts):
    """Where each group's run starts (``n_groups + 1`` entries), and where each slice's
    elements of each group go first."""
    parts, n_groups = counts.shape
    first = np.empty(n_groups + 1, dtype=np.int64)
    fill = np.empty((parts, n_groups), dtype=np.int64)
    total = 0
    for g in range(n_groups):
        first[g] = total
        for part in range(parts):
            fill[part, g] = total
            total += counts[part, g]
    first[n_groups] = total
    return first, fill


@njit(cache=True)
def _place_slice(group, key, include, start, stop, fill, order, keys):
    for i in range(start, stop):
        if include is None or include[i]:
            at = fill[group[i]]
            order[at] = i
            keys[at] = key[i]
            fill[group[i]] = at + 1


@njit(cache=True)
def sort_run(order, keys, start, stop):
    """Stable sort of ``order[start:stop]`` by ``keys[start:stop]`` (the keys of those elements,
    next to each other in memory), both kept in step."""
    size = stop - start
    if size < 2:
        return
    if size <= SHORT_GROUP:
        for a in range(start + 1, stop):
            item, item_key = order[a], keys[a]
            b = a - 1
            while b >= start and keys[b] > item_key:
                order[b + 1] = order[b]
                keys[b + 1] = keys[b]
                b -= 1
            order[b + 1] = item
            keys[b + 1] = item_key
        return
    by_key = np.argsort(keys[start:stop], kind="mergesort")  # stable
    segment, segment_keys = order[start:stop].copy(), keys[start:stop].copy()
    for a in range(size):
        order[start + a] = segment[by_key[a]]
        keys[start + a] = segment_keys[by_key[a]]


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
def runs_by_group(group, key, include, n_groups, parts):
    """:func:`order_within_groups` of the elements ``include`` marks (all, given None), in
    threads: the counting sort in ``parts`` slices, then each group sorts its own run of the
    order, so any split gives the same order."""
    n = len(group)
    counts = np.zeros((parts, n_groups), dtype=np.int64)
    for part in prange(parts):
        _count_slice(group, include, *slice_bounds(part, parts, n), counts[part])
    first, fill = _starts(counts)
    order, keys = np.empty(first[n_groups], dtype=np.int64), np.empty(first[n_groups], key.dtype)
    for part in prange(parts):
        _place_slice(group, key, include, *slice_bounds(part, parts, n), fill[part], order, keys)
    for g in prange(n_groups):
        sort_run(order, keys, first[g], first[g + 1])
    return order, first


@njit(cache=True, parallel=True)
def first_within_groups(group, priority, count, parts):
    """:func:`sim.model.arrays.groups.among_first`: whether each element is among the first
    ``count[group]`` of its group by :func:`priority_key_of` of ``priority`` (ties in input
    order), ordered in threads (:func:`runs_by_group`)."""
    n = len(group)
    key = np.empty(n, dtype=np.int64)
    for part in prange(parts):
        for i in range(*slice_bounds(part, parts, n)):
            key[i] = priority_key_of(priority[i])
    order, first = runs_by_group(group, key, None, len(count), parts)
    among = np.zeros(n, dtype=np.bool_)
    for g in range(len(count)):
        for position in range(first[g], min(first[g + 1], first[g] + count[g])):
            among[order[position]] = True
    return among


@njit(cache=True, parallel=True)
def select_within_groups(group, value, outlay, limit, capacity, fixed_cost, parts):
    """:meth:`sim.model.training.Training.select_within_employers` in one pass: of the
    elements of positive ``value``, each group's first ``capacity[group]`` by descending value
    (:func:`priority_key_of` of ``-value``; ties in input order) and, where ``limit[group]`` is
    finite, those whose running ``outlay`` total in that order stays within it; then only the
    groups whose chosen values add up to more than ``fixed_cost``. The running total is the
    one NumPy's ``GroupOrder.cumsum`` gives: one float64 prefix sum over the limited groups in
    group order, less its value before the group; the groups' sums are ``np.bincount``'s, in
    input order. Keyed and ordered in threads (:func:`runs_by_group`)."""
    n, n_groups = len(group), len(capacity)
    positive, key = np.empty(n, dtype=np.bool_), np.empty(n, dtype=np.int64)
    for part in prange(parts):
        for i in range(*slice_bounds(part, parts, n)):
            positive[i] = value[i] > 0
            key[i] = priority_key_of(-value[i])
    order, first = runs_by_group(group, key, positive, n_groups, parts)
    chosen = np.zeros(n, dtype=np.bool_)
    picked = np.empty(max_run(first), dtype=np.int64)  # a group's chosen elements
    running = 0.0
    for g in range(n_groups):
        start, stop = first[g], first[g + 1]
        count = 0
        if np.isfinite(limit[g]):
            before = running
            for position in range(start, stop):
                i = order[position]
                running += np.float64(outlay[i])
                if position - start < capacity[g] and running - before <= limit[g]:
                    picked[count] = i
                    count += 1
        else:
            for position in range(start, min(stop, start + capacity[g])):
                picked[count] = order[position]
                count += 1
        if count > 0 and fixed_cost > -np.inf:  # summed in input order, as np.bincount does
            # The indices sort by themselves, in place (sort_run, which carries keys beside
            # them through an argsort and copies, made this pass twice as slow).
            if count > SHORT_GROUP:
                picked[:count].sort()
            else:
                for a in range(1, count):
                    item, b = picked[a], a - 1
                    while b >= 0 and picked[b] > item:
                        picked[b + 1] = picked[b]
                        b -= 1
                    picked[b + 1] = item
            total = 0.0
            for a in range(count):
                total += np.float64(value[picked[a]])
            if not total > fixed_cost:
                count = 0
        for a in range(count):
            chosen[picked[a]] = True
    return chosen


@njit(cache=True)
def max_run(first):
    """The longest run of a group in an order whose groups start at ``first``."""
    longest = 0
    for g in range(len(first) - 1):
        longest = max(longest, first[g + 1] - first[g])
    return longest


@njit(cache=True, inline="always")
def priority_key_of(priority):
    """:func:`sim.model.arrays.groups.priority_key` of one value."""
    bits = np.int64(np.float32(priority).view(np.int32))
    # -0.0 ties 0.0, as NumPy's ``+ 0.0`` makes it. Not by adding 0.0 here: LLVM may turn a
    # negated priority plus 0.0 into 0.0 minus the priority, which drops a NaN's sign.
    if bits & 0x7FFFFFFF == 0:
        bits = 0
    bits ^= (bits >> 31) & 0x7FFFFFFF
    return bits + 2**31


@njit(cache=True)
def priority_keys(priority):
    """:func:`sim.model.arrays.groups.priority_key`, in one pass."""
    key = np.empty(len(priority), dtype=np.int64)
    for i in range(len(priority)):
        key[i] = priority_key_of(priority[i])
    return key
