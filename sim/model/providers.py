"""Training providers: admit, teach, assess and certify; may let standards drift.

A provider has a quality (how much its trainees learn), a pass standard (the share of a
program's nominal gain a trainee must show to be certified), monthly seats and a price. When it
is paid per outcome and weakly audited, lowering the standard raises its expected revenue, so
it does (assessment drift; Courty & Marschke 2004, Heckman, Heinrich & Smith 2002); strong
audits or a quality-assurance floor stop it.
"""

from __future__ import annotations

import mesa
import numpy as np

from sim.config.milestones import EVENT

MODE_COMPLETION = {"online": 0.9, "blended": 1.0, "in_person": 1.05}


class ProviderTable:
    """Columnar state of all providers; index ``p`` is the provider id."""

    def __init__(self, model):
        self.model = model
        self.cfg = cfg = model.cfg
        streams = model.streams
        self.n = n = cfg.population.providers
        rng = streams.stream("provider_init")
        self.quality = np.exp(0.1 * rng.standard_normal(n)).astype(np.float32)
        self.price_markup = np.exp(0.1 * rng.standard_normal(n)).astype(np.float32)
        initial = max(cfg.credentials.initial_standard, cfg.credentials.quality_floor)
        self.standard = np.full(n, initial, dtype=np.float32)  # the floor binds from month 0
        self.seats = np.full(n, cfg.population.seats_per_provider, dtype=np.int32)
        self.expected_payment_rate = np.full(n, 0.7, dtype=np.float32)
        programs = cfg.credentials.programs
        self.program_tuition = np.array([p.tuition for p in programs], dtype=np.float64)
        self.program_months = np.array([p.months for p in programs], dtype=np.int32)
        self.program_gain = np.array([p.gain for p in programs], dtype=np.float32)
        self.program_mode_factor = np.array(
            [MODE_COMPLETION[p.mode] for p in programs], dtype=np.float32
        )

    def tuition(self, provider: np.ndarray, program: np.ndarray) -> np.ndarray:
        """Full cost of a program at a provider: the base the funder's shares apply to."""
        return self.program_tuition[program] * self.price_markup[provider]

    def tuition_table(self) -> np.ndarray:
        """Tuition of every program (columns) at every provider (rows)."""
        return self.tuition(
            np.arange(self.n)[:, None], np.arange(len(self.program_tuition))[None, :]
        )

    def price_table(self) -> np.ndarray:
        """Employer price of every program (columns) at every provider (rows)."""
        return self.employer_price(
            np.arange(self.n)[:, None], np.arange(len(self.program_tuition))[None, :]
        )

    def employer_price(self, provider: np.ndarray, program: np.ndarray) -> np.ndarray:
        """What an employer is charged. A provider paid by the funder passes part on."""
        funding = self.cfg.funding
        tuition = self.tuition(provider, program)
        if not funding.pays_providers:
            return tuition
        expected = (
            funding.upfront_share + funding.outcome_share * self.expected_payment_rate[provider]
        )
        return tuition * (1.0 - funding.provider_discount * np.minimum(expected, 1.0))

    def outcome_paid_per_pass(self) -> float:
        """Share of tuition a provider gains per extra trainee that passes assessment."""
        funding = self.cfg.funding
        if not funding.pays_providers:
            return 0.0
        weight = sum(m.weight for m in funding.milestones if EVENT[m.event].of_assessment)
        return funding.outcome_share * weight

    def adjust_standards(self, month: int) -> None:
        """Lower the standard while outcome pay beats the expected audit penalty, else restore.

        The marginal certification is worth the outcome payment; it is false with certainty
        if audited, and then costs the payment plus the penalty. Drift pays when
        ``1 > audit_probability x (1 + penalty)``.
        """
        creds, funding = self.cfg.credentials, self.cfg.funding
        gain = self.outcome_paid_per_pass() if self.model.policy_active else 0.0
        audit_cost = funding.audit_probability * (1.0 + funding.false_claim_penalty)
        if gain > 0 and audit_cost < 1.0:
            self.standard -= np.float32(
                creds.standard_drift * min(1.0, gain * (1.0 - audit_cost) * 2)
            )
        else:
            toward = creds.initial_standard - self.standard
            self.standard += np.clip(toward, -creds.standard_drift, creds.standard_drift).astype(
                np.float32
            )
        np.clip(self.standard, creds.quality_floor, 1.0, out=self.standard)

    def learn_payment_rates(self, month: int) -> None:
        """Providers paid on outcomes learn the share of their claims the funder pays."""
        funder = self.model.funder
        rows, claimed, paid = funder.last_payments
        if not self.cfg.funding.pays_providers or len(rows) == 0:
            return
        p = funder.enrolments.provider[rows]
        weight = np.bincount(p, minlength=self.n)
        got = np.bincount(p, weights=paid, minlength=self.n)
        pot = np.bincount(p, weights=claimed, minlength=self.n)
        observed = got / np.maximum(pot, 1e-9)
        rate = self.cfg.economy.belief_learning_rate
        has = weight > 0
        self.expected_payment_rate[has] += rate * (observed[has] - self.expected_payment_rate[has])


class Provider(mesa.Agent):
    """One training provider. Its state lives in :class:`ProviderTable`."""

    def __init__(self, model: mesa.Model, index: int):
        super().__init__(model)
        self.index = index
