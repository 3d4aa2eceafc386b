"""Simulated randomised trials: assignment, access, estimators, truth, and the p4p-trial command."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.analysis.trials import bias_decomposition, itt, power_table, pre_post
from sim.config.validation import ConfigError
from sim.model.model import TrainingMarketModel
from sim.model.trial import systematic_pick
from sim.trials import run_replication, trial_config, unit_table
from sim.trials.cli import main as trial_main

SMALL = {"population.workers": 1000, "population.employers": 60}


# --- assignment -------------------------------------------------------------------------------
@pytest.mark.parametrize("share", [0.5, 0.3, 0.9])
def test_systematic_pick_is_proportional_within_strata(share):
    rng = np.random.default_rng(1)
    strata = rng.integers(0, 5, 997)
    picked = systematic_pick(strata, rng.random(997), share)
    assert len(picked) == int(997 * share + 1e-9)
    for s in range(5):
        assert (
            abs(np.isin(np.flatnonzero(strata == s), picked).sum() - share * (strata == s).sum())
            <= 1
        )


def test_systematic_pick_is_random_within_a_stratum():
    """Over many draws every unit of a stratum is picked about equally often (chi-square)."""
    rng = np.random.default_rng(2)
    strata = np.repeat([0, 1], [30, 50])
    counts = np.zeros(80)
    for _ in range(2000):
        counts[systematic_pick(strata, rng.random(80), 0.4)] += 1
    for members in (slice(0, 30), slice(30, 80)):
        assert stats.chisquare(counts[members]).pvalue > 0.001


@pytest.mark.parametrize(
    "override, named",
    [
        ({"trial.enrolled": 61}, "trial.enrolled"),
        ({"trial.design": "prepost"}, "trial.treatment_share"),
        ({"trial.treatment_share": 0.001}, "trial.treatment_share"),
        ({"trial.pre_months": 40}, "trial.pre_months"),
        ({"trial.follow_up_months": 200, "time.months": 120}, "follow_up_months"),
        ({"trial.design": "waitlist", "trial.follow_up_months": 24}, "trial.waitlist_months"),
        ({"trial.unit": "household"}, "trial.unit"),
    ],
)
def test_bad_trial_settings_are_one_line_errors(override, named):
    with pytest.raises(ConfigError) as info:
        trial_config("upskill", 1, overrides={**SMALL, "trial.enrolled": 40, **override})
    assert named in str(info.value) and "\n" not in str(info.value)


# --- access through the funder's eligibility ----------------------------------------------------
@pytest.mark.parametrize("preset, size", [("upskill", 30), ("skilling_up", 300)])
def test_only_treated_units_take_up_the_program(preset, size):
    cfg = trial_config(preset, 3, overrides={**SMALL, "trial.enrolled": size})
    model = TrainingMarketModel(cfg)
    model.run()
    trial, ledger = model.funder.trial, model.funder.enrolments
    funded = ledger.funded
    assert funded.sum() > 0
    if cfg.trial.unit == "employer":
        treated_employers = trial.units[trial.treated]
        assert np.isin(ledger.employer[funded], treated_employers).all()
    else:
        treated_workers = trial.units[trial.treated]
        assert np.isin(ledger.worker[funded], treated_workers).all()
    assert trial.treated.sum() == size // 2 and len(trial.units) == size


def test_waitlisted_controls_get_the_program_after_k_months():
    cfg = trial_config(
        "skilling_up", 4, overrides={**SMALL, "trial.enrolled": 400, "time.months": 60}
    )
    model = TrainingMarketModel(cfg)
    model.run()
    trial, ledger = model.funder.trial, model.funder.enrolments
    opens = cfg.time.burn_in + cfg.trial.waitlist_months
    controls = trial.units[~trial.treated]
    control_funded = ledger.funded & np.isin(ledger.worker, controls)
    assert control_funded.any() and (ledger.start[control_funded] >= opens).all()


def test_everyone_world_is_the_run_without_a_trial():
    """The truth's full roll-out is exactly the untrialled economy: the trial's draws come
    from streams of their own."""
    small = {**SMALL, "trial.enrolled": 40}
    with_trial = TrainingMarketModel(trial_config("upskill", 5, overrides=small, world="everyone"))
    cfg = trial_config("upskill", 5, overrides=small)
    cfg.trial.enabled = False
    pd.testing.assert_frame_equal(
        with_trial.run().timeseries, TrainingMarketModel(cfg).run().timeseries
    )


def test_removing_the_treatment_removes_the_effect():
    """Take-up differs between arms only when the program is given (three seeds)."""
    for seed in (1, 2, 3):
        trial = unit_table(trial_config("upskill", seed, overrides={**SMALL, "trial.enrolled": 60}))
        no_one = unit_table(
            trial_config("upskill", seed, overrides={**SMALL, "trial.enrolled": 60}, world="no_one")
        )
        assert itt(trial, "funded_per_employee").effect > 0
        assert (no_one["funded_per_employee"] == 0).all()
        assert itt(no_one, "funded_per_employee").effect == 0


@pytest.mark.slow
def test_poaching_biases_a_trial_toward_zero_on_the_stock_of_credentialed_staff():
    """With outside offers, controls hire away the treated employers' newly credentialed staff,
    so a trial understates the effect of a full roll-out on credentialed staff (contamination
    of the control group; Crépon et al. 2013 on displacement). Without offers (no poaching) the
    bias is not lower: paired over 12 seeds, one-sided t-test on the bias difference."""
    economy = {"population.workers": 2000, "population.employers": 100, "trial.enrolled": 100}

    def bias(seed: int, offers: float) -> float:
        overrides = {**economy, "economy.offer_arrival_rate": offers}
        worlds = {
            w: unit_table(trial_config("upskill", seed, "upfront_subsidy", overrides, world=w))
            for w in ("trial", "everyone", "no_one")
        }
        return bias_decomposition(*worlds.values(), "credentialed_staff_share", "parallel")["bias"]

    difference = np.array([bias(seed, 0.3) - bias(seed, 0.0) for seed in range(1, 13)])
    assert difference.mean() < 0
    assert stats.ttest_1samp(difference, 0.0, alternative="less").pvalue < 0.05


def test_sector_strata_balance_enrolment_and_treatment_within_sectors():
    sectors = [
        {"name": "a", "employer_share": 0.3},
        {"name": "b", "employer_share": 0.7},
    ]
    cfg = trial_config(
        "upskill",
        4,
        overrides={
            **SMALL,
            "economy.sectors": sectors,
            "trial.enrolled": 30,
            "trial.stratify": "sector",
        },
    )
    model = TrainingMarketModel(cfg)
    while model.month <= cfg.time.burn_in:
        model.step()
    trial, sector = model.funder.trial, model.employers.sector
    for s in (0, 1):
        share = (sector == s).mean()
        in_sector = sector[trial.units] == s
        assert abs(in_sector.sum() - 30 * share) <= 1
        assert abs(trial.treated[in_sector].sum() - in_sector.sum() / 2) <= 1


# --- estimators on planted effects ----------------------------------------------------------------
def planted_table(rng, clusters=80, per=5, tau=0.3, drift=0.0) -> pd.DataFrame:
    """Workers within employers, employers randomised, with a cluster effect and a known effect."""
    cluster = np.repeat(np.arange(clusters), per)
    treated = np.repeat(rng.random(clusters) < 0.5, per)
    level = np.repeat(rng.normal(0, 1, clusters), per)
    pre = level + rng.normal(0, 1, len(cluster))
    y = level + tau * treated + drift + rng.normal(0, 1, len(cluster))
    return pd.DataFrame(
        {
            "unit": np.arange(len(cluster)),
            "cluster": cluster,
            "enrolled": True,
            "treated": treated,
            "size": 10,
            "sme": True,
            "pre_y": pre,
            "y": y,
        }
    )


def test_itt_recovers_a_planted_effect_with_honest_intervals():
    rng = np.random.default_rng(7)
    covered = {False: 0, True: 0}
    for _ in range(300):
        table = planted_table(rng)
        for adjusted in covered:
            est = itt(table, "y", covariates=adjusted)
            covered[adjusted] += est.ci_low <= 0.3 <= est.ci_high
    for adjusted, hits in covered.items():  # 95% intervals: coverage not far below 0.95
        assert stats.binomtest(hits, 300, 0.95, alternative="less").pvalue > 0.01, (adjusted, hits)


def test_covariates_shrink_the_standard_error():
    rng = np.random.default_rng(8)
    ratios = [
        itt(t, "y", True).se / itt(t, "y").se for t in (planted_table(rng) for _ in range(30))
    ]
    assert np.median(ratios) < 0.95


def test_pre_post_recovers_a_planted_change():
    rng = np.random.default_rng(9)
    table = planted_table(rng, clusters=400, tau=0.0, drift=0.5)
    est = pre_post(table, "y")
    assert est.ci_low <= 0.5 <= est.ci_high and est.n_clusters == len(table)


def test_bias_parts_add_up_to_the_bias():
    rng = np.random.default_rng(10)
    trial = planted_table(rng)
    trial["enrolled"] = rng.random(len(trial)) < 0.7
    everyone, no_one = trial.copy(), trial.copy()
    everyone["y"] += rng.normal(0.4, 0.2, len(trial))
    no_one["y"] -= rng.normal(0.1, 0.2, len(trial))
    for design in ("parallel", "prepost"):
        parts = bias_decomposition(trial, everyone, no_one, "y", design)
        total = parts["scale"] + parts["spillover"] + parts["sampling"] + parts["trend"]
        assert total == pytest.approx(parts["bias"])


def test_power_table_counts_rejections():
    estimates = pd.DataFrame(
        {
            "enrolled": 10,
            "outcome": "y",
            "method": "itt",
            "p_value": [0.01, 0.2, 0.03, 0.5],
            "effect": 1.0,
            "se": 0.5,
        }
    )
    row = power_table(estimates).iloc[0]
    assert row.power == 0.5 and row.power_low < 0.5 < row.power_high
    assert row.mde == pytest.approx(2.8016 * 0.5, rel=1e-3)


# --- the command ----------------------------------------------------------------------------------
def test_replication_reports_estimate_truth_and_bias():
    rep = run_replication("emc", 2, overrides={**SMALL, "trial.enrolled": 30})
    assert set(rep.estimates["method"]) == {"pre_post"}
    assert (rep.bias["bias"] == rep.bias["estimate"] - rep.bias["truth"]).all()
    funded = rep.bias.set_index("outcome").loc["funded_per_employee"]
    assert funded["truth"] > 0 and funded["trend"] == 0  # no one was funded before the trial


def test_p4p_trial_runs_resumes_and_refuses_another_experiment(tmp_path, capsys):
    out = tmp_path / "trial"
    args = [
        "run",
        "upskill",
        "--seeds",
        "1-2",
        "--sizes",
        "20,40",
        "--out",
        str(out),
        "population.workers=800",
        "population.employers=50",
        "trial.follow_up_months=12",
    ]
    assert trial_main(args) == 0
    power = pd.read_csv(out / "power.csv")
    assert set(power["enrolled"]) == {20, 40} and (power["replications"] == 2).all()
    assert "What would a trial find?" in (out / "summary.md").read_text()
    assert (out / "power_itt.png").exists()
    files = {p: p.stat().st_mtime_ns for p in out.glob("world=*/units.parquet")}
    assert len(files) == 2 * 2 + 2 * 2  # trials per size and seed, two truth worlds per seed
    assert (out / "sweep.parquet").exists()  # a Hydra multirun like every sweep
    assert trial_main(args) == 0  # resumes: nothing reruns
    assert {p: p.stat().st_mtime_ns for p in out.glob("world=*/units.parquet")} == files
    assert trial_main(args[:5] + ["20", *args[6:]]) == 2
    assert "different trial experiment" in capsys.readouterr().err


@pytest.mark.slow
def test_p4p_trial_gives_the_same_units_on_another_launcher(tmp_path):
    common = ["--seeds", "3", "--sizes", "20", "population.workers=800", "population.employers=50"]
    common += ["trial.follow_up_months=12"]
    for name, extra in (("joblib", []), ("basic", ["hydra/launcher=basic"])):
        assert trial_main(["run", "upskill", "--out", str(tmp_path / name), *common, *extra]) == 0
    for job in ("world=trial,enrolled=20,seed=3", "world=no_one,enrolled=20,seed=3"):
        pd.testing.assert_frame_equal(
            pd.read_parquet(tmp_path / "joblib" / job / "units.parquet"),
            pd.read_parquet(tmp_path / "basic" / job / "units.parquet"),
        )


def test_p4p_trial_refuses_bad_input_before_writing(tmp_path, capsys):
    out = tmp_path / "never"
    assert trial_main(["run", "nonsense", "--out", str(out)]) == 2
    assert trial_main(["run", "upskill", "--seeds", "x", "--out", str(out)]) == 2
    assert trial_main(["run", "upskill", "--out", str(out), "trial.enrolled=100000"]) == 2
    assert not out.exists()
    assert capsys.readouterr().err.count("p4p-trial: error:") == 3


# --- statistical properties over replications (slow) ----------------------------------------------
def rejections(scenario: str, outcome: str, enrolled: int, seeds) -> int:
    hits = 0
    for seed in seeds:
        cfg = trial_config("upskill", seed, scenario, {**SMALL, "trial.enrolled": enrolled})
        hits += itt(unit_table(cfg), outcome).p_value < 0.05
    return hits


@pytest.mark.slow
def test_a_trial_of_no_program_rejects_at_about_alpha():
    """With no funding the assignment changes nothing: false positives are ~5% (60 seeds)."""
    hits = rejections("baseline", "trainees_per_employee", 40, range(1, 61))
    assert stats.binomtest(hits, 60, 0.05).pvalue > 0.01, hits


@pytest.mark.slow
def test_power_rises_with_trial_size():
    small = rejections("pay_for_performance", "funded_per_employee", 6, range(1, 31))
    large = rejections("pay_for_performance", "funded_per_employee", 40, range(1, 31))
    table = [[large, 30 - large], [small, 30 - small]]
    assert stats.fisher_exact(table, alternative="greater").pvalue < 0.05, (small, large)
