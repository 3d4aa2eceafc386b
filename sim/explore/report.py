"""``report.md`` of an exploration: sensitivity, robustness, scenario discovery, optimisation.

Reads only tables (``exploration.parquet``, ``futures.parquet``, the ``screening/`` and
``sobol/`` stages of ``p4p-explore sensitivity``, ``optimisation.parquet``); runs no model.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from sim.explore import analysis as an
from sim.explore import plots

TABLE_FILE, FUTURES_FILE, SPEC_FILE = "exploration.parquet", "futures.parquet", "explore.json"
STAGES = ("screening", "sobol")
OPTIMISATION_FILE = "optimisation.parquet"
P4P, GRANT = "pay_for_performance", "upfront_subsidy"
REPORT, FIGURES = "report.md", "figures"


def load(directory: Path):
    spec = json.loads((directory / SPEC_FILE).read_text())
    return spec, pd.read_parquet(directory / TABLE_FILE), pd.read_parquet(directory / FUTURES_FILE)


def key_outcomes(spec: dict) -> list[str]:
    """Effects against the reference of every other policy, and P4P minus the grant."""
    others = [p for p in spec["policies"] if p != spec["reference"]]
    specs = [
        f"{p}:{m}"
        for p in others
        for m in (an.ADDITIONAL, an.COST_PER_ADDITIONAL, "cream_skimming_index")
    ]
    if P4P in others and GRANT in others:
        specs = [f"{P4P}-{GRANT}:{an.ADDITIONAL}", f"{P4P}-{GRANT}:cream_skimming_index"] + specs
    return specs


def default_criterion(spec: dict) -> str | None:
    others = [p for p in spec["policies"] if p != spec["reference"]]
    if P4P in others and GRANT in others:
        return f"{P4P}-{GRANT}:{an.ADDITIONAL} < 0"
    return f"{others[0]}:{an.ADDITIONAL} <= 0" if others else None


def _md(table: pd.DataFrame, digits: int = 3) -> list[str]:
    cols = list(table.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in table.itertuples(index=False):
        cells = [
            (f"{v:.{digits}g}" if isinstance(v, (float, np.floating)) else str(v)) for v in row
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return lines + [""]


def sensitivity_section(
    directory: Path, figures: Path, lines: list[str], summary: list[str]
) -> None:
    spec, table, futures = load(directory)
    per_future = an.future_outcomes(table)
    method = spec["design"].get("design")
    stage = directory.name
    for name in key_outcomes(spec):
        y = an.outcome(per_future, name)
        if not np.isfinite(y.to_numpy(dtype=float)).all():
            lines += [
                f"*{name}*: undefined in some futures (no additional trainee); not analysed.",
                "",
            ]
            continue
        slug = name.replace(":", "__")
        if method == "morris":
            idx = an.morris_indices(futures, spec["factors"], y, spec["design"].get("levels", 4))
            fig = plots.morris_plot(idx, f"Morris: {name}", figures / f"morris_{stage}_{slug}.png")
            lines += [
                f"#### Morris screening of `{name}`",
                "",
                f"![]({fig.relative_to(figures.parent)})",
                "",
            ]
            lines += _md(idx.head(12))
            top = ", ".join(f"`{f.split('.', 1)[1]}`" for f in idx["factor"].head(3))
            summary.append(f"- `{name}`: most influential (Morris mu*): {top}.")
        elif method == "sobol":
            idx = an.sobol_indices(spec["factors"], y)
            fig = plots.sobol_plot(idx, f"Sobol: {name}", figures / f"sobol_{stage}_{slug}.png")
            lines += [
                f"#### Sobol indices of `{name}`",
                "",
                f"![]({fig.relative_to(figures.parent)})",
                "",
            ]
            lines += _md(idx)


def robustness_section(spec, table, figures, lines, summary) -> None:
    per_future = an.future_outcomes(table)
    others = [p for p in spec["policies"] if p != spec["reference"]]
    rob = an.robustness(per_future, others)
    lines += [
        "## Robustness across futures",
        "",
        f"Effects are against `{spec['reference']}`, seed means per future; regret is the"
        " shortfall from the best policy of each future.",
        "",
    ]
    lines += _md(rob)
    for metric in (an.ADDITIONAL, an.COST_PER_ADDITIONAL):
        fig = plots.robustness_plot(
            per_future, others, metric, figures / f"robustness_{metric}.png"
        )
        lines += [f"![]({fig.relative_to(figures.parent)})", ""]
    if P4P in others and GRANT in others:
        lines += ["### Does P4P beat an equal upfront grant?", ""]
        wins = pd.DataFrame(
            [
                an.share_wins(per_future, P4P, GRANT, m)
                for m in (an.ADDITIONAL, an.COST_PER_ADDITIONAL)
            ]
        )
        lines += _md(wins)
        for row in wins.itertuples():
            better = (
                "more additional trainees"
                if row.metric == an.ADDITIONAL
                else "a lower public cost per additional trainee"
            )
            summary.append(
                f"- P4P gives {better} than the grant in {100 * row.share:.0f}% of futures"
                f" (95% CI {100 * row.ci_low:.0f}-{100 * row.ci_high:.0f}%, {row.futures} futures)."
            )


def discovery_section(spec, table, futures, criterion, figures, lines, summary) -> None:
    per_future = an.future_outcomes(table)
    cases = an.criterion_cases(per_future, criterion)
    lines += [
        "## Scenario discovery (PRIM)",
        "",
        f"Criterion: `{criterion}`; it holds in {int(cases.sum())} of {len(cases)} futures.",
        "",
    ]
    if not cases.any() or cases.all():
        lines += ["Nothing to discover: the criterion holds in no future or in all of them.", ""]
        summary.append(f"- `{criterion}` holds in {100 * cases.mean():.0f}% of futures.")
        return
    found = an.discover(futures, spec["factors"], cases)
    fig = plots.prim_plot(
        found.trajectory, found.chosen, criterion, figures / "prim_trajectory.png"
    )
    row = found.trajectory.loc[found.chosen]
    lines += [
        f"![]({fig.relative_to(figures.parent)})",
        "",
        f"Chosen box (peel {found.chosen}): coverage {row['coverage']:.2f}, density"
        f" {row['density']:.2f}, {100 * row['mass']:.0f}% of futures.",
        "",
    ]
    lines += _md(found.box)
    limits = "; ".join(
        f"`{r.factor.split('.', 1)[1]}` in [{r.low:.3g}, {r.high:.3g}]"
        for r in found.box.itertuples()
    )
    summary.append(
        f"- `{criterion}` holds in {100 * cases.mean():.0f}% of futures, mostly where"
        f" {limits or 'no factor stands out'}"
        f" (PRIM box: coverage {row['coverage']:.2f}, density {row['density']:.2f})."
    )


def optimisation_section(path: Path, figures: Path, lines: list[str], summary: list[str]) -> None:
    points = pd.read_parquet(path)
    x, y = an.ADDITIONAL, an.COST_PER_ADDITIONAL
    fig = plots.pareto_plot(points, x, y, figures / "pareto_front.png")
    front = points[(points["kind"] == "trial") & points["pareto"]].sort_values(x)
    lines += [
        "## Policy optimisation (Pareto front)",
        "",
        f"![]({fig.relative_to(figures.parent)})",
        "",
    ]
    lines += _md(front.drop(columns=["kind", "pareto"]).dropna(axis=1, how="all"))
    lines += ["Named scenarios, evaluated the same way:", ""]
    lines += _md(
        points[points["kind"] == "scenario"][["name", x, y, "disadvantaged_trainee_ratio"]]
    )
    summary.append(
        f"- The optimiser found {len(front)} designs on the Pareto front of additional trainees"
        " vs public cost per additional trainee."
    )


def is_exploration_dir(directory: str | Path) -> bool:
    """An exploration, a sensitivity study (its stages) or an optimisation directory."""
    directory = Path(directory)
    return (
        (directory / SPEC_FILE).exists()
        or (directory / OPTIMISATION_FILE).exists()
        or any((directory / s / SPEC_FILE).exists() for s in STAGES)
    )


def write_report(directory: str | Path, criterion: str | None = None) -> Path:
    """Write ``report.md`` and ``figures/`` into an exploration directory."""
    directory = Path(directory)
    figures = directory / FIGURES
    lines: list[str] = []
    summary: list[str] = []
    stages = [directory / s for s in STAGES if (directory / s / TABLE_FILE).exists()]
    main = directory if (directory / TABLE_FILE).exists() else (stages[0] if stages else None)
    if main is None and not (directory / OPTIMISATION_FILE).exists():
        raise FileNotFoundError(f"{directory} has no {TABLE_FILE}, stages or {OPTIMISATION_FILE}")
    if main is not None:
        spec, table, futures = load(main)
        lines += [
            "## The exploration",
            "",
            f"{spec['futures']} futures ({spec['design'].get('design')}) over {len(spec['factors'])}"
            f" uncertainties x {len(spec['policies'])} policies x {len(spec['seeds'])} seeds"
            f" (paired: every policy of a future runs on the same seeds); reference"
            f" `{spec['reference']}`; overrides {spec['overrides'] or 'none'}.",
            "",
        ]
        if (directory / TABLE_FILE).exists() and spec["design"].get("design") in (
            "morris",
            "sobol",
        ):
            stages = [directory] + stages
        if stages:
            lines += ["## Global sensitivity of the policy effects", ""]
            for stage in stages:
                sensitivity_section(stage, figures, lines, summary)
        robustness_section(spec, table, figures, lines, summary)
        criterion = criterion or default_criterion(spec)
        if criterion:
            discovery_section(spec, table, futures, criterion, figures, lines, summary)
    if (directory / OPTIMISATION_FILE).exists():
        optimisation_section(directory / OPTIMISATION_FILE, figures, lines, summary)
    head = [
        "# How sure are we? Decisions under uncertainty",
        "",
        "Every number below varies the declared uncertainties over their plausible ranges"
        " (docs/parameters.md), not only the seed.",
        "",
        "## Summary",
        "",
    ]
    head += summary or ["- Too few futures for a summary."]
    head += [
        "",
        "A share of futures is only as meaningful as the ranges sampled: it is not a"
        " probability unless the ranges are.",
        "",
    ]
    path = directory / REPORT
    path.write_text("\n".join(head + lines))
    return path
