"""Scaling benchmark: 10k, 100k and 1.7M workers (the whole Canadian manufacturing sector).

    python benchmarks/scaling.py            # 5 runs at 10k and 100k, 3 at 1.7M (~5 min)
    python benchmarks/scaling.py --quick    # 2 runs at 10k and 100k, 1 at 1.7M
    python benchmarks/scaling.py --scales 10k 100k --runs 3 --json out.json
    python benchmarks/scaling.py --quick --against main   # this checkout vs a git ref or path
    python benchmarks/scaling.py --scales 1.7M --compile-time   # also Numba's compile time

For each scale it runs the full model (``pay_for_performance``, the default 132 months) several times, each
in a fresh subprocess so that peak resident memory (``ru_maxrss``) belongs to that run alone,
and prints the median wall time (model construction plus simulation), worker-months per
second, peak memory and the median time of each phase of the monthly step. The 10k and 100k
economies scale the default (500 employers and 10 providers of 40 seats per 10,000 workers);
1.7M is the ``canada_manufacturing`` population preset (90,000 employers, 1,700 providers).

It also times a reference loop written the usual Mesa way (one ``mesa.Agent`` per worker, a
quit draw and a wage update per month, ``model.agents.shuffle_do("step")``) at 100k workers
and prints the ratio of our model's worker-months per second to the reference's. Finally it
checks the scaling targets of issue 5 and says which are met.

``--against REF`` (a git ref of this repository, or the path of another checkout) measures
that checkout too, in the same invocation: its runs and ours alternate (theirs, ours, theirs,
...), each in a fresh process, so that both see the same load on a shared machine. It prints
both medians per scale, the speed-up and both peak memories, the ratio of each pair of runs
with the sign test's interval for their median (:mod:`paired_times`), and the phases side by
side.
A git ref is checked out once into a detached worktree under the system temp directory.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

SCALES = {  # economy presets of configs/population/
    "10k": {"population": "default"},
    "100k": {"population": "large_100k"},
    "1.7M": {"population": "canada_manufacturing"},
}
FULL_RUNS, SMALL_RUNS = 3, 5
REFERENCE_WORKERS, REFERENCE_MONTHS = 100_000, 12
GIB = 1024**3


# --- child processes -----------------------------------------------------------------------
def use_checkout(sim_root: str) -> None:
    """Make this (fresh) process import ``sim`` and its Hydra plugins from the checkout
    ``sim_root``: call it before anything imports ``sim``."""
    sys.path.insert(0, sim_root)
    import sim

    assert Path(sim.__file__).resolve().parent.parent == Path(sim_root).resolve()
    import hydra_plugins  # a namespace package: the installed checkout's plugins too

    ours = str(ROOT / "hydra_plugins")
    if Path(sim_root).resolve() != ROOT:  # keep the other checkout's plugins, not ours
        hydra_plugins.__path__ = [p for p in hydra_plugins.__path__ if p != ours]


def child_run(scale: str, seed: int, scenario: str, sim_root: str | None = None) -> None:
    """Run one model in this (fresh) process and print its timings as JSON (``sim_root``: the
    checkout whose ``sim`` to run; default this one)."""
    if sim_root:
        use_checkout(sim_root)
    from default import timed_run

    from sim.run.api import compose

    cfg = compose(scenario, seed, SCALES[scale])
    run = timed_run(cfg)
    run["max_rss_bytes"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps(run))


def child_reference(workers: int, months: int) -> None:
    from mesa_reference import time_reference

    run = time_reference(workers, months)
    run["max_rss_bytes"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps(run))


def in_subprocess(*args: str, sim_root: Path = ROOT) -> dict:
    env = dict(
        os.environ, PYTHONPATH=os.pathsep.join([str(sim_root), os.environ.get("PYTHONPATH", "")])
    )
    if sim_root != ROOT:
        args = (*args, "--sim-root", str(sim_root))
    done = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, env=env, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"benchmark child {args} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- the benchmark -------------------------------------------------------------------------
def measure_scale(scale: str, runs: int, scenario: str, against: Path | None = None) -> dict:
    """Median timings of ``runs`` runs at ``scale``; with ``against``, also that checkout's,
    alternating with ours run by run (returned under ``"against"``)."""
    roots = checkouts(against)
    results: dict[str, list[dict]] = {who: [] for who in roots}
    for i in range(runs):
        for who, root in roots.items():
            args = ("--child", scale, "--seed", str(i), "--scenario", scenario)
            results[who].append(in_subprocess(*args, sim_root=root))
            r = results[who][-1]
            print(
                f"  {scale} run {i + 1}/{runs}{'' if against is None else f' ({who})'}:"
                f" {r['wall_seconds']:.2f} s, peak {r['max_rss_bytes'] / GIB:.2f} GiB",
                flush=True,
            )
    summary = summarise(scale, results["ours"])
    if against is not None:
        summary["against"] = summarise(scale, results["theirs"])
    return summary


def checkouts(against: Path | None) -> dict[str, Path]:
    """The checkouts measured, in the order their runs alternate: theirs first."""
    return {"ours": ROOT} if against is None else {"theirs": against, "ours": ROOT}


def summarise(scale: str, results: list[dict]) -> dict:
    first = results[0]
    wall = statistics.median(r["wall_seconds"] for r in results)
    phases = {
        k: statistics.median(r["phase_seconds"][k] for r in results) for k in first["phase_seconds"]
    }
    return {
        "scale": scale,
        "workers": first["workers"],
        "employers": first["employers"],
        "providers": first["providers"],
        "months": first["months"],
        "runs": len(results),
        "wall_seconds": wall,
        "build_seconds": statistics.median(r["build_seconds"] for r in results),
        "run_seconds": statistics.median(r["run_seconds"] for r in results),
        "wall_all": [r["wall_seconds"] for r in results],
        "cpu_seconds": statistics.median(r["cpu_seconds"] for r in results),
        "worker_months_per_second": first["workers"] * first["months"] / wall,
        "peak_rss_bytes": max(r["max_rss_bytes"] for r in results),
        "phase_seconds": phases,
    }


def print_comparison(rows: list[dict], against: str) -> None:
    """Both checkouts' medians per scale, and their phases at the largest scale."""
    print(f"\nSide by side (runs alternating): theirs = {against}, ours = {ROOT}\n")
    print(
        "| scale | runs | theirs wall (s) | ours wall (s) | speed-up | theirs CPU (s) |"
        " ours CPU (s) | theirs peak (GiB) | ours peak (GiB) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        t = r["against"]
        print(
            f"| {r['scale']} | {r['runs']} | {t['wall_seconds']:.2f} | {r['wall_seconds']:.2f} |"
            f" {t['wall_seconds'] / r['wall_seconds']:.2f}x | {t['cpu_seconds']:.2f} |"
            f" {r['cpu_seconds']:.2f} | {t['peak_rss_bytes'] / GIB:.2f} |"
            f" {r['peak_rss_bytes'] / GIB:.2f} |"
        )
    from paired_times import paired_line

    print()
    for r in rows:  # each of our runs against the run of theirs just before it
        print(f"{r['scale']} wall, {paired_line(r['against']['wall_all'], r['wall_all'])}")
    last = rows[-1]
    ours, theirs = last["phase_seconds"], last["against"]["phase_seconds"]
    print(f"\nMedian seconds per phase at {last['scale']}, theirs -> ours:\n")
    print("| phase | theirs | ours |\n|---|---:|---:|")
    for phase in sorted(set(ours) | set(theirs), key=lambda p: -theirs.get(p, 0.0)):
        print(f"| {phase} | {theirs.get(phase, 0.0):.2f} | {ours.get(phase, 0.0):.2f} |")


def checkout(ref: str) -> Path:
    """The root of the checkout to compare with: a path as it is, or a git ref of this
    repository checked out (once) into a detached worktree under the temp directory."""
    path = Path(ref)
    if (path / "sim").is_dir():
        return path.resolve()
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--verify", f"{ref}^{{commit}}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    tree = Path(tempfile.gettempdir()) / f"p4p-bench-{commit[:12]}"
    if not (tree / "sim").is_dir():
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree), commit],
            check=True,
            capture_output=True,
        )
    return tree


def print_table(rows: list[dict]) -> None:
    print(
        "\n| scale | workers | employers | providers | runs | median wall (s) | build (s) |"
        " median CPU (s) | worker-months/s | us per worker-month | peak RSS (GiB) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        us = 1e6 / r["worker_months_per_second"]
        print(
            f"| {r['scale']} | {r['workers']:,} | {r['employers']:,} | {r['providers']:,} | {r['runs']} |"
            f" {r['wall_seconds']:.2f} | {r['build_seconds']:.2f} | {r['cpu_seconds']:.2f} |"
            f" {r['worker_months_per_second']:,.0f} | {us:.3f} | {r['peak_rss_bytes'] / GIB:.2f} |"
        )
    phases = list(rows[0]["phase_seconds"])
    print(
        f"\nMedian seconds per phase of the monthly step (all {rows[0]['months']} months;"
        " share of simulated time):\n"
    )
    print("| phase | " + " | ".join(r["scale"] for r in rows) + " |")
    print("|---|" + "---:|" * len(rows))
    for phase in sorted(phases, key=lambda p: -rows[-1]["phase_seconds"][p]):
        cells = []
        for r in rows:
            total = sum(r["phase_seconds"].values())
            cells.append(
                f"{r['phase_seconds'][phase]:.2f} ({100 * r['phase_seconds'][phase] / total:.0f}%)"
            )
        print(f"| {phase} | " + " | ".join(cells) + " |")


def print_reference(reference: dict, ours: dict | None) -> float | None:
    print(
        f"\nMesa reference loop ({reference['workers']:,} mesa.Agent workers, shuffle_do, "
        f"{reference['months']} months): {reference['run_seconds']:.2f} s,"
        f" {reference['worker_months_per_second']:,.0f} worker-months/s"
        f" (building the agents: {reference['build_seconds']:.2f} s)"
    )
    if ours is None:
        return None
    ratio = ours["worker_months_per_second"] / reference["worker_months_per_second"]
    print(
        f"Our full model at {ours['workers']:,} workers: {ours['worker_months_per_second']:,.0f}"
        f" worker-months/s = {ratio:.1f}x the reference"
    )
    return ratio


def child_compile(sim_root: str | None = None) -> None:
    """Run a small economy with every compiled path forced on, twice: as small calls run (the
    serial twins) and with every call in threads (the parallel builds, which the full scale
    runs too); Numba's cache directory is set by the parent (default: the checkout's
    ``__pycache__``). Print the wall time: with an empty cache it includes compiling both."""
    import time

    if sim_root:
        use_checkout(sim_root)

    import sim.model.arrays.groups as groups
    from sim.model.model import TrainingMarketModel
    from sim.model.training import Training
    from sim.run.api import compose

    Training.COMPILED_WORKERS = groups.COMPILED_FROM = 0
    cfg = compose("pay_for_performance", 0, {"population": "small"})
    start = time.perf_counter()
    TrainingMarketModel(cfg).run()
    compiled_groups = sys.modules.get("sim.model.arrays.compiled_groups")
    if hasattr(compiled_groups, "serial"):  # earlier checkouts ran the parallel builds above
        compiled_groups.PARALLEL_ROWS = 0
        TrainingMarketModel(cfg).run()
    print(json.dumps({"wall_seconds": time.perf_counter() - start}))


def compile_seconds() -> float:
    """Numba's first-run cost: a run with an empty cache less the same run with it filled
    (``cache=True``: paid once per install, then loaded from ``__pycache__``)."""
    before = os.environ.get("NUMBA_CACHE_DIR")
    with tempfile.TemporaryDirectory() as cache:
        os.environ["NUMBA_CACHE_DIR"] = cache
        try:
            cold = in_subprocess("--compile-child")["wall_seconds"]
            warm = in_subprocess("--compile-child")["wall_seconds"]
        finally:
            if before is None:
                del os.environ["NUMBA_CACHE_DIR"]
            else:
                os.environ["NUMBA_CACHE_DIR"] = before
    return cold - warm


def fill_caches(roots: dict[str, Path]) -> None:
    """Compile each checkout's loops into its own Numba cache before any run is timed: a
    worktree just checked out has none, and its first run would time the compiler."""
    took = {who: in_subprocess("--compile-child", sim_root=root) for who, root in roots.items()}
    print(
        "Numba's caches filled first (a run of the small economy in each checkout): "
        + ", ".join(f"{who} {r['wall_seconds']:.1f} s" for who, r in took.items()),
        flush=True,
    )


def print_targets(by_scale: dict, ratio: float | None) -> None:
    print("\nTargets (issue 5):")
    full, mid, small = by_scale.get("1.7M"), by_scale.get("100k"), by_scale.get("10k")

    def line(ok: bool, text: str) -> None:
        print(f"  [{'met' if ok else 'NOT met'}] {text}")

    if full:
        line(full["wall_seconds"] <= 60, f"full scale median {full['wall_seconds']:.1f} s <= 60 s")
        line(
            full["peak_rss_bytes"] <= 4 * GIB,
            f"full scale peak memory {full['peak_rss_bytes'] / GIB:.2f} GiB <= 4 GiB",
        )
    if full and mid:
        growth = mid["worker_months_per_second"] / full["worker_months_per_second"]
        line(growth <= 1.5, f"time per worker-month at 1.7M / at 100k = {growth:.2f} <= 1.5")
    if ratio is not None:
        line(ratio >= 10, f"100k: our worker-months/s / Mesa reference = {ratio:.1f} >= 10")
    if small:
        line(
            small["wall_seconds"] <= 2,
            f"10k (default scale) median {small['wall_seconds']:.2f} s <= 2 s"
            " (in a fresh process; see benchmarks/default.py for in-process)",
        )
    print("Targets (issue 15; the halvings need --against the code before it):")
    if ratio is not None:
        line(ratio >= 10, f"100k: {ratio:.1f}x the Mesa reference >= 10x")
    for scale, row in (("1.7M", full), ("10k", small)):
        if row and "against" in row:
            share = row["wall_seconds"] / row["against"]["wall_seconds"]
            line(share <= 0.5, f"{scale}: {share:.2f} of the other checkout's time <= 1/2")
    if small and mid:
        per = mid["worker_months_per_second"] / small["worker_months_per_second"]
        line(per <= 1.5, f"time per worker-month at 10k / at 100k = {per:.2f} <= 1.5")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 runs at 10k/100k, 1 at 1.7M")
    parser.add_argument("--scales", nargs="+", default=list(SCALES), choices=list(SCALES))
    parser.add_argument("--runs", type=int, default=None, help="runs at 10k and 100k (default 5)")
    parser.add_argument("--full-runs", type=int, default=None, help="runs at 1.7M (default 3)")
    parser.add_argument("--scenario", default="pay_for_performance")
    parser.add_argument("--reference-months", type=int, default=REFERENCE_MONTHS)
    parser.add_argument("--no-reference", action="store_true", help="skip the Mesa reference loop")
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    parser.add_argument(
        "--against", default=None, help="also run this git ref or checkout path, alternating"
    )
    parser.add_argument(
        "--compile-time", action="store_true", help="also time Numba's first-run compilation"
    )
    parser.add_argument("--compile-child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--sim-root", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--reference-child", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child_run(args.child, args.seed, args.scenario, args.sim_root)
    if args.reference_child:
        return child_reference(args.reference_child, args.reference_months)
    if args.compile_child:
        return child_compile(args.sim_root)

    small_runs = args.runs or (2 if args.quick else SMALL_RUNS)
    full_runs = args.full_runs or (1 if args.quick else FULL_RUNS)
    print(
        f"scaling benchmark: scenario {args.scenario}, default horizon (time.months), each run"
        " in a fresh process;"
        f" {os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f} at start"
    )
    against = checkout(args.against) if args.against else None
    fill_caches(checkouts(against))
    rows = []
    for scale in args.scales:
        runs = full_runs if scale == "1.7M" else small_runs
        rows.append(measure_scale(scale, runs, args.scenario, against))
    by_scale = {r["scale"]: r for r in rows}
    print_table(rows)
    if against is not None:
        print_comparison(rows, args.against)
    reference, ratio = None, None
    if not args.no_reference:
        reference = in_subprocess(
            "--reference-child",
            str(REFERENCE_WORKERS),
            "--reference-months",
            str(args.reference_months),
        )
        ratio = print_reference(reference, by_scale.get("100k"))
    print_targets(by_scale, ratio)
    if args.compile_time:
        print(f"\nNumba's first-run compilation (once per install): {compile_seconds():.1f} s")
    print(
        f"\nload average {os.getloadavg()[0]:.1f} at the end (other processes slow the wall times;"
        " CPU seconds are this process's own)"
    )
    if args.json:
        args.json.write_text(
            json.dumps({"scales": rows, "reference": reference, "ratio": ratio}, indent=1)
        )


if __name__ == "__main__":
    main()
