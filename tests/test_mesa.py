"""The model behaves as a Mesa model: `running`, a DataCollector, keyword parameters, batch_run."""

from __future__ import annotations

import mesa
import numpy as np
import pandas as pd
import pytest

import sim
from sim import KPI_NAMES, TrainingMarketModel

TINY = {
    "population__workers": 600,
    "population__employers": 30,
    "population__providers": 3,
    "time__months": 48,
    "time__burn_in": 12,
}


def api_series(seed: int) -> pd.DataFrame:
    overrides = {k.replace("__", "."): v for k, v in TINY.items()}
    return sim.run_model(scenario="baseline", seed=seed, overrides=overrides).timeseries


def test_running_turns_false_at_the_horizon_and_stepping_past_it_is_an_error():
    model = TrainingMarketModel(seed=1, **TINY)
    while model.running:
        model.step()
    assert model.month == 48 and model.steps == 48
    with pytest.raises(RuntimeError, match="time.months=48"):
        model.step()


def test_mesa_style_keywords_set_dotted_parameters_and_bad_ones_are_refused():
    model = TrainingMarketModel(seed=3, funding__upfront_share=0.5, **TINY)
    assert model.cfg.funding.upfront_share == 0.5 and model.cfg.seed == 3
    with pytest.raises(sim.ConfigError, match="funding.upfront_share"):
        TrainingMarketModel(funding__upfront_share=1.5, **TINY)


@pytest.mark.parametrize("processes", [1, 2])
def test_batch_run_returns_the_same_monthly_kpis_as_the_api(processes):
    """The schema's defaults are the baseline scenario, so batch_run's runs equal the API's."""
    rows = mesa.batch_run(
        TrainingMarketModel,
        parameters={"seed": [1, 2], **TINY},
        number_processes=processes,
        data_collection_period=1,
        max_steps=200,
        display_progress=False,
    )
    table = pd.DataFrame(rows)
    for seed in (1, 2):
        runs = table[table["seed"] == seed].sort_values("Step")
        assert list(runs["Step"]) == list(range(48))  # stopped at the horizon, not at max_steps
        expected = api_series(seed)
        for kpi in KPI_NAMES:
            np.testing.assert_array_equal(
                runs[kpi].to_numpy(float), expected[kpi].to_numpy(float), err_msg=kpi
            )


def test_datacollector_holds_one_row_per_month():
    model = TrainingMarketModel(seed=2, **TINY)
    for _ in range(5):
        model.step()
    frame = model.datacollector.get_model_vars_dataframe()
    assert len(frame) == 5 and set(KPI_NAMES) <= set(frame.columns)
