"""Full-scale population preset and the employer-size cap it relies on (issue 5)."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys

import numpy as np
import pytest

from sim.config.validation import ConfigError
from sim.model.arrays import allocator
from sim.model.arrays.allocator import map_ahead
from sim.model.arrays.columns import ColumnTable
from sim.model.employers import EmployerTable
from sim.model.model import TrainingMarketModel
from sim.run.api import compose


def test_canada_manufacturing_preset_is_the_sector_at_one_to_one():
    pop = compose(overrides=["population=canada_manufacturing"]).population
    assert pop.workers == 1_700_000
    assert pop.employers == 90_000
    # providers and seats keep the default economy's seats per worker
    default = compose().population
    assert pop.providers * pop.seats_per_provider / pop.workers == pytest.approx(
        default.providers * default.seats_per_provider / default.workers
    )
    assert pop.max_employer_size is not None


def test_full_scale_size_distribution_is_heavy_tailed_and_capped():
    pop = compose(overrides=["population=canada_manufacturing"]).population
    sizes = EmployerTable.draw_sizes(
        np.random.default_rng(0),
        pop.employers,
        pop.workers,
        pop.initial_unemployment,
        pop.employer_size_shape,
        pop.max_employer_size,
    )
    employed = round(pop.workers * (1 - pop.initial_unemployment))
    assert sizes.sum() == employed
    assert sizes.min() >= 1 and sizes.max() <= pop.max_employer_size
    assert 0.97 <= (sizes < 100).mean() <= 0.99  # ISED: 97.9% of employers are small
    assert (sizes >= 500).mean() > 0.001  # yet a tail of large plants exists
    assert (sizes == pop.max_employer_size).sum() >= 1


@pytest.mark.parametrize("cap", [30, 60, 200])
def test_size_cap_keeps_total_jobs_and_order(cap):
    rng = np.random.default_rng(3)
    sizes = EmployerTable.draw_sizes(rng, 200, 5_000, 0.06, 1.1, cap)
    assert sizes.sum() == 4_700
    assert sizes.max() <= cap
    uncapped = EmployerTable.draw_sizes(np.random.default_rng(3), 200, 5_000, 0.06, 1.1)
    assert uncapped.max() > cap  # the cap binds in this draw
    # capping keeps employers' size ranking (up to ties at the cap and rounding)
    big = uncapped >= np.sort(uncapped)[-5]
    assert (sizes[big] >= np.median(sizes)).all()


def test_size_cap_too_small_for_the_jobs_is_a_config_error():
    with pytest.raises(ConfigError, match="population.max_employer_size=5"):
        compose(
            overrides={
                "population.workers": 2000,
                "population.employers": 100,
                "population.max_employer_size": 5,
            }
        )


def test_capped_economy_fills_every_employer_to_its_capped_size():
    cfg = compose(
        overrides={
            "population.workers": 1500,
            "population.employers": 60,
            "population.max_employer_size": 60,
            "time.months": 3,
            "time.burn_in": 1,
        }
    )
    model = TrainingMarketModel(cfg)
    assert model.employers.target_size.max() <= 60
    assert model.employers.size.sum() == model.employers.target_size.sum()
    model.run()


def test_headcounts_stay_current_through_every_phase(tiny):
    """Headcounts are updated as workers leave and join, not recounted each phase."""
    model = TrainingMarketModel(tiny("pay_for_performance", seed=4))
    e, w = model.employers, model.workers
    for _ in range(30):
        for owner, method in model.PHASES:
            getattr(getattr(model, owner), method)(model.month)
            counted = np.bincount(w.employer[w.employer >= 0], minlength=e.n)
            assert np.array_equal(e.size, counted), f"{owner}.{method}"
        model.month += 1


@pytest.mark.parametrize("scenario", ["baseline", "pay_for_performance"])
def test_enrolment_ledger_never_grows_by_copying(scenario):
    """The ledger's reserved room (no worker starts more than once per 1 + retraining gap
    months) holds every start of a run: it is never copied into a larger one."""
    cfg = compose(scenario, 2, {"population": "small", "economy.retraining_gap": 3})
    model = TrainingMarketModel(cfg)
    capacity = model.funder.ledger_room(cfg)
    model.run()
    ledger = model.funder.enrolments
    assert 0 < len(ledger) <= capacity
    assert all(len(column) == capacity for column in ledger._data.values())


def resident_pages(column: np.ndarray, start: int, stop: int) -> np.ndarray:
    """Whether each page of rows ``start:stop`` of ``column`` is mapped (mincore(2))."""
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    libc.mincore.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_char_p)
    page = os.sysconf("SC_PAGE_SIZE")
    first = column.ctypes.data + start * column.itemsize
    first -= first % page
    length = column.ctypes.data + stop * column.itemsize - first
    pages = ctypes.create_string_buffer(-(-length // page))
    assert libc.mincore(first, length, pages) == 0, os.strerror(ctypes.get_errno())
    return np.frombuffer(pages.raw, dtype=np.uint8) & 1 == 1


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="MADV_POPULATE_WRITE is Linux's")
def test_a_large_table_has_its_next_rows_mapped_ahead_with_their_zeros(monkeypatch):
    """After an append to a large reserved table, a background thread maps the pages of as
    many rows again (so the next month writes to mapped memory); rows further on stay
    unmapped, and mapping changes no value."""
    probe = map_ahead([np.zeros(1 << 20)], 0, 1 << 20)
    if probe is not None:
        probe.join()
    if not allocator._madvise:
        pytest.skip("this kernel cannot map pages ahead (Linux 5.14+)")
    monkeypatch.setattr(ColumnTable, "MAP_AHEAD_FROM", 1000)
    capacity, n = 16_000_000, 1_000_000  # 128 MiB of float64 reserved: a mapping of its own
    table = ColumnTable({"a": np.int32, "b": np.float64}, capacity=capacity)
    table.append(a=np.arange(n, dtype=np.int32))
    first = table.mapping
    first.join()
    for column in table._data.values():
        assert resident_pages(column, n, 2 * n).all()
        assert not resident_pages(column, capacity - n, capacity).any()
    assert np.array_equal(table.a, np.arange(n)) and not table.b.any()
    assert not table._data["a"][n:].any() and not table._data["b"][n:].any()
    table.append(a=np.ones(10, dtype=np.int32))  # rows already mapped: no new thread
    assert table.mapping is first and len(table) == n + 10


def test_a_small_table_maps_nothing_ahead():
    table = ColumnTable({"a": np.int32}, capacity=ColumnTable.MAP_AHEAD_FROM - 1)
    table.append(a=np.arange(10))
    assert table.mapping is None
