"""Time a power curve: 6 trial sizes x 100 replications of the UPSKILL-like trial of the
pay-for-performance design at the default economy (issue 14's target: within 30 minutes on 2
cores), through ``p4p-trial run``, a Hydra multirun on the local cores.

    python benchmarks/trial_power.py [--seeds 100] [--sizes 30,55,110,220,330,440] [--out DIR]

Each replication is the trial at every size plus the two counterfactual worlds (program for
everyone, for no one), so 100 replications are 800 runs of 60 months (36 of burn-in and the
trial's 24 of follow-up). Prints the wall time, the runs per second and the power table.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
from sweep_throughput import efficiency_line, job_seconds

from sim.trials.cli import main as trial_main

TARGET_MINUTES = 30


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=100)
    parser.add_argument("--sizes", default="30,55,110,220,330,440")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--out", type=Path, help="default: a new temporary directory")
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="p4p-power-")) / "upskill"
    command = ["run", "upskill", "--seeds", f"1-{args.seeds}", "--sizes", args.sizes]
    command += ["--jobs", str(args.jobs), "--out", str(out)]
    started = time.perf_counter()
    status = trial_main(command)
    wall = time.perf_counter() - started
    minutes = wall / 60
    if status != 0:
        return status
    runs = args.seeds * (len(args.sizes.split(",")) + 2)
    power = pd.read_csv(out / "power.csv")
    print(power[power["method"] == "itt"].to_string(index=False))
    print(
        f"{runs} runs in {minutes:.1f} min ({runs / (minutes * 60):.2f} runs/s, {args.jobs} jobs);"
        f" target <= {TARGET_MINUTES} min: {'met' if minutes <= TARGET_MINUTES else 'NOT met'}"
        f"\nresults: {out}"
    )
    simulated = sum(job_seconds(out).values())  # the runs' share of the cores (issue 15)
    print(efficiency_line(simulated, wall, args.jobs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
