"""The ``p4p-validate`` console command: run the theory signatures and write their table.

    p4p-validate                      # default scale (10k workers, 500 employers, 120 months)
    p4p-validate --seeds 12 --processes 2 --workers 2000 --employers 100

Prints one row per check (signature, expected direction, effect, 95% CI, p-value, pass) and
writes ``validation.md`` and ``validation.csv`` under ``outputs/validation/<timestamp>/``.
Exits with status 1 if any signature fails.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

import pandas as pd

from sim.checks.replications import Economy, default_processes
from sim.checks.signatures import SignatureResult, run_signatures
from sim.config.validation import ConfigError
from sim.run.outputs import atomic_write_bytes


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="p4p-validate", description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=8, help="replications per arm (default 8)")
    parser.add_argument("--first-seed", type=int, default=0, help="first seed (default 0)")
    parser.add_argument("--processes", type=int, default=default_processes(), help="parallel runs")
    parser.add_argument(
        "--economy",
        default="default",
        help="economy preset of configs/population (default, small, tiny, ...)",
    )
    for name in ("workers", "employers", "providers", "months", "burn_in"):
        parser.add_argument(
            f"--{name.replace('_', '-')}",
            type=int,
            default=None,
            help="override the preset's value",
        )
    parser.add_argument("--output-dir", type=Path, default=Path("outputs") / "validation")
    args = parser.parse_args(argv)
    if args.seeds < 2:
        parser.error(
            f"--seeds={args.seeds} is too small; allowed: >= 2 (a test needs replications)"
        )
    return args


def economy_from(args: argparse.Namespace) -> Economy:
    """The preset with the sizes asked for; provider seats scale with workers per provider."""
    preset = Economy(args.economy).config()
    overrides = {
        key: getattr(args, name)
        for key, name in (
            ("population.workers", "workers"),
            ("population.employers", "employers"),
            ("population.providers", "providers"),
            ("time.months", "months"),
            ("time.burn_in", "burn_in"),
        )
        if getattr(args, name) is not None
    }
    if args.workers is not None or args.providers is not None:
        pop = preset.population
        workers = args.workers if args.workers is not None else pop.workers
        providers = args.providers if args.providers is not None else pop.providers
        overrides["population.seats_per_provider"] = max(
            1, round(pop.seats_per_provider * workers * pop.providers / (pop.workers * providers))
        )
    return Economy.of(args.economy, overrides)


def results_table(results: list[SignatureResult]) -> pd.DataFrame:
    return pd.DataFrame([check.row() for result in results for check in result.checks])


def markdown(
    table: pd.DataFrame,
    results: list[SignatureResult],
    economy: Economy,
    seeds: list[int],
    seconds: float,
) -> str:
    lines = [
        "# Theory signatures (docs/model.md section 6)",
        "",
        f"Economy `{economy.preset}`: {economy.describe()};"
        f" seeds {seeds[0]}..{seeds[-1]} ({len(seeds)}, the same in"
        f" every arm); {seconds:.0f} s.",
        "Each check is a one-sided t-test over seeds of a paired per-seed measure; it passes at"
        " p < 0.05. CI is the two-sided 95% interval of the mean.",
        "",
        "| # | signature | check | expected | effect | 95% CI | p | pass |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in table.itertuples():
        lines.append(
            f"| {row.signature} | {row.title} | {row.check} | {row.expected} | {row.effect:.4g} |"
            f" [{row.ci_low:.4g}, {row.ci_high:.4g}] | {row.p_value:.2g} | {'yes' if row.passed else '**NO**'} |"
        )
    passed = sum(r.passed for r in results)
    lines += ["", f"**{passed} of {len(results)} signatures pass.**", ""]
    return "\n".join(lines)


def progress_bar(total_label: str):
    from tqdm import tqdm

    bar = None

    def update(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(total=total, desc=total_label, unit="run", file=sys.stderr)
        bar.update(done - bar.n)
        if done == total:
            bar.close()

    return update


def main(argv: list[str] | None = None) -> int:
    logging.getLogger("MESA").setLevel(logging.WARNING)
    args = parse_args(argv)
    try:
        economy = economy_from(args)
    except ConfigError as exc:
        print(f"p4p-validate: error: {exc}", file=sys.stderr)
        return 2
    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    started = time.perf_counter()
    results = run_signatures(
        economy=economy, seeds=seeds, processes=args.processes, progress=progress_bar("simulations")
    )
    seconds = time.perf_counter() - started
    table = results_table(results)
    text = markdown(table, results, economy, seeds, seconds)
    out_dir = args.output_dir / time.strftime("%Y%m%d-%H%M%S")
    atomic_write_bytes(out_dir / "validation.md", text.encode())
    atomic_write_bytes(out_dir / "validation.csv", table.to_csv(index=False).encode())
    print(text)
    print(f"wrote {out_dir}/validation.md and validation.csv")
    return 0 if all(r.passed for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
