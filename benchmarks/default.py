"""Time the default economy (10,000 workers, 500 employers, 132 months) in process.

Usage: python benchmarks/default.py [--runs 5] [--scenario pay_for_performance]
Prints the median wall time of a full run (model construction + 132 months) and the
simulated worker-months per second, twice: as a process that runs one model runs it (NumPy's
passes), then with the compiled loops loaded, as a sweep's worker or the page's pool runs it
(the same results). Each run uses a different seed; one untimed warm-up run loads libraries
and fills caches first. Target: median <= 2 s on the 2-core development machine.
``benchmarks/scaling.py`` reuses :func:`timed_run` for larger economies.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sim.config.schema import SimConfig  # noqa: E402
from sim.model.model import TrainingMarketModel  # noqa: E402
from sim.run.api import compose  # noqa: E402

try:
    from sim.model.arrays.groups import load_compiled  # noqa: E402
except ImportError:  # a checkout before it
    load_compiled = None


def timed_run(cfg: SimConfig) -> dict:
    """Build and run one model; wall time split into construction and simulation."""
    start, cpu_start = time.perf_counter(), time.process_time()
    model = TrainingMarketModel(cfg)
    built = time.perf_counter()
    results = model.run()
    finished, cpu_finished = time.perf_counter(), time.process_time()
    return {
        "workers": cfg.population.workers,
        "employers": cfg.population.employers,
        "providers": cfg.population.providers,
        "months": cfg.time.months,
        "build_seconds": built - start,
        "run_seconds": finished - built,
        "wall_seconds": finished - start,
        "cpu_seconds": cpu_finished - cpu_start,  # this process only: less affected by load
        "phase_seconds": results.phase_seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--scenario", default="pay_for_performance")
    args = parser.parse_args()
    cfg = compose(scenario=args.scenario)
    worker_months = cfg.population.workers * cfg.time.months
    print(
        f"scenario: {args.scenario}  workers: {cfg.population.workers}  employers: "
        f"{cfg.population.employers}  months: {cfg.time.months}  runs: {args.runs}"
    )
    medians = []
    for label in ("one run's process (NumPy)", "compiled loops loaded (sweep workers, page)"):
        if medians and load_compiled is None:
            break  # an older checkout (scaling.py runs this file with its sim): no such mode
        if medians:
            load_compiled()
        timed_run(cfg)  # warm-up: imports, caches
        seeds = range(1, args.runs + 1)
        times = [timed_run(compose(scenario=args.scenario, seed=s))["wall_seconds"] for s in seeds]
        medians.append(median := statistics.median(times))
        print(
            f"{label}: median {median:.3f} s per run (min {min(times):.3f}, max "
            f"{max(times):.3f}), {worker_months / median:,.0f} worker-months per second"
        )
    print(f"target median <= 2 s: {'met' if max(medians) <= 2.0 else 'NOT met'}")


if __name__ == "__main__":
    main()
