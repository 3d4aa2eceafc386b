"""The baseline is settled after the burn-in, and learning has diminishing returns."""

import numpy as np
import pandas as pd
import pytest

from sim.checks.stationarity import baseline_trends, relative_trend, summarise_trends, yearly_values
from sim.model.model import TrainingMarketModel
from tests.conftest import tiny_config


def test_relative_trend_is_the_slope_as_a_share_of_the_mean():
    assert relative_trend([1.0, 1.1, 1.2]) == pytest.approx(0.1 / 1.1)
    assert relative_trend([2.0, 2.0, 2.0]) == pytest.approx(0.0, abs=1e-12)


def test_yearly_values_use_full_policy_years_only():
    ts = pd.DataFrame(
        {"month": np.arange(30), "x": np.r_[np.zeros(6), np.ones(12), 2 * np.ones(12)]}
    )
    np.testing.assert_allclose(yearly_values(ts, 6, "x"), [1.0, 2.0])
    assert len(yearly_values(ts.iloc[:-1], 6, "x")) == 1  # the second year is not full


@pytest.mark.slow  # a statistical run over seeds (.ci/run's slow step)
def test_the_default_baseline_has_no_trend_after_the_burn_in():
    """Yearly incidence, certifications and spend move by less than 2% of their mean a year
    over the policy window (95% CI over 8 seeds, default economy)."""
    trends = summarise_trends(baseline_trends(range(1, 9)))
    for kpi, row in trends.iterrows():
        assert -0.02 < row["lo"] and row["hi"] < 0.02, f"{kpi}: {row.to_dict()}"


@pytest.mark.slow  # a statistical run over seeds (.ci/run's slow step)
def test_without_refreshers_and_depreciation_the_baseline_drifts_down():
    """The mechanism behind the settled baseline: workers run out of programs when none can
    be taken again and trained skill never fades (the same test, the incentive removed)."""
    no_renewal = {"economy.retake_gap": 1200, "economy.skill_depreciation": 0.0}
    trends = summarise_trends(baseline_trends(range(1, 9), no_renewal))
    assert trends.loc["training_incidence", "hi"] < -0.02


def test_lower_skilled_workers_gain_more_per_completed_program():
    """Diminishing returns (UPSKILL, SRDC 2014): the same content adds more to a worker far
    from the program's target level; a worker at the target gains nothing productive."""
    model = TrainingMarketModel(tiny_config(scenario="baseline"))
    w = model.workers
    ids = np.arange(3)
    w.general[ids] = [0.8, 1.2, 2.5]
    room = w.learning_room(ids, np.float32(2.5))
    assert room[0] > 1 > room[1] > room[2] == 0


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_baseline_skill_gradient_favours_the_lower_skilled(seed):
    from sim.run.api import run_model

    kpis = run_model("baseline", seed, ["population=small"]).kpis
    assert kpis["gain_ratio_low_vs_high_skill"] > 1


def test_without_diminishing_returns_the_gradient_disappears():
    """Remove the mechanism (a target far above everyone's skill): the lower-skilled no longer
    gain more; the mechanism, not the sample, makes the gradient."""
    from sim.run.api import run_model

    far = [f"credentials.programs.{k}.target_skill=100" for k in range(6)]
    ratios = [
        run_model("baseline", s, ["population=small", *far]).kpis["gain_ratio_low_vs_high_skill"]
        for s in (1, 2, 3)
    ]
    with_room = [
        run_model("baseline", s, ["population=small"]).kpis["gain_ratio_low_vs_high_skill"]
        for s in (1, 2, 3)
    ]
    assert all(a > b for a, b in zip(with_room, ratios))
    assert np.mean(ratios) < 1.05


@pytest.mark.slow  # a statistical run over seeds (.ci/run's slow step)
def test_a_larger_economy_with_the_same_ratios_gives_the_same_kpis():
    """Scale invariance at a size the suite affords: 3,000 vs 12,000 workers, same ratios and
    firm-size cap, 6 seeds. No scale-free KPI differs beyond seed noise (Bonferroni-corrected
    99.7% Welch intervals of the difference all hold 0), and the main levels agree within 5%."""
    from sim.checks.scale import SCALE_FREE_KPIS, compare_scales, slice_of

    level = 1 - 0.05 / len(SCALE_FREE_KPIS)
    table = compare_scales(slice_of(3_000, 120), slice_of(12_000, 120), range(6), level=level)
    assert len(table) >= 12
    differ = table[(table["lo"] > 0) | (table["hi"] < 0)]
    assert differ.empty, differ.round(4).to_string()
    main = ["training_incidence", "certifications_per_1000", "mean_wage", "output_per_worker"]
    assert table.loc[main, "relative_difference"].abs().max() < 0.05


@pytest.mark.slow
def test_the_default_economy_is_a_slice_of_a_ten_times_larger_one():
    """The README's claim: 10,000 vs 100,000 workers (the presets' ratios and firm-size cap),
    8 seeds, P4P. No scale-free KPI differs significantly (Bonferroni over the KPIs), and the
    95% interval of the relative difference of the main levels lies within +/-5%."""
    from sim.checks.scale import SCALE_FREE_KPIS, compare_scales, slice_of

    table = compare_scales(slice_of(10_000), slice_of(100_000), range(8))
    differ = table[table["p"] < 0.05 / len(SCALE_FREE_KPIS)]
    assert differ.empty, differ.round(4).to_string()
    main = table.loc[
        ["training_incidence", "certifications_per_1000", "mean_wage", "output_per_worker"]
    ]
    outside = main[(main["lo"] < -0.05) | (main["hi"] > 0.05)]
    assert outside.empty, outside.round(4).to_string()
