"""The normal distribution table: the standard library's erfc gives scipy's table bit for bit."""

import numpy as np
from scipy.special import ndtr

from sim.model.arrays import fastmath


def test_the_table_is_scipys_ndtr_table_bit_for_bit():
    """Built with math.erfc so that a run need not import scipy.special, the float32 levels
    and slopes are those scipy's ndtr gives (the model's results depend on every bit)."""
    grid = np.linspace(-fastmath.Z_MAX, fastmath.Z_MAX, fastmath.STEPS + 1)
    scipy_cdf = ndtr(grid)
    levels = np.append(scipy_cdf, 1.0).astype(np.float32)
    slopes = np.append(np.append(np.diff(scipy_cdf), 0.0).astype(np.float32), np.float32(0.0))
    assert fastmath._LEVEL.dtype == np.float32 and fastmath._SLOPE.dtype == np.float32
    assert np.array_equal(fastmath._LEVEL, levels)
    assert np.array_equal(fastmath._SLOPE, slopes)


def test_normal_cdf_is_within_its_documented_error_of_scipys():
    z = np.linspace(-9.0, 9.0, 2_000_001)
    assert np.max(np.abs(fastmath.normal_cdf(z) - ndtr(z))) < 4e-7


def test_the_compiled_normal_cdf_is_numpys_bit_for_bit(monkeypatch):
    """Once the compiled loops are loaded, the table is read in one compiled pass: the same
    float32 values as NumPy's passes, for any shape and input type, at and beyond the table's
    ends too."""
    from sim.model.arrays import groups

    rng = np.random.default_rng(4)
    inputs = [
        rng.normal(0, 3, 100_001),  # float64, cast to float32 first
        rng.normal(0, 3, (7, 3, 9)).astype(np.float32),
        np.array([-np.inf, -1e30, -fastmath.Z_MAX, 0.0, fastmath.Z_MAX, 1e30, np.inf]),
        np.zeros(0),
    ]
    results = []
    for threshold in (10**12, 0):  # NumPy's passes, then the compiled one
        monkeypatch.setattr(groups, "COMPILED_FROM", threshold)
        monkeypatch.setattr(groups, "COMPILED_ONCE_LOADED", threshold)
        results.append([fastmath.normal_cdf(z) for z in inputs])
    for numpy, compiled in zip(*results):
        assert compiled.dtype == numpy.dtype == np.float32 and compiled.shape == numpy.shape
        assert np.array_equal(compiled.view(np.uint32), numpy.view(np.uint32))
