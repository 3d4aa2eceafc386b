"""Calibration as estimation: fit the calibrated parameters to the section 7 targets.

Simulated method of moments (McFadden 1989; Gourieroux, Monfort & Renault 1993) with a
diagonal weight: the distance of a parameter set is the mean over the targets of
((model - band centre) / band half-width)^2, the model being the baseline's mean over seeds,
so a distance below 1 puts the average target inside its band. Optuna's TPE sampler
(Bergstra et al. 2011) minimises it over the declared plausible ranges of the parameters
whose source is ``calibrated``. Every parameter set whose targets all lie in their bands is
*accepted*: the set of values that fit about as well (history matching, Craig et al. 1997),
which ``p4p-explore run --futures-from accepted.parquet`` samples from.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from sim.checks.calibration import TARGETS
from sim.explore.uncertainties import Factor, declared_uncertainties, select

UNDEFINED_Z = 10.0
ACCEPTED, TRIALS = "accepted.parquet", "trials.parquet"


GAIN_SCALE = "credentials.programs.gain_scale"  # one factor on every program's nominal gain


def catalogue_gain_scale() -> Factor:
    """The catalogue's nominal gains, fitted as one factor on all of them (their ratios stay:
    they follow the programs' lengths)."""
    return Factor(GAIN_SCALE, 0.6, 1.3, False, 1.0, "the gains of the default catalogue x 0.6-1.3")


def calibrated_factors(names=None):
    """The declared uncertainties whose source says ``calibrated``, and the catalogue's gain
    scale (or the named subset)."""
    import dataclasses

    from sim.explore.uncertainties import UNCERTAIN_SECTIONS

    calibrated = set()
    for prefix, schema in UNCERTAIN_SECTIONS:
        for field in dataclasses.fields(schema):
            if "calibrated" in (field.metadata or {}).get("source", ""):
                calibrated.add(f"{prefix}.{field.name}")
    factors = [f for f in declared_uncertainties() if f.key in calibrated]
    factors.append(catalogue_gain_scale())
    return select(names, factors) if names else factors


def as_overrides(values: dict) -> dict:
    """Dotted overrides for a trial's values (the gain scale becomes the scaled catalogue)."""
    import dataclasses

    from sim.config.schema import default_programs

    out = {k: v for k, v in values.items() if k != GAIN_SCALE}
    if GAIN_SCALE in values:
        scale = float(values[GAIN_SCALE])
        out["credentials.programs"] = [
            dict(dataclasses.asdict(p), gain=round(p.gain * scale, 5)) for p in default_programs()
        ]
    return out


def distance(measures: dict) -> tuple[float, dict]:
    """SMM distance and the standardised deviation of each target."""
    z = {}
    for t in TARGETS:
        centre, half = (t.lo + t.hi) / 2, (t.hi - t.lo) / 2
        value = measures[t.measure]  # undefined (no employer of 100+ staff): far outside
        z[t.measure] = (value - centre) / half if np.isfinite(value) else UNDEFINED_Z
    return float(np.mean([v * v for v in z.values()])), z


def estimate(
    economy, factors, trials: int, seeds, seed: int = 0, processes=None, progress=None
) -> pd.DataFrame:
    """One row per trial: parameter values, target means, standardised deviations, distance.

    Every trial runs the ``baseline`` on the same ``seeds`` (common random numbers, so two
    parameter sets are compared on the same draws), in parallel over ``processes``."""
    import optuna

    from sim.checks.replications import Arm, run_arms

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    seeds = list(seeds)
    rows = []

    def objective(trial):
        values = {
            f.key: (
                trial.suggest_int(f.key, int(f.lo), int(f.hi))
                if f.integer
                else trial.suggest_float(f.key, f.lo, f.hi)
            )
            for f in factors
        }
        arm = Arm.of("baseline", as_overrides(values))
        runs = run_arms([arm], seeds, economy, processes)
        measures = {
            t.measure: float(
                np.nanmean(
                    [
                        np.nan if runs[(arm, s)][t.measure] is None else runs[(arm, s)][t.measure]
                        for s in seeds
                    ]
                )
            )
            for t in TARGETS
        }
        d, z = distance(measures)
        inside = all(t.holds(measures[t.measure]) for t in TARGETS)
        rows.append(
            {
                "trial": trial.number,
                **values,
                **measures,
                **{f"z.{k}": v for k, v in z.items()},
                "distance": d,
                "accepted": inside,
            }
        )
        if progress is not None:
            progress(trial.number + 1, trials, d)
        return d

    study = optuna.create_study(direction="minimize", sampler=optuna.samplers.TPESampler(seed=seed))
    study.enqueue_trial({f.key: f.default for f in factors})  # the hand calibration first
    study.optimize(objective, n_trials=trials)
    return pd.DataFrame(rows)


def estimate_main(args) -> int:
    from sim.checks.replications import Economy
    from sim.run.listed import split_overrides
    from sim.run.outputs import atomic_write_parquet

    overrides, _ = split_overrides(args.overrides)
    factors = calibrated_factors([p for p in args.parameters.split(",") if p] or None)
    if args.trials < 1 or args.seeds < 1:
        raise ValueError(f"--trials {args.trials} / --seeds {args.seeds}: allowed >= 1")
    out = args.out or Path("outputs/calibrate") / time.strftime("%Y%m%d-%H%M%S")
    if (out / TRIALS).exists():
        raise ValueError(f"{out} already holds a calibration; choose a new --out")
    out.mkdir(parents=True, exist_ok=True)
    economy = Economy.of(str(overrides.pop("population", "default")), overrides)
    economy.config()  # a bad override fails here, before any run

    def progress(done: int, total: int, d: float) -> None:
        print(f"trial {done}/{total}: distance {d:.3f}", file=sys.stderr, flush=True)

    table = estimate(
        economy,
        factors,
        args.trials,
        range(args.seeds),
        processes=args.processes,
        progress=progress,
    )
    atomic_write_parquet(out / TRIALS, table)
    accepted = table[table["accepted"]][[f.key for f in factors]]
    atomic_write_parquet(out / ACCEPTED, accepted)
    best = table.loc[table["distance"].idxmin()]
    lines = [
        f"best distance {best['distance']:.3f} (trial {int(best['trial'])}; trial 0 is the hand calibration,"
        f" distance {table.loc[0, 'distance']:.3f}); {len(accepted)} of {len(table)} parameter sets fit every band"
    ]
    lines += [f"  {f.key:40s} {best[f.key]:.4g}  (default {f.default})" for f in factors]
    lines += [
        f"  {'ok ' if t.lo <= best[t.measure] <= t.hi else 'OUT'} {t.measure:40s} {t.show(best[t.measure]):>10s}"
        f"  band {t.band()}  z {best['z.' + t.measure]:+.2f}"
        for t in TARGETS
    ]
    text = "\n".join(lines)
    (out / "fit.txt").write_text(text + "\n")
    print(text)
    print(f"wrote {out / TRIALS}, {out / ACCEPTED} and {out / 'fit.txt'}")
    return 0
