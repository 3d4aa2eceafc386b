"""Run a list of policies in every sampled future on the same seeds, into one tidy table.

Each (future, policy, seed) is one run. All policies of a future share its seeds, so their
runs start from the same economy and draw the same shocks (common random numbers): the
effect of a policy is paired, seed by seed, against the reference policy of the same future.

Two executors give the same table: ``hydra`` launches a ``p4p-sim`` multirun through the
``explore`` sweeper (any Hydra launcher: local cores, SLURM, Ray; completed jobs are skipped
when the same exploration is run again), ``inline`` runs in this process's worker pool
(for tests, optimisation and calibration loops).

    >>> from sim.explore.runner import explore
    >>> ex = explore(["baseline", "pay_for_performance"], n=8, seeds=[1, 2],
    ...              overrides={"population.workers": 500, "time.months": 36})
    >>> ex.table.groupby("policy")["additional_trainees"].mean()
"""

from __future__ import annotations

import copy
import json
import logging
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from sim.config.schema import SimConfig
from sim.config.validation import validate
from sim.explore.design import FUTURE, UNIT_PREFIX, sample_futures
from sim.explore.uncertainties import Factor, select
from sim.run.api import check_group_option, compose, hydra_literal
from sim.run.listed import launch_listed
from sim.run.outputs import atomic_write_json, atomic_write_parquet

log = logging.getLogger("p4p_sim")

FUTURES_FILE = "futures.parquet"
JOBS_FILE = "explore_jobs.json"
SPEC_FILE = "explore.json"
TABLE_FILE = "exploration.parquet"
POLICY, SEED, STATUS = "policy", "seed", "status"
EFFECT = "effect."
ADDITIONAL = "additional_trainees"
COST_PER_ADDITIONAL = "public_cost_per_additional_trainee"


@dataclass
class Exploration:
    """An exploration loaded into pandas: one row per future x policy x seed."""

    directory: Path | None
    table: pd.DataFrame
    spec: dict

    @property
    def factors(self) -> list[str]:
        return list(self.spec["factors"])

    @property
    def policies(self) -> list[str]:
        return list(self.spec["policies"])

    @property
    def reference(self) -> str:
        return self.spec["reference"]


def job_name(future: int, policy: str, seed: int) -> str:
    return f"future={future:05d},scenario={policy},seed={seed}"


def job_overrides(
    futures: pd.DataFrame, factors: Sequence[Factor], policies: Sequence[str], seeds: Sequence[int]
) -> dict[str, list[str]]:
    """Every run of the exploration as Hydra overrides, keyed by its job directory name."""
    jobs = {}
    for _, row in futures.iterrows():
        settings = [f"{f.key}={hydra_literal(f.clip(row[f.key]))}" for f in factors]
        for policy in policies:
            for seed in seeds:
                jobs[job_name(int(row[FUTURE]), policy, seed)] = [
                    f"scenario={policy}",
                    f"seed={seed}",
                    *settings,
                ]
    return jobs


def check_spec(policies: Sequence[str], reference: str, seeds: Sequence[int]) -> None:
    """One-line errors for unknown policies, a reference not among them, or no seeds."""
    if len(policies) < 2:
        raise ValueError(f"policies {list(policies)}: need at least 2 (a reference and one more)")
    for policy in policies:
        check_group_option("scenario", policy)
    if reference not in policies:
        raise ValueError(f"reference {reference!r} is not among the policies {', '.join(policies)}")
    if not seeds:
        raise ValueError("seeds: need at least one seed")


def explore(
    policies: Sequence[str],
    n: int = 16,
    seeds: Sequence[int] = (1, 2),
    reference: str = "baseline",
    uncertainties: Sequence[str] | None = None,
    design: str = "lhs",
    sample_seed: int = 0,
    overrides: Mapping | None = None,
    futures: pd.DataFrame | None = None,
    out_dir: str | Path | None = None,
    executor: str = "inline",
    processes: int | None = None,
    hydra_args: Sequence[str] = (),
    progress: bool = False,
) -> Exploration:
    """Sample futures (or take ``futures``), run every policy in each on ``seeds``, return the
    tidy table (also written to ``out_dir/exploration.parquet`` when ``out_dir`` is given)."""
    policies, seeds = list(policies), [int(s) for s in seeds]
    check_spec(policies, reference, seeds)
    factors = select(uncertainties)
    if futures is None:
        futures = sample_futures(design, factors, n, sample_seed)
    design_info = futures.attrs.get("p4p_explore", {"design": "given"})
    spec = {
        "policies": policies,
        "reference": reference,
        "seeds": seeds,
        "factors": [f.key for f in factors],
        "overrides": dict(overrides or {}),
        "design": design_info,
        "futures": int(len(futures)),
    }
    out = Path(out_dir) if out_dir is not None else None
    if out is not None:
        _claim_directory(out, spec, futures)
    if executor == "inline":
        runs = run_inline(futures, factors, policies, seeds, overrides or {}, processes, progress)
    elif executor == "hydra":
        if out is None:
            raise ValueError("executor 'hydra' needs an output directory (out_dir)")
        runs = run_hydra(out, futures, factors, policies, seeds, overrides or {}, hydra_args)
    else:
        raise ValueError(f"executor {executor!r} is unknown; allowed: inline, hydra")
    table = tidy(runs, futures, factors, reference)
    table.attrs["p4p_explore"] = spec
    if out is not None:
        atomic_write_parquet(out / TABLE_FILE, table)
    return Exploration(out, table, spec)


def load_exploration(directory: str | Path) -> Exploration:
    directory = Path(directory)
    path = directory / TABLE_FILE
    if not path.exists():
        raise FileNotFoundError(f"{directory} has no {TABLE_FILE}: not a finished exploration")
    spec = json.loads((directory / SPEC_FILE).read_text())
    return Exploration(directory, pd.read_parquet(path), spec)


def is_exploration(directory: str | Path) -> bool:
    return (Path(directory) / SPEC_FILE).exists()


def _claim_directory(out: Path, spec: dict, futures: pd.DataFrame) -> None:
    """Write the spec and futures, or refuse a directory that holds a different exploration
    (the same one is resumed: completed runs are kept)."""
    spec_path = out / SPEC_FILE
    if spec_path.exists():
        previous = json.loads(spec_path.read_text())
        if previous != json.loads(json.dumps(spec)):
            raise ValueError(f"{out} holds a different exploration; choose a new output directory")
        old = pd.read_parquet(out / FUTURES_FILE)
        if not old.drop(columns=[c for c in old if c.startswith(UNIT_PREFIX)]).equals(
            futures.drop(columns=[c for c in futures if c.startswith(UNIT_PREFIX)])
        ):
            raise ValueError(f"{out} holds other futures; choose a new output directory")
        return
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_parquet(out / FUTURES_FILE, futures)
    atomic_write_json(spec_path, spec)


# ---- executors ---------------------------------------------------------------------------


def _configure(base: SimConfig, values: Mapping) -> SimConfig:
    cfg = copy.deepcopy(base)
    for key, value in values.items():
        section, name = key.split(".", 1)
        setattr(getattr(cfg, section), name, value)
    return validate(cfg)


def _run_one(args) -> dict:
    from sim.model.model import TrainingMarketModel

    cfg, meta = args
    cfg.seed = meta[SEED]
    started = time.perf_counter()
    try:
        kpis = TrainingMarketModel(cfg).run().kpis
    except Exception as exc:  # noqa: BLE001 - one broken future must not stop the others
        return {**meta, STATUS: "failed", "error": f"{type(exc).__name__}: {exc}"}
    return {
        **meta,
        STATUS: "completed",
        "run_seconds": time.perf_counter() - started,
        **{k: v for k, v in kpis.items() if np.isscalar(v)},
    }


def run_inline(
    futures: pd.DataFrame,
    factors: Sequence[Factor],
    policies: Sequence[str],
    seeds: Sequence[int],
    overrides: Mapping,
    processes: int | None = None,
    progress: bool = False,
) -> pd.DataFrame:
    """Every (future, policy, seed) run in a local process pool; one row of KPIs each."""
    bases = {p: compose(scenario=p, seed=0, overrides=dict(overrides)) for p in policies}
    tasks = []
    for _, row in futures.iterrows():
        values = {f.key: f.clip(row[f.key]) for f in factors}
        for policy in policies:
            cfg = _configure(bases[policy], values)
            for seed in seeds:
                tasks.append((cfg, {FUTURE: int(row[FUTURE]), POLICY: policy, SEED: int(seed)}))
    processes = processes or min(len(tasks), os.cpu_count() or 1)
    if processes <= 1:
        results = [_run_one(t) for t in _progress(tasks, progress, len(tasks))]
    else:
        import multiprocessing

        with multiprocessing.get_context("fork").Pool(processes) as pool:
            results = list(_progress(pool.imap(_run_one, tasks, chunksize=1), progress, len(tasks)))
    return pd.DataFrame(results)


def run_hydra(
    out: Path,
    futures: pd.DataFrame,
    factors: Sequence[Factor],
    policies: Sequence[str],
    seeds: Sequence[int],
    overrides: Mapping,
    hydra_args: Sequence[str] = (),
) -> pd.DataFrame:
    """Launch the runs as a ``p4p-sim`` multirun (``hydra/sweeper=listed``) into ``out``."""
    from sim.run.sweep import collect_sweep

    jobs = job_overrides(futures, factors, policies, seeds)
    launch_listed(
        out, jobs, JOBS_FILE, ("future", "scenario", "seed"), "Exploration", overrides, hydra_args
    )
    sweep = collect_sweep(out)
    table = sweep.table
    by_job = {name: name for name in jobs}
    rows = table[table["job"].isin(by_job)].copy()
    parts = rows["job"].str.extract(r"future=(\d+),scenario=([^,]+),seed=(-?\d+)")
    rows[FUTURE], rows[POLICY], rows[SEED] = parts[0].astype(int), parts[1], parts[2].astype(int)
    keep = [c for c in rows.columns if c not in {f.key for f in factors} and c != "scenario"]
    return rows[keep].reset_index(drop=True)


# ---- the tidy table ----------------------------------------------------------------------


def tidy(
    runs: pd.DataFrame, futures: pd.DataFrame, factors: Sequence[Factor], reference: str
) -> pd.DataFrame:
    """future x policy x seed: sampled values, every KPI, and paired effects vs ``reference``.

    ``effect.<kpi>`` is the run's KPI minus the reference policy's in the same future and
    seed; ``additional_trainees`` is ``effect.trainees`` and
    ``public_cost_per_additional_trainee`` the run's extra public cost over it (empty when the
    policy adds no trainee).
    """
    values = futures[[FUTURE, *[f.key for f in factors]]]
    table = values.merge(runs, on=FUTURE, how="right")
    kpis = [
        c
        for c in runs.columns
        if c not in (FUTURE, POLICY, SEED, STATUS, "error", "job", "error_type", "run_seconds")
        and pd.api.types.is_numeric_dtype(runs[c])
    ]
    ref = table[table[POLICY] == reference].set_index([FUTURE, SEED])[kpis]
    aligned = ref.reindex(pd.MultiIndex.from_frame(table[[FUTURE, SEED]])).to_numpy(dtype=float)
    effects = pd.DataFrame(
        table[kpis].to_numpy(dtype=float) - aligned,
        columns=[EFFECT + k for k in kpis],
        index=table.index,
    )
    table = pd.concat([table, effects], axis=1)
    if "trainees" in kpis and "public_cost" in kpis:
        table[ADDITIONAL] = table[EFFECT + "trainees"]
        extra = table[EFFECT + "public_cost"]
        table[COST_PER_ADDITIONAL] = np.where(
            table[ADDITIONAL] > 0, extra / table[ADDITIONAL].where(table[ADDITIONAL] > 0), np.nan
        )
    lead = [FUTURE, POLICY, SEED, STATUS]
    return table[lead + [c for c in table.columns if c not in lead]].sort_values(
        [FUTURE, POLICY, SEED], ignore_index=True
    )


def _plain(value):
    return value.item() if isinstance(value, np.generic) else value


def _progress(items, show: bool, total: int):
    if not show:
        return items
    from tqdm import tqdm

    return tqdm(items, total=total, desc="exploring", unit="run", file=sys.stderr)
