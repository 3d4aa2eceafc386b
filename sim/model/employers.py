"""Employers: Mesa agents whose state lives in shared columns so decisions run in batches.

An employer has a productivity, a target size (heavy-tailed: most are SMEs), a liquidity
limit, beliefs about training (expected monthly retention of trained workers, realised gain,
chance that milestones pay), awareness of the funding program, and its recognition of
microcredentials. Beliefs follow adaptive expectations from own experience plus a pull toward
peers (bounded rationality; Simon 1955, and the learning ABM of Yang 2018).
"""

from __future__ import annotations

import numpy as np

from sim.model.arrays.columns import DRAWN, NEVER, Column, allocate
from sim.model.arrays.reductions import mean
from sim.model.mesa_core import mesa

# Every employer column: its dtype, start value (or the rule that sets it) and meaning.
COLUMNS = {
    "target_size": Column(
        np.int32, "Zipf draw", "Headcount it aims for; heavy-tailed, most employers are SMEs."
    ),
    "productivity": Column(
        np.float32, DRAWN, "Multiplies the value of every unit of its workers' skill."
    ),
    "sme": Column(bool, "target_size < sme_size", "Small or medium-sized employer."),
    "constrained": Column(
        bool, DRAWN, "Liquidity-constrained SME: limited cash, discounts delayed money more."
    ),
    "admin_burden": Column(
        np.float32, DRAWN, "Multiplier on the administrative cost of a claim, as it sees it."
    ),
    "known_providers": Column(
        np.int32, DRAWN, "The providers it knows and chooses among (one column each)."
    ),
    "mc_aware": Column(bool, DRAWN, "Aware of microcredentials."),
    "mc_understanding": Column(bool, DRAWN, "Understands microcredentials well."),
    "recognition": Column(
        np.float32,
        "from awareness",
        "Recognition of microcredentials (0..1): the weight of credentials in visible skill.",
    ),
    "program_aware": Column(bool, False, "Aware of the funding program."),
    "program_aware_draw": Column(
        np.float64, DRAWN, "Uniform draw deciding whether it knows the program at launch."
    ),
    "belief_retention": Column(
        np.float32,
        "prior stay rate",
        "Believed monthly chance that a (trained) worker stays.",
    ),
    "belief_gain": Column(
        np.float32, DRAWN, "Believed realised skill gain of training, relative to the nominal."
    ),
    "belief_payment": Column(
        np.float32, 0.8, "Believed share of its outcome claims the funder pays."
    ),
    "belief_approval": Column(
        np.float32, 1.0, "Believed chance that the funder approves an application (budget)."
    ),
    "pending_receivables": Column(
        np.float64, 0.0, "Outcome payments it still waits for (CAD): they tie up its cash."
    ),
    "size": Column(np.int32, "counted", "Current headcount."),
    "payroll": Column(np.float64, "counted", "Current monthly payroll (CAD)."),
    "last_training_month": Column(np.int32, NEVER, "Month it last started training anyone."),
    "sector": Column(np.int16, DRAWN, "Its sector (economy.sectors), in the configured shares."),
    "base_target": Column(np.int32, "Zipf draw", "Target headcount at the start."),
    "staff_skill": Column(
        np.float32,
        "counted",
        "Mean productive skill (general + specific) of its staff, reviewed once a year.",
    ),
    "staff_skill_reference": Column(
        np.float32, "counted", "That mean at the policy start: labour demand moves from here."
    ),
}


class EmployerTable:
    """Columnar state of all employers; index ``j`` is the employer id."""

    def __init__(self, model):
        self.model = model
        self.cfg = cfg = model.cfg
        streams = model.streams
        pop, econ, creds = cfg.population, cfg.economy, cfg.credentials
        self.n = n = pop.employers
        allocate(self, COLUMNS, n)
        rng = streams.stream("employer_init")
        self.target_size = self.draw_sizes(
            rng,
            n,
            pop.workers,
            pop.initial_unemployment,
            pop.employer_size_shape,
            pop.max_employer_size,
        )
        self.productivity = np.exp(
            econ.employer_productivity_sd * rng.standard_normal(n)
            - econ.employer_productivity_sd**2 / 2
        ).astype(np.float32)
        self.base_target = self.target_size.copy()
        sectors = model.workers.sectors
        self.sector = sectors.assign(n, streams.stream("employer_sector"))
        if sectors.n > 1:
            self.productivity *= sectors.productivity[self.sector]
        self.sme = self.target_size < econ.sme_size
        self.constrained = self.sme & (rng.random(n) < econ.constrained_sme_share)
        self.admin_burden = np.exp(0.3 * rng.standard_normal(n)).astype(np.float32)
        self.known_providers = rng.integers(
            0, pop.providers, size=(n, min(pop.providers_known_per_employer, pop.providers))
        ).astype(np.int32)
        u_aware, u_understand = rng.random(n), rng.random(n)
        self.mc_aware = u_aware < creds.initial_awareness
        self.mc_understanding = understanding = self.mc_aware & (
            u_understand < creds.initial_understanding / max(creds.initial_awareness, 1e-9)
        )
        rec = np.where(understanding, creds.understanding_recognition, creds.aware_recognition)
        rec = np.where(self.mc_aware, rec + creds.recognition_shift, 0.0)
        self.recognition = np.clip(rec, 0.0, 1.0).astype(np.float32)
        self.program_aware_draw = rng.random(n)
        prior_stay = np.clip(1.0 - econ.separation_rate - 0.3 * econ.offer_arrival_rate, 0.0, 1.0)
        self.belief_retention = np.full(n, prior_stay, dtype=np.float32)
        self.belief_gain = (
            econ.initial_gain_belief * np.exp(econ.gain_belief_sd * rng.standard_normal(n))
        ).astype(np.float32)

    @staticmethod
    def draw_sizes(
        rng: np.random.Generator,
        n: int,
        workers: int,
        unemployment: float,
        shape: float,
        max_size: int | None = None,
    ) -> np.ndarray:
        """Zipf-like target sizes (Axtell 2001) that add up to the initially employed.

        No single employer takes more than 5% of jobs, so small test economies stay sane, nor
        more than ``max_size`` employees (the realistic cap of a full-scale economy).
        """
        raw = 1.0 + rng.pareto(shape, n)
        raw = np.minimum(raw, 0.05 * raw.sum())
        employed = max(int(round(workers * (1 - unemployment))), n)
        if max_size is not None:
            raw = EmployerTable.cap_shares(raw, employed, max_size)
        sizes = np.maximum(1, np.floor(raw / raw.sum() * employed)).astype(np.int64)
        shortfall = employed - sizes.sum()
        if shortfall > 0:  # hand out rounding remainders to the largest employers below the cap
            order = np.argsort(-np.where(raw >= (max_size or np.inf), 0.0, raw))
            sizes[order[: int(shortfall) % n]] += 1
            sizes += int(shortfall) // n
        return sizes.astype(np.int32)

    @staticmethod
    def cap_shares(raw: np.ndarray, employed: int, max_size: int) -> np.ndarray:
        """Rescale ``raw`` so no share of ``employed`` jobs exceeds ``max_size`` (water-filling:
        capped employers' excess jobs go to the others in proportion to their size)."""
        scale = employed / raw.sum()
        for _ in range(100):
            capped = raw * scale >= max_size
            rest = raw[~capped].sum()
            if rest == 0:
                break
            new_scale = (employed - max_size * capped.sum()) / rest
            if np.isclose(new_scale, scale, rtol=1e-12):
                break
            scale = new_scale
        return np.minimum(raw * scale, max_size)

    # --- rules ---------------------------------------------------------------------------
    def count_staff(self, employer_of_worker: np.ndarray, wage: np.ndarray) -> None:
        """Headcount and payroll of every employer (the unemployed, -1, fall in a dropped bin)."""
        if self.model.compiled:  # the same counts in one pass
            from sim.model.arrays.compiled_tallies import staff_and_payroll

            size, self.payroll = staff_and_payroll(employer_of_worker, wage, self.n)
            self.size = size.astype(np.int32)
            return
        slot = employer_of_worker + 1
        self.size = np.bincount(slot, minlength=self.n + 1)[1:].astype(np.int32)
        self.payroll = np.bincount(slot, weights=wage, minlength=self.n + 1)[1:]

    def staff_moved(self, left: np.ndarray, joined: np.ndarray | None = None) -> None:
        """Keep headcounts current between full counts (:meth:`count_staff`, once a month):
        ``left`` and ``joined`` are the employers of workers who just left or joined."""
        self.size -= np.bincount(left, minlength=self.n).astype(np.int32)
        if joined is not None:
            self.size += np.bincount(joined, minlength=self.n).astype(np.int32)

    HEADCOUNT_REVIEW_MONTHS = 12  # employers review how staff productivity bears on headcount

    def plan_headcount(self, month: int) -> None:
        """Target headcounts follow the sector's labour demand path, and within a sector
        jobs move toward the employers whose staff became more productive since the policy
        start: ``base x demand x relative ** labour_demand_elasticity``, where ``relative`` is
        the employer's mean productive staff skill over its value at the policy start,
        normalised so the sector's jobs add up to its demand (more productive employers gain
        market share; Hamermesh 1993, Foster, Haltiwanger & Krizan 2001). The skill term is
        reviewed once a year, as headcount plans are."""
        econ, w = self.cfg.economy, self.model.workers
        burn_in = self.cfg.time.burn_in
        if month < burn_in:
            return
        elasticity = econ.labour_demand_elasticity
        review = elasticity > 0 and (month - burn_in) % self.HEADCOUNT_REVIEW_MONTHS == 0
        if review:
            self.review_staff_skill(month == burn_in)
        sectors = w.sectors
        if not (review or sectors.demand_moves):
            return
        target = self.base_target * sectors.demand(month)[self.sector]
        if elasticity > 0:
            relative = self.staff_skill / np.maximum(self.staff_skill_reference, 1e-6)
            share = relative.astype(np.float64) ** elasticity
            jobs = np.bincount(self.sector, weights=self.base_target, minlength=sectors.n)
            weighted = np.bincount(
                self.sector, weights=self.base_target * share, minlength=sectors.n
            )
            target = target * share / (weighted / np.maximum(jobs, 1))[self.sector]
        self.target_size = np.maximum(np.rint(target), 1).astype(np.int32)

    def review_staff_skill(self, reference: bool) -> None:
        """Mean productive skill (general + specific) of each employer's staff; ``reference``:
        also keep it as the policy start's."""
        w = self.model.workers
        slot = w.employer + 1
        skill = np.bincount(slot, weights=w.general + w.specific, minlength=self.n + 1)[1:]
        staff = np.bincount(slot, minlength=self.n + 1)[1:]
        self.staff_skill = np.where(staff > 0, skill / np.maximum(staff, 1), 1.0).astype(np.float32)
        if reference:
            self.staff_skill_reference = self.staff_skill.copy()

    @property
    def excess_staff(self) -> np.ndarray:
        return np.maximum(self.size - self.target_size, 0)

    @property
    def vacancies(self) -> np.ndarray:
        return np.maximum(self.target_size - self.size, 0)

    def cash_limit(self) -> np.ndarray:
        """Cash available for up-front training outlays this month (inf if unconstrained)."""
        share = self.cfg.economy.constrained_cash_share
        limit = share * self.payroll - self.pending_receivables
        return np.where(self.constrained, np.maximum(limit, 0.0), np.inf)

    def discount_rate(self) -> np.ndarray:
        econ = self.cfg.economy
        return np.where(self.constrained, econ.constrained_discount_rate, econ.discount_rate)

    def learn(self, name: str, observed: np.ndarray, weight: np.ndarray) -> None:
        """Adaptive expectations: move belief ``name`` toward what employers observed.

        ``weight`` is the number of observations each employer made (0: no update).
        """
        belief = getattr(self, name)
        rate = self.cfg.economy.belief_learning_rate
        with np.errstate(invalid="ignore"):  # rate 1 and weight 0: unused
            step = -np.expm1(np.log1p(-rate) * np.minimum(weight, 50))  # 1 - (1 - rate) ** weight
        peer = self.cfg.economy.peer_learning_rate
        if self.model.compiled and belief.dtype == np.float32:  # the same floats, two passes
            from sim.model.compiled_workers import learn, move_toward

            learn(belief, step, observed, weight)
            move_toward(belief, mean(belief), np.float32(peer))
            return
        has = weight > 0
        belief[has] += (step[has] * (observed[has] - belief[has])).astype(belief.dtype)
        belief += (peer * (mean(belief) - belief)).astype(belief.dtype)

    def update_beliefs(self, month: int) -> None:
        """Employers learn retention from who left them this month (all staff, and trainees),
        and the funder's payment rate from the claims it paid them (adaptive expectations)."""
        rec, funder = self.model.recorder, self.model.funder
        staff = np.maximum(rec.staff_at_start, 1)
        self.learn("belief_retention", 1.0 - rec.left / staff, rec.staff_at_start / 50.0)
        at_risk = np.maximum(rec.trained_staff, 1)
        self.learn("belief_retention", 1.0 - rec.left_trained / at_risk, rec.trained_staff / 10.0)
        paid_rows, claimed, paid = funder.last_payments
        if len(paid_rows):
            j = funder.enrolments.employer[paid_rows]
            n = np.bincount(j, weights=claimed, minlength=self.n)
            got = np.bincount(j, weights=paid, minlength=self.n)
            self.learn("belief_payment", got / np.maximum(n, 1e-9), (n > 0) * 5.0)


class Employer(mesa.Agent):
    """One employer. Its state lives in :class:`EmployerTable`; this is a named view of it."""

    def __init__(self, model: mesa.Model, index: int):
        super().__init__(model)
        self.index = index

    def staff(self) -> np.ndarray:
        """Ids of the workers this employer employs now."""
        return np.flatnonzero(self.model.workers.employer == self.index)
