"""The model's fast reductions give exactly NumPy's numbers."""

import numpy as np
import pytest

from sim.model.arrays.reductions import mean


@pytest.mark.parametrize(
    "dtype", [np.float32, np.float64, np.float16, np.int64, np.int32, np.uint8, bool]
)
@pytest.mark.parametrize("size", [1, 7, 500, 10_001])
def test_mean_is_numpys_mean_bit_for_bit(dtype, size):
    rng = np.random.default_rng(size)
    values = rng.random(size) > 0.5 if dtype is bool else (rng.random(size) * 100).astype(dtype)
    for array in (values, values.reshape(-1, 1), values[::2]):
        expected, got = array.mean(), mean(array)
        assert type(got) is type(expected)
        assert got.tobytes() == expected.tobytes()


def test_mean_of_nothing_is_numpys_nan_with_its_warning():
    with pytest.warns(RuntimeWarning, match="Mean of empty slice"):
        assert np.isnan(mean(np.zeros(0, dtype=np.float32)))
