"""The normal table of :mod:`sim.model.arrays.fastmath` in compiled loops (Numba): the same
float32 steps as :func:`~sim.model.arrays.fastmath.normal_cdf`, for one value (called by
other compiled loops) or a whole array in one pass (tests/test_fastmath.py checks them bit for
bit). Imported on first use, so that small economies never load Numba."""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.model.arrays import compiled_cache  # noqa: F401  (drops stale caches first)


@njit(cache=True)
def normal_cdf_one(z, scale, offset, steps, level, slope):
    """:func:`sim.model.arrays.fastmath.normal_cdf` of one float32 (``scale``, ``offset``,
    ``steps``: ``fastmath._COMPILED_SCALARS``; ``level``, ``slope``: its table)."""
    t = z * scale
    t = t + offset
    if t < 0:
        t = np.float32(0.0)
    elif t > steps:
        t = steps
    cell = np.int32(t)  # t >= 0: truncation is floor
    fraction = t - np.float32(cell)
    fraction = fraction * slope[cell]
    return fraction + level[cell]


@njit(cache=True)
def normal_cdfs(z, scale, offset, steps, level, slope):
    """:func:`normal_cdf_one` of each value of a flat float32 array, in one pass."""
    out = np.empty(len(z), dtype=np.float32)
    for i in range(len(z)):
        out[i] = normal_cdf_one(z[i], scale, offset, steps, level, slope)
    return out
