"""Sweep throughput: how much of a sweep's wall time the local cores spend simulating.

    python benchmarks/sweep_throughput.py                  # 3 sweeps of 20 jobs (~3 min)
    python benchmarks/sweep_throughput.py --runs 5 --against main   # vs a git ref or a path
    python benchmarks/sweep_throughput.py --seeds 50 --runs 1       # a 100-job sweep

Runs the 20-job default-economy sweep of issue 15,
``p4p-sim -m scenario=baseline,pay_for_performance seed=1,...,10`` (``--seeds N``: seeds 1 to
N, 2N jobs, to see how the fixed start-up weighs on longer sweeps), on the default launcher
(``local``: joblib with warm workers, every core), as a command (``python -m sim.run.cli``,
what ``p4p-sim`` runs) into a fresh temporary sweep directory each time, and times it from
the command's start to its exit.
Each job's simulation time is what its ``timing.json`` records (model construction plus the
months). The same 20 runs are then timed in one fresh process, one after another, after an
untimed warm-up run (:func:`sim.run.api.compose` and the model, as ``sim.run_model`` runs
them, with the compiled loops loaded as in the sweep's workers), and each job's time in the
sweep is compared with its time in process.

Prints, per sweep and as medians: the wall time, the sum of the jobs' simulation seconds, the
core efficiency = sum / (cores x wall), the worst job's sweep / in-process ratio, the CPU
seconds of the command and its workers, where the cores did not simulate (the seconds before
the first job's first file, the core-seconds between the jobs' starts and ends that no job
simulated, the seconds after the last job's last file) with the efficiency that this start
and end allow at best (nothing between the jobs), and the targets (efficiency >= 0.8, worst
ratio <= 1.2). ``--against REF`` (a git ref of this repository, checked out once into a detached
worktree under the system temp directory, or the path of another checkout) runs that checkout
too, alternating sweep by sweep (theirs, ours, theirs, ...) and in-process run by run, so that
both see the same load on a shared machine. Writes only into temporary directories.

:func:`efficiency_line` is the line that every sweep benchmark prints at its end.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

SCENARIOS = ("baseline", "pay_for_performance")
SEEDS = tuple(range(1, 11))  # --seeds sets it
TARGET_EFFICIENCY, TARGET_RATIO = 0.8, 1.2


def cores() -> int:
    return os.cpu_count() or 1


def job_seconds(sweep_dir: Path) -> dict[str, float]:
    """Simulation seconds of each job of a sweep (setup + months, from its timing.json)."""
    seconds = {}
    for path in Path(sweep_dir).rglob("timing.json"):
        timing = json.loads(path.read_text())
        job = path.parent.relative_to(sweep_dir).as_posix()
        seconds[job] = float(timing["setup_seconds"]) + float(timing["simulate_seconds"])
    return seconds


def efficiency(simulated: float, wall: float, n_cores: int | None = None) -> float:
    return simulated / ((n_cores or cores()) * wall) if wall > 0 else 0.0


def efficiency_line(simulated: float, wall: float, n_cores: int | None = None) -> str:
    """``core efficiency 0.83 = 20.1 s of simulation / (2 cores x 12.1 s wall)``."""
    n_cores = n_cores or cores()
    return (
        f"core efficiency {efficiency(simulated, wall, n_cores):.2f} = {simulated:.1f} s of"
        f" simulation / ({n_cores} cores x {wall:.1f} s wall); target >= {TARGET_EFFICIENCY}"
    )


# --- one sweep, one in-process series ------------------------------------------------------
def sweep_command() -> list[str]:
    return [
        "-m",
        f"scenario={','.join(SCENARIOS)}",
        f"seed={','.join(map(str, SEEDS))}",
    ]


def timed_sweep(tree: Path, out_root: Path) -> dict:
    """Run the sweep of ``tree`` into a new directory under ``out_root``; wall time from the
    command's start to its exit, CPU seconds of the command and its (reaped) workers."""
    out_root.mkdir(parents=True, exist_ok=True)
    sweep_dir = Path(tempfile.mkdtemp(dir=out_root)) / "sweep"  # does not exist yet
    command = [sys.executable, "-m", "sim.run.cli", *sweep_command()]
    command.append(f"hydra.sweep.dir={sweep_dir}")
    env = {**os.environ, "PYTHONPATH": str(tree)}
    with tempfile.TemporaryFile("w+") as log:
        started_at, start = time.time(), time.perf_counter()
        process = subprocess.Popen(command, cwd=tree, env=env, stdout=log, stderr=log)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            log.seek(0)
            raise RuntimeError(
                f"{tree}: the sweep exited {process.returncode}:\n{log.read()[-3000:]}"
            )
    jobs = job_seconds(sweep_dir)
    expected = len(SCENARIOS) * len(SEEDS)
    if len(jobs) != expected:
        raise RuntimeError(f"{sweep_dir}: {len(jobs)} jobs wrote timing.json, not {expected}")
    first, last = job_span(sweep_dir)
    return {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "jobs": jobs,
        # from the command's start to the first job's first file, and from the last job's
        # last file to the command's exit
        "start": first - started_at,
        "end": started_at + wall - last,
    }


def job_span(sweep_dir: Path) -> tuple[float, float]:
    """When the sweep's first job wrote its first file and its last job its last one (file
    times): every job writes its ``.hydra`` files first, before its model is built, and its
    results last."""
    times = [
        path.stat().st_mtime
        for job in Path(sweep_dir).iterdir()
        if job.is_dir() and (job / "timing.json").is_file()
        for path in job.rglob("*")
        if path.is_file()
    ]
    return min(times), max(times)


def job_dir_name(scenario: str, seed: int) -> str:
    return f"scenario={scenario},seed={seed}"


def child_in_process(sim_root: str) -> None:
    """In this fresh process, time each job of the sweep with ``sim_root``'s code; print JSON."""
    sys.path.insert(0, sim_root)
    from sim.model.model import TrainingMarketModel
    from sim.run.api import compose

    try:  # a process that runs many models loads the compiled loops, as the sweep's workers do
        from sim.model.arrays.groups import load_compiled
    except ImportError:  # a checkout before it: NumPy's passes, in the sweep and here
        pass
    else:
        load_compiled()

    def timed(cfg) -> float:
        start = time.perf_counter()
        TrainingMarketModel(cfg).run()
        return time.perf_counter() - start

    timed(compose(SCENARIOS[0], SEEDS[0]))  # warm-up: lazy imports, caches
    print(
        json.dumps(
            {
                job_dir_name(scenario, seed): timed(compose(scenario, seed))
                for scenario in SCENARIOS
                for seed in SEEDS
            }
        )
    )


def timed_in_process(tree: Path) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run(
        [sys.executable, __file__, "--in-process-child", str(tree), "--seeds", str(len(SEEDS))],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{tree}: in-process timing failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def fill_compiled_cache(tree: Path) -> None:
    """Compile ``tree``'s loops once, untimed (a fresh worktree has no Numba cache: its first
    sweep would compile them in every worker)."""
    warm = "import sim.run.api as api; getattr(api, 'warm_up', lambda: None)()"
    env = {**os.environ, "PYTHONPATH": str(tree)}
    subprocess.run([sys.executable, "-c", warm], cwd=tree, env=env, check=True, capture_output=True)


# --- the benchmark -------------------------------------------------------------------------
def summarise(sweeps: list[dict], in_process: list[dict[str, float]]) -> dict:
    """Per-sweep figures against the median in-process time of each job, and their medians."""
    reference = {job: statistics.median(r[job] for r in in_process) for job in in_process[0]}
    rows = []
    for sweep in sweeps:
        simulated = sum(sweep["jobs"].values())
        ratios = {job: seconds / reference[job] for job, seconds in sweep["jobs"].items()}
        worst = max(ratios, key=ratios.get)
        rows.append(
            {
                "wall": sweep["wall"],
                "cpu": sweep["cpu"],
                "simulated": simulated,
                "efficiency": efficiency(simulated, sweep["wall"]),
                # wall time the cores did not spend simulating: less sensitive to other load
                "overhead": sweep["wall"] - simulated / cores(),
                "start": sweep["start"],
                "end": sweep["end"],
                # the cores' time between the first job's start and the last job's end that
                # no job simulated (the jobs' set-up and writing, and the last job alone)
                "between": cores() * (sweep["wall"] - sweep["start"] - sweep["end"]) - simulated,
                # the efficiency with this start and end and nothing between the jobs
                "bound": efficiency(simulated, sweep["start"] + simulated / cores() + sweep["end"]),
                "worst_ratio": ratios[worst],
                "worst_job": worst,
            }
        )
    medians = {
        key: statistics.median(r[key] for r in rows)
        for key in (
            "wall",
            "cpu",
            "simulated",
            "efficiency",
            "worst_ratio",
            "overhead",
            "start",
            "end",
            "between",
            "bound",
        )  # fmt: skip
    }
    medians["in_process_sum"] = sum(reference.values())
    return {"runs": rows, "median": medians}


def print_summary(name: str, summary: dict) -> None:
    print(f"\n{name}:")
    for i, r in enumerate(summary["runs"], 1):
        print(
            f"  sweep {i}: wall {r['wall']:.2f} s, simulation {r['simulated']:.2f} s,"
            f" efficiency {r['efficiency']:.2f}, not simulating {r['overhead']:.2f} s,"
            f" worst job {r['worst_ratio']:.2f}x in process"
            f" ({r['worst_job']}), CPU {r['cpu']:.1f} s"
        )
        print(f"    {where_not_simulating(r)}")
    m = summary["median"]
    print(
        f"  median: wall {m['wall']:.2f} s, simulation {m['simulated']:.2f} s (in process"
        f" {m['in_process_sum']:.2f} s), not simulating {m['overhead']:.2f} s,"
        f" CPU {m['cpu']:.1f} s, worst job {m['worst_ratio']:.2f}x"
    )
    print(f"  median {where_not_simulating(m)}")
    ok_ratio = m["worst_ratio"] <= TARGET_RATIO
    print(
        f"  [{'met' if ok_ratio else 'NOT met'}] every job within {TARGET_RATIO}x of in process"
        f" (worst {m['worst_ratio']:.2f}x)"
    )
    ok_efficiency = m["efficiency"] >= TARGET_EFFICIENCY
    print(
        f"  [{'met' if ok_efficiency else 'NOT met'}] " + efficiency_line(m["simulated"], m["wall"])
    )


def where_not_simulating(r: dict) -> str:
    """Where a sweep's cores did not simulate: before its first job, between its first job's
    start and its last job's end, after its last job; and the efficiency that this start
    and end allow with nothing between the jobs."""
    return (
        f"not simulating: {r['start']:.2f} s before the first job (start-up, compositions,"
        f" warm workers), {r['between']:.2f} core-seconds between the jobs' starts and ends"
        f" (the jobs' set-up and writing, the last job alone), {r['end']:.2f} s after the"
        f" last job (the sweep's tables, exit); with this start and end the efficiency is at"
        f" most {r['bound']:.2f}"
    )


def main() -> None:
    global SEEDS
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="sweeps per checkout (default 3)")
    parser.add_argument(
        "--against", default=None, help="also run this git ref or checkout path, alternating"
    )
    parser.add_argument(
        "--seeds", type=int, default=len(SEEDS), help="seeds 1..N per scenario (default 10)"
    )
    parser.add_argument("--in-process-child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.seeds < 1:
        parser.error(f"--seeds={args.seeds}: allowed: a whole number >= 1")
    SEEDS = tuple(range(1, args.seeds + 1))
    if args.in_process_child:
        return child_in_process(args.in_process_child)

    from scaling import checkout

    trees = {"this tree": ROOT}
    if args.against:
        trees = {args.against: checkout(args.against), **trees}
    print(
        f"sweep throughput: p4p-sim {' '.join(sweep_command())} (default launcher,"
        f" {cores()} cores);"
        f" load average {os.getloadavg()[0]:.1f} at start",
        flush=True,
    )
    for tree in trees.values():
        fill_compiled_cache(tree)
    sweeps: dict[str, list[dict]] = {name: [] for name in trees}
    in_process: dict[str, list[dict]] = {name: [] for name in trees}
    with tempfile.TemporaryDirectory(prefix="p4p-bench-sweep-") as tmp:
        for i in range(args.runs):
            for name, tree in trees.items():
                sweeps[name].append(timed_sweep(tree, Path(tmp)))
                s = sweeps[name][-1]
                print(
                    f"  sweep {i + 1}/{args.runs} ({name}): {s['wall']:.2f} s wall,"
                    f" {sum(s['jobs'].values()):.2f} s of simulation;"
                    f" load {os.getloadavg()[0]:.1f}",
                    flush=True,
                )
            for name, tree in trees.items():
                in_process[name].append(timed_in_process(tree))
                print(
                    f"  in process {i + 1}/{args.runs} ({name}):"
                    f" {sum(in_process[name][-1].values()):.2f} s for the"
                    f" {len(in_process[name][-1])} runs",
                    flush=True,
                )
    summaries = {name: summarise(sweeps[name], in_process[name]) for name in trees}
    for name, summary in summaries.items():
        print_summary(f"{name} ({trees[name]})", summary)
    if args.against:
        theirs, ours = (summaries[name]["median"] for name in trees)
        print(
            "\n| checkout | wall (s) | simulation (s) | efficiency | not simulating (s) |"
            " worst job / in process | CPU (s) |\n|---|---:|---:|---:|---:|---:|---:|"
        )
        for name, m in zip(trees, (theirs, ours)):
            print(
                f"| {name} | {m['wall']:.2f} | {m['simulated']:.2f} | {m['efficiency']:.2f} |"
                f" {m['overhead']:.2f} | {m['worst_ratio']:.2f}x | {m['cpu']:.1f} |"
            )
    print(f"\nload average {os.getloadavg()[0]:.1f} at the end")
    last = summaries["this tree"]["median"]
    print(efficiency_line(last["simulated"], last["wall"]))


if __name__ == "__main__":
    main()
