"""Trial experiments: a trial, and the truth it is compared with, over seeds and trial sizes.

One replication is three runs on one seed: the trial as designed, and the same economy with
the program for every unit and for no one (``trial.world``), whose difference is the
population effect of a full roll-out. The counterfactual worlds do not depend on the trial's
size, so an experiment over sizes and seeds runs them once per seed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

import pandas as pd

from sim.analysis.trials import (
    MANIFEST,
    bias_decomposition,
    evaluator_estimates,
    population_effect,
    report_trial_dir,
    units_path,
)
from sim.config.schema import SimConfig
from sim.config.validation import ConfigError, trial_follow_up_months, validate
from sim.model.model import TrainingMarketModel
from sim.run.api import compose, group_options
from sim.run.outputs import atomic_write_json, atomic_write_parquet
from sim.trials.outcomes import outcome_names, unit_outcomes

PRESETS = ("upskill", "skilling_up", "emc")
WORLDS = ("trial", "everyone", "no_one")


def trial_config(
    preset: str,
    seed: int = 0,
    scenario: str = "pay_for_performance",
    overrides: Mapping | None = None,
    world: str = "trial",
    enrolled: int | None = None,
) -> SimConfig:
    """The validated config of one trial run. Unless ``time.months`` is overridden, the run
    stops at the end of the follow-up (nothing after it enters the estimates)."""
    items = {"trial": preset, **dict(overrides or {}), "trial.world": world}
    if enrolled is not None:
        items["trial.enrolled"] = int(enrolled)
    cfg = compose(scenario, seed, items)
    if not cfg.trial.enabled:
        raise ConfigError(
            f"trial={preset} has trial.enabled=false; allowed: a trial preset"
            f" ({', '.join(p for p in group_options('trial') if p != 'none')})"
        )
    if "time.months" not in items:
        cfg.time.months = cfg.time.burn_in + trial_follow_up_months(cfg)
    return validate(cfg)


def unit_table(cfg: SimConfig) -> pd.DataFrame:
    """Run one trial world and return its unit table (:func:`sim.trials.outcomes.unit_outcomes`)."""
    model = TrainingMarketModel(cfg)
    model.run()
    return unit_outcomes(model)


@dataclass
class Replication:
    """One seed of one trial: the three worlds' unit tables, the estimates and the bias."""

    config: SimConfig
    worlds: dict
    estimates: pd.DataFrame
    bias: pd.DataFrame


def run_replication(
    preset: str, seed: int, scenario: str = "pay_for_performance", overrides: Mapping | None = None
) -> Replication:
    """Run a trial and its two counterfactual worlds on one seed; estimate and compare."""
    configs = {w: trial_config(preset, seed, scenario, overrides, world=w) for w in WORLDS}
    worlds = {w: unit_table(cfg) for w, cfg in configs.items()}
    cfg = configs["trial"]
    outcomes = list(outcome_names(cfg.trial.unit))
    estimates = evaluator_estimates(worlds["trial"], outcomes, cfg.trial.design)
    estimates["truth"] = estimates["outcome"].map(
        {o: population_effect(worlds["everyone"], worlds["no_one"], o) for o in outcomes}
    )
    bias = pd.DataFrame(
        [
            bias_decomposition(
                worlds["trial"], worlds["everyone"], worlds["no_one"], o, cfg.trial.design
            )
            for o in outcomes
        ]
    )
    return Replication(cfg, worlds, estimates, bias)


def _run_job(cfg: SimConfig, path: Path) -> str:
    atomic_write_parquet(path, unit_table(cfg))
    return str(path)


def run_experiment(
    preset: str,
    out_dir: str | Path,
    seeds: Sequence[int] = tuple(range(1, 21)),
    sizes: Sequence[int] | None = None,
    scenario: str = "pay_for_performance",
    overrides: Mapping | None = None,
    jobs: int = 1,
    report: bool = True,
) -> Path:
    """Run (or resume) a trial experiment over ``seeds`` x trial ``sizes`` into ``out_dir``.

    Every config (each size, seed and world) is composed and checked before any run. Finished runs (one parquet file per
    world, size and seed) are kept, so rerunning the same command resumes; a directory that
    holds a different experiment is refused rather than overwritten.
    """
    out_dir = Path(out_dir)
    seeds = [int(s) for s in seeds]
    if not seeds:
        raise ConfigError("seeds is empty; allowed: one or more seeds")
    first = int(sizes[0]) if sizes else None
    base = trial_config(preset, seeds[0], scenario, overrides, enrolled=first)
    sizes = [int(n) for n in (sizes or [base.trial.enrolled])]
    manifest = {
        "preset": preset,
        "scenario": scenario,
        "overrides": {k: v for k, v in (overrides or {}).items()},
        "seeds": seeds,
        "sizes": sizes,
        "unit": base.trial.unit,
        "design": base.trial.design,
        "outcomes": list(outcome_names(base.trial.unit)),
    }
    _claim_directory(out_dir, manifest)
    todo = []
    for seed in seeds:
        for world, wanted in (("trial", sizes), ("everyone", sizes[:1]), ("no_one", sizes[:1])):
            for n in wanted:
                path = units_path(out_dir, world, n, seed)
                if not path.exists():
                    cfg = trial_config(preset, seed, scenario, overrides, world=world, enrolled=n)
                    todo.append((cfg, path))
    if jobs > 1 and len(todo) > 1:
        from joblib import Parallel, delayed

        Parallel(n_jobs=jobs)(delayed(_run_job)(cfg, path) for cfg, path in todo)
    else:
        for cfg, path in todo:
            _run_job(cfg, path)
    if report:
        report_trial_dir(out_dir)
    return out_dir


def _claim_directory(out_dir: Path, manifest: dict) -> None:
    path = out_dir / MANIFEST
    if path.exists():
        earlier = json.loads(path.read_text())
        if earlier != manifest:
            changed = sorted(k for k in manifest if earlier.get(k) != manifest[k])
            raise ConfigError(
                f"{out_dir} holds a different trial experiment (differs in {', '.join(changed)});"
                " allowed: the same settings to resume it, or a new output directory"
            )
        return
    if out_dir.exists() and any(out_dir.iterdir()):
        raise ConfigError(
            f"{out_dir} exists and is not a trial experiment; allowed: a new or empty directory"
        )
    atomic_write_json(path, manifest)
