"""Time ``p4p-sim`` from the command to its first progress line (issue "start-up").

Usage: python benchmarks/startup.py [--repeats 7] [--against REF] [--importtime]

Starts ``python -m sim.run.cli`` (what the ``p4p-sim`` script runs) with the default config
in a fresh process, reads its output line by line and notes when the first ``month m/M``
line arrives; the process is then stopped (the rest of the run is not timed). Reports the
median of ``--repeats`` starts. ``--against REF`` also times the git commit ``REF`` of this
repository (extracted with ``git archive`` into a temporary directory), alternating the two
so that load on the machine hits both alike. ``--importtime`` prints, for this tree, the
imports that finished before the first month (``python -X importtime``), largest first.
Target: at most 1.5 s. Writes only into temporary directories.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 1.5
PROGRESS = re.compile(r"\bmonth (\d+)/(\d+)")


def first_progress(tree: Path, out_dir: Path, importtime: bool = False) -> tuple[float, float, str]:
    """Seconds from starting the command to its first progress line, the CPU seconds the
    process had used by then (less sensitive to load from other work), and that line."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    command = [sys.executable, *(["-X", "importtime"] if importtime else [])]
    command += ["-m", "sim.run.cli", f"hydra.run.dir={out_dir}"]
    with tempfile.TemporaryFile("w+") as stderr:
        start = time.perf_counter()
        process = subprocess.Popen(
            command, cwd=tree, env=env, stdout=subprocess.PIPE, stderr=stderr, text=True
        )
        try:
            for line in process.stdout:
                if PROGRESS.search(line):
                    seconds = time.perf_counter() - start
                    process.kill()
                    usage = os.wait4(process.pid, 0)[2]
                    process.returncode = -9
                    return seconds, usage.ru_utime + usage.ru_stime, line.strip()
            raise RuntimeError(f"{tree}: the command ended without a progress line")
        finally:
            process.kill()
            process.wait()
            if importtime:
                stderr.seek(0)
                print_imports(stderr.read())


def print_imports(text: str, top: int = 25) -> None:
    """The slowest top-level imports (cumulative microseconds) of ``python -X importtime``."""
    rows = []
    for line in text.splitlines():
        found = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
        if found and len(found.group(3)) <= 1:  # imported by the program itself, not nested
            rows.append((int(found.group(2)), found.group(4)))
    total = sum(us for us, _ in rows)
    print(f"imports before the first progress line: {total / 1e6:.2f} s in all")
    for us, name in sorted(rows, reverse=True)[:top]:
        print(f"  {us / 1e3:8.1f} ms  {name}")


def extract(ref: str, folder: Path) -> Path:
    """The tree of git commit ``ref`` in ``folder``."""
    archive = subprocess.run(
        ["git", "archive", ref], cwd=ROOT, capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--against", metavar="REF", help="also time this git commit")
    parser.add_argument("--importtime", action="store_true", help="show the imports left")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="p4p-bench-startup-") as tmp:
        tmp = Path(tmp)
        trees = {"this tree": ROOT}
        if args.against:
            trees[args.against] = extract(args.against, Path(tempfile.mkdtemp(dir=tmp)))
        for tree in trees.values():  # untimed: fills the OS file cache and __pycache__
            first_progress(tree, tmp / "warm-up")
        times: dict[str, list[float]] = {name: [] for name in trees}
        cpu: dict[str, list[float]] = {name: [] for name in trees}
        lines: dict[str, str] = {}
        for i in range(args.repeats):
            for k, (name, tree) in enumerate(trees.items()):
                seconds, cpu_seconds, lines[name] = first_progress(tree, tmp / f"run-{k}-{i}")
                times[name].append(seconds)
                cpu[name].append(cpu_seconds)
        for name, values in times.items():
            median = statistics.median(values)
            verdict = "met" if median <= TARGET_SECONDS else "NOT met"
            print(
                f"{name}: median {median:.2f} s to the first progress line"
                f" (CPU {statistics.median(cpu[name]):.2f} s); target <= {TARGET_SECONDS} s:"
                f" {verdict}\n  runs: {' '.join(f'{v:.2f}' for v in values)}\n"
                f"  line: {PROGRESS.search(lines[name]).group(0)}"
            )
        if args.importtime:
            first_progress(ROOT, tmp / "importtime", importtime=True)


if __name__ == "__main__":
    main()
