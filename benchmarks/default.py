"""Time the default economy (10,000 workers, 500 employers, 132 months) in process.

Usage: python benchmarks/default.py [--runs 5] [--scenario pay_for_performance] [--against REF]
Prints the median wall time of a full run (model construction + 132 months) and the
simulated worker-months per second, twice: as a process that runs one model runs it (NumPy's
passes), then with the compiled loops loaded, as a sweep's worker or the page's pool runs it
(the same results). Each run uses a different seed; one untimed warm-up run loads libraries
and fills caches first. Target: median <= 2 s on the 2-core development machine.

``--against REF`` (a git ref of this repository, checked out once into a detached worktree
under the system temp directory, or another checkout's path) times that checkout's code too,
side by side: each round runs one seed in a fresh process per checkout (theirs, then ours),
each process timing that seed with NumPy's passes and then with the compiled loops loaded
(a checkout without them has NumPy's passes only), after its own warm-up runs; it prints
both medians of each way and their ratio, which is how the target of halving the default
economy's time is measured, and the ratio of each round's pair of runs (the same seed, one
after the other) with the sign test's interval for their median (:mod:`paired_times`).
``benchmarks/scaling.py`` reuses :func:`timed_run` for larger economies.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

WAYS = ("one run's process (NumPy)", "compiled loops loaded (sweep workers, page)")


def timed_run(cfg) -> dict:
    """Build and run one model; wall time split into construction and simulation."""
    from sim.model.model import TrainingMarketModel

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


def loader():
    """:func:`sim.model.arrays.groups.load_compiled` of the ``sim`` imported, or None for a
    checkout before it (NumPy's passes only)."""
    try:
        from sim.model.arrays.groups import load_compiled
    except ImportError:
        return None
    return load_compiled


def timed_ways(scenario: str, seeds) -> dict[str, list[list[float]]]:
    """Wall and CPU seconds of a run of each of ``seeds``, each way of :data:`WAYS` this process
    can run (NumPy's passes first: loading the compiled loops cannot be undone), after one
    untimed warm-up run each way. CPU seconds are this process's own: other processes on this
    machine do not count in them, but on a virtual machine time the host gives to other
    machines may (it did on the development machine: CPU and wall ratios came out the same)."""
    from sim.run.api import compose

    times: dict[str, list[list[float]]] = {}
    load_compiled = loader()
    for way in WAYS:
        if times:
            if load_compiled is None:
                break
            load_compiled()
        timed_run(compose(scenario=scenario))  # warm-up: imports, caches
        runs = [timed_run(compose(scenario=scenario, seed=s)) for s in seeds]
        times[way] = [[run["wall_seconds"], run["cpu_seconds"]] for run in runs]
    return times


def child(seed: int, scenario: str, sim_root: str) -> None:
    """In this fresh process: :func:`timed_ways` of one seed with ``sim_root``'s code, as JSON."""
    from scaling import use_checkout

    use_checkout(sim_root)
    print(json.dumps(timed_ways(scenario, [seed])))


def side_by_side(runs: int, scenario: str, against: Path) -> dict[str, dict[str, list]]:
    """Each checkout's times each way over ``runs`` rounds of one seed a process, theirs and
    ours alternating."""
    trees = {"theirs": against, "ours": ROOT}
    times: dict[str, dict[str, list]] = {who: {} for who in trees}
    for seed in range(1, runs + 1):
        for who, tree in trees.items():
            command = [sys.executable, __file__, "--child", str(seed), "--scenario", scenario]
            done = subprocess.run(
                [*command, "--sim-root", str(tree)], capture_output=True, text=True, check=False
            )
            if done.returncode != 0:
                raise RuntimeError(f"{tree}: the timed run failed:\n{done.stderr[-3000:]}")
            timed = json.loads(done.stdout.strip().splitlines()[-1])
            for way, seconds in timed.items():
                times[who].setdefault(way, []).extend(seconds)
            line = ", ".join(f"{seconds[0][0]:.3f} s {way}" for way, seconds in timed.items())
            print(f"  round {seed}/{runs} ({who}): {line}", flush=True)
    return times


def report(label: str, times: list[list[float]], worker_months: int) -> tuple[float, float]:
    """Print the median wall time (its range, worker-months per second) and CPU time of
    ``times`` (wall and CPU seconds of each run); returns both medians."""
    wall = [t[0] for t in times]
    median, cpu = statistics.median(wall), statistics.median(t[1] for t in times)
    print(
        f"{label}: median {median:.3f} s per run (min {min(wall):.3f}, max {max(wall):.3f}),"
        f" {worker_months / median:,.0f} worker-months per second; CPU {cpu:.3f} s"
    )
    return median, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--scenario", default="pay_for_performance")
    parser.add_argument("--against", default=None, help="also time this git ref or checkout")
    parser.add_argument("--child", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--sim-root", default=str(ROOT), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.runs < 1:
        parser.error(f"--runs={args.runs}: allowed: a whole number >= 1")
    if args.child is not None:
        return child(args.child, args.scenario, args.sim_root)
    from sim.run.api import compose

    cfg = compose(scenario=args.scenario)
    worker_months = cfg.population.workers * cfg.time.months
    print(
        f"scenario: {args.scenario}  workers: {cfg.population.workers}  employers: "
        f"{cfg.population.employers}  months: {cfg.time.months}  runs: {args.runs}",
        flush=True,
    )
    if args.against is None:
        times = timed_ways(args.scenario, range(1, args.runs + 1))
        medians = [report(way, seconds, worker_months)[0] for way, seconds in times.items()]
        print(f"target median <= 2 s: {'met' if max(medians) <= 2.0 else 'NOT met'}")
        return
    from paired_times import paired_line
    from scaling import checkout

    against = checkout(args.against)
    times = side_by_side(args.runs, args.scenario, against)
    print(f"\ntheirs = {against}, ours = {ROOT} (rounds alternating, one seed a process)")
    theirs = {way: report(f"theirs, {way}", s, worker_months) for way, s in times["theirs"].items()}
    ours = {way: report(f"ours, {way}", s, worker_months) for way, s in times["ours"].items()}
    for way, (wall, cpu) in ours.items():
        # a checkout without the compiled loops has NumPy's passes only: ours against those
        their_way = way if way in theirs else WAYS[0]
        their_wall, their_cpu = theirs[their_way]
        print(f"  ours / theirs, {way}: wall {wall / their_wall:.2f}, CPU {cpu / their_cpu:.2f}")
        their_walls = [t[0] for t in times["theirs"][their_way]]
        print(f"    wall, {paired_line(their_walls, [t[0] for t in times['ours'][way]])}")
    ratio = min(w for w, _ in ours.values()) / min(w for w, _ in theirs.values())
    print(
        f"target: the default economy in at most 1/2 of the other checkout's time: ours (fastest"
        f" way) / theirs (fastest way) = {ratio:.2f}, {'met' if ratio <= 0.5 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
