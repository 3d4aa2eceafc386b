"""p4p-sim: employer training under pay-for-performance funding and microcredentials.

An agent-based model (Mesa) of workers, employers and training providers with a funder whose
policy is configuration. It combines Becker's (1964) general/specific human capital, wage
compression (Acemoglu & Pischke 1998, 1999), certification under asymmetric information
(Acemoglu & Pischke 2000), poaching (Stevens 1994), and payment-by-results gaming
(Heckman, Heinrich & Smith 2002). See MODEL.md for the specification.

The monthly step runs the phases in :attr:`TrainingMarketModel.PHASES`, in that order.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import mesa
import numpy as np
import pandas as pd
from omegaconf import DictConfig

from sim.model.arrays.allocator import keep_freed_memory
from sim.config.schema import SimConfig
from sim.model.employers import Employer, EmployerTable
from sim.model.funder import Funder
from sim.model.kpis import Recorder
from sim.model.labour_market import LabourMarket
from sim.model.providers import Provider, ProviderTable
from sim.model.recognition import Recognition
from sim.model.arrays.rng import RandomStreams
from sim.model.training import Training
from sim.config.validation import to_sim_config, validate
from sim.model.workers import Workers


@dataclass
class Results:
    """What one run produced: KPI scalars, the monthly time series, optional employer panel."""

    kpis: dict
    timeseries: pd.DataFrame
    employer_panel: pd.DataFrame | None = None
    phase_seconds: dict | None = None


class TrainingMarketModel(mesa.Model):
    """The economy: columnar workers, employer and provider agents, and the funder."""

    PHASES = (
        "open_month",
        "retire",
        "separate",
        "outside_offers",
        "hire",
        "deliver_training",
        "assess_prior_learning",
        "check_milestones",
        "pay_claims",
        "diffuse_recognition",
        "decide_training",
        "adjust_standards",
        "update_beliefs",
        "depreciate_skills",
        "record",
    )

    def __init__(self, cfg: SimConfig | DictConfig | dict | None = None, **overrides):
        cfg = to_sim_config(cfg if cfg is not None else SimConfig(), overrides)
        validate(cfg)
        keep_freed_memory()
        super().__init__(rng=cfg.seed)
        self.cfg = cfg
        self.streams = RandomStreams(cfg.seed)
        self.month = 0
        self.workers = Workers(cfg, self.streams)
        self.employers = EmployerTable(cfg, self.streams)
        self.providers = ProviderTable(cfg, self.streams)
        self.funder = Funder(cfg, self.streams, self.employers.n, self.providers.n)
        self.labour_market = LabourMarket(self)
        self.training = Training(self)
        self.recognition = Recognition(self)
        for j in range(self.employers.n):
            Employer(self, j)
        for p in range(self.providers.n):
            Provider(self, p)
        self.place_initial_workforce()
        self.recorder = Recorder(self)
        self.phase_seconds = dict.fromkeys(self.PHASES, 0.0)
        self.panel_rows: list[pd.DataFrame] = []

    @property
    def policy_active(self) -> bool:
        return self.month >= self.cfg.time.burn_in

    def place_initial_workforce(self) -> None:
        """Fill each employer to its target size; the rest start unemployed."""
        w, e = self.workers, self.employers
        order = self.streams.stream("initial_placement").permutation(w.n)
        slots = np.repeat(np.arange(e.n, dtype=np.int32), e.target_size)
        n = min(len(slots), w.n)
        hired = order[:n]
        w.employer[hired] = slots[:n]
        w.wage[hired] = self.labour_market.offer_wage(hired, slots[:n])
        w.tenure[hired] = self.streams.stream("initial_tenure").integers(0, 120, n)
        w.perceive(hired, -1, "perception_initial")
        e.count_staff(w.employer, w.wage)

    # --- the monthly step ------------------------------------------------------------------
    def step(self) -> None:
        for phase in self.PHASES:
            t0 = time.perf_counter()
            getattr(self, phase)()
            self.phase_seconds[phase] += time.perf_counter() - t0
        self.month += 1

    def open_month(self) -> None:
        self.recorder.start_month(self.month)
        self.funder.start_month(self.month)
        if self.funder.trial.enabled:
            self.funder.trial.open_month(self)
        self.staff_at_start = self.employers.size.copy()

    def retire(self) -> None:
        self.labour_market.retire(self.month)

    def separate(self) -> None:
        self.labour_market.separate(self.month)

    def outside_offers(self) -> None:
        self.labour_market.outside_offers(self.month)

    def hire(self) -> None:
        self.labour_market.hire(self.month)
        self.employers.count_staff(self.workers.employer, self.workers.wage)

    def deliver_training(self) -> None:
        self.training.deliver(self.month)

    def assess_prior_learning(self) -> None:
        self.training.assess_prior_learning(self.month)

    def check_milestones(self) -> None:
        self.funder.check_milestones(self.month, self)

    def pay_claims(self) -> None:
        self.funder.pay_claims(self.month)

    def diffuse_recognition(self) -> None:
        self.recognition.spread_program_awareness(self.month)
        self.recognition.diffuse(self.month)
        self.recognition.learn_from_experience()

    def decide_training(self) -> None:
        self.training.decide(self.month)

    def adjust_standards(self) -> None:
        self.providers.adjust_standards(self.policy_active)

    def update_beliefs(self) -> None:
        """Employers learn retention from who left them this month (all staff, and trainees)."""
        e, rec = self.employers, self.recorder
        staff = np.maximum(self.staff_at_start, 1)
        e.learn("belief_retention", 1.0 - rec.left / staff, self.staff_at_start / 50.0)
        at_risk = np.maximum(rec.trained_staff, 1)
        e.learn("belief_retention", 1.0 - rec.left_trained / at_risk, rec.trained_staff / 10.0)
        paid_rows, claimed, paid = self.funder.last_payments
        if len(paid_rows):
            j = self.funder.enrolments.employer[paid_rows]
            n = np.bincount(j, weights=claimed, minlength=e.n)
            got = np.bincount(j, weights=paid, minlength=e.n)
            e.learn("belief_payment", got / np.maximum(n, 1e-9), (n > 0) * 5.0)
        self.learn_provider_payment_rates()

    def learn_provider_payment_rates(self) -> None:
        rows, claimed, paid = self.funder.last_payments
        if self.cfg.funding.recipient != "provider" or len(rows) == 0:
            return
        p = self.funder.enrolments.provider[rows]
        weight = np.bincount(p, minlength=self.providers.n)
        got = np.bincount(p, weights=paid, minlength=self.providers.n)
        pot = np.bincount(p, weights=claimed, minlength=self.providers.n)
        self.providers.learn_payment_rate(got / np.maximum(pot, 1e-9), weight)

    def depreciate_skills(self) -> None:
        self.workers.depreciate()
        self.workers.age()

    def record(self) -> None:
        self.recorder.end_month(self.month)
        if self.cfg.output.employer_panel:
            self.panel_rows.append(self.employer_snapshot())

    def employer_snapshot(self) -> pd.DataFrame:
        e = self.employers
        return pd.DataFrame(
            {
                "month": np.full(e.n, self.month, dtype=np.int32),
                "employer": np.arange(e.n, dtype=np.int32),
                "size": e.size,
                "sme": e.sme,
                "constrained": e.constrained,
                "recognition": e.recognition,
                "program_aware": e.program_aware,
                "belief_retention": e.belief_retention,
                "trained_this_month": e.last_training_month == self.month,
            }
        )

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
        panel = pd.concat(self.panel_rows, ignore_index=True) if self.panel_rows else None
        return Results(
            kpis=self.recorder.scalars(),
            timeseries=self.recorder.timeseries(),
            employer_panel=panel,
            phase_seconds=dict(self.phase_seconds),
        )

    def release(self) -> None:
        """Drop Mesa's per-model id counter so long-lived workers do not keep models alive."""
        mesa.Agent._ids.pop(self, None)
