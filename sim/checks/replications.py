"""Paired replications: run several arms of an experiment on the same seeds, then test.

Each arm is a scenario plus parameter overrides. Every arm runs on the same list of seeds, so
arms share their initial economy and exogenous shocks (common random numbers, see
:mod:`sim.rng`) and a per-seed difference between arms removes most of the noise; the test is
then a one-sample t-test on those per-seed values (Law & Kelton, *Simulation Modeling and
Analysis*, on paired comparisons). Runs are spread over processes with ``multiprocessing``.
"""
from __future__ import annotations

import dataclasses
import functools
import multiprocessing
import os
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping

import numpy as np
from scipy import stats

from sim.config.schema import SimConfig
from sim.config.validation import validate


@dataclass(frozen=True)
class Scale:
    """Size and horizon of the economy the replications run at."""

    workers: int = 10_000
    employers: int = 500
    providers: int = 10
    seats_per_provider: int = 40
    months: int = 120
    burn_in: int = 24

    def overrides(self) -> dict[str, Any]:
        return {
            "population.workers": self.workers,
            "population.employers": self.employers,
            "population.providers": self.providers,
            "population.seats_per_provider": self.seats_per_provider,
            "time.months": self.months,
            "time.burn_in": self.burn_in,
        }


DEFAULT_SCALE = Scale()


@dataclass(frozen=True)
class Arm:
    """One arm: a named scenario and dotted parameter overrides (hashable, picklable)."""

    scenario: str
    overrides: tuple[tuple[str, Any], ...] = ()

    @classmethod
    def of(cls, scenario: str, overrides: Mapping[str, Any] | None = None) -> "Arm":
        return cls(scenario, tuple(sorted((overrides or {}).items())))


def with_overrides(cfg: Any, overrides: Mapping[str, Any]) -> Any:
    """A copy of a config dataclass with dotted keys (``economy.pass_through``) replaced."""
    for key, value in overrides.items():
        head, _, rest = key.partition(".")
        current = getattr(cfg, head)
        cfg = dataclasses.replace(cfg, **{head: with_overrides(current, {rest: value}) if rest else value})
    return cfg


@functools.lru_cache(maxsize=None)
def scenario_config(scenario: str) -> SimConfig:
    """The composed config of a scenario (composed once per process: Hydra is slow)."""
    from sim.run.api import compose

    return compose(scenario)


def arm_config(arm: Arm, seed: int, scale: Scale) -> SimConfig:
    overrides = {**scale.overrides(), **dict(arm.overrides), "seed": seed}
    return validate(with_overrides(scenario_config(arm.scenario), overrides))


def run_arm(job: tuple[Arm, int, Scale]) -> tuple[tuple[Arm, int], dict]:
    """Run one arm on one seed; returns its key and KPI scalars (top level: picklable)."""
    from sim.model.model import TrainingMarketModel

    arm, seed, scale = job
    results = TrainingMarketModel(arm_config(arm, seed, scale)).run()
    return (arm, seed), results.kpis


def default_processes() -> int:
    return max(1, min(2, os.cpu_count() or 1))


def run_arms(
    arms: Iterable[Arm],
    seeds: Iterable[int],
    scale: Scale = DEFAULT_SCALE,
    processes: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[tuple[Arm, int], dict]:
    """KPI scalars of every (arm, seed), each distinct pair run once."""
    jobs = sorted({(arm, seed) for arm in arms for seed in seeds}, key=repr)
    jobs = [(arm, seed, scale) for arm, seed in jobs]
    processes = default_processes() if processes is None else processes
    results: dict[tuple[Arm, int], dict] = {}
    if processes <= 1:
        outcomes: Iterable = map(run_arm, jobs)
        pool = None
    else:
        pool = multiprocessing.get_context("fork").Pool(processes)
        outcomes = pool.imap_unordered(run_arm, jobs)
    try:
        for key, kpis in outcomes:
            results[key] = kpis
            if progress is not None:
                progress(len(results), len(jobs))
    finally:
        if pool is not None:
            pool.close()
            pool.join()
    return results


@dataclass(frozen=True)
class TestResult:
    """A one-sided test that the mean of per-seed values lies above/below a threshold."""

    effect: float
    ci_low: float
    ci_high: float
    p_value: float
    n: int

    def passed(self, alpha: float = 0.05) -> bool:
        return bool(np.isfinite(self.p_value) and self.p_value < alpha)


def one_sided_test(values: Iterable[float], direction: str, threshold: float = 0.0) -> TestResult:
    """t-test of H1: mean > threshold (``direction='above'``) or < threshold ('below').

    Returns the mean, its two-sided 95% confidence interval and the one-sided p-value.
    Seeds whose value is undefined (nan) are dropped.
    """
    if direction not in ("above", "below"):
        raise ValueError(f"direction={direction!r}; allowed: above, below")
    x = np.asarray([v for v in values if v is not None and np.isfinite(v)], dtype=float)
    n = len(x)
    if n < 2:
        return TestResult(float(x.mean()) if n else np.nan, np.nan, np.nan, np.nan, n)
    mean, sem = float(x.mean()), float(x.std(ddof=1) / np.sqrt(n))
    half = float(stats.t.ppf(0.975, n - 1) * sem)
    if sem == 0:
        right_side = mean > threshold if direction == "above" else mean < threshold
        p = 0.0 if right_side else 1.0
    else:
        alternative = "greater" if direction == "above" else "less"
        p = float(stats.ttest_1samp(x, threshold, alternative=alternative).pvalue)
    return TestResult(mean, mean - half, mean + half, p, n)
