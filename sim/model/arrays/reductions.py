"""Reductions of the small arrays the model takes every month, without NumPy's Python-level
wrappers: the same numbers as the NumPy methods they replace."""

from __future__ import annotations

import numpy as np

_add = np.add.reduce


def mean(values: np.ndarray) -> np.generic:
    """``values.mean()``, the same number: NumPy's sum (of float32 or float64 values in their
    own type, of booleans their count), divided by the count in float64 and cast back to the
    sum's type. ``ndarray.mean`` spends several microseconds in Python around the sum (some
    15 means a month of employer- and provider-sized columns); any other array (integers,
    float16, empty) is left to it."""
    size = values.size
    if size:
        kind = values.dtype.kind
        if kind == "b":
            return np.float64(np.count_nonzero(values) / size)
        if kind == "f" and values.dtype.itemsize >= 4:
            total = _add(values, axis=None)
            return total.dtype.type(float(total) / size)
    return values.mean()
