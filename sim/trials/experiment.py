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
    job_name,
    population_effect,
    report_trial_dir,
)
from sim.config.schema import SimConfig
from sim.config.validation import ConfigError, trial_follow_up_months, validate
from sim.model.model import TrainingMarketModel
from sim.model.trial_outcomes import outcome_names
from sim.run.api import compose, group_options
from sim.run.listed import launch_listed
from sim.run.outputs import atomic_write_json

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
    """Run one trial world and return its unit table
    (:func:`sim.model.trial_outcomes.unit_outcomes`)."""
    return TrainingMarketModel(cfg).run().trial_units


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


JOBS_FILE = "trial_jobs.json"
PER_JOB = ("trial.world", "trial.enrolled", "seed")  # what names a job; the rest is common


def experiment_jobs(seeds: Sequence[int], sizes: Sequence[int]) -> dict[str, list[str]]:
    """Every run of an experiment and its own overrides: the trial at each size and seed, and
    the two counterfactual worlds once per seed (they do not depend on the trial's size)."""
    jobs = {}
    for seed in seeds:
        for world, wanted in (("trial", sizes), ("everyone", sizes[:1]), ("no_one", sizes[:1])):
            for n in wanted:
                jobs[job_name(world, n, seed)] = [
                    f"trial.world={world}",
                    f"trial.enrolled={n}",
                    f"seed={seed}",
                ]
    return jobs


def run_experiment(
    preset: str,
    out_dir: str | Path,
    seeds: Sequence[int] = tuple(range(1, 21)),
    sizes: Sequence[int] | None = None,
    scenario: str = "pay_for_performance",
    overrides: Mapping | None = None,
    jobs: int | None = None,
    report: bool = True,
    hydra_args: Sequence[str] = (),
) -> Path:
    """Run (or resume) a trial experiment over ``seeds`` x trial ``sizes`` into ``out_dir``,
    as one ``p4p-sim`` Hydra multirun (``hydra_args`` choose the launcher; ``jobs`` sets the
    local launcher's parallel jobs).

    Every trial size and world is composed and checked before any run. Each run is a job
    directory (``world=trial,enrolled=110,seed=3``) with its ``units.parquet``; rerunning the
    same command skips the completed ones, and a directory that holds a different experiment
    is refused rather than overwritten.
    """
    out_dir = Path(out_dir)
    seeds = [int(s) for s in seeds]
    if not seeds:
        raise ConfigError("seeds is empty; allowed: one or more seeds")
    if jobs is not None and jobs < 1:
        raise ConfigError(f"jobs={jobs} is not allowed (--jobs); allowed: >= 1")
    first = int(sizes[0]) if sizes else None
    base = trial_config(preset, seeds[0], scenario, overrides, enrolled=first)
    sizes = [int(n) for n in (sizes or [base.trial.enrolled])]
    others = [(w, sizes[0]) for w in WORLDS if w != "trial"] + [("trial", n) for n in sizes[1:]]
    for world, n in others:  # the first size's trial world is ``base``
        trial_config(preset, seeds[0], scenario, overrides, world=world, enrolled=n)
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
    common = {"trial": preset, "scenario": scenario, "time.months": base.time.months}
    common.update({k: v for k, v in (overrides or {}).items() if k not in PER_JOB})
    launcher = list(hydra_args)
    if jobs is not None and not any(a.startswith("hydra/launcher=") for a in launcher):
        launcher.append(f"hydra.launcher.n_jobs={jobs}")
    launch_listed(
        out_dir,
        experiment_jobs(seeds, sizes),
        JOBS_FILE,
        ("world", "enrolled", "seed"),
        "Trial",
        common,
        launcher,
    )
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
