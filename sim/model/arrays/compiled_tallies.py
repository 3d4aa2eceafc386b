"""Tallies over every worker in one compiled pass (Numba), for large economies.

NumPy's versions (``np.bincount`` over ``employer + 1`` and masks of the whole population)
pass over memory once per operation; these visit each worker once. ``np.bincount`` adds its
weights as float64 in index order, and so do these, so the totals are identical
(tests/test_compiled_tallies.py). Imported on first use, so that small economies never load
Numba.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from sim.model.arrays import compiled_cache  # noqa: F401  (drops stale caches first)
from sim.model.arrays.compiled_groups import slice_bounds


@njit(cache=True)
def staff_and_payroll(employer, wage, n_employers):
    """Headcount and payroll (float64) of each employer (``employer`` -1: unemployed)."""
    headcount = np.zeros(n_employers, dtype=np.int64)
    payroll = np.zeros(n_employers, dtype=np.float64)
    for i in range(len(employer)):
        j = employer[i]
        if j >= 0:
            headcount[j] += 1
            payroll[j] += np.float64(wage[i])
    return headcount, payroll


@njit(cache=True)
def workforce(employer, wage, disadvantaged, general, specific, productivity, n_employers):
    """:func:`staff_and_payroll`, the number of disadvantaged employed, and each worker's
    output (float32: ``productivity`` of the employer, ``productivity[0]`` for the
    unemployed and ``[j + 1]`` for employer j, times general plus specific skill)."""
    headcount = np.zeros(n_employers, dtype=np.int64)
    payroll = np.zeros(n_employers, dtype=np.float64)
    output = np.empty(len(employer), dtype=np.float32)
    n_disadvantaged = 0
    for i in range(len(employer)):
        j = employer[i]
        output[i] = productivity[j + 1] * (general[i] + specific[i])
        if j >= 0:
            headcount[j] += 1
            payroll[j] += np.float64(wage[i])
            n_disadvantaged += disadvantaged[i]
    return headcount, payroll, n_disadvantaged, output


@njit(cache=True, parallel=True)
def recently_trained_staff(employer, last_training_end, finish_employer, month, window, n, parts):
    """Staff of each employer who finished training there within ``window`` months, counted
    in ``parts`` slices of the workers in threads
    (:func:`~sim.model.arrays.compiled_groups.in_parts`; integer counts: any split gives the
    same totals)."""
    count = np.zeros((parts, n), dtype=np.int64)
    for part in prange(parts):
        for i in range(*slice_bounds(part, parts, len(employer))):
            j = employer[i]
            if j >= 0 and month - last_training_end[i] <= window and finish_employer[i] == j:
                count[part, j] += 1
    return count.sum(axis=0)


@njit(cache=True, parallel=True)
def credentials_holding_up(group, employer, gain, true_gain, reference, slack, n_groups, parts):
    """Employed workers of each ``group`` (-1: none; with ``gain`` given, only those whose
    credentials certify a gain, ``gain`` > 0), and how many of them (float64) have
    credentials that deliver what they claim (true gain at least ``reference`` x ``slack``),
    counted in ``parts`` slices of the workers in threads
    (:func:`~sim.model.arrays.compiled_groups.in_parts`; whole numbers, exact in float64
    whatever the order they are added in)."""
    seen = np.zeros((parts, n_groups), dtype=np.int64)
    holding = np.zeros((parts, n_groups), dtype=np.float64)
    for part in prange(parts):
        for i in range(*slice_bounds(part, parts, len(group))):
            g = group[i]
            if g < 0 or employer[i] < 0 or (gain is not None and not gain[i] > 0):
                continue
            seen[part, g] += 1
            if true_gain[i] >= reference[i] * slack:
                holding[part, g] += 1.0
    return seen.sum(axis=0), holding.sum(axis=0)


@njit(cache=True, parallel=True)
def accrue_rents(
    first, start, end, completed, worker, last_enrolment, last_end, employer, finish_employer,
    month, short_months, window, gain, decay, scale, productivity, wage, pre_wage, rent,
):  # fmt: skip
    """Add to ``rent`` the month's rent of each ledger row from ``first`` of a program of at
    most ``short_months`` completed 1 to ``window`` months ago whose trainee's latest training
    it was and who still works where they trained: ``scale`` x the employer's productivity x
    the gain still held (``decay[since]`` of it), minus the wage rise since enrolment, in the
    types and order of :meth:`sim.model.kpis.Recorder.accrue_training_rents`. Rows are
    independent (each adds to its own), so they run in threads
    (:func:`sim.model.arrays.compiled_groups.in_threads`)."""
    for r in prange(first, len(end)):
        since = month - end[r]
        if since < 1 or since > window or end[r] - start[r] > short_months or not completed[r]:
            continue
        i = worker[r]
        j = employer[i]
        if last_enrolment[i] != r or last_end[i] != end[r] or j < 0 or finish_employer[i] != j:
            continue
        value = scale * productivity[j] * (np.float64(gain[r]) * decay[since])
        rent[r] += value - np.float64(wage[i] - pre_wage[r])


@njit(cache=True)
def rows_ending(first, end, dropped, month):
    """Ledger rows from ``first`` whose program ends in ``month`` and was not dropped, in row
    order (:meth:`sim.model.training.Training.deliver`)."""
    rows = np.empty(len(end) - first, dtype=np.int64)
    found = 0
    for r in range(first, len(end)):
        if end[r] == month and not dropped[r]:
            rows[found] = r
            found += 1
    return rows[:found].copy()


@njit(cache=True)
def count_leavers(ids, employer, last_training_end, finish_employer, month, window, left, trained):
    """:meth:`sim.model.kpis.Recorder.separations`' counts: of the workers ``ids`` leaving,
    the employed ones (returned, in order), each counted in ``left`` by employer, and in
    ``trained`` too when they finished training there within ``window`` months. The counts
    are float64 whole numbers, as NumPy adds ``np.bincount``'s: exact in any order."""
    employed = np.empty(len(ids), dtype=ids.dtype)
    n = 0
    for i in range(len(ids)):
        worker = ids[i]
        j = employer[worker]
        if j < 0:
            continue
        employed[n] = worker
        n += 1
        left[j] += 1.0
        if month - last_training_end[worker] <= window and finish_employer[worker] == j:
            trained[j] += 1.0
    return employed[:n]
