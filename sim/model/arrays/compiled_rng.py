"""The counter-based draws of :mod:`sim.model.arrays.rng` in compiled loops (Numba), for
large arrays: the same integer mix and the same exact conversions to (0, 1), one pass each
instead of one per operation (tests/test_streams.py checks them against NumPy's). Imported on
first use, so that small economies never load Numba."""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.model.arrays import (
    compiled_cache,  # noqa: F401  (drops stale caches first)
    rng,
)

GOLDEN = np.uint64(0x9E3779B97F4A7C15)
MIX1 = np.uint64(0xBF58476D1CE4E5B9)
MIX2 = np.uint64(0x94D049BB133111EB)
SHIFTS = (np.uint64(30), np.uint64(27), np.uint64(31))  # uint64 shifts: no float promotion


HIGH_23 = tuple(np.uint64(v) for v in rng._HIGH_23)  # (shift, mask) of the 23 high bits


@njit(cache=True, inline="always")
def mixed(agent_id, key):
    """The 64 random bits of one id (:meth:`sim.model.arrays.rng.RandomStreams.bits_at`)."""
    first, second, third = SHIFTS
    x = np.uint64(agent_id) * GOLDEN
    x ^= key
    x ^= x >> first
    x *= MIX1
    x ^= x >> second
    x *= MIX2
    x ^= x >> third
    return x


@njit(cache=True, inline="always")
def unit(bits, shift, mask):
    """:func:`sim.model.arrays.rng._unit_interval` of one id's bits (float32)."""
    u = np.float32((bits >> shift) & mask)
    u += np.float32(0.5)
    u *= np.float32(2.0**-23)
    return u


@njit(cache=True)
def hashed_bits(ids, key):
    """:meth:`sim.model.arrays.rng.RandomStreams.bits_at` for stream key ``key``."""
    bits = np.empty(len(ids), dtype=np.uint64)
    for i in range(len(ids)):
        bits[i] = mixed(ids[i], key)
    return bits


@njit(cache=True)
def unit_interval(bits, shift, mask):
    """:func:`sim.model.arrays.rng._unit_interval` of ``(bits >> shift) & mask``."""
    u = np.empty(len(bits), dtype=np.float32)
    for i in range(len(bits)):
        u[i] = unit(bits[i], shift, mask)
    return u


LOW_23 = tuple(np.uint64(v) for v in rng._LOW_23)  # (shift, mask) of the 23 low bits
TWO_PI = rng._TWO_PI


@njit(cache=True)
def uniforms(ids, key):
    """:meth:`sim.model.arrays.rng.RandomStreams.uniform_at` for stream key ``key``: each
    id's bits and their float in one pass."""
    shift, mask = HIGH_23
    u = np.empty(len(ids), dtype=np.float32)
    for i in range(len(ids)):
        u[i] = unit(mixed(ids[i], key), shift, mask)
    return u


@njit(cache=True)
def box_muller_parts(ids, key):
    """The two floats of each id's Box-Muller pair in
    :meth:`sim.model.arrays.rng.RandomStreams.normal_at`, in one pass: the radius's uniform
    (23 high bits) and the angle (23 low bits, times 2 pi in float32). The logarithm and the
    cosine stay NumPy's, whose SIMD functions round differently from Numba's libm."""
    high_shift, high_mask = HIGH_23
    low_shift, low_mask = LOW_23
    n = len(ids)
    radius = np.empty(n, dtype=np.float32)
    angle = np.empty(n, dtype=np.float32)
    for i in range(n):
        bits = mixed(ids[i], key)
        radius[i] = unit(bits, high_shift, high_mask)
        a = unit(bits, low_shift, low_mask)
        a *= TWO_PI
        angle[i] = a
    return radius, angle
