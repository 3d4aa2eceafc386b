"""Benchmark of the default economy: 10,000 workers, 500 employers, 120 months, in process.

    python benchmarks/default.py [--runs 5] [--scenario pay_for_performance]

Builds and runs the model ``--runs`` times in this process (after one untimed warm-up run that
loads libraries and fills caches) and prints the median wall time (model construction plus the
120 monthly steps) and worker-months per second. Target: median <= 2 s on the 2-core
development machine. Timings are not pass/fail tests: they are printed numbers.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sim.api import compose  # noqa: E402
from sim.config import SimConfig  # noqa: E402
from sim.model import TrainingMarketModel  # noqa: E402


def timed_run(cfg: SimConfig) -> dict:
    """Build and run one model; wall time split into construction and simulation."""
    started = time.perf_counter()
    model = TrainingMarketModel(cfg)
    built = time.perf_counter()
    results = model.run()
    finished = time.perf_counter()
    return {
        "workers": cfg.population.workers,
        "employers": cfg.population.employers,
        "providers": cfg.population.providers,
        "months": cfg.time.months,
        "build_seconds": built - started,
        "run_seconds": finished - built,
        "wall_seconds": finished - started,
        "phase_seconds": results.phase_seconds,
    }


def worker_months_per_second(run: dict) -> float:
    return run["workers"] * run["months"] / run["wall_seconds"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs (default 5)")
    parser.add_argument("--scenario", default=None, help="scenario (default: the config default)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    cfg = compose(args.scenario, args.seed)
    timed_run(cfg)  # warm-up: imports, caches
    runs = [timed_run(cfg) for _ in range(args.runs)]
    walls = [r["wall_seconds"] for r in runs]
    median = statistics.median(walls)
    rate = cfg.population.workers * cfg.time.months / median
    print(
        f"default economy ({cfg.scenario.name}, {cfg.population.workers:,} workers,"
        f" {cfg.population.employers:,} employers, {cfg.time.months} months), {args.runs} runs"
    )
    print(f"  wall time: median {median:.3f} s (min {min(walls):.3f}, max {max(walls):.3f})")
    print(f"  worker-months per second: {rate:,.0f}")
    print(f"  target median <= 2 s: {'met' if median <= 2.0 else 'NOT met'}")


if __name__ == "__main__":
    main()
