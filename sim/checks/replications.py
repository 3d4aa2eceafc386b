"""Paired replications: run several arms of an experiment on the same seeds, then test.

Each arm is a scenario plus parameter overrides. Every arm runs on the same list of seeds, so
arms share their initial economy and exogenous shocks (common random numbers, see
:mod:`sim.rng`) and a per-seed difference between arms removes most of the noise; the test is
then a one-sample t-test on those per-seed values (Law & Kelton, *Simulation Modeling and
Analysis*, on paired comparisons). Runs are spread over processes with ``multiprocessing``.
"""

from __future__ import annotations

import functools
import multiprocessing
import os
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping

from sim.config.schema import SimConfig
from sim.config.validation import settings


@dataclass(frozen=True)
class Economy:
    """The economy replications run in: a preset of ``configs/population/`` (``default``,
    ``small``, ``tiny``, ...) and dotted overrides on top (hashable, picklable)."""

    preset: str = "default"
    overrides: tuple[tuple[str, Any], ...] = ()

    @classmethod
    def of(cls, preset: str = "default", overrides: Mapping[str, Any] | None = None) -> "Economy":
        return cls(preset, tuple(sorted((overrides or {}).items())))

    def config(self) -> SimConfig:
        """The economy's settings under the default scenario (to describe it)."""
        return settings(scenario_config("pay_for_performance", self.preset), dict(self.overrides))

    def describe(self) -> str:
        cfg = self.config()
        return (
            f"{cfg.population.workers:,} workers, {cfg.population.employers:,} employers,"
            f" {cfg.time.months} months (burn-in {cfg.time.burn_in})"
        )


DEFAULT_ECONOMY = Economy()


@dataclass(frozen=True)
class Arm:
    """One arm: a named scenario and dotted parameter overrides (hashable, picklable)."""

    scenario: str
    overrides: tuple[tuple[str, Any], ...] = ()

    @classmethod
    def of(cls, scenario: str, overrides: Mapping[str, Any] | None = None) -> "Arm":
        """Lists and mappings among the values (``funding.milestones``) are frozen into
        tuples so that the arm stays hashable; :meth:`settings` thaws them."""
        items = ((k, _freeze(v)) for k, v in (overrides or {}).items())
        return cls(scenario, tuple(sorted(items)))

    def settings(self) -> dict[str, Any]:
        return {k: _thaw(v) for k, v in self.overrides}


class _Frozen(tuple):
    """A list or mapping frozen for hashing (a mapping as sorted (key, value) pairs)."""

    mapping = False


def _freeze(value: Any) -> Any:
    if isinstance(value, Mapping):
        frozen = _Frozen((k, _freeze(v)) for k, v in sorted(value.items()))
        frozen.mapping = True
        return frozen
    if isinstance(value, (list, tuple)):
        return _Frozen(_freeze(v) for v in value)
    return value


def _thaw(value: Any) -> Any:
    if isinstance(value, _Frozen):
        if value.mapping:
            return {k: _thaw(v) for k, v in value}
        return [_thaw(v) for v in value]
    return value


@functools.lru_cache(maxsize=None)
def scenario_config(scenario: str, preset: str = "default") -> SimConfig:
    """The composed config of a scenario in an economy preset (composed once per process:
    Hydra is slow); overrides go on top through :func:`sim.config.validation.settings`."""
    from sim.run.api import compose

    return compose(scenario, overrides={"population": preset})


def arm_config(arm: Arm, seed: int, economy: Economy) -> SimConfig:
    overrides = {**dict(economy.overrides), **arm.settings(), "seed": seed}
    return settings(scenario_config(arm.scenario, economy.preset), overrides)


def run_arm(job: tuple[Arm, int, Economy]) -> tuple[tuple[Arm, int], dict]:
    """Run one arm on one seed; returns its key and KPI scalars (top level: picklable)."""
    from sim.model.model import TrainingMarketModel

    arm, seed, economy = job
    results = TrainingMarketModel(arm_config(arm, seed, economy)).run()
    return (arm, seed), results.kpis


def default_processes() -> int:
    return max(1, min(2, os.cpu_count() or 1))


def run_arms(
    arms: Iterable[Arm],
    seeds: Iterable[int],
    economy: Economy = DEFAULT_ECONOMY,
    processes: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[tuple[Arm, int], dict]:
    """KPI scalars of every (arm, seed), each distinct pair run once."""
    jobs = sorted({(arm, seed) for arm in arms for seed in seeds}, key=repr)
    jobs = [(arm, seed, economy) for arm, seed in jobs]
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
