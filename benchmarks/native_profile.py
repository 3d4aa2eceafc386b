"""Where a month's time goes by kind of work: Python, NumPy's set-up of each call, NumPy's work
on the data, the compiled loops, memory allocation.

    python benchmarks/native_profile.py [--runs 20] [--rate 80] [--scenario pay_for_performance]

Samples warm runs of the default economy with the compiled loops loaded (as a sweep's worker
runs them) with py-spy's native mode (``pip install -e ".[profile]"``; it reads the process's
memory, so it needs ptrace permission: root, or ``kernel.yama.ptrace_scope`` 0), after one
untimed run that loads the loops' machine code. Each sample is put in one kind by the
function it was in, the innermost frame of the stack; prints each kind's share of the samples
taken inside the monthly step, then the kinds of the costliest phases and NumPy's costliest
set-up functions. A month whose time is mostly Python and NumPy's per-call set-up gains
little from faster arithmetic: only from fewer calls (issue 15: fusing phases into compiled
loops). The samples are read from a temporary file, deleted at the end.
"""

from __future__ import annotations

import argparse
import collections
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

RUNS = """
import sys
from sim.model.arrays.groups import load_compiled
from sim.model.model import TrainingMarketModel
from sim.run.api import compose

def warm_up_run(scenario):
    TrainingMarketModel(compose(scenario, 1)).run()

def timed_runs(scenario, runs):
    for seed in range(2, 2 + runs):
        TrainingMarketModel(compose(scenario, seed)).run()

load_compiled()
warm_up_run(sys.argv[1])
timed_runs(sys.argv[1], int(sys.argv[2]))
"""

# NumPy's C functions that work on the elements themselves (typed inner loops, SIMD kernels,
# sorts, gathers and scatters by index, counts); every other NumPy C function is set-up.
NUMPY_DATA_WORK = re.compile(
    r"(simd_|random_|[A-Z]+_(?!setitem|getitem|fill)\w+|a?(tim|quick|merge|heap)sort|"
    r"mapiter_trivial_(get|set)|arr_bincount|PyArray_Nonzero|_aligned_contig|_contig|"
    r"count_nonzero_|npy_)"
)
KINDS = (
    "Python bytecode",
    "NumPy's set-up of each call (arguments, types, dispatch, new arrays)",
    "NumPy's work on the data (arithmetic, gathers, sorts)",
    "compiled loops (Numba's machine code)",
    "memory (malloc, free, memcpy)",
    "maths library (libm)",
    "CPython's C and the rest",
)


def kind_of(frame: str) -> str:
    """The kind of work of a py-spy native frame ``function (file:line)``."""
    name, _, where = frame.partition(" (")
    if re.fullmatch(r"0x[0-9a-f]+", name) or "numba" in where.lower():
        return KINDS[3]  # JIT code has no symbol
    if "numpy/" in where and ".so" in where or "_multiarray_umath" in where:
        return KINDS[2] if NUMPY_DATA_WORK.match(name) else KINDS[1]
    if "libc.so" in where:
        return KINDS[4]
    if "libm.so" in where:
        return KINDS[5]
    if ".py:" in where:
        return KINDS[0]
    return KINDS[6]


def samples(raw: Path):
    """(stack frames, count) of each sample taken in a timed run's monthly step."""
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        if any(f.startswith("timed_runs ") for f in frames):
            steps = [i for i, f in enumerate(frames) if f.startswith("TrainingMarketModel.step ")]
            if steps:
                yield frames, steps[-1], int(count)


def report(raw: Path) -> None:
    kinds, phases = collections.Counter(), collections.defaultdict(collections.Counter)
    set_up = collections.Counter()
    total = 0
    for frames, step, count in samples(raw):
        total += count
        kind = kind_of(frames[-1])
        kinds[kind] += count
        phase = frames[step + 1].split(" (")[0] if step + 1 < len(frames) else "the step itself"
        phases[phase][kind] += count
        if kind == KINDS[1]:
            set_up[frames[-1].split(" (")[0]] += count
    if not total:
        sys.exit("native_profile.py: py-spy took no sample inside a timed run's monthly step")
    print(f"{total:,} samples inside the monthly step")
    for kind, count in kinds.most_common():
        print(f"  {100 * count / total:5.1f}%  {kind}")
    print("\nthe costliest phases (their share, then the kinds of work inside them):")
    for phase, by_kind in sorted(phases.items(), key=lambda item: -sum(item[1].values()))[:8]:
        n = sum(by_kind.values())
        split = ", ".join(
            f"{kind.split(' (')[0]} {100 * c / n:.0f}%" for kind, c in by_kind.most_common(3)
        )
        print(f"  {100 * n / total:5.1f}%  {phase}: {split}")
    print("\nNumPy's costliest set-up functions:")
    for name, count in set_up.most_common(8):
        print(f"  {100 * count / total:5.1f}%  {name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20, help="timed runs (default 20)")
    parser.add_argument("--rate", type=int, default=80, help="samples a second (default 80)")
    parser.add_argument("--scenario", default="pay_for_performance")
    args = parser.parse_args()
    if args.runs < 1 or args.rate < 1:
        parser.error("--runs and --rate must be at least 1")
    spy = shutil.which("py-spy")
    if spy is None:
        sys.exit('native_profile.py needs py-spy: pip install -e ".[profile]"')
    with tempfile.TemporaryDirectory(prefix="p4p-native-profile-") as folder:
        raw = Path(folder) / "samples.txt"
        command = [spy, "record", "--native", "--rate", str(args.rate), "--format", "raw",
                   "--output", str(raw), "--", sys.executable, "-c", RUNS, args.scenario,
                   str(args.runs)]  # fmt: skip
        print(f"sampling {args.runs} runs of {args.scenario} at {args.rate} a second ...")
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
        if done.returncode or not raw.exists():
            sys.exit(f"py-spy failed (exit {done.returncode}):\n{done.stderr.strip()[-2000:]}")
        behind = [line for line in done.stderr.splitlines() if "behind in sampling" in line]
        if behind:
            print(f"py-spy fell behind ({behind[-1].split('> ')[-1]}): try a lower --rate")
        report(raw)


if __name__ == "__main__":
    main()
