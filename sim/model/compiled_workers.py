"""Passes over every worker, or every employer, in compiled loops (Numba), for large
economies and for processes that run many models.

NumPy makes a temporary array per operation, a pass over memory each; here each agent is
visited once, in threads for large arrays. Each step is the float32 operation NumPy does, in
its order, so the results are identical (tests/test_compiled_workers.py). Imported on first
use, so that small economies never load Numba.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from sim.model.arrays import compiled_cache  # noqa: F401  (drops stale caches first)
from sim.model.arrays.compiled_fastmath import normal_cdf_one
from sim.model.arrays.compiled_numpy import numpy_clip, numpy_maximum


@njit(cache=True, parallel=True)
def depreciate(general, entry_skill, specific, rate, kept):
    """:meth:`sim.model.workers.Workers.depreciate` of the general and specific skill:
    ``general -= rate x (general - entry_skill)``, ``specific *= kept`` (float32)."""
    for i in prange(len(general)):
        general[i] = general[i] - rate * (general[i] - entry_skill[i])
        specific[i] = specific[i] * kept


@njit(cache=True, parallel=True)
def scale_rows(values, kept):
    """``values *= kept`` for a workers x columns float32 array, one worker at a time."""
    for i in prange(values.shape[0]):
        for k in range(values.shape[1]):
            values[i, k] = values[i, k] * kept


@njit(cache=True)
def learn(belief, step, observed, weight):
    """The first move of :meth:`sim.model.employers.EmployerTable.learn`: each employer with
    observations (``weight`` > 0) moves its float32 belief by ``step`` toward what it
    observed, in float64 where ``observed`` is (as NumPy promotes)."""
    for i in range(len(belief)):
        if weight[i] > 0:
            belief[i] = belief[i] + np.float32(step[i] * (observed[i] - belief[i]))


@njit(cache=True)
def move_toward(values, target, share):
    """``values += share x (target - values)`` in float32 (``target``, ``share``: float32)."""
    for i in range(len(values)):
        values[i] = values[i] + share * (target - values[i])


@njit(cache=True, inline="always")
def completion_chance(ability, mode, disadvantaged, base, base_disadvantaged):
    """:meth:`sim.model.workers.Workers.completion_probability` of one worker and program
    (float32): ``np.maximum``, ``np.sqrt``, the two products and ``np.clip`` as NumPy does
    them (a NaN stays NaN)."""
    p = np.sqrt(numpy_maximum(ability, np.float32(1e-6)))
    p = p * mode
    p = p * (base_disadvantaged if disadvantaged else base)
    return numpy_clip(p, np.float32(0.0), np.float32(0.99))


@njit(cache=True)
def completion_probabilities(ability, mode, disadvantaged, base, base_disadvantaged):
    """:func:`completion_chance` of each row."""
    out = np.empty(len(ability), dtype=np.float32)
    for i in range(len(ability)):
        out[i] = completion_chance(ability[i], mode[i], disadvantaged[i], base, base_disadvantaged)
    return out


@njit(cache=True)
def completion_and_pass_chances(
    ability, mode, disadvantaged, learning, standard, base, base_disadvantaged, noise, cdf
):
    """:meth:`sim.model.workers.Workers.completion_and_pass` of each row (float32): the
    completion chance times :func:`pass_chance`."""
    out = np.empty(len(ability), dtype=np.float32)
    for i in range(len(ability)):
        completion = completion_chance(
            ability[i], mode[i], disadvantaged[i], base, base_disadvantaged
        )
        out[i] = completion * pass_chance(learning[i], standard[i], noise, cdf)
    return out


@njit(cache=True)
def pass_chance(learning, standard, noise, cdf):
    """:meth:`sim.model.workers.Workers.pass_probability` of one float32, in NumPy's steps
    (``noise``: the float32 gain noise, floored; ``cdf``: ``fastmath.COMPILED_TABLE``)."""
    scale, offset, steps, level, slope = cdf
    z = (standard / numpy_maximum(learning, np.float32(1e-6)) - np.float32(1.0)) / noise
    return normal_cdf_one(-z, scale, offset, steps, level, slope)
