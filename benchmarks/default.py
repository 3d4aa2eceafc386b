"""Time the default economy (10,000 workers, 500 employers, 120 months) in process.

Usage: python benchmarks/default.py [--runs 5] [--scenario pay_for_performance]
Prints the median wall time of a full run (model construction + 120 months) and the
simulated worker-months per second. Each run uses a different seed.
"""
from __future__ import annotations

import argparse
import statistics
import time

from sim.api import compose
from sim.model import TrainingMarketModel


def time_run(scenario: str, seed: int) -> float:
    cfg = compose(scenario=scenario, seed=seed)
    start = time.perf_counter()
    TrainingMarketModel(cfg).run()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--scenario", default="pay_for_performance")
    args = parser.parse_args()
    cfg = compose(scenario=args.scenario)
    worker_months = cfg.population.workers * cfg.time.months
    time_run(args.scenario, seed=0)  # warm-up: imports, caches
    times = [time_run(args.scenario, seed=s) for s in range(1, args.runs + 1)]
    median = statistics.median(times)
    print(f"scenario: {args.scenario}  workers: {cfg.population.workers}  employers: "
          f"{cfg.population.employers}  months: {cfg.time.months}  runs: {args.runs}")
    print(f"wall time per run: median {median:.3f} s  (min {min(times):.3f}, max {max(times):.3f})")
    print(f"worker-months per second: {worker_months / median:,.0f}")


if __name__ == "__main__":
    main()
