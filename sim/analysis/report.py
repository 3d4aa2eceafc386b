"""``p4p-report <sweep dir>``: paired comparisons, ``report.md`` and figures for a sweep.

The command rebuilds the sweep table from the job directories, compares every condition
(scenario, swept value or grid cell) with the baseline seed by seed (:mod:`sim.paired`), and
writes into the sweep directory:

* ``report.md``: jobs by status, effects with 95% CIs, the cost-benefit account of each
  condition, paired/unpaired SE ratios;
* ``comparison.csv`` (one row per condition and KPI), ``cost_benefit.csv`` (one row per
  condition and item of the account) and ``condition_means.csv``;
* ``figures/*.png``: forest plot, monthly paths with quantile bands, response curves (1-D
  sweeps) and heatmaps (2-D sweeps).
"""

from __future__ import annotations

import argparse
import logging
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from sim.analysis.paired import (
    ADDITIONAL_TRAINEES,
    COST_PER_ADDITIONAL,
    COST_PER_ADDITIONAL_CERTIFICATION,
    COST_PER_ADDITIONAL_PLACEMENT,
    DEADWEIGHT_PAIRED,
    condition_label,
    condition_means,
    cost_benefit,
    paired_comparison,
    parse_baseline,
    se_ratio_summary,
)
from sim.run.outputs import atomic_write_bytes
from sim.run.sweep import Sweep, collect_sweep, describe, refuse_run_dir
from sim.run.sweep_jobs import COMPLETED

log = logging.getLogger("p4p_sim")

REPORT = "report.md"
FIGURES = "figures"
MAX_PATH_CONDITIONS = 12
HEADLINE = (
    "training_incidence",
    "certifications_per_1000",
    "employer_net_spend_per_employee",
    "public_cost",
    ADDITIONAL_TRAINEES,
    COST_PER_ADDITIONAL,
    COST_PER_ADDITIONAL_CERTIFICATION,
    "deadweight_share",
    DEADWEIGHT_PAIRED,
)
# Headline rows where the sweep has them (job seekers, sectors, program design).
HEADLINE_WHERE_DEFINED = (
    "placement_rate",
    "placements",
    COST_PER_ADDITIONAL_PLACEMENT,
    "employment_rate",
    "displaced_reemployment_rate",
    "months_to_first_program",
)
PAIRED_ONLY = (
    ADDITIONAL_TRAINEES,
    COST_PER_ADDITIONAL,
    COST_PER_ADDITIONAL_CERTIFICATION,
    COST_PER_ADDITIONAL_PLACEMENT,
)
MCPF = "evaluation.marginal_cost_of_public_funds"
DISCOUNT_RATE = "evaluation.social_discount_rate"


@dataclass
class Report:
    """What ``p4p-report`` computed and wrote."""

    sweep: Sweep
    baseline: dict
    comparison: pd.DataFrame
    means: pd.DataFrame
    path: Path
    figures: list[Path] = field(default_factory=list)
    account: pd.DataFrame = field(default_factory=pd.DataFrame)


def build_report(
    sweep_dir: str | Path,
    baseline: list[str] | None = None,
    out_dir: str | Path | None = None,
    progress: bool = False,
    figure_kpis: Sequence[str] | None = None,
) -> Report:
    """Compare every condition of a sweep with its baseline and write the report."""
    sweep = collect_sweep(
        sweep_dir, write=False, progress=progress
    )  # the sweep's tables stay as they are
    out_dir = refuse_run_dir(out_dir) if out_dir is not None else sweep.directory
    kpis = [k for k in sweep.kpis if k != "policy_months"]
    unknown = [k for k in figure_kpis or [] if k not in (*kpis, *PAIRED_ONLY)]
    if unknown:
        raise ValueError(f"--kpis: unknown KPI {', '.join(unknown)}; known: {', '.join(kpis)}")
    done = sweep.completed
    factors = sweep.factors
    chosen = parse_baseline(baseline or [], done, factors) if len(done) else {}
    comparison = (
        paired_comparison(done, factors, kpis, chosen) if factors and len(done) else pd.DataFrame()
    )
    means = condition_means(done, factors, kpis)
    account = (
        cost_benefit(done, factors, chosen, mcpf=_mcpf(sweep))
        if factors and len(done)
        else pd.DataFrame()
    )
    figures = (
        write_figures(sweep, comparison, means, out_dir / FIGURES, chosen, figure_kpis)
        if len(done)
        else []
    )
    if len(comparison):
        atomic_write_bytes(out_dir / "comparison.csv", comparison.to_csv(index=False).encode())
    if len(account):
        atomic_write_bytes(out_dir / "cost_benefit.csv", account.to_csv(index=False).encode())
    atomic_write_bytes(out_dir / "condition_means.csv", means.to_csv(index=False).encode())
    text = render_markdown(
        sweep, chosen, comparison, means, [f.relative_to(out_dir) for f in figures], account
    )
    path = out_dir / REPORT
    atomic_write_bytes(path, text.encode("utf-8"))
    return Report(sweep, chosen, comparison, means, path, figures, account)


def _mcpf(sweep: Sweep) -> float | None:
    """The sweep's marginal cost of public funds (None: the declared default)."""
    value = sweep.setting(MCPF)
    return float(value) if value is not None else None


def write_figures(
    sweep: Sweep,
    comparison: pd.DataFrame,
    means: pd.DataFrame,
    folder: Path,
    baseline: dict | None = None,
    kpis: Sequence[str] | None = None,
) -> list[Path]:
    """The briefing figures of a sweep (see :mod:`sim.analysis.plots`), at most a page each."""
    from sim.analysis import plots

    folder.mkdir(parents=True, exist_ok=True)
    factors, written = sweep.factors, []
    kpis = tuple(kpis or plots.BRIEFING_KPIS)
    baseline = baseline or {}
    comparison.attrs["baseline"] = baseline
    order = plots.condition_order(comparison, factors)
    burn_in = sweep.setting("time.burn_in")

    def save(fig, name: str) -> None:
        path = folder / name
        fig.savefig(path, dpi=plots.DPI)
        written.append(path)

    if len(comparison):
        save(
            plots.forest_plot(comparison, (*kpis, ADDITIONAL_TRAINEES), baseline, order),
            "forest.png",
        )
        if comparison.loc[comparison["kpi"] == COST_PER_ADDITIONAL, "difference"].notna().any():
            save(plots.cost_per_trainee_plot(comparison, baseline, order), "cost_per_trainee.png")
    n_conditions = sweep.completed.groupby(factors).ngroups if factors else 1
    if len(sweep.timeseries) and n_conditions <= MAX_PATH_CONDITIONS:
        save(
            plots.kpi_paths(
                sweep.timeseries, factors, kpis, burn_in=burn_in, baseline=baseline, order=order
            ),
            "paths.png",
        )
    numeric = [f for f in factors if pd.api.types.is_numeric_dtype(sweep.table[f])]
    if len(factors) == 1 and numeric and len(comparison):
        save(plots.response_curves(comparison, factors[0], kpis), "response.png")
    if len(factors) == 2:
        y, x = factors
        save(plots.heatmaps(means, x, y, kpis), "heatmap_means.png")
        if len(comparison):
            save(plots.heatmaps(comparison, x, y, kpis, value="difference"), "heatmap_effects.png")
        if len(sweep.timeseries):
            for kpi in [k for k in ("training_incidence", "public_cost") if k in kpis]:
                save(
                    plots.path_multiples(sweep.timeseries, y, x, kpi, burn_in=burn_in),
                    f"paths_{kpi}.png",
                )
    return written


# --- markdown --------------------------------------------------------------------------------
def render_markdown(
    sweep: Sweep,
    baseline: dict,
    comparison: pd.DataFrame,
    means: pd.DataFrame,
    figures,
    account: pd.DataFrame | None = None,
) -> str:
    from sim.analysis.plots import kpi_unit

    factors = sweep.factors
    seeds = (
        sorted(sweep.completed["seed"].dropna().unique().tolist()) if len(sweep.completed) else []
    )
    lines = [
        f"# Sweep report: `{sweep.directory.name}`",
        "",
        f"- Directory: `{sweep.directory}`",
        "- Jobs: " + ", ".join(f"{n} {s}" for s, n in sorted(sweep.status_counts().items())),
        f"- Compared: {', '.join(factors) or 'nothing (one condition)'}; seeds: {_seed_text(seeds)}",
    ]
    if baseline:
        lines.append(f"- Baseline: **{condition_label(baseline)}** (paired by seed)")
    unfinished = sweep.table[sweep.table["status"] != COMPLETED]
    if len(unfinished):
        lines += [
            "",
            "## Jobs without results",
            "",
            *_table(unfinished[["job", "status", "error"]].fillna("")),
        ]
    if len(comparison):
        lines += [
            "",
            "## Effects vs baseline",
            "",
            "Mean paired difference over seeds (condition - baseline) with its t-based 95% "
            "confidence interval. `public_cost_per_additional_trainee` is mean extra public "
            "cost / mean extra trainees (delta-method CI; empty when no trainees are added); "
            "`public_cost_per_additional_certification` the same per extra certification that "
            "meets its published standard, `public_cost_per_additional_placement` per extra "
            "job-seeker placement; `deadweight_paired` is 1 - mean additional trainees"
            " / mean funded trainees (delta-method CI), next to the run-level "
            "`deadweight_share`. `public_cost` includes the funder's administration of claims "
            "and its audits.",
            "",
        ]
        headline = comparison[comparison["kpi"].isin(HEADLINE)]
        extra = comparison[comparison["kpi"].isin(HEADLINE_WHERE_DEFINED)]
        extra = extra[extra["difference"].notna() & (extra["difference"] != 0)]
        headline = pd.concat([headline, extra]).sort_index(kind="stable")
        lines += [
            "### Headline",
            "",
            *_effect_table(headline, factors, kpi_unit, with_means=True),
        ]
        for condition, rows in comparison.groupby(factors, sort=False):
            condition = condition if isinstance(condition, tuple) else (condition,)
            label = condition_label(dict(zip(factors, condition)))
            lines += ["", f"### {label}", "", *_effect_table(rows, [], kpi_unit, with_means=True)]
        if account is not None and len(account):
            lines += ["", *_account_section(sweep, account, factors)]
        ratios = se_ratio_summary(comparison)
        lines += [
            "",
            "## What pairing buys",
            "",
            "Paired / unpaired standard error of the difference, over the comparisons "
            "(same runs; below 1 means common random numbers reduce variance; "
            "(1/ratio)^2 is the equivalent factor in seeds).",
            "",
            *_table(ratios.reset_index().rename(columns={"kpi": "KPI"})),
        ]
    if len(means):
        wide = means.assign(
            value=[
                _estimate(m, lo, hi)
                for m, lo, hi in zip(means["mean"], means["ci_low"], means["ci_high"])
            ]
        )
        pivot = (
            wide.pivot_table(
                index="kpi", columns=factors, values="value", aggfunc="first", sort=False
            )
            if factors
            else wide.set_index("kpi")[["value"]]
        )
        pivot.columns = (
            [
                condition_label(dict(zip(factors, c if isinstance(c, tuple) else (c,))))
                for c in pivot.columns
            ]
            if factors
            else ["all runs"]
        )
        lines += [
            "",
            "## Means by condition",
            "",
            "Mean over seeds [95% CI].",
            "",
            *_table(pivot.reset_index().rename(columns={"kpi": "KPI"})),
        ]
    if figures:
        lines += ["", "## Figures", ""] + [
            f"![{Path(f).stem}]({Path(f).as_posix()})" for f in figures
        ]
    return "\n".join(lines) + "\n"


def _account_section(sweep: Sweep, account: pd.DataFrame, factors: list[str]) -> list[str]:
    """The cost-benefit account: one table, the items as rows and the conditions as columns."""
    rate = sweep.setting(DISCOUNT_RATE)
    rate_text = f"{float(rate):.1%}" if rate is not None else "the declared default"
    lines = [
        "## Cost-benefit account",
        "",
        "Paired difference from the baseline over seeds, with its t-based 95% CI, in CAD: "
        "totals for the simulated economy over the policy window, each month discounted to "
        f"the policy start at {rate_text} a year (`{DISCOUNT_RATE}`). Net social benefit = "
        "output gains - the real resource cost of training - MCPF x public outlay, with MCPF "
        f"= {account.attrs.get('mcpf', float('nan')):g} (`{MCPF}`, the deadweight loss of "
        "taxation per dollar). Payments are transfers; the funder's administration and "
        "audits are real costs and are in the resource cost too. By party, net social "
        "benefit = employers' net gain + workers' wage gains + providers' net receipts - "
        "taxpayers' cost. Workers pay nothing for training in the model.",
        "",
    ]
    cells: dict[str, dict[str, str]] = {}
    labels: dict[str, str] = {}
    for condition, rows in account.groupby(factors, sort=False):
        condition = condition if isinstance(condition, tuple) else (condition,)
        label = condition_label(dict(zip(factors, condition)))
        for row in rows.itertuples():
            labels[row.item] = row.label
            cells.setdefault(row.item, {})[label] = _money_estimate(
                row.difference, row.ci_low, row.ci_high
            )
    table = pd.DataFrame(
        [{"item": labels[item], **by_condition} for item, by_condition in cells.items()]
    )
    return lines + _table(table)


def _effect_table(
    rows: pd.DataFrame, factors: list[str], kpi_unit, with_means: bool = False
) -> list[str]:
    table = pd.DataFrame(
        {
            **{f: rows[f] for f in factors},
            "KPI": rows["kpi"],
            "unit": [kpi_unit(k) for k in rows["kpi"]],
            **(
                {
                    "baseline": rows["baseline_mean"].map(_num),
                    "condition": rows["condition_mean"].map(_num),
                }
                if with_means
                else {}
            ),
            "difference [95% CI]": [
                _estimate(d, lo, hi)
                for d, lo, hi in zip(rows["difference"], rows["ci_low"], rows["ci_high"])
            ],
            "pairs": rows["n_pairs"],
            "SE ratio": rows["se_ratio"].map(lambda v: _num(v, 2)),
        }
    )
    return _table(table)


def _estimate(mean, low, high) -> str:
    if mean is None or not np.isfinite(mean):
        return ""
    if not (np.isfinite(low) and np.isfinite(high)):
        return _num(mean)
    return f"{_num(mean)} [{_num(low)}, {_num(high)}]"


def _money_estimate(mean, low, high) -> str:
    """``1,234,567 [1,100,000, 1,300,000]``: whole dollars, no scientific notation."""
    if mean is None or not np.isfinite(mean):
        return ""
    dollars = lambda v: f"{round(v) + 0.0:,.0f}"  # noqa: E731  (no "-0")
    if not (np.isfinite(low) and np.isfinite(high)):
        return dollars(mean)
    return f"{dollars(mean)} [{dollars(low)}, {dollars(high)}]"


def _num(value, digits: int = 4) -> str:
    """``digits`` significant digits; from 1,000 up with thousands separators, never in
    scientific notation (``30,120``, not ``3.012e+04``)."""
    if value is None:
        return ""
    if not isinstance(value, (float, np.floating)):
        return str(value)
    if not np.isfinite(value):
        return ""
    rounded = float(f"{value:.{digits}g}")
    return f"{rounded + 0.0:,.0f}" if abs(rounded) >= 1000 else f"{value:.{digits}g}"


def _table(frame: pd.DataFrame) -> list[str]:
    header = [str(c) for c in frame.columns]
    rows = [
        [_num(v) if isinstance(v, (float, np.floating)) else str(v) for v in row]
        for row in frame.itertuples(index=False)
    ]
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)] + [
        "| " + " | ".join(r) + " |" for r in rows
    ]


def _seed_text(seeds: list) -> str:
    if not seeds:
        return "none completed"
    return f"{len(seeds)} ({seeds[0]}..{seeds[-1]})"


# --- console ---------------------------------------------------------------------------------
def report_main(argv: list[str] | None = None) -> int:
    """``p4p-report <sweep dir>``: paired comparisons vs baseline, report.md and figures."""
    parser = argparse.ArgumentParser(prog="p4p-report", description=report_main.__doc__)
    parser.add_argument(
        "sweep_dir", type=Path, help="a multirun sweep directory (outputs/sweeps/...)"
    )
    parser.add_argument(
        "--baseline",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="baseline condition, e.g. scenario=upfront_subsidy or funding.outcome_share=0.7 "
        "(default: scenario baseline, else the lowest swept value); repeat for 2-D sweeps",
    )
    parser.add_argument(
        "--out", type=Path, help="write report.md and figures here (default: the sweep dir)"
    )
    parser.add_argument(
        "--kpis",
        help="comma-separated KPIs for the figures (default: "
        "training_incidence,share_employers_training,certifications_per_1000,"
        "employer_net_spend_per_employee,public_cost,deadweight_share)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    from sim.explore.report import is_exploration_dir, write_report

    if is_exploration_dir(args.sweep_dir):  # p4p-explore output: sensitivity, robustness, PRIM
        print(f"wrote {write_report(args.sweep_dir)}")
        return 0
    if (args.sweep_dir / "trial.json").exists():  # a p4p-trial experiment, not a sweep
        from sim.analysis.trials import report_trial_dir

        print(f"wrote {report_trial_dir(args.sweep_dir, args.out)}")
        return 0
    kpis = [k.strip() for k in args.kpis.split(",") if k.strip()] if args.kpis else None
    try:
        report = build_report(
            args.sweep_dir, args.baseline, args.out, progress=not args.quiet, figure_kpis=kpis
        )
    except (FileNotFoundError, ValueError) as exc:
        print(f"p4p-report: error: {exc}", file=sys.stderr)
        return 2
    print(describe(report.sweep))
    print(console_summary(report))
    print(
        f"wrote {report.path} and {len(report.figures)} figures in {report.path.parent / FIGURES}"
    )
    return 0


def console_summary(report: Report) -> str:
    comparison = report.comparison
    if not len(comparison):
        return "no comparison: the sweep has a single condition or no completed job"
    factors = report.sweep.factors
    lines = [f"baseline: {condition_label(report.baseline)}", "", "effects (difference [95% CI]):"]
    for condition, rows in comparison.groupby(factors, sort=False):
        condition = condition if isinstance(condition, tuple) else (condition,)
        lines.append(f"  {condition_label(dict(zip(factors, condition)))}")
        for row in rows[rows["kpi"].isin(HEADLINE)].itertuples():
            lines.append(f"    {row.kpi:<36} {_estimate(row.difference, row.ci_low, row.ci_high)}")
    account = report.account
    if len(account):
        lines += ["", "net social benefit, CAD present value (difference [95% CI]):"]
        for _, row in account[account["item"] == "net_social_benefit"].iterrows():
            condition = condition_label({f: row[f] for f in factors})
            estimate = _money_estimate(row["difference"], row["ci_low"], row["ci_high"])
            lines.append(f"  {condition:<36} {estimate}")
    ratios = se_ratio_summary(comparison)
    lines += ["", "paired/unpaired SE ratio (median over comparisons [min, max]):"]
    lines += [
        f"  {kpi:<36} {r['median']:.2f} [{r['min']:.2f}, {r['max']:.2f}]"
        for kpi, r in ratios.iterrows()
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(report_main())
