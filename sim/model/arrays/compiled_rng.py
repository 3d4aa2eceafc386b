"""The counter-based draws of :mod:`sim.model.arrays.rng` in compiled loops (Numba), for
large arrays: the same integer mix and the same exact conversions to (0, 1), one pass each
instead of one per operation (tests/test_streams.py checks them against NumPy's). Imported on
first use, so that small economies never load Numba."""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.model.arrays import compiled_cache  # noqa: F401  (drops stale caches first)

GOLDEN = np.uint64(0x9E3779B97F4A7C15)
MIX1 = np.uint64(0xBF58476D1CE4E5B9)
MIX2 = np.uint64(0x94D049BB133111EB)
SHIFTS = (np.uint64(30), np.uint64(27), np.uint64(31))  # uint64 shifts: no float promotion


@njit(cache=True)
def hashed_bits(ids, key):
    """:meth:`sim.model.arrays.rng.RandomStreams.bits_at` for stream key ``key``."""
    first, second, third = SHIFTS
    bits = np.empty(len(ids), dtype=np.uint64)
    for i in range(len(ids)):
        x = np.uint64(ids[i]) * GOLDEN
        x ^= key
        x ^= x >> first
        x *= MIX1
        x ^= x >> second
        x *= MIX2
        x ^= x >> third
        bits[i] = x
    return bits


@njit(cache=True)
def unit_interval(bits, shift, mask):
    """:func:`sim.model.arrays.rng._unit_interval` of ``(bits >> shift) & mask``."""
    u = np.empty(len(bits), dtype=np.float32)
    for i in range(len(bits)):
        u[i] = np.float32((bits[i] >> shift) & mask)
        u[i] += np.float32(0.5)
        u[i] *= np.float32(2.0**-23)
    return u
