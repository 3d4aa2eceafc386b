"""Figures of an exploration: Morris mu*-sigma, Sobol bars, robustness, PRIM trajectory,
Pareto front. Each function writes one PNG and returns its path."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402


def _save(fig, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _short(factor: str) -> str:
    return factor.split(".", 1)[-1]


def morris_plot(indices: pd.DataFrame, title: str, path: Path, label: int = 8) -> Path:
    fig, ax = plt.subplots(figsize=(6, 4.5))
    ax.scatter(indices["mu_star"], indices["sigma"], s=18)
    for row in indices.head(label).itertuples():
        ax.annotate(
            _short(row.factor),
            (row.mu_star, row.sigma),
            fontsize=7,
            xytext=(3, 2),
            textcoords="offset points",
        )
    top = float(max(indices["mu_star"].max(), indices["sigma"].max(), 1e-12))
    ax.plot([0, top], [0, top], ls=":", c="grey", lw=0.8)
    ax.set_xlabel("mu* (mean |elementary effect| over the plausible range)")
    ax.set_ylabel("sigma (non-linearity / interactions)")
    ax.set_title(title, fontsize=9)
    return _save(fig, path)


def sobol_plot(indices: pd.DataFrame, title: str, path: Path) -> Path:
    fig, ax = plt.subplots(figsize=(6, 0.35 * len(indices) + 1.5))
    pos = range(len(indices))
    ax.barh(
        [p + 0.2 for p in pos], indices["S1"], 0.4, xerr=indices["S1_conf"], label="first order S1"
    )
    ax.barh(
        [p - 0.2 for p in pos], indices["ST"], 0.4, xerr=indices["ST_conf"], label="total order ST"
    )
    ax.set_yticks(list(pos), [_short(f) for f in indices["factor"]], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("Sobol index (95% bootstrap CI)")
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=8)
    return _save(fig, path)


def robustness_plot(per_future: pd.DataFrame, policies, metric: str, path: Path) -> Path:
    column = metric if metric in per_future else "effect." + metric
    data = [per_future.loc[per_future["policy"] == p, column].dropna() for p in policies]
    fig, ax = plt.subplots(figsize=(6, 0.5 * len(policies) + 1.5))
    ax.boxplot(data, orientation="horizontal", tick_labels=list(policies), showfliers=True)
    ax.axvline(0, c="grey", lw=0.8, ls=":")
    ax.set_xlabel(f"{metric} across futures (seed means)")
    return _save(fig, path)


def prim_plot(trajectory: pd.DataFrame, chosen: int, title: str, path: Path) -> Path:
    fig, ax = plt.subplots(figsize=(5.5, 4.2))
    points = ax.scatter(
        trajectory["coverage"], trajectory["density"], c=trajectory["res_dim"], s=14, cmap="viridis"
    )
    ax.scatter(
        [trajectory.loc[chosen, "coverage"]],
        [trajectory.loc[chosen, "density"]],
        s=80,
        facecolors="none",
        edgecolors="red",
        label="chosen box",
    )
    fig.colorbar(points, label="restricted dimensions")
    ax.set_xlabel("coverage (share of cases inside the box)")
    ax.set_ylabel("density (share of futures in the box that are cases)")
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=8)
    return _save(fig, path)


def pareto_plot(points: pd.DataFrame, x: str, y: str, path: Path) -> Path:
    """Trials (grey), the Pareto front (blue) and the named scenarios (labelled red)."""
    fig, ax = plt.subplots(figsize=(6, 4.5))
    trials = points[points["kind"] == "trial"]
    front = trials[trials["pareto"]].sort_values(x)
    ax.scatter(trials[x], trials[y], c="lightgrey", s=14, label="designs tried")
    ax.plot(front[x], front[y], "o-", c="tab:blue", ms=5, label="Pareto front")
    named = points[points["kind"] == "scenario"]
    ax.scatter(named[x], named[y], c="tab:red", s=24, label="named scenarios")
    for row in named.itertuples():
        ax.annotate(
            row.name,
            (getattr(row, x), getattr(row, y)),
            fontsize=7,
            xytext=(3, 2),
            textcoords="offset points",
        )
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    ax.legend(fontsize=8)
    return _save(fig, path)
