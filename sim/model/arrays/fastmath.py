"""Fast vector versions of special functions used on every training candidate every month.

At full scale the model evaluates the normal distribution function for millions of
candidates a month; ``scipy.special.ndtr`` costs ~25 ns per value. A linear interpolation in
a fine table costs a fraction of that, with an absolute error below 4e-7 (the interpolation's
error is below 2e-7; float32 arithmetic on the table position adds up to 2e-7 more). The table
is built with the standard library's ``erfc``, so that a run does not import scipy.special
(~0.15 s of every process's start): its float32 levels and slopes are those of scipy's
``ndtr``, bit for bit, as ``tests/test_fastmath.py`` checks.
"""

from __future__ import annotations

import math

import numpy as np

from sim.model.arrays.groups import compiled_for

Z_MAX = 8.0  # beyond +-8 the normal tail is below 1e-15
STEPS = 8192  # table intervals over [-Z_MAX, Z_MAX]: step 0.002, interpolation error < 2e-7
_SCALE = STEPS / (2 * Z_MAX)
_CDF = np.array(
    [0.5 * math.erfc(-z / math.sqrt(2.0)) for z in np.linspace(-Z_MAX, Z_MAX, STEPS + 1)]
)
_LEVEL = np.append(_CDF, 1.0).astype(np.float32)  # one spare entry so z = Z_MAX needs no test
_SLOPE = np.append(np.diff(_CDF), 0.0).astype(np.float32)
_SLOPE = np.append(_SLOPE, np.float32(0.0))
# the float32 scale, offset and last cell of a table position, as the compiled loops take them
_COMPILED_SCALARS = (np.float32(_SCALE), np.float32(Z_MAX * _SCALE), np.float32(STEPS))
# the whole table as a compiled loop takes it: those three, then the levels and slopes
COMPILED_TABLE = (*_COMPILED_SCALARS, _LEVEL, _SLOPE)


def normal_cdf(z: np.ndarray) -> np.ndarray:
    """Standard normal distribution function Phi(z) of finite ``z``, float32, from a table."""
    z = np.asarray(z, dtype=np.float32)
    if compiled_for(z.size):  # the same floats in one pass
        from sim.model.arrays.compiled_fastmath import normal_cdfs

        flat = normal_cdfs(z.ravel(), *_COMPILED_SCALARS, _LEVEL, _SLOPE)
        return flat.reshape(z.shape)
    t = z * np.float32(_SCALE)
    t += np.float32(Z_MAX * _SCALE)
    np.clip(t, 0, STEPS, out=t)
    whole = np.floor(t)
    fraction = t - whole
    cell = whole.astype(np.int32)
    fraction *= _SLOPE.take(cell)
    fraction += _LEVEL.take(cell)
    return fraction
