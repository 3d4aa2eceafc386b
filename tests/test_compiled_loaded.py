"""A process that has loaded the compiled loops (a sweep's worker, the page's pool) runs small
economies through them too, and gets the same results as a fresh process's NumPy passes."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from sim.model.arrays import groups
from sim.model.model import TrainingMarketModel

from .conftest import tiny_config

SCENARIOS = [
    "pay_for_performance",
    "upfront_subsidy",
    "tiered_p4p",
    "norcat_blended_mining",
    "edge_up_displaced",
    "humber_digital_rpl",
]


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_loaded_compiled_loops_change_no_result(scenario):
    cfg = tiny_config(scenario, seed=3)
    fresh = TrainingMarketModel(cfg)
    assert not fresh.compiled and fresh.training.compiled_valuation is None
    expected = fresh.run()

    groups.load_compiled()
    loaded = TrainingMarketModel(cfg)
    assert loaded.compiled and loaded.training.compiled_valuation is not None
    assert groups.compiled_for(2)  # every order, however small
    got = loaded.run()

    pd.testing.assert_frame_equal(got.timeseries, expected.timeseries, check_exact=True)
    assert json.dumps(got.kpis, sort_keys=True) == json.dumps(expected.kpis, sort_keys=True)


def test_a_fresh_process_runs_small_economies_by_numpy():
    """Loading Numba costs more than one small run saves: it is never loaded unasked."""
    model = TrainingMarketModel(tiny_config())
    model.run()
    assert not model.compiled and not groups.compiled_loaded()


def test_a_warm_worker_runs_every_model_compiled():
    """Sweep workers and the page's pool warm up with the compiled loops loaded and run once."""
    from sim.run.api import warm_up

    warm_up()
    assert groups.compiled_loaded() and TrainingMarketModel(tiny_config()).compiled


@pytest.mark.parametrize("scenario", ["pay_for_performance", "norcat_blended_mining"])
def test_compiled_loops_in_threads_change_no_result(scenario, monkeypatch):
    """At full scale the loops over rows and employers run in threads, in chunks, and the
    tallies count in slices: a tiny economy split into chunks of three rows (and slices, two
    per thread) gives NumPy's results too. Its policy runs 12 months (not 36): each month
    makes some 16 calls in threads, and each waits for its threads, which the tests running
    beside it keep off the cores (the 48 months once took 44 s under ``-n auto``)."""
    import numba

    from sim.model.arrays import compiled_groups

    cfg = tiny_config(scenario, seed=4, time__months=24)
    expected = TrainingMarketModel(cfg).run()

    groups.load_compiled()
    called = []
    in_threads = compiled_groups.in_threads

    def counted(kernel, rows, *args, **chunk):
        called.append(kernel.__name__)
        return in_threads(kernel, rows, *args, **chunk)

    monkeypatch.setattr(compiled_groups, "in_threads", counted)
    monkeypatch.setattr(compiled_groups, "PARALLEL_ROWS", 0)
    monkeypatch.setattr(compiled_groups, "CHUNK_ROWS", 3)
    threads = numba.get_num_threads()
    got = TrainingMarketModel(cfg).run()

    assert {
        "plan_candidates", "open_options", "select_within_groups",
        "accrue_rents", "recently_trained_staff", "credentials_holding_up",
    } <= set(called)  # fmt: skip
    assert numba.get_num_threads() == threads
    pd.testing.assert_frame_equal(got.timeseries, expected.timeseries, check_exact=True)
    assert json.dumps(got.kpis, sort_keys=True) == json.dumps(expected.kpis, sort_keys=True)


def test_small_economies_run_the_serial_twins_and_start_no_thread(tmp_path):
    """Below ``PARALLEL_ROWS`` rows a kernel runs as its serial twin (compiled without
    ``prange``, its parallel callees likewise): a process running small economies compiled,
    as a sweep's worker does, never starts Numba's threads, and each twin is cached under a
    name of its own, apart from the parallel build."""
    import subprocess
    import sys

    script = """
import json
from sim.model.arrays import groups, compiled_groups
from sim.model.model import TrainingMarketModel
from sim.run.api import compose
groups.load_compiled()
TrainingMarketModel(compose("pay_for_performance", 1, {"population": "tiny", "time.months": 30})).run()
import numba.np.ufunc.parallel as threads
print(json.dumps({
    "threads_started": bool(threads._is_initialized),
    "twins": sorted(k.py_func.__name__ for k in compiled_groups._SERIAL),
    "nested": compiled_groups.serial(compiled_groups.first_within_groups).py_func.__globals__[
        "runs_by_group"] is compiled_groups.serial(compiled_groups.runs_by_group),
    "cached": [t.stats.cache_path is not None for t in compiled_groups._SERIAL.values()],
}))
"""
    run = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=600, cwd=tmp_path
    )
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads(run.stdout.strip().splitlines()[-1])
    assert not report["threads_started"]
    assert {"plan_candidates", "select_within_groups", "runs_by_group", "appraise"} <= set(
        report["twins"]
    )
    assert report["nested"] and all(report["cached"])
