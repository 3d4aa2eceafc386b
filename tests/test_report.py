"""Paired comparisons and the report: numbers match a hand computation, figures are written."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.analysis.paired import difference_stats, paired_comparison
from sim.analysis.report import build_report, report_main
from sim.config.outcomes import KPI_NAMES
from tests.sweep_helpers import grid_sweep, outcome_share_sweep, reported_paired_sweep

PNG = b"\x89PNG"


@pytest.fixture(scope="module")
def reported(tmp_path_factory):
    """The paired sweep, copied, after ``p4p-report`` ran on it (shared with test_daily_use.py)."""
    sweep_dir, result, _ = reported_paired_sweep(tmp_path_factory)
    assert result.returncode == 0, result.stderr
    return sweep_dir, result.stdout


def hand_difference(table: pd.DataFrame, kpi: str) -> tuple[float, float, float]:
    """Mean paired difference pay_for_performance - baseline and its 95% t interval."""
    wide = table.pivot(index="seed", columns="scenario", values=kpi).dropna()
    d = (wide["pay_for_performance"] - wide["baseline"]).to_numpy()
    if len(d) < 2:  # KPI undefined (e.g. deadweight without a program)
        return np.nan, np.nan, np.nan
    half = stats.t.ppf(0.975, len(d) - 1) * d.std(ddof=1) / np.sqrt(len(d))
    return d.mean(), d.mean() - half, d.mean() + half


def test_report_differences_match_a_hand_computation_from_the_sweep_table(reported):
    sweep_dir, _ = reported
    table = pd.read_parquet(sweep_dir / "sweep.parquet")
    comparison = pd.read_csv(sweep_dir / "comparison.csv").set_index("kpi")
    checked = 0
    for kpi in KPI_NAMES:
        mean, low, high = hand_difference(table, kpi)
        if np.isnan(mean):
            assert np.isnan(comparison.loc[kpi, "difference"])
            continue
        assert comparison.loc[kpi, "difference"] == pytest.approx(mean, rel=1e-9, abs=1e-9)
        assert comparison.loc[kpi, ["ci_low", "ci_high"]].tolist() == pytest.approx(
            [low, high], rel=1e-9, abs=1e-9
        )
        checked += 1
    assert checked >= 12
    trainees, _, _ = hand_difference(table, "trainees")
    cost, _, _ = hand_difference(table, "public_cost")
    assert comparison.loc["additional_trainees", "difference"] == pytest.approx(trainees)
    expected = cost / trainees if trainees > 0 else np.nan
    assert comparison.loc["public_cost_per_additional_trainee", "difference"] == pytest.approx(
        expected, nan_ok=True
    )


def test_report_has_paired_deadweight_cost_per_certification_and_the_account(reported):
    sweep_dir, stdout = reported
    table = pd.read_parquet(sweep_dir / "sweep.parquet")
    comparison = pd.read_csv(sweep_dir / "comparison.csv").set_index("kpi")
    trainees, _, _ = hand_difference(table, "trainees")
    funded = table[table.scenario == "pay_for_performance"]["funded_trainees"].mean()
    assert comparison.loc["deadweight_paired", "difference"] == pytest.approx(1 - trainees / funded)
    cost, _, _ = hand_difference(table, "public_cost")
    honest, _, _ = hand_difference(table, "certifications_meeting_standard")
    expected = cost / honest if honest > 0 else np.nan
    assert comparison.loc["public_cost_per_additional_certification", "difference"] == (
        pytest.approx(expected, nan_ok=True)
    )
    account = pd.read_csv(sweep_dir / "cost_benefit.csv").set_index("item")
    output, _, _ = hand_difference(table, "pv_output")
    resources, _, _ = hand_difference(table, "pv_training_resource_cost")
    outlay, _, _ = hand_difference(table, "pv_public_cost")
    net = output - resources - 0.25 * outlay  # the declared MCPF of the sweep's runs
    assert account.loc["net_social_benefit", "difference"] == pytest.approx(net)
    text = (sweep_dir / "report.md").read_text()
    assert "## Cost-benefit account" in text and "Net social benefit" in text
    assert "deadweight_paired" in text and "public_cost_per_additional_certification" in text
    assert "net social benefit" in stdout


def test_report_writes_markdown_figures_and_prints_se_ratios(reported):
    sweep_dir, stdout = reported
    text = (sweep_dir / "report.md").read_text()
    assert "Baseline: **baseline**" in text and "### pay_for_performance" in text
    assert "What pairing buys" in text and "public_cost_per_additional_trainee" in text
    for name in ("forest.png", "paths.png"):
        assert (sweep_dir / "figures" / name).read_bytes()[:4] == PNG
        assert f"figures/{name}" in text
    assert "paired/unpaired SE ratio" in stdout and "training_incidence" in stdout


def test_report_tables_write_large_numbers_in_full_with_separators(reported):
    """Costs and counts in the thousands and millions read as 30,120, never 3.012e+04."""
    import re

    sweep_dir, _ = reported
    text = (sweep_dir / "report.md").read_text()
    assert not re.search(r"\d[eE]\+\d", text)
    assert re.search(r"\| \d{1,3}(,\d{3})+ \|", text)  # a table cell in the thousands


def test_one_dimensional_sweep_gets_response_curves_and_a_selectable_baseline(
    tmp_path_factory, tmp_path
):
    sweep_dir = outcome_share_sweep(tmp_path_factory)
    report = build_report(sweep_dir, out_dir=tmp_path)
    assert report.baseline == {"funding.outcome_share": 0.0}
    assert (tmp_path / "figures" / "response.png").exists()
    chosen = build_report(sweep_dir, baseline=["funding.outcome_share=0.7"], out_dir=tmp_path)
    assert set(chosen.comparison["funding.outcome_share"]) == {0.0}
    pair = chosen.comparison.set_index("kpi").loc["training_incidence", "difference"]
    assert pair == pytest.approx(
        -report.comparison.set_index("kpi").loc["training_incidence", "difference"]
    )


@pytest.mark.slow  # runs a 2-D sweep; .ci/run runs it in its slow step
def test_two_dimensional_sweep_gets_heatmaps(tmp_path_factory, tmp_path):
    sweep_dir = grid_sweep(tmp_path_factory)
    report = build_report(sweep_dir, out_dir=tmp_path)
    assert report.sweep.factors == ["credentials.recognition_shift", "funding.outcome_share"]
    assert len(report.comparison.groupby(report.sweep.factors)) == 3  # every cell but the baseline
    for name in ("heatmap_means.png", "heatmap_effects.png"):
        assert (tmp_path / "figures" / name).read_bytes()[:4] == PNG


def test_bad_baseline_is_a_one_line_error(reported, capsys):
    sweep_dir, _ = reported
    assert report_main([str(sweep_dir), "--quiet", "--baseline", "scenario=nope"]) == 2
    error = capsys.readouterr().err
    assert error.strip().count("\n") == 0 and "scenario=nope" in error


def test_paired_confidence_interval_agrees_with_scipy():
    rng = np.random.default_rng(5)
    base = pd.Series(rng.normal(10, 3, 20))
    treated = base + 1.5 + pd.Series(rng.normal(0, 0.5, 20))
    result = difference_stats("x", treated, base)
    reference = stats.ttest_rel(treated, base).confidence_interval(0.95)
    assert (result["ci_low"], result["ci_high"]) == pytest.approx((reference.low, reference.high))
    assert result["se_ratio"] < 0.2  # strongly correlated pairs: pairing helps a lot


def test_se_ratio_is_near_one_for_independent_pairs():
    rng = np.random.default_rng(9)
    ratios = [
        difference_stats("x", pd.Series(rng.normal(0, 1, 30)), pd.Series(rng.normal(0, 1, 30)))[
            "se_ratio"
        ]
        for _ in range(200)
    ]
    assert 0.9 < np.mean(ratios) < 1.1


def test_cost_per_additional_trainee_is_empty_without_additional_trainees():
    table = pd.DataFrame(
        {
            "status": "completed",
            "scenario": ["baseline"] * 3 + ["other"] * 3,
            "seed": [1, 2, 3] * 2,
            "trainees": [10.0, 12, 11, 9, 11, 10],
            "public_cost": [0.0, 0, 0, 500, 600, 550],
        }
    )
    comparison = paired_comparison(table, ["scenario"], ["trainees"]).set_index("kpi")
    assert comparison.loc["additional_trainees", "difference"] == pytest.approx(-1.0)
    assert np.isnan(comparison.loc["public_cost_per_additional_trainee", "difference"])
