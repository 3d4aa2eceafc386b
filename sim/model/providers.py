"""Training providers as economic agents: capacity, prices, admission, effort and standards.

A provider has a teaching quality, a price markup over each program's base tuition, seats (new
enrolments a month, in any of its programs), a pass standard (the share of a program's nominal
gain a trainee must show to be certified, times the program's assessment rigor) and a
reputation (the share of its credentials that employers have found honest). Each month it

* adjusts seats toward its smoothed applicants plus some slack, at a speed set by the delivery
  modes its applicants asked for, expanding only when its margin repays the cost of new seats, and
  moves its price up when oversubscribed and down when seats stand empty;
* admits applicants by an *estimate* of their pass chance from what it can see (an entry
  test, credentials already held, the disadvantaged flag where allowed), never the truth;
* spreads teaching effort over its trainees: paid a flat fee it teaches everyone alike, paid
  on outcomes it moves effort to where it most raises the chance of a paid outcome, which
  parks the hard cases (Heckman, Heinrich & Smith 2002; Carter & Whitworth 2015);
* chooses its pass standard for profit: outcome pay per extra pass against the expected audit
  penalty and the demand it loses as employers learn that its credentials overstate skill
  (Courty & Marschke 2004). A quality-assurance floor bounds it from below;
* designs a program it does not offer (catalogue ``designed=false``) when the unmet demand of
  its customers, at its margin, repays the design cost of the program's delivery mode within
  ``expansion_payback_months``, and offers it the mode's design lead time later.
"""

from __future__ import annotations

import numpy as np

from sim.config.milestones import EVENT
from sim.model.arrays.columns import DRAWN, Column, allocate
from sim.model.arrays.fastmath import normal_cdf
from sim.model.arrays.reductions import mean
from sim.model.mesa_core import mesa

PDF_SCALE = np.float32(1.0 / np.sqrt(2.0 * np.pi))
# Points and weights of a 9-point Gauss-Hermite rule for E[f(Z)], Z ~ N(0, 1): a provider's
# expectation over its trainees' abilities when it chooses a standard.
_NODES, _WEIGHTS = np.polynomial.hermite_e.hermegauss(9)
_WEIGHTS = _WEIGHTS / _WEIGHTS.sum()

# Every provider column: its dtype, start value (or the rule that sets it) and meaning.
COLUMNS = {
    "quality": Column(np.float32, DRAWN, "Teaching quality: multiplies its trainees' learning."),
    "price_markup": Column(
        np.float32, DRAWN, "Price over each program's base tuition; follows excess demand."
    ),
    "standard": Column(
        np.float32,
        "initial standard (or floor)",
        "Pass standard: share of a program's nominal gain (x its assessment rigor) to certify.",
    ),
    "reputation": Column(
        np.float32, 1.0, "Share of its credentials employers believe honest (learned)."
    ),
    "expected_payment_rate": Column(
        np.float32, 0.7, "Share of its outcome claims it expects the funder to pay (learned)."
    ),
    "seats": Column(
        np.float64, "seats_per_provider", "New enrolments it accepts a month, in all programs."
    ),
    "demand": Column(np.float64, "seats / (1 + slack)", "Smoothed applicants a month."),
    "applicants": Column(
        np.float64, "0 per program", "This month's applicants, one column per program."
    ),
    "offers": Column(
        bool,
        "the programs designed from month 0",
        "Programs it offers (one column per program); employers plan only these.",
    ),
    "unmet_applicants": Column(
        np.float64,
        "0 per program",
        "This month's workers whose employer's best program it does not offer, per program.",
    ),
    "unmet_demand": Column(
        np.float64, "0 per program", "Smoothed unmet demand a month, one column per program."
    ),
    "design_ready": Column(
        np.int32, "-1 per program", "Month its design of a program is ready (-1: none started)."
    ),
    "design_costs": Column(np.float64, 0.0, "What it has spent on designing programs."),
}


class ProviderTable:
    """Columnar state of all providers; index ``p`` is the provider id, ``k`` the program."""

    def __init__(self, model):
        self.model = model
        self.cfg = cfg = model.cfg
        pc = cfg.providers
        streams = model.streams
        self.n = n = cfg.population.providers
        allocate(self, COLUMNS, n)
        rng = streams.stream("provider_init")
        self.quality = np.exp(pc.quality_sd * rng.standard_normal(n)).astype(np.float32)
        markup = np.exp(pc.markup_sd * rng.standard_normal(n))
        self.price_markup = np.clip(markup, pc.markup_min, pc.markup_max).astype(np.float32)
        initial = max(cfg.credentials.initial_standard, cfg.credentials.quality_floor)
        self.standard = np.full(n, initial, dtype=np.float32)  # the floor binds from month 0
        programs = cfg.credentials.programs
        k = len(programs)
        self.program_tuition = np.array([p.tuition for p in programs], dtype=np.float64)
        self.program_months = np.array([p.months for p in programs], dtype=np.int32)
        self.program_gain = np.array([p.gain for p in programs], dtype=np.float32)
        self.program_rigor = np.array([p.assessment_rigor for p in programs], dtype=np.float32)
        self.program_target = np.array([p.target_skill for p in programs], dtype=np.float32)
        self.program_mode_factor = np.array(
            [getattr(pc, f"completion_{p.mode}") for p in programs], dtype=np.float32
        )
        self.capacity_speed = np.array(
            [getattr(pc, f"capacity_adjustment_{p.mode}") for p in programs], dtype=np.float64
        )
        # Seats (new enrolments a month, any of its programs) and demand as applicants.
        self.seats = np.full(n, float(cfg.population.seats_per_provider), dtype=np.float64)
        self.demand = self.seats / (1.0 + pc.spare_capacity)
        self.applicants = np.zeros((n, k), dtype=np.float64)
        self.expansion_spend = 0.0  # this month's spending on new seats (all providers)
        # Program design: programs with designed=false are offered only once designed.
        self.program_designed = np.array([p.designed for p in programs], dtype=bool)
        self.design_needed = not self.program_designed.all()
        self.offers = np.repeat(self.program_designed[None, :], n, axis=0)
        self.unmet_applicants = np.zeros((n, k), dtype=np.float64)
        self.unmet_demand = np.zeros((n, k), dtype=np.float64)
        self.design_ready = np.full((n, k), -1, dtype=np.int32)
        self.design_months = np.array(
            [getattr(pc, f"design_months_{p.mode}") for p in programs], dtype=np.int32
        )
        self.design_cost = self.program_tuition * np.array(
            [getattr(pc, f"design_cost_{p.mode}") for p in programs], dtype=np.float64
        )
        self.design_spend = 0.0  # this month's spending on design (all providers)
        self.programs_designed = 0  # (provider, program) pairs first offered this month

    # --- prices ------------------------------------------------------------------------------
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

    @property
    def paid_on_outcomes(self) -> bool:
        """The provider's revenue depends on its trainees' outcomes this month."""
        funding = self.cfg.funding
        return (
            self.model.program_running
            and funding.pays_providers
            and funding.outcome_share > 0
            and bool(funding.milestones)
        )

    # --- capacity and prices respond to demand ---------------------------------------------
    def count_applicants(self, provider: np.ndarray, program: np.ndarray, sign: int = 1) -> None:
        """Record the trainees employers chose for each provider and program this month
        (``sign=-1``: take back choices withdrawn, as when the funder's budget refuses them)."""
        self.applicants += sign * self.per_program(provider, program)

    def per_program(self, provider: np.ndarray, program: np.ndarray) -> np.ndarray:
        """How many of the rows fall on each provider (rows) and program (columns)."""
        k = len(self.program_months)
        return np.bincount(provider * k + program, minlength=self.n * k).reshape(self.n, k)

    def adjust_capacity(self, month: int) -> None:
        """Seats move toward smoothed demand plus slack, and prices with excess demand.

        Seats close the gap at the speed of the delivery modes its applicants asked for
        (online scales fastest); growth needs a margin that repays the new seats within
        ``expansion_payback_months``. Prices rise with excess demand and fall with empty seats
        (a tatonnement on each provider's markup)."""
        pc = self.cfg.providers
        wanted = self.applicants.sum(axis=1)
        self.demand += pc.demand_smoothing * (wanted - self.demand)
        gap = (1.0 + pc.spare_capacity) * self.demand - self.seats
        mix = self.applicants @ self.capacity_speed
        speed = np.where(wanted > 0, mix / np.maximum(wanted, 1e-12), mean(self.capacity_speed))
        margin = (
            self.price_markup.astype(np.float64)
            - pc.unit_cost_share
            - pc.expansion_cost_share / pc.expansion_payback_months
        )
        change = np.where((gap <= 0) | (margin > 0), speed * gap, 0.0)
        tuition = np.where(wanted > 0, self.applicants @ self.program_tuition, 0.0) / np.maximum(
            wanted, 1e-12
        )
        self.expansion_spend = float((np.maximum(change, 0.0) * tuition).sum()) * (
            pc.expansion_cost_share
        )
        self.seats = np.maximum(self.seats + change, 0.0)
        # Excess of smoothed demand (with slack) over the seats: positive while capacity
        # lags demand or may not grow, negative while seats stand empty.
        utilisation = self.demand / np.maximum(self.seats, 1e-9)
        excess = np.clip(utilisation * (1.0 + pc.spare_capacity) - 1.0, -1.0, 1.0)
        markup = self.price_markup * np.exp(pc.price_response * excess)
        self.price_markup = np.clip(markup, pc.markup_min, pc.markup_max).astype(np.float32)
        self.applicants[:] = 0.0

    # --- program design ---------------------------------------------------------------------
    def count_unmet_demand(self, provider: np.ndarray, program: np.ndarray) -> None:
        """Record workers whose employer values ``program`` most of all programs open to
        them, but whose provider does not offer it (from the employer's own valuation)."""
        self.unmet_applicants += self.per_program(provider, program)

    def design_programs(self, month: int) -> None:
        """Providers design the programs their customers want and they do not offer.

        A provider starts designing a program when its smoothed unmet demand (trainees a
        month) x its margin per trainee (tuition at its price less the teaching cost) over
        ``expansion_payback_months`` covers the design cost of the program's delivery mode
        (booked when it starts); the program is offered ``design_months_<mode>`` months
        later. No demand, or no margin, and nothing is designed."""
        self.design_spend, self.programs_designed = 0.0, 0
        if not self.design_needed:
            return
        pc = self.cfg.providers
        self.unmet_demand += pc.demand_smoothing * (self.unmet_applicants - self.unmet_demand)
        self.unmet_applicants[:] = 0.0
        margin = self.program_tuition[None, :] * (
            self.price_markup.astype(np.float64)[:, None] - pc.unit_cost_share
        )
        worth = self.unmet_demand * margin * pc.expansion_payback_months
        start = (
            ~self.offers
            & (self.design_ready < 0)
            & (self.unmet_demand > 0)
            & (margin > 0)
            & (worth >= self.design_cost[None, :])
        )
        provider, program = np.nonzero(start)
        self.design_ready[provider, program] = month + self.design_months[program]
        spend = self.design_cost[program]
        self.design_costs += np.bincount(provider, weights=spend, minlength=self.n)
        self.design_spend = float(spend.sum())
        ready = ~self.offers & (self.design_ready >= 0) & (self.design_ready <= month)
        self.offers |= ready
        self.programs_designed = int(ready.sum())

    # --- admission on what providers can see -----------------------------------------------
    def estimated_ability(self, ids: np.ndarray, month: int) -> np.ndarray:
        """A provider's estimate of each applicant's learning ability: a noisy entry test,
        shrunk toward the mean of the group it may condition on (all applicants, or by the
        disadvantaged flag where allowed), raised by the credentials the applicant holds."""
        pc, econ = self.cfg.providers, self.cfg.economy
        w = self.model.workers
        sd, noise = econ.ability_sd, pc.admission_test_noise
        prior_mean = np.full(len(ids), -0.5 * sd * sd, dtype=np.float32)
        if pc.admission_uses_disadvantaged:
            gap = np.float32(np.log(econ.disadvantaged_ability))
            prior_mean = prior_mean + np.where(w.disadvantaged[ids], gap, np.float32(0.0))
        z = self.model.streams.normal_at("admission_test", month, ids)
        test = np.log(np.maximum(w.ability[ids], 1e-6)) + noise * z
        reliability = np.float32(sd * sd / (sd * sd + noise * noise))
        log_hat = prior_mean + reliability * (test - prior_mean)
        held = np.bitwise_count(w.credentials[ids]).astype(np.float32)
        return np.exp(log_hat + pc.admission_credential_signal * held).astype(np.float32)

    def estimated_pass(
        self, ability_hat: np.ndarray, provider: np.ndarray, program: np.ndarray, ids: np.ndarray
    ) -> np.ndarray:
        """The provider's estimate of the chance an applicant completes and passes."""
        w = self.model.workers
        mode = self.program_mode_factor[program]
        if not self.cfg.credentials.enabled:
            return w.completion_probability(ability_hat, mode, w.disadvantaged[ids])
        return w.completion_and_pass(
            ability_hat,
            mode,
            w.disadvantaged[ids],
            ability_hat * self.quality[provider],
            self.pass_threshold(provider, program),
        )

    def threshold_table(self) -> np.ndarray:
        """Share of a program's nominal gain a trainee must show to be certified, for every
        provider (rows) and program (columns), flat: the provider's standard x the program's
        assessment rigor."""
        return (self.standard[:, None] * self.program_rigor[None, :]).ravel()

    def pass_threshold(self, provider: np.ndarray, program: np.ndarray) -> np.ndarray:
        """:meth:`threshold_table` at each (provider, program)."""
        return self.threshold_table()[provider * len(self.program_rigor) + program]

    def published_standard(self, program: np.ndarray) -> np.ndarray:
        """The standard a credential of ``program`` claims to certify (share of its nominal
        gain): the initial standard x the program's assessment rigor. Audits and employers
        judge credentials against it."""
        return self.cfg.credentials.initial_standard * self.program_rigor[program]

    # --- teaching effort ---------------------------------------------------------------------
    def teaching_effort(
        self,
        provider: np.ndarray,
        program: np.ndarray,
        ids: np.ndarray,
        ability_hat: np.ndarray,
        payment: np.ndarray,
    ) -> np.ndarray:
        """Effort for each new trainee, relative to the standard delivery (1).

        Paid a flat fee, a provider teaches everyone alike. Paid on outcomes, it moves a
        ``effort_reallocation`` share of its effort toward trainees in proportion to the
        marginal expected payment of effort (``payment``: each trainee's outcome pot), keeping
        the average effort of its month's intake at 1 (the same teaching budget).
        """
        n = len(ids)
        if n == 0 or not self.paid_on_outcomes:
            return np.ones(n, dtype=np.float32)
        pc = self.cfg.providers
        marginal = payment * self.marginal_outcome_chance(provider, program, ids, ability_hat)
        group = provider  # one teaching budget per provider and month
        size = np.bincount(group, minlength=self.n).astype(np.float64)
        mean = np.bincount(group, weights=marginal, minlength=self.n) / np.maximum(size, 1.0)
        relative = np.where(mean[group] > 0, marginal / np.maximum(mean[group], 1e-12), 1.0)
        effort = np.clip(
            1.0 + pc.effort_reallocation * (relative - 1.0), pc.effort_min, pc.effort_max
        )
        # Back to the same budget: the intake's mean effort is 1.
        budget = np.bincount(group, weights=effort, minlength=self.n) / np.maximum(size, 1.0)
        effort = effort / np.maximum(budget[group], 1e-12)
        return np.clip(effort, pc.effort_min, pc.effort_max).astype(np.float32)

    def marginal_outcome_chance(
        self, provider: np.ndarray, program: np.ndarray, ids: np.ndarray, ability_hat: np.ndarray
    ) -> np.ndarray:
        """d P(paid outcomes) / d log(effort), weighted by the milestones' weights, as the
        provider estimates it: effort raises completion (elasticity gamma) and learning
        (elasticity eta), and learning raises the chance of clearing an assessed threshold."""
        pc, funding, econ = self.cfg.providers, self.cfg.funding, self.cfg.economy
        w = self.model.workers
        gamma, eta = pc.effort_completion_elasticity, pc.effort_learning_elasticity
        mode = self.program_mode_factor[program]
        completion = w.completion_probability(ability_hat, mode, w.disadvantaged[ids])
        learning = np.maximum(ability_hat * self.quality[provider], 1e-6)
        noise = max(econ.gain_noise, 1e-6)
        total = np.zeros(len(ids), dtype=np.float32)
        for m in funding.milestones:
            event = EVENT[m.event]
            if event.certain:
                continue
            if event.kind in ("certified", "gained_skill"):
                threshold = (
                    self.pass_threshold(provider, program)
                    if event.kind == "certified"
                    else np.float32(funding.skill_gain_threshold)
                )
                z = (threshold / learning - 1.0) / noise
                passes = normal_cdf(-z)
                density = PDF_SCALE * np.exp(-0.5 * z * z)
                d = completion * (gamma * passes + eta * density * threshold / learning / noise)
            else:  # completion, retention, wage: effort matters through completion
                d = gamma * completion
            total += np.float32(m.weight) * d.astype(np.float32)
        return total

    # --- standards chosen for profit ---------------------------------------------------------
    def adjust_standards(self, month: int) -> None:
        """Each provider moves its pass standard by at most ``standard_drift`` toward the level
        that maximises its expected profit per trainee (Courty & Marschke 2004).

        The profit of a standard is

            outcome pay per pass x P(pass)
            - audit probability x (1 + penalty) x pay x P(certified but below the reference)
            - demand lost with reputation: weight x recognition of its customers
              x (1 - honest share of its credentials) x lambda / (lambda + r)

        where lambda is how fast employers learn its reputation and r its discount rate: a
        reputation that moves slowly weighs little against pay now. With no outcome pay the
        best standard is any honest one, and providers return toward the initial standard.
        """
        creds, funding, pc = self.cfg.credentials, self.cfg.funding, self.cfg.providers
        step = creds.standard_drift
        current = self.standard.astype(np.float64)
        options = np.stack([current - step, current, current + step], axis=1)
        options = np.clip(options, creds.quality_floor, 1.0)
        reference = creds.initial_standard
        pay = self.outcome_paid_per_pass() if self.paid_on_outcomes else 0.0
        passes = self.pass_share(options)
        honest = self.honest_pass_share(options.shape)
        lenient = options < reference - 1e-6  # below the published standard
        false = np.where(lenient, np.maximum(passes - honest, 0.0), 0.0)
        honest_share = np.where(lenient, np.minimum(honest / np.maximum(passes, 1e-12), 1.0), 1.0)
        lam, r = pc.reputation_learning_rate, pc.provider_discount_rate
        stake = pc.reputation_weight * self.customer_recognition()[:, None] * lam / (lam + r)
        audit_cost = funding.audit_probability * (1.0 + funding.false_claim_penalty)
        profit = pay * passes - audit_cost * pay * false - stake * (1.0 - honest_share)
        # Among equally good standards, the one nearest the initial standard (no change
        # without a reason).
        profit -= 1e-9 * np.abs(options - reference)
        best = options[np.arange(self.n), np.argmax(profit, axis=1)]
        self.standard = best.astype(np.float32)

    def pass_share(self, standard: np.ndarray) -> np.ndarray:
        """Share of a provider's completers expected to clear ``standard`` (rows: providers),
        over the ability distribution of trainees (lognormal) and its quality."""
        noise = max(self.cfg.economy.gain_noise, 1e-6)
        learning = self.quadrature_learning()
        threshold = standard * float(mean(self.program_rigor))  # over the catalogue
        z = (threshold[:, :, None] / learning - 1.0) / noise
        return (normal_cdf(-z.astype(np.float32)) * _WEIGHTS[None, None, :]).sum(axis=2)

    def quadrature_learning(self) -> np.ndarray:
        """Each provider's learning multiplier at the quadrature points of trainees' ability
        (providers x 1 x points), kept while its quality stays as it is (all run long)."""
        sd = self.cfg.economy.ability_sd
        key = self.quality.tobytes()
        memo = self.__dict__.get("_quadrature")
        if memo is None or memo[0] != key:
            ability = np.exp(sd * _NODES - 0.5 * sd * sd)  # quadrature points
            learning = self.quality.astype(np.float64)[:, None, None] * ability[None, None, :]
            memo = self._quadrature = (key, learning)
        return memo[1]

    def honest_pass_share(self, shape: tuple) -> np.ndarray:
        """:meth:`pass_share` of the published (initial) standard, in an array of ``shape``
        (providers first), kept while the providers' quality and the programs' rigor stay as
        they are (all run long; the config does not change during a run)."""
        key = (shape, self.quality.tobytes(), self.program_rigor.tobytes())
        memo = self.__dict__.get("_honest")
        if memo is None or memo[0] != key:
            honest = self.pass_share(np.full(shape, self.cfg.credentials.initial_standard))
            memo = self._honest = (key, honest)
        return memo[1]

    def customer_recognition(self) -> np.ndarray:
        """Mean recognition of microcredentials among the employers that know each provider:
        how much its customers care about what its credentials are worth."""
        e = self.model.employers
        known = e.known_providers
        weights = np.repeat(e.recognition, known.shape[1])
        total = np.bincount(known.ravel(), weights=weights, minlength=self.n)
        count = np.bincount(known.ravel(), minlength=self.n)
        return total / np.maximum(count, 1)

    def learn_reputation(self, month: int) -> None:
        """Employers learn each provider's reputation from the credentialed staff it
        certified: the share whose true gain meets the published (initial) standard."""
        w = self.model.workers
        rate = self.cfg.providers.reputation_learning_rate
        if rate == 0:
            return
        seen, honest = w.credentials_holding_up(
            w.credential_provider, self.n, False, self.model.compiled
        )
        if not seen.any():
            return
        share = honest / np.maximum(seen, 1)
        has = seen > 0
        self.reputation[has] += np.float32(rate) * (share[has] - self.reputation[has]).astype(
            np.float32
        )

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
