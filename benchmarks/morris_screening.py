"""Time a Morris screening: 20 uncertainties x 10 trajectories x 3 policies x 3 seeds.

Usage: python benchmarks/morris_screening.py [--population small] [--trajectories 10]
           [--factors 20] [--processes 2] [--out DIR]

210 futures x 3 policies x 3 seeds = 1,890 runs, inline in a 2-process pool (the Hydra
executor adds a composition per job). The target (issue 17) is under 15 minutes on 2 cores,
i.e. about 0.95 s of wall time per run at 2 processes.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from sim.explore.runner import explore
from sim.explore.uncertainties import declared_uncertainties


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--population", default="small", help="economy preset (configs/population)")
    parser.add_argument("--trajectories", type=int, default=10)
    parser.add_argument("--factors", type=int, default=20)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    factors = [f.key for f in declared_uncertainties() if f.key.startswith("economy.")][
        : args.factors
    ]
    started = time.perf_counter()
    ex = explore(
        ["baseline", "pay_for_performance", "upfront_subsidy"],
        n=args.trajectories,
        seeds=[1, 2, 3],
        design="morris",
        uncertainties=factors,
        processes=args.processes,
        overrides={"population": args.population},
        out_dir=args.out,
        progress=True,
    )
    seconds = time.perf_counter() - started
    print(
        f"{len(ex.table)} runs over {len(factors)} uncertainties in {seconds / 60:.1f} min"
        f" ({seconds / len(ex.table):.2f} s per run, {args.processes} processes,"
        f" population={args.population}); target <= 15 min:"
        f" {'met' if seconds <= 15 * 60 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
