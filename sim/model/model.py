"""p4p-sim: employer training under pay-for-performance funding and microcredentials.

An agent-based model (Mesa) of workers, employers and training providers with a funder whose
policy is configuration. It combines Becker's (1964) general/specific human capital, wage
compression (Acemoglu & Pischke 1998, 1999), certification under asymmetric information
(Acemoglu & Pischke 2000), poaching (Stevens 1994), and payment-by-results gaming
(Heckman, Heinrich & Smith 2002). See docs/model.md for the specification.

The monthly step runs the phases in :attr:`TrainingMarketModel.PHASES`, in that order.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.config.schema import SimConfig
from sim.config.validation import settings
from sim.model.arrays import groups
from sim.model.arrays.allocator import keep_freed_memory
from sim.model.arrays.rng import RandomStreams
from sim.model.employers import Employer, EmployerTable
from sim.model.funder import Funder
from sim.model.jobseekers import JobSeekerPathway
from sim.model.kpis import Recorder, kpi_reporters
from sim.model.labour_market import LabourMarket
from sim.model.mesa_core import mesa
from sim.model.providers import Provider, ProviderTable
from sim.model.recognition import Recognition
from sim.model.sectors import Sectors
from sim.model.training import Training
from sim.model.trial_outcomes import unit_outcomes
from sim.model.workers import Workers


@dataclass
class Results:
    """What one run produced: KPI scalars, the monthly time series, optional employer panel
    and trial unit table."""

    kpis: dict
    timeseries: pd.DataFrame
    employer_panel: pd.DataFrame | None = None
    phase_seconds: dict | None = None
    trial_units: pd.DataFrame | None = None  # the evaluator's unit table, when trial.enabled


def phase_name(phase: tuple[str, str]) -> str:
    """``labour_market.retire``: the key of a phase in ``timing.json``."""
    return ".".join(phase)


class TrainingMarketModel(mesa.Model):
    """The economy: columnar workers, employer and provider agents, and the funder."""

    # The components that own the phases, each built once in __init__.
    recorder: Recorder
    funder: Funder
    labour_market: LabourMarket
    jobseekers: JobSeekerPathway
    training: Training
    recognition: Recognition
    providers: ProviderTable
    employers: EmployerTable
    workers: Workers

    # The monthly schedule: (component, method), each called with the month, in this order.
    PHASES = (
        ("recorder", "start_month"),
        ("funder", "start_month"),
        ("labour_market", "retire"),
        ("labour_market", "separate"),
        ("employers", "plan_headcount"),
        ("labour_market", "lay_off"),
        ("labour_market", "outside_offers"),
        ("labour_market", "hire"),
        ("jobseekers", "follow_up"),
        ("training", "deliver"),
        ("jobseekers", "deliver"),
        ("training", "assess_prior_learning"),
        ("funder", "check_milestones"),
        ("funder", "pay_claims"),
        ("recognition", "spread_program_awareness"),
        ("recognition", "diffuse"),
        ("recognition", "learn_from_experience"),
        ("training", "decide"),
        ("jobseekers", "refer_and_admit"),
        ("providers", "adjust_capacity"),
        ("providers", "design_programs"),
        ("providers", "learn_reputation"),
        ("providers", "adjust_standards"),
        ("employers", "update_beliefs"),
        ("providers", "learn_payment_rates"),
        ("workers", "depreciate"),
        ("workers", "age"),
        ("recorder", "end_month"),
    )

    def __init__(self, cfg: SimConfig | Mapping | None = None, **overrides):
        """``cfg``: a SimConfig (from ``sim.compose``), or settings to validate; ``overrides``:
        dotted keys or Mesa-style keywords, e.g. ``TrainingMarketModel(seed=3,
        funding__outcome_share=0.5)``. A config already validated is not checked again."""
        cfg = settings(cfg, overrides)
        keep_freed_memory()
        super().__init__(rng=cfg.seed)
        self.cfg = cfg
        self.streams = RandomStreams(cfg.seed)
        self.month = 0
        self.sectors = Sectors(cfg)
        self.workers = Workers(cfg, self.streams, self.sectors)
        self.employers = EmployerTable(self)
        self.providers = ProviderTable(self)
        self.funder = Funder(self)
        self.labour_market = LabourMarket(self)
        self.jobseekers = JobSeekerPathway(self)
        self.training = Training(self)
        self.recognition = Recognition(self)
        for j in range(self.employers.n):
            Employer(self, j)
        for p in range(self.providers.n):
            Provider(self, p)
        if self.compiled:
            groups.load_compiled()
        self.place_initial_workforce()
        self.recorder = Recorder(self)
        self.phase_seconds = dict.fromkeys(map(phase_name, self.PHASES), 0.0)
        # Mesa conventions: batch_run and SolaraViz read the monthly KPIs from here, and stop
        # stepping when `running` turns false at the horizon.
        self.datacollector = mesa.DataCollector(model_reporters=kpi_reporters())
        self.running = self.cfg.time.months > 0

    @property
    def compiled(self) -> bool:
        """Large economies run their heaviest passes in compiled loops (Numba), with the same
        results: from ``Training.COMPILED_WORKERS`` workers."""
        return self.training.compiled

    @property
    def policy_active(self) -> bool:
        """The policy window (after the burn-in): the months the KPIs cover."""
        return self.month >= self.cfg.time.burn_in

    @property
    def program_running(self) -> bool:
        """The program runs: the policy window, unless ``funding.enabled`` is false (the
        design's no-program run, the baseline a project is compared with)."""
        return self.policy_active and self.cfg.funding.enabled

    def place_initial_workforce(self) -> None:
        """Fill each employer to its target size; the rest start unemployed."""
        w, e = self.workers, self.employers
        order = self.streams.stream("initial_placement").permutation(w.n)
        slots = np.repeat(np.arange(e.n, dtype=np.int32), e.target_size)
        n = min(len(slots), w.n)
        hired = order[:n]
        w.employer[hired] = slots[:n]
        w.sector[hired] = e.sector[slots[:n]]
        w.wage[hired] = self.labour_market.offer_wage(hired, slots[:n])
        w.tenure[hired] = self.streams.stream("initial_tenure").integers(0, 120, n)
        w.perceive(hired, -1, "perception_initial")
        e.count_staff(w.employer, w.wage)

    # --- the monthly step ------------------------------------------------------------------
    def step(self) -> None:
        """Simulate one month: every phase of :attr:`PHASES` in order, then record the KPIs."""
        if self.month >= self.cfg.time.months:
            raise RuntimeError(
                f"the model has simulated all time.months={self.cfg.time.months} months;"
                " build a new model (or set time.months higher) to go on"
            )
        month, seconds, clock = self.month, self.phase_seconds, time.perf_counter
        for name, (owner, method) in zip(seconds, self.PHASES):  # keys in PHASES' order
            t0 = clock()
            getattr(getattr(self, owner), method)(month)
            seconds[name] += clock() - t0
        self.datacollector.collect(self)
        self.month += 1
        self.running = self.month < self.cfg.time.months

    # --- whole runs ------------------------------------------------------------------------
    def run(self, progress=None) -> Results:
        """Simulate every month and return the results."""
        try:
            for _ in range(self.month, self.cfg.time.months):
                self.step()
                if progress is not None:
                    progress(self.month, self.cfg.time.months)
        finally:
            self.release()
        timeseries = self.recorder.timeseries()
        return Results(
            kpis=self.recorder.scalars(timeseries),
            timeseries=timeseries,
            employer_panel=self.recorder.employer_panel(),
            phase_seconds=dict(self.phase_seconds),
            trial_units=unit_outcomes(self) if self.cfg.trial.enabled else None,
        )

    def release(self) -> None:
        release_agent_ids(self)


def release_agent_ids(model: mesa.Model) -> None:
    """Drop Mesa's per-model agent id counter (``mesa.Agent._ids``, a class-level dict keyed
    by model), which otherwise keeps every finished model alive in a long-lived process
    (sweep workers, notebooks, benchmarks)."""
    mesa.Agent._ids.pop(model, None)
