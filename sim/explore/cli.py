"""``p4p-explore``: decisions under uncertainty from the command line.

    p4p-explore run --policies baseline,pay_for_performance,upfront_subsidy --futures 64 \\
        --seeds 3 population.workers=2000 population.employers=100      # LHS, Hydra multirun
    p4p-explore sensitivity --trajectories 10 --top 5 --sobol-base 16 ...  # Morris then Sobol
    p4p-explore report outputs/explore/<dir> [--criterion "..."]          # report.md
    p4p-explore optimise [--trials 40 --seeds 3] population.workers=2000   # NSGA-II via Hydra
    p4p-explore calibrate [--trials 40 --seeds 2]                          # fit to the targets

Trailing ``key=value`` arguments override the config of every run; ``hydra...`` arguments
(``hydra/launcher=submitit_slurm``) go to the Hydra multirun. Running the same ``run`` or
``sensitivity`` command again into the same ``--out`` resumes it: completed runs are kept.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from sim.run.listed import split_overrides

DEFAULT_POLICIES = "baseline,pay_for_performance,upfront_subsidy"


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--policies", default=DEFAULT_POLICIES, help="comma-separated scenarios")
    parser.add_argument(
        "--reference", default="baseline", help="policy the effects are paired against"
    )
    parser.add_argument("--seeds", type=int, default=2, help="seeds per future and policy (1..N)")
    parser.add_argument(
        "--uncertainties", default="", help="comma-separated subset (default: all declared)"
    )
    parser.add_argument("--sample-seed", type=int, default=0)
    parser.add_argument(
        "--out", type=Path, help="output directory (default outputs/explore/<time>)"
    )
    parser.add_argument("--executor", choices=("hydra", "inline"), default="hydra")
    parser.add_argument("--processes", type=int, help="inline executor: worker processes")
    parser.add_argument(
        "overrides", nargs="*", help="key=value config overrides, hydra... arguments"
    )


def _out(args, name: str) -> Path:
    return args.out or Path("outputs/explore") / f"{name}-{time.strftime('%Y%m%d-%H%M%S')}"


def _explore_kwargs(args) -> dict:
    overrides, hydra_args = split_overrides(args.overrides)
    return dict(
        policies=[p for p in args.policies.split(",") if p],
        reference=args.reference,
        seeds=list(range(1, args.seeds + 1)),
        sample_seed=args.sample_seed,
        overrides=overrides,
        executor=args.executor,
        processes=args.processes,
        hydra_args=hydra_args,
        progress=True,
    )


def cmd_run(args) -> Path:
    from sim.explore.design import resample_futures
    from sim.explore.runner import explore
    from sim.explore.uncertainties import select

    kwargs = _explore_kwargs(args)
    names = [u for u in args.uncertainties.split(",") if u] or None
    futures = None
    if args.futures_from:
        import pandas as pd

        futures = resample_futures(
            pd.read_parquet(args.futures_from), select(names), args.futures, args.sample_seed
        )
    out = _out(args, "explore")
    explore(
        n=args.futures,
        design=args.design,
        uncertainties=names,
        futures=futures,
        out_dir=out,
        **kwargs,
    )
    return out


def cmd_sensitivity(args) -> Path:
    """Morris screening of every selected uncertainty, then Sobol on the ``--top`` ones."""
    from sim.explore import analysis as an
    from sim.explore.report import key_outcomes
    from sim.explore.runner import explore

    kwargs = _explore_kwargs(args)
    names = [u for u in args.uncertainties.split(",") if u] or None
    out = _out(args, "sensitivity")
    screening = explore(
        n=args.trajectories,
        design="morris",
        uncertainties=names,
        out_dir=out / "screening",
        **kwargs,
    )
    if args.sobol_base <= 0:
        return out
    per_future = an.future_outcomes(screening.table)
    futures = __import__("pandas").read_parquet(out / "screening" / "futures.parquet")
    score = {}
    for spec in key_outcomes(screening.spec):
        y = an.outcome(per_future, spec)
        if not np.isfinite(y.to_numpy(dtype=float)).all():
            continue
        idx = an.morris_indices(futures, screening.factors, y)
        top = idx["mu_star"].max()
        for row in idx.itertuples():
            score[row.factor] = max(
                score.get(row.factor, 0.0), row.mu_star / top if top > 0 else 0.0
            )
    chosen = sorted(score, key=score.get, reverse=True)[: args.top] or screening.factors[: args.top]
    explore(
        n=args.sobol_base, design="sobol", uncertainties=chosen, out_dir=out / "sobol", **kwargs
    )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="p4p-explore",
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="sample futures and run the policies in each")
    _common(run)
    run.add_argument("--futures", type=int, default=32, help="futures (lhs) or Morris trajectories")
    run.add_argument("--design", choices=("lhs", "morris", "sobol"), default="lhs")
    run.add_argument(
        "--futures-from", type=Path, help="accepted parameter sets of `calibrate` to resample"
    )
    sens = sub.add_parser(
        "sensitivity", help="Morris screening, then Sobol indices of the top factors"
    )
    _common(sens)
    sens.add_argument("--trajectories", type=int, default=10)
    sens.add_argument("--top", type=int, default=5, help="factors carried to the Sobol stage")
    sens.add_argument(
        "--sobol-base", type=int, default=16, help="Saltelli base samples (power of 2; 0 skips)"
    )
    rep = sub.add_parser("report", help="write report.md and figures for an exploration")
    rep.add_argument("directory", type=Path)
    rep.add_argument(
        "--criterion", help='PRIM criterion, e.g. "pay_for_performance:additional_trainees < 0"'
    )
    opt = sub.add_parser(
        "optimise", help="NSGA-II search of the funding levers (Hydra Optuna sweeper)"
    )
    opt.add_argument("--trials", type=int, default=40)
    opt.add_argument(
        "--population",
        type=int,
        default=10,
        help="NSGA-II generation size (default 10: 40 trials are 4 generations; Optuna's 50"
        " would leave every trial of a 40-trial study in the random first generation)",
    )
    opt.add_argument("--sampler-seed", type=int, default=0, help="seed of the NSGA-II sampler")
    opt.add_argument("--seeds", type=int, default=3)
    opt.add_argument("--min-disadvantaged-ratio", type=float, default=0.8)
    opt.add_argument("--out", type=Path)
    opt.add_argument("overrides", nargs="*")
    cal = sub.add_parser("calibrate", help="fit the calibrated parameters to the section 7 targets")
    cal.add_argument("--trials", type=int, default=40)
    cal.add_argument("--seeds", type=int, default=2)
    cal.add_argument(
        "--parameters", default="", help="comma-separated subset of the calibrated ones"
    )
    cal.add_argument("--out", type=Path)
    cal.add_argument("--processes", type=int)
    cal.add_argument("overrides", nargs="*")
    args = parser.parse_args(argv)
    from sim.config.validation import ConfigError
    from sim.explore.report import write_report

    try:
        if args.command == "report":
            print(f"wrote {write_report(args.directory, args.criterion)}")
            return 0
        if args.command == "optimise":
            from sim.explore.optimise import optimise_main

            return optimise_main(args)
        if args.command == "calibrate":
            from sim.explore.estimate import estimate_main

            return estimate_main(args)
        out = cmd_run(args) if args.command == "run" else cmd_sensitivity(args)
        print(f"wrote {write_report(out)}")
        return 0
    except (ConfigError, ValueError, FileNotFoundError, RuntimeError) as exc:
        print(f"p4p-explore: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
