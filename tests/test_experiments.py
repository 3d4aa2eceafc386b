"""Named experiments in configs/experiment: what each sweeps, and that they run."""

from __future__ import annotations

import pandas as pd
import pytest
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.core.override_parser.overrides_parser import OverridesParser

from sim.run.api import config_dir, group_options, register_schema
from tests.sweep_helpers import outcome_share_sweep


def sweep_values(experiment: str) -> dict[str, list]:
    """The values each parameter takes in an experiment's sweep."""
    register_schema()
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(config_dir()), version_base="1.3"):
        cfg = compose("config", overrides=[f"+experiment={experiment}"], return_hydra_config=True)
    params = cfg.hydra.sweeper.params
    parser = OverridesParser.create()
    out = {}
    for key, text in params.items():
        override = parser.parse_override(f"{key}={text}")
        out[key] = (
            list(override.sweep_iterator()) if override.is_sweep_override() else [override.value()]
        )
    GlobalHydra.instance().clear()
    return out


def test_scenario_comparison_runs_every_scenario_on_the_same_20_seeds():
    """Every scenario of the default economy; the portfolio's own economies are compared with
    their own no-program runs in fsc_portfolio."""
    values = sweep_values("scenario_comparison")
    own_economies = set(sweep_values("fsc_portfolio")["scenario"]) - {"pay_for_performance"}
    assert sorted(values["scenario"]) == sorted(set(group_options("scenario")) - own_economies)
    assert len(values["seed"]) >= 20
    assert set(values) == {"scenario", "seed"}  # so every scenario gets every seed


def test_outcome_share_sweep_values():
    values = sweep_values("outcome_share_sweep")
    assert values["funding.outcome_share"] == pytest.approx([0, 0.1, 0.3, 0.5, 0.7, 1.0])
    assert len(values["seed"]) >= 20 and values["scenario"] == ["pay_for_performance"]


def test_fsc_portfolio_runs_the_six_projects_against_their_no_program_runs():
    values = sweep_values("fsc_portfolio")
    assert sorted(values["scenario"]) == sorted(
        [
            "pay_for_performance",
            "mohawk_material_handling",
            "humber_digital_rpl",
            "edge_up_displaced",
            "ccaa_aerospace_stackable",
            "norcat_blended_mining",
        ]
    )
    assert sorted(values["funding.enabled"]) == [False, True]
    assert len(values["seed"]) == 20


def test_recognition_x_funding_is_a_two_dimensional_grid():
    values = sweep_values("recognition_x_funding")
    assert len(values["credentials.recognition_shift"]) >= 3
    assert len(values["funding.outcome_share"]) >= 3
    assert len(values["seed"]) >= 5


def test_experiment_runs_with_population_and_sweep_overrides(tmp_path_factory):
    """``+experiment=outcome_share_sweep`` with command-line overrides of values and size."""
    table = pd.read_parquet(outcome_share_sweep(tmp_path_factory) / "sweep.parquet")
    assert len(table) == 4 and (table["status"] == "completed").all()
    assert sorted(table["funding.outcome_share"].unique()) == [0.0, 0.7]
    assert (table["population"] == "tiny").all()
    assert (table["scenario"] == "pay_for_performance").all()
