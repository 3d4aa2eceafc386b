"""NumPy's elementwise choices, for compiled loops (Numba) that must give NumPy's results bit
for bit: which operand ``np.minimum`` and ``np.maximum`` return (the first where it is smaller,
or larger, or NaN; else the second, so ties of 0.0 and -0.0 give the second) and ``np.clip``
(the maximum with the floor, then the minimum with the ceiling; a NaN stays NaN).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.model.arrays import compiled_cache  # noqa: F401  (drops stale caches first)


@njit(cache=True, inline="always")
def numpy_minimum(a, b):
    """``np.minimum(a, b)`` of two floats."""
    return a if (a < b or np.isnan(a)) else b


@njit(cache=True, inline="always")
def numpy_maximum(a, b):
    """``np.maximum(a, b)`` of two floats."""
    return a if (a > b or np.isnan(a)) else b


@njit(cache=True, inline="always")
def numpy_clip(a, low, high):
    """``np.clip(a, low, high)`` of one float."""
    return numpy_minimum(numpy_maximum(a, low), high)
