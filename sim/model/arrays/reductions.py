"""Reductions of the small arrays the model takes every month, without NumPy's Python-level
wrappers: the same numbers as the NumPy methods they replace."""

from __future__ import annotations

import numpy as np

_add = np.add.reduce


def mean(values: np.ndarray) -> np.generic:
    """``values.mean()``, the same number: NumPy's sum (float64 for integers and booleans),
    divided by the count as an ``intp`` and cast back to the sum's type. ``ndarray.mean``
    spends some 9 us in Python around a sum of 1 us at the sizes the model's monthly means
    have (an employer's or provider's column), some 15 times a month."""
    values = np.asarray(values)
    total = _add(values, axis=None, dtype=np.float64 if values.dtype.kind in "biu" else None)
    return total.dtype.type(total / np.intp(values.size))
