"""Figures of sweeps: forest plots, cost per additional trainee, monthly paths, response
curves, heatmaps.

Every function returns a :class:`matplotlib.figure.Figure` built without pyplot, so it works
headless (``fig.savefig(...)``) and displays inline in notebooks. The figures are meant to go
into a briefing unedited: titles and axis labels in words with units (from the KPI and
parameter declarations), numbers as $12.3M, 4.7k or 12% (never ``1e7`` offsets), conditions
in a meaningful order (baseline first, then by effect or as swept), at most a letter page at
:data:`DPI`.

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
from matplotlib.ticker import FuncFormatter, MaxNLocator

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
DPI = 150
PAGE = (8.5, 11.0)  # inches: no figure is larger than a letter page
BRIEFING_KPIS = (
    "training_incidence",
    "share_employers_training",
    "certifications_per_1000",
    "employer_net_spend_per_employee",
    "public_cost",
    "deadweight_share",
)
COST_PER_ADDITIONAL = "public_cost_per_additional_trainee"
SHARE_UNITS = ("share", "0..1", "share/month")
WORDS = {"sme": "SME", "1000": "1,000", "p4p": "P4P", "emc": "EMC"}


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


def kpi_title(kpi: str) -> str:
    """``certifications_per_1000`` -> ``Certifications per 1,000``: a KPI in words."""
    words = [WORDS.get(w, w) for w in kpi.split("_")]
    return " ".join([words[0][:1].upper() + words[0][1:], *words[1:]]) if words else kpi


def param_title(key: str) -> str:
    """``funding.outcome_share`` -> ``Outcome share (0 to 1)``: a swept parameter in words."""
    meta = _param_meta(key) or {}
    name = kpi_title(key.rsplit(".", 1)[-1])
    if meta.get("unit") and meta["unit"] not in SHARE_UNITS:
        return f"{name} ({meta['unit']})"
    lo, hi = meta.get("lo"), meta.get("hi")
    return f"{name} ({lo:g} to {hi:g})" if lo is not None and hi is not None else name


def condition_title(condition: Mapping) -> str:
    """A condition in words: ``Pay for performance`` or ``Outcome share 0.7, recognition shift 0``."""
    parts = []
    for key, value in condition.items():
        if key == "scenario":
            parts.append(kpi_title(str(value)))
        else:
            text = f"{value:g}" if isinstance(value, (float, np.floating)) else str(value)
            parts.append(f"{kpi_title(str(key).rsplit('.', 1)[-1])} {text}")
    title = ", ".join(parts) or "all runs"
    return title[:1].upper() + title[1:]


def unit_text(kpi: str, monthly: bool = False, difference: bool = False) -> str:
    """Axis unit in words: ``CAD per employee per year``, ``% of employers``, ``percentage points``."""
    unit = kpi_unit(kpi, monthly=monthly)
    if unit in SHARE_UNITS:
        return "percentage points" if difference else "%"
    return unit.replace("CAD/", "CAD per ").replace("/", " per ")


def number_formatter(kpi: str, monthly: bool = False, difference: bool = False) -> FuncFormatter:
    """Tick labels without offsets or scientific notation: $12.3M, 4.7k, 12%, +1.5 pp."""
    unit = kpi_unit(kpi, monthly=monthly)
    return FuncFormatter(lambda value, _pos=None: format_value(value, unit, difference))


def format_value(value: float, unit: str, difference: bool = False) -> str:
    """One number for a briefing, in the KPI's unit (see :func:`number_formatter`)."""
    if value is None or not np.isfinite(value):
        return "n/a"
    sign = "+" if difference and value > 0 else ("-" if value < 0 else "")
    size = abs(float(value))
    if unit in SHARE_UNITS:
        return f"{sign}{_short(size * 100)}" + (" pp" if difference else "%")
    money = unit.startswith("CAD")
    return f"{sign}{'$' if money else ''}{_short(size)}"


def _short(size: float) -> str:
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if size >= limit:
            return f"{size / limit:.3g}{suffix}"
    if size >= 0.01 or size == 0:
        return f"{size:.3g}"
    return f"{size:.4f}".rstrip("0").rstrip(".") if size >= 5e-5 else "0"  # never 1e-05


def condition_order(
    comparison: pd.DataFrame, factors: Sequence[str], kpi: str = "training_incidence"
) -> list[tuple]:
    """Conditions of a comparison, largest effect on ``kpi`` first (numeric factors: as swept)."""
    if not len(comparison) or not factors:
        return []
    rows = comparison[comparison["kpi"] == kpi] if kpi in set(comparison["kpi"]) else comparison
    rows = rows.drop_duplicates(list(factors))
    if all(pd.api.types.is_numeric_dtype(comparison[f]) for f in factors):
        rows = rows.sort_values(list(factors))
    else:
        rows = rows.sort_values("difference", ascending=False, na_position="last")
    return [tuple(r) for r in rows[list(factors)].itertuples(index=False)]


def forest_plot(
    comparison: pd.DataFrame,
    kpis: Sequence[str] = (*BRIEFING_KPIS, "additional_trainees"),
    baseline: Mapping | None = None,
    order: Sequence[tuple] | None = None,
) -> Figure:
    """Effect of each condition vs the baseline (mean paired difference, 95% CI), per KPI.

    Conditions run top to bottom by ``order`` (default: largest effect on training first)."""
    factors = _factor_columns(comparison)
    kpis = [k for k in kpis if k in set(comparison.dropna(subset=["difference"])["kpi"])]
    order = list(order or condition_order(comparison, factors))
    fig, axes = _grid(len(kpis), height=0.32 * max(len(order), 3) + 1.0, sharey=True)
    baseline = baseline if baseline is not None else comparison.attrs.get("baseline", {})
    for ax, kpi in zip(axes, kpis):
        rows = _in_order(comparison[comparison["kpi"] == kpi], factors, order)
        y = np.arange(len(rows))[::-1]
        err = np.vstack([rows["difference"] - rows["ci_low"], rows["ci_high"] - rows["difference"]])
        significant = (rows["ci_low"] > 0) | (rows["ci_high"] < 0)
        colors = np.where(significant, "C0", "0.55")
        for yi, x, e0, e1, c in zip(y, rows["difference"], *np.nan_to_num(err), colors):
            ax.errorbar([x], [yi], xerr=[[e0], [e1]], fmt="o", color=c, capsize=3, ms=4)
        ax.axvline(0.0, color="0.4", lw=0.8, ls="--")
        ax.set_yticks(y, [condition_title({f: r[f] for f in factors}) for _, r in rows.iterrows()])
        ax.xaxis.set_major_locator(MaxNLocator(4))
        ax.xaxis.set_major_formatter(number_formatter(kpi, difference=True))
        ax.set_title(kpi_title(kpi), fontsize=9)
        ax.set_xlabel(f"Change ({unit_text(kpi, difference=True)})", fontsize=8)
        ax.tick_params(labelsize=7)
    fig.suptitle(
        f"Effect of each policy vs {condition_title(baseline)}: mean paired difference over seeds, "
        "95% CI\n(blue: interval excludes zero)",
        fontsize=10,
    )
    return fig


def cost_per_trainee_plot(
    comparison: pd.DataFrame,
    baseline: Mapping | None = None,
    order: Sequence[tuple] | None = None,
) -> Figure:
    """The key number: public cost per additional trainee (95% CI) for each condition."""
    factors = _factor_columns(comparison)
    order = list(order or condition_order(comparison, factors))
    rows = _in_order(comparison[comparison["kpi"] == COST_PER_ADDITIONAL], factors, order)
    fig = Figure(
        figsize=(min(PAGE[0], 7.0), min(PAGE[1], 0.4 * max(len(rows), 3) + 1.6)),
        layout="constrained",
    )
    ax = fig.subplots()
    y = np.arange(len(rows))[::-1]
    labels = [condition_title({f: r[f] for f in factors}) for _, r in rows.iterrows()]
    finite = np.isfinite(rows["difference"].to_numpy(dtype=float))
    err = np.nan_to_num(
        np.vstack([rows["difference"] - rows["ci_low"], rows["ci_high"] - rows["difference"]])
    )
    ax.errorbar(
        rows["difference"][finite], y[finite], xerr=err[:, finite], fmt="o", color="C0", capsize=3
    )
    for yi, (_, row) in zip(y, rows.iterrows()):
        text = format_value(row["difference"], "CAD")
        if (
            np.isfinite(row["difference"])
            and np.isfinite(row["ci_low"])
            and np.isfinite(row["ci_high"])
        ):
            text += (
                f"  [{format_value(row['ci_low'], 'CAD')}, {format_value(row['ci_high'], 'CAD')}]"
            )
        elif not np.isfinite(row["difference"]):
            text = "no additional trainees"
        ax.annotate(
            text,
            (1.0, yi),
            xycoords=("axes fraction", "data"),
            xytext=(6, 0),
            textcoords="offset points",
            va="center",
            fontsize=7,
        )
    ax.set_yticks(y, labels)
    ax.axvline(0.0, color="0.4", lw=0.8, ls="--")
    ax.xaxis.set_major_formatter(number_formatter(COST_PER_ADDITIONAL))
    ax.set_xlabel("Public cost per additional trainee (CAD), 95% CI", fontsize=8)
    ax.tick_params(labelsize=7)
    ax.set_title(
        f"Public cost per additional trainee vs {condition_title(baseline or comparison.attrs.get('baseline', {}))}\n"
        "(extra public cost / extra training starts over the policy window)",
        fontsize=10,
    )
    return fig


def kpi_paths(
    timeseries: pd.DataFrame,
    by: Sequence[str],
    kpis: Sequence[str] = BRIEFING_KPIS,
    quantiles: tuple[float, float] = (0.1, 0.9),
    burn_in: int | None = None,
    baseline: Mapping | None = None,
    order: Sequence[tuple] | None = None,
) -> Figure:
    """Monthly KPI paths per condition: median over seeds; the baseline in black with its
    quantile band (every condition's band when there are at most three), burn-in shaded."""
    kpis = [k for k in kpis if k in timeseries.columns]
    fig, axes = _grid(len(kpis), height=2.6)
    groups = dict(list(timeseries.groupby(list(by), sort=True))) if by else {(): timeseries}
    groups = {(k if isinstance(k, tuple) else (k,)): v for k, v in groups.items()}
    # A partial baseline (each condition against its own no-program run): no single baseline
    # path; the no-program runs are drawn dashed.
    whole = bool(baseline) and all(f in baseline for f in by)
    base_key = tuple(baseline[f] for f in by) if whole else None
    partial = dict(baseline or {}) if not whole else {}
    keys = [k for k in [base_key, *(order or [])] if k in groups]
    keys += [k for k in groups if k not in keys]
    bands = len(keys) <= 3
    for ax, kpi in zip(axes, kpis):
        if burn_in:
            ax.axvspan(
                timeseries["month"].min(),
                burn_in,
                color="0.92",
                lw=0,
                label="Burn-in (no policy yet)",
            )
        for i, key in enumerate(keys):
            per_month = groups[key].groupby("month")[kpi]
            median = per_month.median()
            is_base = key == base_key
            color = "black" if is_base else f"C{i % 10}"
            label = condition_title(dict(zip(by, key)))
            label += " (baseline)" if is_base and label != "Baseline" else ""
            condition = dict(zip(by, key))
            own_baseline = bool(partial) and all(condition.get(f) == v for f, v in partial.items())
            ax.plot(
                median.index,
                median.to_numpy(),
                color=color,
                lw=1.8 if is_base else 1.1,
                ls="--" if own_baseline else "-",
                label=label,
            )
            if bands or is_base:
                low, high = per_month.quantile(quantiles[0]), per_month.quantile(quantiles[1])
                ax.fill_between(
                    median.index, low.to_numpy(), high.to_numpy(), color=color, alpha=0.15, lw=0
                )
        ax.set_title(kpi_title(kpi), fontsize=9)
        ax.set_xlabel("Month", fontsize=8)
        ax.set_ylabel(unit_text(kpi, monthly=True), fontsize=8)
        ax.yaxis.set_major_formatter(number_formatter(kpi, monthly=True))
        ax.tick_params(labelsize=7)
    if axes and len(keys) > 1 or burn_in:
        handles, labels = axes[0].get_legend_handles_labels() if axes else ([], [])
        fig.legend(
            handles,
            labels,
            loc="outside lower center",
            ncols=min(4, len(labels)),
            fontsize=7,
            frameon=False,
        )
    band = f"{quantiles[0]:.0%}-{quantiles[1]:.0%}"
    fig.suptitle(f"Monthly paths: median over seeds (shaded band: {band} of seeds)", fontsize=10)
    return fig


def path_multiples(
    timeseries: pd.DataFrame,
    panel_by: str,
    line_by: str,
    kpi: str = "training_incidence",
    burn_in: int | None = None,
) -> Figure:
    """Small multiples for a 2-D sweep: one panel per value of ``panel_by``, a line (median over
    seeds) per value of ``line_by``, each panel with its own legend."""
    panels = sorted(timeseries[panel_by].dropna().unique())
    fig, axes = _grid(len(panels), height=2.6, sharey=True)
    lines = sorted(timeseries[line_by].dropna().unique())
    for ax, value in zip(axes, panels):
        runs = timeseries[timeseries[panel_by] == value]
        if burn_in:
            ax.axvspan(timeseries["month"].min(), burn_in, color="0.92", lw=0, label="Burn-in")
        for i, line in enumerate(lines):
            median = runs[runs[line_by] == line].groupby("month")[kpi].median()
            ax.plot(
                median.index,
                median.to_numpy(),
                color=f"C{i % 10}",
                lw=1.1,
                label=condition_title({line_by: line}),
            )
        ax.set_title(condition_title({panel_by: value}), fontsize=9)
        ax.set_xlabel("Month", fontsize=8)
        ax.set_ylabel(unit_text(kpi, monthly=True), fontsize=8)
        ax.yaxis.set_major_formatter(number_formatter(kpi, monthly=True))
        ax.tick_params(labelsize=7)
        ax.legend(fontsize=6, loc="best")
    fig.suptitle(f"{kpi_title(kpi)} by month: median over seeds", fontsize=10)
    return fig


def response_curves(
    table: pd.DataFrame, factor: str, kpis: Sequence[str] = BRIEFING_KPIS
) -> Figure:
    """Effect against a swept numeric parameter.

    ``table`` from :func:`sim.analysis.paired.paired_comparison`: the paired difference vs
    the baseline value with its paired 95% CI (the baseline itself at zero). From
    :func:`sim.analysis.paired.condition_means`: means with their (unpaired) CIs.
    """
    paired = "difference" in table.columns
    value = "difference" if paired else "mean"
    defined = table[np.isfinite(table[value].to_numpy(dtype=float))]
    kpis = [k for k in kpis if k in set(defined["kpi"])]  # e.g. deadweight vs no program: undefined
    fig, axes = _grid(len(kpis), height=2.6)
    baseline = table.attrs.get("baseline", {})
    for ax, kpi in zip(axes, kpis):
        rows = table[table["kpi"] == kpi].sort_values(factor)
        x, y = rows[factor].to_numpy(dtype=float), rows[value].to_numpy(dtype=float)
        low, high = rows["ci_low"].to_numpy(dtype=float), rows["ci_high"].to_numpy(dtype=float)
        if paired and factor in baseline:
            ax.plot([float(baseline[factor])], [0.0], "s", color="black", label="Baseline")
            ax.axhline(0.0, color="0.4", lw=0.8, ls="--")
        ax.errorbar(
            x,
            y,
            yerr=np.nan_to_num(np.vstack([y - low, high - y])),
            fmt="o-",
            color="C0",
            capsize=3,
        )
        ax.set_title(kpi_title(kpi), fontsize=9)
        ax.set_xlabel(param_title(factor), fontsize=8)
        ax.set_ylabel(
            ("Change" if paired else "Level") + f" ({unit_text(kpi, difference=paired)})",
            fontsize=8,
        )
        ax.yaxis.set_major_formatter(number_formatter(kpi, difference=paired))
        ax.tick_params(labelsize=7)
    if paired:
        what = f"Paired effect vs {condition_title(baseline)}: mean difference over seeds, paired 95% CI"
    else:
        what = "Mean over seeds with 95% CI"
    fig.suptitle(f"Response to {param_title(factor).split(' (')[0].lower()}. {what}", fontsize=10)
    return fig


def heatmaps(
    table: pd.DataFrame,
    x: str,
    y: str,
    kpis: Sequence[str] = BRIEFING_KPIS,
    value: str = "mean",
) -> Figure:
    """One heatmap per KPI over a 2-D grid. ``table`` has columns x, y, kpi and ``value``.

    Cell labels are sized to the cell; for paired differences a ``*`` marks cells whose 95%
    CI excludes zero."""
    finite = table[np.isfinite(table[value].to_numpy(dtype=float))]
    kpis = [k for k in kpis if k in set(finite["kpi"])]
    fig, axes = _grid(len(kpis), height=2.9)
    difference = value == "difference"
    for ax, kpi in zip(axes, kpis):
        rows = table[table["kpi"] == kpi]
        grid = rows.pivot_table(index=y, columns=x, values=value, aggfunc="mean")
        values = grid.to_numpy(dtype=float)
        cmap = "RdBu_r" if difference else "viridis"
        limit = np.nanmax(np.abs(values)) if difference and np.isfinite(values).any() else None
        image = ax.imshow(
            values,
            origin="lower",
            aspect="auto",
            cmap=cmap,
            vmin=-limit if limit else None,
            vmax=limit if limit else None,
        )
        ax.set_xticks(range(grid.shape[1]), [_tick(v) for v in grid.columns])
        ax.set_yticks(range(grid.shape[0]), [_tick(v) for v in grid.index])
        ax.set_xlabel(param_title(x), fontsize=8)
        ax.set_ylabel(param_title(y), fontsize=8)
        ax.set_title(kpi_title(kpi), fontsize=9)
        ax.tick_params(labelsize=7)
        formatter = number_formatter(kpi, difference=difference)
        colorbar = fig.colorbar(image, ax=ax, format=formatter)
        colorbar.set_label(unit_text(kpi, difference=difference), fontsize=7)
        colorbar.ax.tick_params(labelsize=6)
        stars = _significant(rows, x, y, grid) if difference else np.zeros(values.shape, bool)
        size = cell_fontsize(fig, ax, grid.shape)
        for (i, j), v in np.ndenumerate(values):
            if np.isfinite(v) and size > 0:
                shade = image.cmap(image.norm(v))
                color = "black" if sum(shade[:3]) > 1.8 else "white"
                ax.text(
                    j,
                    i,
                    formatter(v) + ("*" if stars[i, j] else ""),
                    ha="center",
                    va="center",
                    fontsize=size,
                    color=color,
                )
    if difference:
        what = "Paired difference vs the baseline cell (* 95% CI excludes zero)"
    else:
        what = "Mean over seeds"
    fig.suptitle(f"{what} across the grid", fontsize=10)
    return fig


def cell_fontsize(fig: Figure, ax, shape: tuple[int, int], chars: int = 8) -> float:
    """Font size (points) at which a label of ``chars`` characters fits one heatmap cell;
    0 when cells are too small to label legibly."""
    box = ax.get_position()
    width = (
        fig.get_figwidth() * box.width * 0.75 * 72 / max(shape[1], 1)
    )  # the colorbar takes a quarter
    height = fig.get_figheight() * box.height * 72 / max(shape[0], 1)
    size = min(width / (0.62 * chars), height * 0.6, 9.0)
    return size if size >= 4.0 else 0.0


def _significant(rows: pd.DataFrame, x: str, y: str, grid: pd.DataFrame) -> np.ndarray:
    low = rows.pivot_table(index=y, columns=x, values="ci_low", aggfunc="mean").reindex_like(grid)
    high = rows.pivot_table(index=y, columns=x, values="ci_high", aggfunc="mean").reindex_like(grid)
    return (low.to_numpy(dtype=float) > 0) | (high.to_numpy(dtype=float) < 0)


def _tick(value) -> str:
    return f"{value:g}" if isinstance(value, (float, np.floating)) else str(value)


def _in_order(rows: pd.DataFrame, factors: Sequence[str], order: Sequence[tuple]) -> pd.DataFrame:
    """``rows`` sorted by ``order`` of their factor values (unlisted conditions last)."""
    rank = {key: i for i, key in enumerate(order)}
    keys = (
        [tuple(r) for r in rows[list(factors)].itertuples(index=False)]
        if factors
        else [()] * len(rows)
    )
    position = [rank.get(k, len(rank) + i) for i, k in enumerate(keys)]
    return (
        rows.assign(_order=position)
        .sort_values("_order")
        .drop(columns="_order")
        .reset_index(drop=True)
    )


def _grid(n: int, height: float, sharey: bool = False) -> tuple[Figure, list]:
    """A grid of ``n`` panels, at most :data:`NCOLS` wide and never larger than :data:`PAGE`."""
    ncols = min(NCOLS, max(n, 1))
    nrows = max(math.ceil(n / ncols), 1)
    width = min(PAGE[0], 2.9 * ncols + (1.6 if sharey else 0.4))
    fig = Figure(figsize=(width, min(PAGE[1], height * nrows + 0.9)), layout="constrained")
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
        fields = (
            {f.name: f for f in dataclasses.fields(node)} if dataclasses.is_dataclass(node) else {}
        )
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
