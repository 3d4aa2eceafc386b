"""Policy optimisation: NSGA-II over the funding levers through Hydra's Optuna sweeper.

Each trial is one funding design (the declared levers of ``funding`` plus the milestone
weights of the EMC design), run on seeds 1..``P4P_EVAL_SEEDS`` and paired, seed by seed,
with ``baseline`` (no program) on the same economy. The two objectives, both minimised, are
minus the additional trainees and the public cost per additional trainee; a design whose
disadvantaged trainee ratio is below ``P4P_MIN_DISADVANTAGED_RATIO``, or that adds no
trainee, or whose levers break a rule of the config (upfront and outcome shares
adding up to more than 1), is penalised so that every feasible design dominates it (a death penalty, Coello
2002, since the Hydra sweeper passes no constraint function to Optuna). Milestone weights
above a total of 1 are scaled to sum to 1 (the outcome pot cannot be paid twice).
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from sim.explore.uncertainties import declared_levers

EVALUATION = "evaluation.json"
PENALTY = 1e7
MILESTONE_KEYS = tuple(f"funding.milestones.{i}.weight" for i in range(3))
NAMED = (
    "baseline",
    "microcredential_push",
    "p4p_microcredential",
    "pay_for_performance",
    "provider_outcomes",
    "tiered_p4p",
    "upfront_subsidy",
)


RECIPIENTS = ("employer", "provider")


def _ranges() -> list[tuple[str, float, float, bool]]:
    """(key, low, high, integer) of every searched number: the declared levers (the single
    source) and the milestone weights."""
    ranges = [(lever.key, lever.lo, lever.hi, lever.integer) for lever in declared_levers()]
    return ranges + [(key, 0.05, 1.0, False) for key in MILESTONE_KEYS]


def search_space() -> dict[str, str]:
    """Hydra Optuna sweeper ``params`` from the declared lever ranges."""
    space = {
        key: f"int(interval({int(lo)}, {int(hi)}))" if integer else f"interval({lo}, {hi})"
        for key, lo, hi, integer in _ranges()
    }
    space["funding.recipient"] = f"choice({', '.join(RECIPIENTS)})"
    return space


def random_design(rng: np.random.Generator) -> dict:
    """A valid design drawn uniformly from the search space, what the optimiser must beat:
    draws whose shares add up to more than 1 are redrawn (the optimiser is penalised for
    them), and milestone weights are scaled to a total of at most 1, as :func:`evaluate`
    does."""
    while True:
        design = {
            key: int(rng.integers(int(lo), int(hi) + 1)) if integer else float(rng.uniform(lo, hi))
            for key, lo, hi, integer in _ranges()
        }
        if design["funding.upfront_share"] + design["funding.outcome_share"] <= 1:
            break
    total = sum(design[key] for key in MILESTONE_KEYS)
    for key in MILESTONE_KEYS:
        design[key] /= max(total, 1.0)
    design["funding.recipient"] = RECIPIENTS[int(rng.integers(len(RECIPIENTS)))]
    return design


def evaluate(cfg, seeds, min_ratio: float) -> dict:
    """Paired evaluation of a design against ``baseline`` on ``seeds``."""
    from sim.config.schema import FundingConfig
    from sim.config.validation import validate
    from sim.model.model import TrainingMarketModel

    design = copy.deepcopy(cfg)
    total = sum(m.weight for m in design.funding.milestones)
    if total > 1:
        for m in design.funding.milestones:
            m.weight = m.weight / total
    design = validate(design)
    base = copy.deepcopy(design)
    base.funding = FundingConfig()
    base.scenario.name = "baseline"
    diffs, ratios = [], []
    for seed in seeds:
        design.seed = base.seed = int(seed)
        d, b = TrainingMarketModel(design).run().kpis, TrainingMarketModel(base).run().kpis
        diffs.append((d["trainees"] - b["trainees"], d["public_cost"] - b["public_cost"]))
        ratios.append(d["disadvantaged_trainee_ratio"])
    extra_trainees, extra_cost = np.mean(diffs, axis=0)
    ratio = float(np.mean(ratios))
    cost = float(extra_cost / extra_trainees) if extra_trainees > 0 else np.nan
    feasible = bool(extra_trainees > 0 and ratio >= min_ratio)
    return {
        "additional_trainees": float(extra_trainees),
        "public_cost_per_additional_trainee": cost,
        "public_cost": float(extra_cost),
        "disadvantaged_trainee_ratio": ratio,
        "feasible": feasible,
        "seeds": [int(s) for s in seeds],
    }


def objectives(result: dict) -> list[float]:
    if not result["feasible"]:
        return [PENALTY, PENALTY]
    return [-result["additional_trainees"], result["public_cost_per_additional_trainee"]]


def pareto_mask(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Points not dominated when maximising ``x`` and minimising ``y``."""
    keep = np.ones(len(x), dtype=bool)
    for i in range(len(x)):
        dominated = (x >= x[i]) & (y <= y[i]) & ((x > x[i]) | (y < y[i]))
        keep[i] = not dominated.any()
    return keep


def _hydra_task():
    import hydra
    from hydra.core.hydra_config import HydraConfig
    from omegaconf import DictConfig, OmegaConf

    from sim.config.validation import ConfigError, to_sim_config
    from sim.run.api import config_dir, plain_dictconfig, register_schema
    from sim.run.outputs import atomic_write_json

    register_schema()

    @hydra.main(config_path=str(config_dir()), config_name="config", version_base="1.3")
    def app(cfg: DictConfig):
        seeds = range(1, int(os.environ.get("P4P_EVAL_SEEDS", "3")) + 1)
        min_ratio = float(os.environ.get("P4P_MIN_DISADVANTAGED_RATIO", "0.8"))
        out = Path(HydraConfig.get().runtime.output_dir)
        design = to_sim_config(plain_dictconfig(cfg))  # a failure here is a bug, not a design
        try:
            result = evaluate(design, seeds, min_ratio)
        except ConfigError as exc:  # e.g. upfront + outcome share above 1: not a design
            result = {
                "additional_trainees": np.nan,
                "public_cost_per_additional_trainee": np.nan,
                "public_cost": np.nan,
                "disadvantaged_trainee_ratio": np.nan,
                "feasible": False,
                "error": str(exc),
            }
        levers = {
            o.split("=", 1)[0]: o.split("=", 1)[1]
            for o in HydraConfig.get().overrides.task
            if o.startswith("funding.")
        }
        result = {
            k: (None if isinstance(v, float) and not np.isfinite(v) else v)
            for k, v in result.items()
        }
        atomic_write_json(
            out / EVALUATION,
            {
                **result,
                "levers": levers,
                "config": OmegaConf.to_container(cfg.funding, resolve=True),
            },
        )
        return objectives(result)

    return app


def collect(directory: Path, scenarios: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every finished trial (and the named scenarios) with a Pareto flag over feasible trials."""
    rows = []
    for path in sorted(directory.rglob(EVALUATION)):
        data = json.loads(path.read_text())
        rows.append(
            {
                "kind": "trial",
                "name": path.parent.name,
                **{
                    k: data[k]
                    for k in (
                        "additional_trainees",
                        "public_cost_per_additional_trainee",
                        "public_cost",
                        "disadvantaged_trainee_ratio",
                        "feasible",
                    )
                },
                **{k: str(v) for k, v in data["levers"].items()},
            }
        )
    trials = pd.DataFrame(rows).fillna(value=np.nan)
    if trials.empty:
        raise FileNotFoundError(f"{directory} holds no {EVALUATION}: no trial finished")
    ok = trials["feasible"].to_numpy(dtype=bool)
    mask = np.zeros(len(trials), dtype=bool)
    if ok.any():
        mask[ok] = pareto_mask(
            trials.loc[ok, "additional_trainees"].to_numpy(),
            trials.loc[ok, "public_cost_per_additional_trainee"].to_numpy(),
        )
    trials["pareto"] = mask
    if scenarios is not None:
        trials = pd.concat(
            [trials, scenarios.assign(kind="scenario", pareto=False)], ignore_index=True
        )
    return trials


def evaluate_named(overrides: dict, seeds, min_ratio: float) -> pd.DataFrame:
    from sim.run.api import compose

    rows = []
    for name in NAMED:
        if name == "baseline":
            continue
        result = evaluate(compose(scenario=name, seed=0, overrides=overrides), seeds, min_ratio)
        rows.append({"name": name, **{k: v for k, v in result.items() if k != "seeds"}})
    return pd.DataFrame(rows)


def optimise_main(args) -> int:
    """``p4p-explore optimise``: launch the NSGA-II multirun, then collect and report."""
    from sim.explore.report import OPTIMISATION_FILE, write_report
    from sim.run.api import hydra_literal
    from sim.run.listed import child_env, split_overrides
    from sim.run.outputs import atomic_write_parquet

    overrides, hydra_args = split_overrides(args.overrides)
    if args.trials < 1 or args.seeds < 1 or args.population < 2:
        raise ValueError(
            f"--trials {args.trials} / --seeds {args.seeds} / --population {args.population}:"
            " allowed trials and seeds >= 1, population >= 2"
        )
    out = (
        args.out or Path("outputs/optimise") / f"optimise_funding-{time.strftime('%Y%m%d-%H%M%S')}"
    ).resolve()
    command = [
        sys.executable,
        "-m",
        "sim.explore.optimise",
        "-m",
        "+experiment=optimise_funding",
        "hydra/sweeper=optuna",
        "hydra/sweeper/sampler=nsgaii",
        "~hydra.callbacks.sweep_table",  # trials write evaluation.json, not run outputs
        f"hydra.sweep.dir={out}",
        f"hydra.sweeper.n_trials={args.trials}",
        f"hydra.sweeper.sampler.population_size={args.population}",
        f"hydra.sweeper.sampler.seed={args.sampler_seed}",
        f"hydra.job.env_set.P4P_EVAL_SEEDS='{args.seeds}'",
        f"hydra.job.env_set.P4P_MIN_DISADVANTAGED_RATIO='{args.min_disadvantaged_ratio}'",
        *[f"{k}={hydra_literal(v)}" for k, v in overrides.items()],
        *hydra_args,
    ]
    done = subprocess.run(command, env=child_env())
    if done.returncode != 0:
        raise RuntimeError(
            f"the optimisation multirun exited with status {done.returncode} ({out})"
        )
    seeds = range(1, args.seeds + 1)
    table = collect(out, evaluate_named(overrides, seeds, args.min_disadvantaged_ratio))
    atomic_write_parquet(out / OPTIMISATION_FILE, table)
    print(f"wrote {write_report(out)}")
    return 0


if __name__ == "__main__":
    _hydra_task()()
