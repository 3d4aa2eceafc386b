"""Figures of sweeps: forest plots, monthly paths with quantile bands, response curves, heatmaps.

Every function returns a :class:`matplotlib.figure.Figure` built without pyplot, so it works
headless (``fig.savefig(...)``) and displays inline in notebooks. Axes carry units from
the KPI declarations of :mod:`sim.config.outcomes` and the parameter declarations.

    >>> import sim, sim.plots
    >>> sweep = sim.load_sweep(path)
    >>> sim.plots.kpi_paths(sweep.timeseries, by=["scenario"])
"""
from __future__ import annotations

import dataclasses
import math
from typing import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from sim.analysis.paired import condition_label
from sim.config.outcomes import kpi_unit
from sim.config.schema import SimConfig

MAIN_KPIS = (
    "training_incidence",
    "share_employers_training",
    "certifications_per_1000",
    "employer_net_spend_per_employee",
    "public_cost",
    "deadweight_share",
    "poaching_rate_trained",
    "mean_wage",
    "microcredential_recognition",
)
NCOLS = 3


def param_label(key: str) -> str:
    """``funding.outcome_share`` with its declared unit or allowed range."""
    meta = _param_meta(key)
    if meta is None:
        return key
    if meta.get("unit"):
        return f"{key} ({meta['unit']})"
    lo, hi = meta.get("lo"), meta.get("hi")
    return f"{key} (range {lo:g} to {hi:g})" if lo is not None and hi is not None else key


def short_label(condition: Mapping) -> str:
    """Condition label with the last part of each key: ``outcome_share=0.7``."""
    return condition_label({str(k).rsplit(".", 1)[-1]: v for k, v in condition.items()})


def forest_plot(comparison: pd.DataFrame, kpis: Sequence[str] = MAIN_KPIS, baseline: Mapping | None = None) -> Figure:
    """Effect of each condition vs the baseline (mean paired difference, 95% CI), per KPI."""
    factors = _factor_columns(comparison)
    kpis = [k for k in kpis if k in set(comparison.dropna(subset=["difference"])["kpi"])]
    n_conditions = comparison.groupby(factors).ngroups if factors else 1
    fig, axes = _grid(len(kpis), height=0.45 * max(n_conditions, 3) + 1.2, sharey=True)
    baseline = baseline if baseline is not None else comparison.attrs.get("baseline", {})
    for ax, kpi in zip(axes, kpis):
        rows = comparison[comparison["kpi"] == kpi].reset_index(drop=True)
        labels = [short_label({f: r[f] for f in factors}) for _, r in rows.iterrows()]
        y = np.arange(len(rows))[::-1]
        err = np.vstack([rows["difference"] - rows["ci_low"], rows["ci_high"] - rows["difference"]])
        ax.errorbar(rows["difference"], y, xerr=np.nan_to_num(err), fmt="o", color="C0", capsize=3)
        ax.axvline(0.0, color="0.4", lw=0.8, ls="--")
        ax.set_yticks(y, labels)
        ax.xaxis.set_major_locator(MaxNLocator(4))
        ax.ticklabel_format(axis="x", style="sci", scilimits=(-3, 4))
        ax.set_title(kpi, fontsize=9)
        ax.set_xlabel(f"difference vs baseline ({kpi_unit(kpi) or 'units'})", fontsize=8)
    fig.suptitle(f"Paired effects vs baseline ({short_label(baseline)}): mean and 95% CI over seeds")
    return fig


def kpi_paths(
    timeseries: pd.DataFrame,
    by: Sequence[str],
    kpis: Sequence[str] = MAIN_KPIS,
    quantiles: tuple[float, float] = (0.1, 0.9),
    burn_in: int | None = None,
) -> Figure:
    """Monthly KPI paths per condition: median over seeds and a quantile band."""
    kpis = [k for k in kpis if k in timeseries.columns]
    fig, axes = _grid(len(kpis), height=3.0)
    groups = list(timeseries.groupby(list(by), sort=True)) if by else [((), timeseries)]
    for ax, kpi in zip(axes, kpis):
        for i, (key, runs) in enumerate(groups):
            key = key if isinstance(key, tuple) else (key,)
            per_month = runs.groupby("month")[kpi]
            median = per_month.median()
            low, high = per_month.quantile(quantiles[0]), per_month.quantile(quantiles[1])
            color = f"C{i % 10}"
            ax.plot(median.index, median.to_numpy(), color=color, lw=1.2, label=short_label(dict(zip(by, key))))
            ax.fill_between(median.index, low.to_numpy(), high.to_numpy(), color=color, alpha=0.18, lw=0)
        if burn_in is not None:
            ax.axvline(burn_in, color="0.4", lw=0.8, ls="--")
        ax.set_title(kpi, fontsize=9)
        ax.set_xlabel("month")
        ax.set_ylabel(kpi_unit(kpi, monthly=True) or kpi, fontsize=8)
    if axes:
        axes[0].legend(fontsize=7, loc="best")
    band = f"{quantiles[0]:.0%}-{quantiles[1]:.0%}"
    fig.suptitle(f"Monthly KPIs: median and {band} band over seeds" + (" (dashed: policy start)" if burn_in is not None else ""))
    return fig


def response_curves(means: pd.DataFrame, factor: str, kpis: Sequence[str] = MAIN_KPIS) -> Figure:
    """KPI mean (95% CI over seeds) against a swept numeric parameter."""
    kpis = [k for k in kpis if k in set(means["kpi"])]
    fig, axes = _grid(len(kpis), height=3.0)
    for ax, kpi in zip(axes, kpis):
        rows = means[means["kpi"] == kpi].sort_values(factor)
        x = rows[factor].to_numpy(dtype=float)
        ax.plot(x, rows["mean"], "o-", color="C0")
        ax.fill_between(x, rows["ci_low"], rows["ci_high"], color="C0", alpha=0.2, lw=0)
        ax.set_title(kpi, fontsize=9)
        ax.set_xlabel(param_label(factor), fontsize=8)
        ax.set_ylabel(kpi_unit(kpi) or kpi, fontsize=8)
    fig.suptitle("Response to the swept parameter: mean and 95% CI over seeds")
    return fig


def heatmaps(table: pd.DataFrame, x: str, y: str, kpis: Sequence[str] = MAIN_KPIS, value: str = "mean") -> Figure:
    """One heatmap per KPI over a 2-D grid. ``table`` has columns x, y, kpi and ``value``."""
    finite = table[np.isfinite(table[value].to_numpy(dtype=float))]
    kpis = [k for k in kpis if k in set(finite["kpi"])]
    fig, axes = _grid(len(kpis), height=3.4)
    for ax, kpi in zip(axes, kpis):
        grid = table[table["kpi"] == kpi].pivot_table(index=y, columns=x, values=value, aggfunc="mean")
        image = ax.imshow(grid.to_numpy(dtype=float), origin="lower", aspect="auto", cmap="viridis")
        ax.set_xticks(range(grid.shape[1]), [f"{v:g}" if isinstance(v, float) else str(v) for v in grid.columns])
        ax.set_yticks(range(grid.shape[0]), [f"{v:g}" if isinstance(v, float) else str(v) for v in grid.index])
        ax.set_xlabel(param_label(x), fontsize=8)
        ax.set_ylabel(param_label(y), fontsize=8)
        ax.set_title(kpi, fontsize=9)
        colorbar = fig.colorbar(image, ax=ax)
        colorbar.set_label(kpi_unit(kpi) or kpi, fontsize=8)
        for (i, j), v in np.ndenumerate(grid.to_numpy(dtype=float)):
            if np.isfinite(v):
                ax.text(j, i, f"{v:.3g}", ha="center", va="center", fontsize=6, color="w")
    what = "mean over seeds" if value == "mean" else "paired difference vs baseline cell"
    fig.suptitle(f"{what} over the grid")
    return fig


def _grid(n: int, height: float, sharey: bool = False) -> tuple[Figure, list]:
    ncols = min(NCOLS, max(n, 1))
    nrows = max(math.ceil(n / ncols), 1)
    fig = Figure(figsize=(4.6 * ncols + (2.0 if sharey else 0.0), height * nrows + 0.6), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False, sharey=sharey).ravel().tolist()
    for ax in axes[n:]:
        ax.set_visible(False)
    return fig, axes[:n]


def _factor_columns(comparison: pd.DataFrame) -> list[str]:
    from sim.analysis.paired import COLUMNS

    return [c for c in comparison.columns if c not in COLUMNS]


def _param_meta(key: str) -> dict | None:
    node = SimConfig
    for part in key.split("."):
        fields = {f.name: f for f in dataclasses.fields(node)} if dataclasses.is_dataclass(node) else {}
        if part not in fields:
            return None
        field = fields[part]
        node = field.type if dataclasses.is_dataclass(field.type) else _resolve(node, field)
    return dict(field.metadata) if field.metadata else None


def _resolve(owner, field):
    """Field type from string annotations (``from __future__ import annotations``)."""
    import typing

    hints = typing.get_type_hints(owner)
    return hints.get(field.name)
