"""How much of a month costs the same at every economy size: time per month = a + b x workers.

    python benchmarks/fixed_cost.py [--runs 3] [--scenario pay_for_performance]

Runs economies of 2,500 to 40,000 workers (one employer per 20 workers and one provider per
1,000, as the default economy), 132 months each, in this process after a warm-up run, first
with NumPy's passes (as one run's process runs them), then with the compiled loops loaded (as
a sweep's worker runs them); prints the median milliseconds per month at each size and the
least-squares line through them. ``a`` is what every month costs whatever the size (some 30
phases, each a handful of array operations of a few microseconds of set-up each); the per
worker-month cost at 10,000 workers is at most 1.5x that at 100,000 (issue 15's target) only
when ``a`` is below about 0.6 x ``b`` x 10,000 workers.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sim.model.arrays.groups import load_compiled  # noqa: E402
from sim.model.model import TrainingMarketModel  # noqa: E402
from sim.run.api import compose  # noqa: E402

SIZES = (2_500, 5_000, 10_000, 20_000, 40_000)


def economy(scenario: str, workers: int, seed: int):
    return compose(
        scenario,
        seed,
        {
            "population.workers": workers,
            "population.employers": workers // 20,
            "population.providers": max(1, workers // 1000),
        },
    )


def per_month_seconds(scenario: str, runs: int) -> dict[int, float]:
    """Median seconds per month at each size (runs alternate sizes, seeds 1..runs)."""
    TrainingMarketModel(economy(scenario, 10_000, 99)).run()  # warm-up: imports, caches
    seconds: dict[int, list[float]] = {n: [] for n in SIZES}
    for seed in range(1, runs + 1):
        for n in SIZES:
            model = TrainingMarketModel(economy(scenario, n, seed))
            start = time.perf_counter()
            model.run()
            seconds[n].append((time.perf_counter() - start) / model.cfg.time.months)
    return {n: statistics.median(s) for n, s in seconds.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--scenario", default="pay_for_performance")
    args = parser.parse_args()
    for label in ("NumPy's passes (one run's process)", "compiled loops loaded (sweep workers)"):
        if "compiled" in label:
            load_compiled()
        month = per_month_seconds(args.scenario, args.runs)
        b, a = np.polyfit(SIZES, [month[n] for n in SIZES], 1)
        sizes = "  ".join(f"{n:,}: {month[n] * 1e3:.2f}" for n in SIZES)
        print(f"{label}\n  ms per month by workers  {sizes}")
        print(
            f"  fit: a = {a * 1e3:.2f} ms a month whatever the size, b = {b * 1e9:.0f} ns per"
            f" worker-month; at 10,000 workers a is {a / (a + b * 10_000):.0%} of a month"
        )


if __name__ == "__main__":
    main()
