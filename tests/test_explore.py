"""Decisions under uncertainty (sim.explore): declarations, designs, sensitivity, PRIM."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
import yaml

from sim.config.validation import ConfigError
from sim.explore import analysis as an
from sim.explore.design import sample_futures
from sim.explore.uncertainties import (
    UNCERTAIN_SECTIONS,
    declared_levers,
    declared_uncertainties,
    select,
)

TINY = {"population.workers": 200, "population.employers": 15, "time.months": 18, "time.burn_in": 6}


def test_every_assumed_or_calibrated_parameter_has_a_plausible_range_around_its_default():
    for prefix, schema in UNCERTAIN_SECTIONS:
        defaults = schema()
        for field in dataclasses.fields(schema):
            meta = field.metadata
            if not meta or not any(
                w in meta.get("source", "") for w in ("assumption", "calibrated")
            ):
                continue
            assert meta.get("plausible") is not None, (
                f"{prefix}.{field.name} has no plausible range"
            )
            lo, hi = meta["plausible"]
            assert lo < hi and meta.get("plausible_why"), f"{prefix}.{field.name}"
            assert lo <= getattr(defaults, field.name) <= hi, (
                f"{prefix}.{field.name} default outside"
            )
            assert meta["lo"] is None or meta["lo"] <= lo, f"{prefix}.{field.name} below allowed"
            assert meta["hi"] is None or hi <= meta["hi"], f"{prefix}.{field.name} above allowed"


def test_levers_are_funding_and_the_optimiser_searches_their_declared_ranges():
    from sim.explore.optimise import search_space
    from sim.run.api import config_dir

    assert {f.key.split(".")[0] for f in declared_levers()} == {"funding"}
    params = yaml.safe_load((config_dir() / "experiment" / "optimise_funding.yaml").read_text())
    assert params["hydra"]["sweeper"]["params"] == search_space()


def test_unknown_uncertainty_or_policy_is_a_one_line_error():
    from sim.explore.runner import check_spec

    with pytest.raises(ValueError, match="no declared plausible range"):
        select(["economy.labour_share"])
    with pytest.raises(ConfigError, match="scenario=nope"):
        check_spec(["baseline", "nope"], "baseline", [1])
    with pytest.raises(ValueError, match="reference"):
        check_spec(["baseline", "pay_for_performance"], "upfront_subsidy", [1])


def test_designs_stay_inside_the_plausible_ranges():
    factors = declared_uncertainties()
    for method, n in (("lhs", 20), ("morris", 3), ("sobol", 4)):
        futures = sample_futures(method, factors, n, seed=1)
        for f in factors:
            assert futures[f.key].between(f.lo, f.hi).all(), (method, f.key)
            if f.integer:
                assert (futures[f.key] == futures[f.key].round()).all()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_morris_ranks_a_dominant_factor_above_an_inert_one(seed):
    factors = select(["planning_horizon", "switching_cost", "rpl_fee"])
    futures = sample_futures("morris", factors, 10, seed=seed)
    u = futures[[f"unit.{f.key}" for f in factors]].to_numpy()
    rng = np.random.default_rng(seed)
    y = pd.Series(
        5 * u[:, 0] ** 2 + 0.5 * u[:, 1] + 0.01 * rng.normal(size=len(u)), index=futures["future"]
    )
    idx = an.morris_indices(futures, [f.key for f in factors], y).set_index("factor")
    assert (
        idx.loc["economy.planning_horizon", "mu_star"]
        > idx.loc["economy.switching_cost", "mu_star"]
    )
    assert idx.loc["economy.switching_cost", "mu_star"] > idx.loc["credentials.rpl_fee", "mu_star"]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_prim_recovers_a_planted_box(seed):
    rng = np.random.default_rng(seed)
    n = 500
    futures = pd.DataFrame({"future": range(n), **{k: rng.uniform(size=n) for k in "abc"}})
    planted = (futures.a > 0.6) & (futures.b < 0.3)
    cases = pd.Series(planted.to_numpy() | (rng.uniform(size=n) < 0.02), name="planted")
    found = an.discover(futures, ["a", "b", "c"], cases, threshold=0.9).box.set_index("factor")
    assert set(found.index) == {"a", "b"}
    assert abs(found.loc["a", "low"] - 0.6) < 0.08 and abs(found.loc["b", "high"] - 0.3) < 0.08


def test_wilson_interval_and_pareto_front():
    from scipy import stats

    from sim.explore.optimise import pareto_mask

    lo, hi = an.wilson_interval(30, 100)
    assert lo < 0.3 < hi and stats.binomtest(30, 100).proportion_ci(
        method="wilson"
    ).low == pytest.approx(lo)
    x, y = np.array([1.0, 2.0, 3.0, 2.0]), np.array([1.0, 1.0, 5.0, 3.0])
    assert pareto_mask(x, y).tolist() == [False, True, True, False]


def test_exploration_pairs_policies_and_an_inert_factor_has_no_effect():
    """rpl_fee is unused while recognition of prior learning is off: with common random
    numbers its Morris mu* is exactly 0, below planning_horizon's (the issue's dominant one)."""
    from sim.explore.runner import explore

    ex = explore(
        ["baseline", "upfront_subsidy"],
        n=2,
        seeds=[1],
        design="morris",
        uncertainties=["planning_horizon", "rpl_fee"],
        overrides=TINY,
        processes=2,
    )
    table = ex.table
    assert len(table) == 2 * 3 * 2 and (table["status"] == "completed").all()
    assert (table.loc[table["policy"] == "baseline", "additional_trainees"] == 0).all()
    per_future = an.future_outcomes(table)
    futures = sample_futures("morris", select(["planning_horizon", "rpl_fee"]), 2, seed=0)
    y = an.outcome(per_future, "upfront_subsidy:additional_trainees")
    idx = an.morris_indices(futures, ex.factors, y).set_index("factor")
    assert idx.loc["credentials.rpl_fee", "mu_star"] == 0
    assert idx.loc["economy.planning_horizon", "mu_star"] > 0


@pytest.mark.slow
def test_hydra_multirun_gives_the_inline_table_and_resumes(tmp_path):
    from sim.explore.runner import explore

    kwargs = dict(
        policies=["baseline", "pay_for_performance"],
        n=2,
        seeds=[1],
        uncertainties=["planning_horizon", "switching_cost"],
        overrides=TINY,
    )
    inline = explore(**kwargs).table
    hydra = explore(
        **kwargs, executor="hydra", out_dir=tmp_path / "ex", hydra_args=["hydra/launcher=basic"]
    ).table
    cols = ["future", "policy", "seed", "trainees", "public_cost", "additional_trainees"]
    pd.testing.assert_frame_equal(inline[cols], hydra[cols], check_dtype=False)
    with pytest.raises(ValueError, match="different exploration"):
        explore(**{**kwargs, "seeds": [2]}, executor="hydra", out_dir=tmp_path / "ex")


@pytest.mark.slow
def test_the_optimiser_beats_random_designs(tmp_path):
    """The NSGA-II front (20 trials in generations of 6, tiny economy, 2 paired seeds) weakly
    dominates valid designs drawn at random from the same space: at least 9 of 10, a one-sided
    binomial test against a coin (a random design below the disadvantaged floor, or adding no
    trainee, counts as beaten)."""
    from scipy import stats

    from sim.explore.cli import main as explore_main
    from sim.explore.optimise import evaluate, random_design
    from sim.explore.report import OPTIMISATION_FILE
    from sim.run.api import compose

    out = tmp_path / "optimise"
    command = ["optimise", "--trials", "20", "--population", "6", "--seeds", "2"]
    command += ["--min-disadvantaged-ratio", "0.6", "--out", str(out), "population=tiny"]
    assert explore_main(command) == 0
    table = pd.read_parquet(out / OPTIMISATION_FILE)
    front = table[(table["kind"] == "trial") & table["pareto"]]
    assert len(front) >= 1
    rng, beaten = np.random.default_rng(5), 0
    for _ in range(10):
        cfg = compose("pay_for_performance", 0, {"population": "tiny", **random_design(rng)})
        result = evaluate(cfg, [1, 2], 0.6)
        beaten += (not result["feasible"]) or bool(
            (
                (front["additional_trainees"] >= result["additional_trainees"])
                & (
                    front["public_cost_per_additional_trainee"]
                    <= result["public_cost_per_additional_trainee"]
                )
            ).any()
        )
    assert stats.binomtest(beaten, 10, 0.5, alternative="greater").pvalue < 0.05, beaten
