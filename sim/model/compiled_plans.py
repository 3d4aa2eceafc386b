"""The glue of employers' training plans (:meth:`sim.model.training.Training.planned`,
:meth:`~sim.model.training.Training.open_programs` and
:meth:`~sim.model.training.Training.choose_programs`) in compiled loops (Numba), for large
economies.

NumPy builds these from masks over every worker and every worker x program pair, a pass over
memory per operation; here each worker is visited once. The rules are integer logic and
comparisons of the same keys, so the results are identical (tests/test_compiled_plans.py
checks each against the NumPy rule). Imported on first use, so that small economies never
load Numba.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from sim.model.arrays import compiled_cache  # noqa: F401  (drops stale caches first)
from sim.model.arrays.compiled_groups import priority_key_of


@njit(cache=True, inline="always")
def _wanted(held, started, k, month, retake_gap):
    """Program ``k`` is open to a worker holding ``held`` who last started it in ``started``:
    its credential is not held, or the last start is ``retake_gap`` months ago or more."""
    return ((held >> k) & 1) == 0 or month - started >= retake_gap


@njit(cache=True, inline="always")
def _open_to(i, k, credentials, program_started, available, month, retake_gap):
    """Program ``k`` is open to worker ``i`` (and may be started at all: ``available``)."""
    return available[k] and _wanted(credentials[i], program_started[i, k], k, month, retake_gap)


SKIP, KEEP, REVIEW = 0, 1, 2  # what plan_candidates does with a worker


@njit(cache=True, parallel=True)
def plan_candidates(
    employer,
    enrolment,
    last_training_end,
    planned_program,
    planned_month,
    credentials,
    program_started,
    offers,
    provider_of_employer,
    month,
    gap,
    plan_months,
    reset,
    retake_gap,
    check_offers,
):
    """Employed workers out of training and past the retraining ``gap``, split into those
    whose plan stands (ids and planned program: the plan is younger than ``plan_months``, not
    ``reset``, and its program still open to them, at their employer's provider where
    ``check_offers``) and those whose plan is reviewed; each in id order. Each worker's fate is
    decided in threads (:func:`sim.model.arrays.compiled_groups.in_threads`), then the two
    lists are made in id order."""
    n = len(employer)
    fate = np.zeros(n, dtype=np.int8)
    for i in prange(n):  # each worker's own columns: any split gives the same fates
        j = employer[i]
        if j < 0 or enrolment[i] >= 0 or month - last_training_end[i] < gap:
            continue
        k = planned_program[i]
        keeps = not reset and k >= 0 and month - planned_month[i] < plan_months
        if keeps:
            keeps = _wanted(credentials[i], program_started[i, k], k, month, retake_gap)
            if keeps and check_offers:
                keeps = offers[provider_of_employer[j], k]
        fate[i] = KEEP if keeps else REVIEW
    kept = np.empty(n, dtype=np.int64)
    kept_program = np.empty(n, dtype=np.int16)
    review = np.empty(n, dtype=np.int64)
    n_kept = 0
    n_review = 0
    for i in range(n):  # without branches (fates are mixed): each worker is written, and the
        fate_i = fate[i]  # next one writes over it unless its fate counts it
        kept[n_kept] = i
        kept_program[n_kept] = planned_program[i]
        n_kept += fate_i == KEEP
        review[n_review] = i
        n_review += fate_i == REVIEW
    return kept[:n_kept], kept_program[:n_kept], review[:n_review]


@njit(cache=True, parallel=True)
def open_options(ids, credentials, program_started, available, month, retake_gap):
    """Every (worker, program) pair open to workers ``ids`` (``available``: the programs
    anyone may start), in the order ``np.nonzero`` lists the workers x programs mask: the
    worker of each pair, its row in ``ids`` and the program. The mask is filled in threads
    (:func:`sim.model.arrays.compiled_groups.in_threads`), each row by one of them."""
    n_programs = len(available)
    is_open = np.zeros(len(ids) * n_programs, dtype=np.bool_)
    count = 0
    for r in prange(len(ids)):  # one visit to each worker's (scattered) columns
        i = ids[r]
        for k in range(n_programs):
            if _open_to(i, k, credentials, program_started, available, month, retake_gap):
                is_open[r * n_programs + k] = True
                count += 1
    # One spare entry: each pair is written without a branch, and the next pair writes over
    # it unless it is open.
    worker = np.empty(count + 1, dtype=np.int64)
    row = np.empty(count + 1, dtype=np.int64)
    option = np.empty(count + 1, dtype=np.int64)
    at = 0
    for r in range(len(ids)):
        for k in range(n_programs):
            worker[at] = ids[r]
            row[at] = r
            option[at] = k
            at += is_open[r * n_programs + k]
    return worker[:count], row[:count], option[:count]


@njit(cache=True)
def first_best_in_runs(worker, value):
    """In each run of adjacent rows of one worker, the first row of the largest ``value``
    (the smallest :func:`~sim.model.arrays.compiled_groups.priority_key_of` of ``-value``)."""
    n = len(worker)
    best = np.empty(n, dtype=np.int64)
    n_best = 0
    start = 0
    while start < n:
        top = start
        top_key = priority_key_of(-value[start])
        stop = start + 1
        while stop < n and worker[stop] == worker[start]:
            key = priority_key_of(-value[stop])
            if key < top_key:
                top, top_key = stop, key
            stop += 1
        best[n_best] = top
        n_best += 1
        start = stop
    return best[:n_best].copy()
