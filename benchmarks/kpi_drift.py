"""Check that a code change (e.g. an optimisation) leaves KPIs within seed noise.

Record KPIs of several scenarios over several seeds with one version of the code, then again
with another, and compare the two samples KPI by KPI (Welch's t-test on the means). Use it
before and after any change that is meant to be economically neutral:

    python benchmarks/kpi_drift.py record before.json --seeds 12     # on the old code
    python benchmarks/kpi_drift.py record after.json --seeds 12      # on the new code
    python benchmarks/kpi_drift.py compare before.json after.json

Hydra overrides go right after the file name (before the options), e.g.
``record after.json population=large_100k --seeds 12``.

``compare`` prints, per scenario and KPI, both means, the t statistic of their difference and
its p-value (paired by seed when both files hold the same seeds, since a seed fixes much of the
initial economy; Welch's test otherwise), largest |t| first, and flags differences beyond seed
noise (|t| > 3.3, about p < 0.001 each; with ~100 comparisons about 5 have p < 0.05 by chance).
Identical draws give identical KPIs, so an optimisation that keeps every draw shows equality.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import numpy as np
from scipy import stats

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sim.model.model import TrainingMarketModel  # noqa: E402
from sim.run.api import compose  # noqa: E402

SCENARIOS = ("baseline", "pay_for_performance", "provider_outcomes", "upfront_subsidy")
ROUNDING = 1e-6  # relative differences this small are float rounding, not economics


def record(path: Path, seeds: int, scenarios: list[str], overrides: list[str]) -> None:
    out: dict[str, list[dict]] = {}
    for scenario in scenarios:
        out[scenario] = []
        for seed in range(seeds):
            cfg = compose(scenario, seed, overrides)
            out[scenario].append(TrainingMarketModel(cfg).run().kpis)
        print(f"{scenario}: {seeds} seeds", flush=True)
    path.write_text(json.dumps(out, indent=1))


def compare(before: Path, after: Path, threshold: float, show: int) -> int:
    a, b = json.loads(before.read_text()), json.loads(after.read_text())
    rows, identical = [], 0
    for scenario in sorted(set(a) & set(b)):
        for kpi in a[scenario][0]:
            x = np.array([r[kpi] for r in a[scenario] if r.get(kpi) is not None], dtype=float)
            y = np.array([r[kpi] for r in b[scenario] if r.get(kpi) is not None], dtype=float)
            if len(x) < 2 or len(y) < 2:
                continue
            if len(x) == len(y) and np.array_equal(x, y):
                identical += 1
                continue
            if len(x) == len(y):  # same seeds: the pairs share the initial economy
                t, p = stats.ttest_rel(x, y)
            else:
                t, p = stats.ttest_ind(x, y, equal_var=False)
            scale = np.maximum(np.abs(x), 1e-12) if len(x) == len(y) else max(abs(x.mean()), 1e-12)
            rel = (
                float(np.max(np.abs(y - x) / scale))
                if len(x) == len(y)
                else abs(y.mean() / scale - 1)
            )
            rows.append(
                (scenario, kpi, x.mean(), y.mean(), 0.0 if math.isnan(t) else float(t), p, rel)
            )
    rows.sort(key=lambda r: -abs(r[4]))
    print(
        f"{'scenario':22s} {'kpi':36s} {'before':>12s} {'after':>12s} {'t':>7s} {'p':>7s} {'max rel diff':>12s}"
    )
    beyond = lambda r: abs(r[4]) > threshold and r[6] > ROUNDING  # noqa: E731
    for row in rows[:show]:
        scenario, kpi, mx, my, t, p, rel = row
        mark = " <-- beyond noise" if beyond(row) else (" (rounding)" if rel <= ROUNDING else "")
        print(f"{scenario:22s} {kpi:36s} {mx:12.5g} {my:12.5g} {t:7.2f} {p:7.3f} {rel:12.2g}{mark}")
    flagged = sum(beyond(r) for r in rows)
    rounding = sum(r[6] <= ROUNDING for r in rows)
    below_5 = sum(r[5] < 0.05 and r[6] > ROUNDING for r in rows)
    print(
        f"\n{len(rows) + identical} KPI comparisons: {identical} identical, {rounding} equal up to"
        f" rounding (relative difference <= {ROUNDING:g} in every seed), {len(rows) - rounding} differ;"
        f" of these {below_5} with p < 0.05 (about {0.05 * (len(rows) - rounding):.0f} expected by"
        f" chance), {flagged} beyond |t| > {threshold}"
    )
    return 1 if flagged else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    rec = sub.add_parser("record", help="run scenarios x seeds and save their KPIs")
    rec.add_argument("path", type=Path)
    rec.add_argument("--seeds", type=int, default=12)
    rec.add_argument("--scenarios", nargs="+", default=list(SCENARIOS))
    rec.add_argument("overrides", nargs="*", help="Hydra overrides, e.g. population.workers=2000")
    cmp_ = sub.add_parser("compare", help="compare two recorded KPI files")
    cmp_.add_argument("before", type=Path)
    cmp_.add_argument("after", type=Path)
    cmp_.add_argument("--threshold", type=float, default=3.3)
    cmp_.add_argument("--show", type=int, default=15, help="rows to print, largest |t| first")
    args = parser.parse_args()
    if args.command == "record":
        record(args.path, args.seeds, args.scenarios, args.overrides)
    else:
        sys.exit(compare(args.before, args.after, args.threshold, args.show))


if __name__ == "__main__":
    main()
