"""The model behaves as Mesa's own tools expect: running, DataCollector, batch_run, keywords."""

from __future__ import annotations

import pickle

import mesa
import numpy as np
import pytest

from sim.model.kpis import KPI_NAMES
from sim.model.model import TrainingMarketModel
from sim.run.api import run_model
from tests.conftest import tiny_config

SHORT = {"time__months": 14, "time__burn_in": 4}


def test_running_turns_false_at_the_horizon_and_stepping_past_it_is_refused():
    model = TrainingMarketModel(tiny_config(**SHORT))
    steps = 0
    while model.running:
        model.step()
        steps += 1
    assert steps == model.cfg.time.months == model.steps
    with pytest.raises(RuntimeError, match="past the horizon.*time.months=14"):
        model.step()


def test_mesa_keywords_are_dotted_overrides():
    model = TrainingMarketModel(
        tiny_config(), seed=3, funding__outcome_share=0.5, population__workers=400
    )
    assert (model.cfg.seed, model.cfg.funding.outcome_share, model.workers.n) == (3, 0.5, 400)


def test_datacollector_reporters_are_picklable_and_record_each_month():
    model = TrainingMarketModel(tiny_config(**SHORT))
    for _ in range(3):
        model.step()
    collector = pickle.loads(pickle.dumps(model.datacollector))
    frame = collector.get_model_vars_dataframe()
    assert list(frame["month"]) == [0, 1, 2]
    assert set(KPI_NAMES) <= set(frame.columns)


@pytest.mark.parametrize("scenario", ["baseline", "pay_for_performance"])
def test_batch_run_kpis_equal_the_api_timeseries(scenario):
    cfg = tiny_config(scenario, **SHORT)
    seeds = [1, 2]
    rows = mesa.batch_run(
        TrainingMarketModel,
        parameters={"cfg": cfg, "seed": seeds},
        max_steps=1000,
        data_collection_period=1,
        display_progress=False,
    )
    assert len(rows) == len(seeds) * cfg.time.months  # stopped at the horizon, not max_steps
    for seed in seeds:
        expected = run_model(config=tiny_config(scenario, seed=seed, **SHORT)).timeseries
        got = sorted((r for r in rows if r["seed"] == seed), key=lambda r: r["Step"])
        assert [r["Step"] for r in got] == list(expected["month"])
        for kpi in KPI_NAMES:
            np.testing.assert_array_equal(
                [r[kpi] for r in got], expected[kpi].to_numpy(), err_msg=kpi
            )
