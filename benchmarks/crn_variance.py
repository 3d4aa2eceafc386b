"""Measure what common random numbers buy: paired / unpaired SE ratio per KPI.

Usage: python benchmarks/crn_variance.py [--seeds 20] [--workers 2000] [--employers 100]
           [--scenarios pay_for_performance,upfront_subsidy] [--jobs 2] [--diverge]

Runs every scenario and ``baseline`` on the same seeds, in process (no Hydra sweep), and
prints for each KPI the ratio of the paired to the unpaired standard error of the difference
(1 = pairing buys nothing; 0.3 = as precise as 11x more seeds). ``--diverge`` also reports,
for one seed, how quickly baseline and scenario runs stop sharing their workers' histories:
the share of workers whose employer differs between the two runs, by month.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sim.analysis.paired import difference_stats  # noqa: E402
from sim.checks.replications import Arm, Economy, arm_config, run_arms  # noqa: E402
from sim.model.model import TrainingMarketModel  # noqa: E402

MAIN = (
    "training_incidence",
    "share_employers_training",
    "certifications_per_1000",
    "gross_training_spend_per_employee",
    "employer_net_spend_per_employee",
    "public_cost",
    "deadweight_share",
    "poaching_rate_trained",
    "mean_wage",
    "employment_rate",
    "microcredential_recognition",
    "trainees",
)


def economy(args) -> Economy:
    """An economy preset (configs/population/) with the sizes given on the command line."""
    sizes = {
        "population.workers": args.workers,
        "population.employers": args.employers,
        "time.months": args.months,
        "time.burn_in": args.burn_in,
    }
    return Economy.of(args.economy, {k: v for k, v in sizes.items() if v is not None})


def arm_of(condition: str) -> Arm:
    """A condition ``scenario[:key=value,...]`` (``upfront_subsidy:funding.upfront_share=0.1``)."""
    scenario, _, extra = condition.partition(":")
    pairs = (item.split("=", 1) for item in extra.split(",") if item)
    return Arm.of(scenario, {key: yaml.safe_load(value) for key, value in pairs})


def kpi_table(conditions: list[str], seeds: range, economy: Economy, jobs: int) -> pd.DataFrame:
    """KPIs of every condition and seed, one row per run (run on ``jobs`` processes)."""
    arms = {condition: arm_of(condition) for condition in conditions}
    kpis = run_arms(arms.values(), seeds, economy, processes=jobs)
    return pd.DataFrame(
        [
            {"scenario": condition, "seed": seed, **kpis[(arm, seed)]}
            for condition, arm in arms.items()
            for seed in seeds
        ]
    )


def se_ratios(table: pd.DataFrame, scenarios: list[str]) -> pd.DataFrame:
    base = table[table["scenario"] == "baseline"].set_index("seed")
    rows = []
    for scenario in scenarios:
        treated = table[table["scenario"] == scenario].set_index("seed")
        for kpi in MAIN:
            stats = difference_stats(kpi, treated[kpi], base[kpi])
            rows.append({"scenario": scenario, **stats})
    return pd.DataFrame(rows)


def divergence(scenario: str, seed: int, economy: Economy) -> pd.Series:
    """Share of workers whose employer differs between baseline and ``scenario``, by month."""
    runs = [
        TrainingMarketModel(arm_config(Arm.of(s), seed, economy)) for s in ("baseline", scenario)
    ]
    shares = {}
    for month in range(runs[0].cfg.time.months):
        for model in runs:
            model.step()
        shares[month] = float(np.mean(runs[0].workers.employer != runs[1].workers.employer))
    for model in runs:
        model.release()
    return pd.Series(shares, name="share_of_workers_at_a_different_employer")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--economy", default="default", help="preset of configs/population/")
    parser.add_argument("--workers", type=int, default=2000)
    parser.add_argument("--employers", type=int, default=100)
    parser.add_argument("--months", type=int, default=120)
    parser.add_argument("--burn-in", type=int, default=24)
    parser.add_argument(
        "--scenarios",
        default="pay_for_performance,upfront_subsidy,microcredential_push",
        help="conditions compared with baseline, separated by ';' or ',' "
        "(scenario or scenario:key=value,key=value)",
    )
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--diverge", action="store_true")
    parser.add_argument("--save", type=Path, help="write the per-run KPI table here (parquet)")
    args = parser.parse_args()
    scenarios = args.scenarios.split(";") if ";" in args.scenarios else args.scenarios.split(",")
    table = kpi_table(["baseline", *scenarios], range(1, args.seeds + 1), economy(args), args.jobs)
    if args.save:
        table.to_parquet(args.save)
    ratios = se_ratios(table, scenarios)
    wide = ratios.pivot(index="kpi", columns="scenario", values="se_ratio").loc[list(MAIN)]
    print(
        f"paired/unpaired SE ratio, {args.seeds} seeds, {args.workers} workers, {args.employers} employers"
    )
    print(wide.round(2).to_string())
    print("median over KPIs:", wide.median().round(2).to_dict())
    if args.diverge:
        path = divergence(scenarios[0].split(":")[0], 1, economy(args))
        print(f"\nworkers at a different employer than in baseline ({scenarios[0]}, seed 1):")
        months = [m for m in (0, 6, 12, 24, 25, 30, 36, 48, 72) if m < len(path)] + [len(path) - 1]
        print(path.iloc[months].round(3).to_string())


if __name__ == "__main__":
    main()
