"""Tallies over every worker in one compiled pass (Numba), for large economies.

NumPy's versions (``np.bincount`` over ``employer + 1`` and masks of the whole population)
pass over memory once per operation; these visit each worker once. ``np.bincount`` adds its
weights as float64 in index order, and so do these, so the totals are identical
(tests/test_compiled_tallies.py). Imported on first use, so that small economies never load
Numba.
"""

from __future__ import annotations

import numpy as np
from numba import njit


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


@njit(cache=True)
def recently_trained_staff(employer, last_training_end, finish_employer, month, window, n):
    """Staff of each employer who finished training there within ``window`` months."""
    count = np.zeros(n, dtype=np.int64)
    for i in range(len(employer)):
        j = employer[i]
        if j >= 0 and month - last_training_end[i] <= window and finish_employer[i] == j:
            count[j] += 1
    return count


@njit(cache=True)
def credentials_holding_up(group, employer, gain, true_gain, reference, slack, n_groups):
    """Employed workers of each ``group`` (-1: none; with ``gain`` given, only those whose
    credentials certify a gain, ``gain`` > 0), and how many of them (float64) have
    credentials that deliver what they claim (true gain at least ``reference`` x ``slack``)."""
    seen = np.zeros(n_groups, dtype=np.int64)
    holding = np.zeros(n_groups, dtype=np.float64)
    for i in range(len(group)):
        g = group[i]
        if g < 0 or employer[i] < 0 or (gain is not None and not gain[i] > 0):
            continue
        seen[g] += 1
        if true_gain[i] >= reference[i] * slack:
            holding[g] += 1.0
    return seen, holding


@njit(cache=True)
def staying_completers(
    first, start, end, completed, worker, last_enrolment, last_end, employer, finish_employer,
    month, short_months, window,
):  # fmt: skip
    """Ledger rows from ``first`` of programs of at most ``short_months`` completed 1 to
    ``window`` months ago whose trainee's latest training it was and who still works where
    they trained: the rows, their workers and employers."""
    n = len(end) - first
    rows = np.empty(n, dtype=np.int64)
    ids = np.empty(n, dtype=np.int32)
    at_employer = np.empty(n, dtype=np.int32)
    found = 0
    for r in range(first, len(end)):
        since = month - end[r]
        if since < 1 or since > window or end[r] - start[r] > short_months or not completed[r]:
            continue
        i = worker[r]
        j = employer[i]
        if last_enrolment[i] != r or last_end[i] != end[r] or j < 0 or finish_employer[i] != j:
            continue
        rows[found] = r
        ids[found] = i
        at_employer[found] = j
        found += 1
    return rows[:found].copy(), ids[:found].copy(), at_employer[:found].copy()
