"""Time what p4p-app does when a user presses "Run against baseline".

Usage: python benchmarks/app_design.py [--seeds 10] [--processes 2] [--repeats 2]

Runs the page's own code (:func:`sim.app.designs.run_design`): one design (the EMC
``pay_for_performance`` levers) against the baseline on ``--seeds`` paired seeds at the
default economy, in ``--processes`` parallel processes, then the report (cards, forest plot,
monthly paths). Prints the wall time from the button to the results, split into the runs and
the report, and the sum of the runs' own simulation seconds (from each job's timing.json) so
that a loaded machine shows as a low core efficiency. Target (issue "A page for policy
staff"): results within 15 s on 2 cores for 10 paired seeds. Writes only into a temporary
directory.

As the page does when it starts, the benchmark first calls :func:`sim.app.designs.warm_up`
(the worker processes import the model; this process imports the report's figure code) and
waits for it: that start-up is printed separately and not in the time to results, which is
what a user waits for from clicking Run once the page is up. Not timed either: the
browser's round trip and Solara's drawing of the results.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sweep_throughput import efficiency_line  # noqa: E402

from sim.app import designs, workers  # noqa: E402
from sim.app.page import form_texts, form_values  # noqa: E402

TARGET_SECONDS = 15.0
DEFAULT_PRESET = "default (10,000 workers)"


def timed_design(seeds: int, processes: int, out_root: Path) -> dict:
    values = form_values(*form_texts("pay_for_performance"))
    marks = {}

    def progress(done: int, total: int) -> None:
        if done == total and "runs" not in marks:
            marks["runs"] = time.perf_counter()

    start = time.perf_counter()
    report = designs.run_design(
        "bench",
        "pay_for_performance",
        values,
        DEFAULT_PRESET,
        seeds,
        out_root,
        progress=progress,
        processes=processes,
    )
    finished = time.perf_counter()
    runs_done = marks.get("runs", finished)
    simulated = 0.0
    for timing in report.sweep.directory.rglob("timing.json"):
        recorded = json.loads(timing.read_text())
        simulated += float(recorded["setup_seconds"]) + float(recorded["simulate_seconds"])
    return {
        "wall": finished - start,
        "runs": runs_done - start,
        "report": finished - runs_done,
        "simulated": simulated,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    started = time.perf_counter()
    designs.warm_up(args.processes)
    workers.wait_ready(args.processes)
    print(
        f"page start-up (not timed below): workers ready in {time.perf_counter() - started:.1f} s"
    )
    with tempfile.TemporaryDirectory(prefix="p4p-bench-app-") as tmp:
        results = [
            timed_design(args.seeds, args.processes, Path(tmp) / str(i))
            for i in range(args.repeats)
        ]
    for i, r in enumerate(results, 1):
        efficiency = r["simulated"] / (args.processes * r["runs"]) if r["runs"] > 0 else 0.0
        print(
            f"repeat {i}: {r['wall']:.1f} s to results ({r['runs']:.1f} s for"
            f" {2 * args.seeds} runs, {r['report']:.1f} s for the report);"
            f" simulation {r['simulated']:.1f} s, core efficiency {efficiency:.2f}"
        )
    median = statistics.median(r["wall"] for r in results)
    verdict = "met" if median <= TARGET_SECONDS else "NOT met"
    print(
        f"median {median:.1f} s for one design vs baseline on {args.seeds} paired seeds,"
        f" {args.processes} processes; target <= {TARGET_SECONDS:.0f} s: {verdict}"
    )
    last = results[-1]  # the runs' share of the cores while they ran (issue 15's ratio)
    print(efficiency_line(last["simulated"], last["runs"], args.processes))


if __name__ == "__main__":
    main()
