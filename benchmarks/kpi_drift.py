"""Check that a code change (e.g. an optimisation) leaves KPIs within seed noise.

Record KPIs of several scenarios over several seeds with one version of the code, then again
with another, and compare the two samples KPI by KPI (Welch's t-test on the means). Use it
before and after any change that is meant to be economically neutral:

    python benchmarks/kpi_drift.py record before.json --seeds 12     # on the old code
    python benchmarks/kpi_drift.py record after.json --seeds 12      # on the new code
    python benchmarks/kpi_drift.py compare before.json after.json

``compare`` prints, per scenario and KPI, both means, their difference in standard errors and
the p-value, and flags differences beyond seed noise (|t| > 3.3, about p < 0.001 each; with
~150 comparisons a few p < 0.05 are expected by chance). Identical draws give identical KPIs
(difference 0), so an optimisation that keeps every random draw shows exact equality.
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

from sim.api import compose  # noqa: E402
from sim.model import TrainingMarketModel  # noqa: E402

SCENARIOS = ("baseline", "pay_for_performance", "provider_outcomes", "upfront_subsidy")


def record(path: Path, seeds: int, scenarios: list[str], overrides: list[str]) -> None:
    out: dict[str, list[dict]] = {}
    for scenario in scenarios:
        out[scenario] = []
        for seed in range(seeds):
            cfg = compose(scenario, seed, overrides)
            out[scenario].append(TrainingMarketModel(cfg).run().kpis)
        print(f"{scenario}: {seeds} seeds", flush=True)
    path.write_text(json.dumps(out, indent=1))


def compare(before: Path, after: Path, threshold: float) -> int:
    a, b = json.loads(before.read_text()), json.loads(after.read_text())
    flagged, identical, total = 0, 0, 0
    print(f"{'scenario':22s} {'kpi':36s} {'before':>12s} {'after':>12s} {'t':>7s} {'p':>7s}")
    for scenario in sorted(set(a) & set(b)):
        for kpi in a[scenario][0]:
            x = np.array([r[kpi] for r in a[scenario] if r.get(kpi) is not None], dtype=float)
            y = np.array([r[kpi] for r in b[scenario] if r.get(kpi) is not None], dtype=float)
            if len(x) < 2 or len(y) < 2:
                continue
            total += 1
            if len(x) == len(y) and np.array_equal(x, y):
                identical += 1
                continue
            t, p = stats.ttest_ind(x, y, equal_var=False)
            t = 0.0 if math.isnan(t) else float(t)
            mark = " <-- beyond noise" if abs(t) > threshold else ""
            flagged += bool(mark)
            print(f"{scenario:22s} {kpi:36s} {x.mean():12.5g} {y.mean():12.5g} {t:7.2f} {p:7.3f}{mark}")
    print(f"\n{total} KPI comparisons: {identical} identical, {flagged} beyond |t|>{threshold}")
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
    args = parser.parse_args()
    if args.command == "record":
        record(args.path, args.seeds, args.scenarios, args.overrides)
    else:
        sys.exit(compare(args.before, args.after, args.threshold))


if __name__ == "__main__":
    main()
