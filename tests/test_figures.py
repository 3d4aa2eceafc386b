"""Briefing-ready figures, checked on the Matplotlib artists: words and units in titles and
labels, no scientific notation or offsets, baseline first, significance marked, page-sized."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.analysis import plots
from sim.analysis.paired import paired_comparison

SCENARIOS = [
    "baseline",
    "microcredential_push",
    "p4p_microcredential",
    "pay_for_performance",
    "provider_outcomes",
    "tiered_p4p",
    "upfront_subsidy",
]
KPIS = list(plots.BRIEFING_KPIS)


def sweep_table(factors: dict, seeds=range(1, 6), rng_seed=0) -> pd.DataFrame:
    """A synthetic sweep table: one row per condition x seed, effects growing with the index."""
    rng = np.random.default_rng(rng_seed)
    grid = pd.MultiIndex.from_product(
        [*factors.values(), list(seeds)], names=[*factors, "seed"]
    ).to_frame(index=False)
    effect = sum(grid[f].map({v: i for i, v in enumerate(vals)}) for f, vals in factors.items())
    noise = rng.normal(0, 1, (len(grid), 1))
    scale = {
        "training_incidence": 0.01,
        "share_employers_training": 0.02,
        "certifications_per_1000": 3,
        "employer_net_spend_per_employee": 40,
        "public_cost": 2.5e6,
        "deadweight_share": 0.03,
        "trainees": 120,
    }
    for kpi, s in scale.items():
        grid[kpi] = s * (5 + effect + 0.2 * noise[:, 0] + 0.05 * rng.normal(0, 1, len(grid)))
    grid["public_cost"] = np.where(effect == 0, 0.0, grid["public_cost"])
    grid["status"] = "completed"
    return grid


def timeseries(table: pd.DataFrame, factors: list[str], months=36) -> pd.DataFrame:
    frames = []
    for _, row in table.iterrows():
        frame = pd.DataFrame({"month": np.arange(1, months + 1)})
        for kpi in KPIS:
            frame[kpi] = row[kpi] * (1 + 0.1 * np.sin(frame["month"] / 5))
        for f in [*factors, "seed"]:
            frame[f] = row[f]
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def texts(fig) -> list[str]:
    """Every piece of text a reader sees: titles, axis labels, tick labels, legends, cell labels."""
    out = [fig._suptitle.get_text()] if fig._suptitle else []
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        fig.canvas.draw() if not hasattr(fig.canvas, "renderer") else None
        out += [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()]
        out += [t.get_text() for t in ax.get_xticklabels() + ax.get_yticklabels()]
        out += [t.get_text() for t in ax.texts]
        out += [ax.xaxis.get_offset_text().get_text(), ax.yaxis.get_offset_text().get_text()]
        if ax.get_legend():
            out += [t.get_text() for t in ax.get_legend().get_texts()]
    for legend in fig.legends:
        out += [t.get_text() for t in legend.get_texts()]
    return [t for t in out if t]


def assert_briefing_ready(fig):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig).draw()  # tick labels exist only once drawn
    words = texts(fig)
    assert words
    for text in words:
        assert "_" not in text, f"raw snake_case in {text!r}"
        assert "e+" not in text and "1e" not in text and "×10" not in text, (
            f"scientific notation in {text!r}"
        )
    for ax in fig.axes:
        assert (
            ax.xaxis.get_offset_text().get_text() == ""
            and ax.yaxis.get_offset_text().get_text() == ""
        )
    width, height = fig.get_size_inches()
    assert width <= plots.PAGE[0] and height <= plots.PAGE[1]
    return words


@pytest.fixture(scope="module")
def scenarios():
    table = sweep_table({"scenario": SCENARIOS})
    comparison = paired_comparison(
        table, ["scenario"], [*KPIS, "trainees"], {"scenario": "baseline"}
    )
    comparison.attrs["baseline"] = {"scenario": "baseline"}
    return table, comparison


def test_forest_plot_is_in_words_with_money_and_percent_ticks_largest_effect_on_top(scenarios):
    _, comparison = scenarios
    fig = plots.forest_plot(comparison)
    words = assert_briefing_ready(fig)
    assert "Training incidence" in words and "Public cost" in words
    cost_ax = next(ax for ax in fig.axes if ax.get_title() == "Public cost")
    assert any(
        t.get_text().startswith(("+$", "$")) and t.get_text()[-1] in "kM"
        for t in cost_ax.get_xticklabels()
    )
    share_ax = next(ax for ax in fig.axes if ax.get_title() == "Share employers training")
    assert share_ax.get_xlabel() == "Change (percentage points)"
    assert any(t.get_text().endswith(" pp") for t in share_ax.get_xticklabels())
    order = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert (
        order[0] == "Upfront subsidy" and order[-1] == "Microcredential push"
    )  # top = largest effect


def test_cost_per_additional_trainee_has_its_own_figure_with_the_ci(scenarios):
    _, comparison = scenarios
    fig = plots.cost_per_trainee_plot(comparison)
    words = assert_briefing_ready(fig)
    assert "Public cost per additional trainee" in fig.axes[0].get_title()
    rows = comparison[comparison["kpi"] == "public_cost_per_additional_trainee"]
    first = rows.sort_values("difference").iloc[0]
    expected = (
        f"{plots.format_value(first['difference'], 'CAD')}  "
        f"[{plots.format_value(first['ci_low'], 'CAD')}, {plots.format_value(first['ci_high'], 'CAD')}]"
    )
    assert expected in words


def test_paths_with_seven_scenarios_put_baseline_first_shade_burn_in_and_have_a_legend(scenarios):
    table, comparison = scenarios
    series = timeseries(table, ["scenario"])
    order = plots.condition_order(comparison, ["scenario"])
    fig = plots.kpi_paths(
        series, ["scenario"], burn_in=12, baseline={"scenario": "baseline"}, order=order
    )
    words = assert_briefing_ready(fig)
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend[0] == "Burn-in (no policy yet)" and legend[1] == "Baseline"
    assert legend[2:] == [plots.condition_title({"scenario": s[0]}) for s in order]
    assert "Month" in words
    for ax in fig.axes:
        assert any(p.get_x() == 1 for p in ax.patches) or ax.collections  # burn-in span drawn


def test_response_curves_show_paired_effects_with_paired_cis():
    shares = [0.0, 0.3, 0.7, 1.0]
    table = sweep_table({"funding.outcome_share": shares})
    comparison = paired_comparison(
        table, ["funding.outcome_share"], KPIS, {"funding.outcome_share": 0.0}
    )
    comparison.attrs["baseline"] = {"funding.outcome_share": 0.0}
    fig = plots.response_curves(comparison, "funding.outcome_share")
    assert_briefing_ready(fig)
    ax = next(a for a in fig.axes if a.get_title() == "Training incidence")
    assert ax.get_xlabel() == "Outcome share (0 to 1)"
    assert ax.get_ylabel().startswith("Change")
    bars = [c for c in ax.collections if c.get_segments()]
    rows = comparison[comparison["kpi"] == "training_incidence"].sort_values(
        "funding.outcome_share"
    )
    half = [abs(seg[1][1] - seg[0][1]) / 2 for seg in bars[0].get_segments()]
    assert half == pytest.approx(((rows["ci_high"] - rows["ci_low"]) / 2).tolist())
    assert "Paired effect" in fig._suptitle.get_text()


@pytest.mark.parametrize("size", [(2, 2), (5, 4), (12, 10)])
def test_heatmaps_label_cells_to_fit_mark_significance_and_stay_on_a_page(size):
    factors = {
        "credentials.recognition_shift": list(np.round(np.linspace(0, 0.4, size[0]), 3)),
        "funding.outcome_share": list(np.round(np.linspace(0, 1, size[1]), 3)),
    }
    table = sweep_table(factors, seeds=range(1, 4))
    base = {k: v[0] for k, v in factors.items()}
    comparison = paired_comparison(table, list(factors), KPIS[:4], base)
    fig = plots.heatmaps(
        comparison,
        "funding.outcome_share",
        "credentials.recognition_shift",
        kpis=KPIS[:4],
        value="difference",
    )
    words = assert_briefing_ready(fig)
    ax = fig.axes[0]
    assert ax.get_ylabel() == "Recognition shift (-1 to 1)"
    if ax.texts:
        sizes = {t.get_fontsize() for t in ax.texts}
        assert max(sizes) <= 9 and min(sizes) >= 4
        assert any(t.get_text().endswith("*") for t in ax.texts)
        assert len(ax.texts) == size[0] * size[1] - 1  # every cell but the baseline
    else:
        assert size == (12, 10)  # cells too small to label legibly: colour only
    assert "(* 95% CI excludes zero)" in " ".join(words)


def test_heatmap_labels_shrink_as_the_grid_grows():
    sizes = []
    for n in (2, 5):
        factors = {"a.x": list(range(n)), "b.y": list(range(n))}
        means = sweep_table(factors, seeds=[1]).melt(
            id_vars=["a.x", "b.y", "seed", "status"], var_name="kpi", value_name="mean"
        )
        fig = plots.heatmaps(means, "b.y", "a.x", kpis=KPIS[:3])
        sizes.append(fig.axes[0].texts[0].get_fontsize() if fig.axes[0].texts else 0.0)
    assert sizes[0] >= 4 and sizes[1] < sizes[0]  # smaller cells, smaller labels (or none)


def test_two_dimensional_paths_are_small_multiples_with_a_legend_per_panel():
    factors = {
        "credentials.recognition_shift": [0.0, 0.2, 0.4],
        "funding.outcome_share": [0.0, 0.35, 0.7, 1.0],
    }
    series = timeseries(sweep_table(factors, seeds=[1, 2]), list(factors))
    fig = plots.path_multiples(
        series, "credentials.recognition_shift", "funding.outcome_share", burn_in=12
    )
    assert_briefing_ready(fig)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in visible] == [
        f"Recognition shift {v:g}" for v in factors["credentials.recognition_shift"]
    ]
    for ax in visible:
        labels = [t.get_text() for t in ax.get_legend().get_texts()]
        assert labels[1:] == [f"Outcome share {v:g}" for v in factors["funding.outcome_share"]]


def test_numbers_are_formatted_for_a_briefing():
    assert plots.format_value(12_345_678, "CAD") == "$12.3M"
    assert plots.format_value(4_700, "starts") == "4.7k"
    assert plots.format_value(0.123, "share") == "12.3%"
    assert plots.format_value(0.015, "share", difference=True) == "+1.5 pp"
    assert plots.format_value(-2_500, "CAD/employee/year", difference=True) == "-$2.5k"
    assert plots.kpi_title("certifications_per_1000") == "Certifications per 1,000"
