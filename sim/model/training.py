"""Training decisions (employers) and training delivery (providers), batched over everyone.

Employers value training one worker as (docs/model.md section 3):

    productivity gain x employer's share (1-beta general, 1-beta_s specific)
      x expected retained months (discounted, depreciating)
    - tuition - release time - admin cost + expected funding (upfront + P(milestone) x payment,
      discounted for lag and delay)

plus a random taste term (bounded rationality). They rank their own workers by that value and
train the best while it is positive, within a per-month capacity and, for liquidity-constrained
SMEs, within the cash they can lay out before reimbursement. Nothing picks "good" trainees on
purpose: under outcome payments the chance of triggering payment enters the value, and
cream-skimming emerges from it (Heckman, Heinrich & Smith 2002).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from sim.config.milestones import EVENT
from sim.model.arrays import groups
from sim.model.arrays.groups import (
    GroupOrder,
    among_first,
    priority_key,
    within_top,
)


@dataclass
class Candidates:
    """Workers an employer could train this month, with everything their value depends on."""

    worker: np.ndarray
    employer: np.ndarray
    provider: np.ndarray
    program: np.ndarray
    tuition: np.ndarray
    price: np.ndarray
    disadvantaged: np.ndarray
    # What valuing a row reads: a compiled appraisal (:meth:`Training.appraise`) leaves these
    # out, and :meth:`Training.rows` adds them for the rows that are chosen.
    employer_program: np.ndarray | None = None  # employer x programs + program: table index
    provider_program: np.ndarray | None = None  # provider x programs + program: table index
    months: np.ndarray | None = None
    nominal: np.ndarray | None = None
    perceived: np.ndarray | None = None  # ability as the employer perceives it
    completion_hat: np.ndarray | None = None
    room: np.ndarray | None = None  # share of the program's content that adds to the skill
    pass_true: np.ndarray | None = None  # the true chance, for KPIs (set once chosen)

    def take(self, keep: np.ndarray, *fields: str) -> "Candidates":
        """The rows ``keep``, of every field or only of ``fields`` (the others None)."""
        return Candidates(
            **{
                k: None if v is None or (fields and k not in fields) else v[keep]
                for k, v in vars(self).items()
            }
        )


class Training:
    """Employers' training choices and providers' delivery, as vector rules."""

    def __init__(self, model):
        self.model = model
        self.cfg = model.cfg

    # --- decisions -------------------------------------------------------------------------
    PLAN_MONTHS = 12  # an employer reviews a worker's training plan once a year

    def candidates(self, month: int) -> Candidates:
        """Employed workers who could start a program (not in training, past the retraining
        gap), each with the program its employer plans for them.

        A plan stands while it is less than a year old, the policy regime is unchanged and
        its program is still open to the worker; otherwise (a new hire, a program just
        finished) the employer values every program open to the worker and plans the one
        worth most, funding included (:meth:`plan_programs`). Planning once a year keeps the
        choice off the monthly path."""
        tables = self.decision_tables()
        return self.rows(*self.planned(month, tables), tables)

    def planned(self, month: int, tables: tuple) -> tuple[np.ndarray, np.ndarray]:
        """The candidates of :meth:`candidates` and the program planned for each (-1: none)."""
        w, econ = self.model.workers, self.cfg.economy
        gap, reset = econ.retraining_gap, month == self.cfg.time.burn_in  # a new regime
        if self.compiled:  # the same split in one pass over the workers
            from sim.model.arrays.compiled_groups import in_threads
            from sim.model.compiled_plans import plan_candidates

            p = self.model.providers
            kept, kept_program, review = in_threads(
                plan_candidates, len(w.employer),
                w.employer, w.enrolment, w.last_training_end, w.planned_program,
                w.planned_month, w.credentials, w.program_started, p.offers, tables[0], month,
                gap, self.PLAN_MONTHS, reset, econ.retake_gap, p.design_needed,
            )  # fmt: skip
        else:
            ids = np.flatnonzero(w.employed & ~w.in_training & (month - w.last_training_end >= gap))
            planned = w.planned_program[ids]
            keeps = (planned >= 0) & (month - w.planned_month[ids] < self.PLAN_MONTHS) & (not reset)
            keeps[keeps] = self.open_programs(ids[keeps], month, tables[0], program=planned[keeps])
            kept, kept_program, review = ids[keeps], planned[keeps], ids[~keeps]
        planned_now = self.plan_programs(review, month, tables)
        return np.concatenate([kept, review]), np.concatenate([kept_program, planned_now])

    def decision_tables(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict]:
        """What every candidate row of this month reads: each employer's provider, and the
        tuition and employer price of every provider and program (flat); then a memo for
        the per-employer tables a compiled appraisal derives from them (beliefs do not change
        while employers decide)."""
        p = self.model.providers
        return (
            self.choose_providers().astype(np.intp),
            p.tuition_table().astype(np.float32).ravel(),
            p.price_table().astype(np.float32).ravel(),
            {},
        )

    def open_programs(
        self,
        ids: np.ndarray,
        month: int,
        provider_of_employer: np.ndarray | None = None,
        program: np.ndarray | None = None,
    ) -> np.ndarray:
        """Which programs each worker may start (workers x programs; given ``program``, one
        per worker: whether that one is open): those whose credential they do not hold, and
        any program they last started ``economy.retake_gap`` months ago or more (a refresher:
        trained skill depreciates, so the need for it renews). Where some programs must be
        designed first: given each employer's provider, only the programs it offers;
        otherwise every program designed or, from the policy start, wanted."""
        w, p = self.model.workers, self.model.providers
        if program is None:  # every program: whole rows of the per-program columns
            program = np.arange(len(p.program_months), dtype=np.uint16)[None, :]
            held, started = w.credentials[ids][:, None], w.program_started[ids]
        else:
            held, started = w.credentials[ids], w.program_started[ids, program]
        unheld = ((held >> program) & 1) == 0
        wanted = unheld | (month - started >= self.cfg.economy.retake_gap)
        if not p.design_needed:
            return wanted
        if provider_of_employer is not None:
            provider = provider_of_employer[w.employer[ids]]
            return wanted & p.offers[provider if program.ndim == 1 else provider[:, None], program]
        return wanted & self.startable_programs()[program]

    def startable_programs(self) -> np.ndarray:
        """Programs anyone may start (whatever their employer's provider offers): every
        program designed or, from the policy start, wanted."""
        p = self.model.providers
        return p.program_designed | (p.design_needed and self.model.policy_active)

    def plan_programs(self, ids: np.ndarray, month: int, tables: tuple) -> np.ndarray:
        """The program each worker's employer now plans for them: of those open to the worker
        (:meth:`open_programs`), the one worth most to the employer, funding included (ties:
        catalogue order). Paid on outcomes, an employer picks programs whose paid outcome is
        likeliest for their cost: cheap-outcome substitution can emerge (Courty & Marschke
        2004).

        Where some programs must be designed first, the employer also values those its
        provider does not offer: when one of them is worth most (and worth training for),
        the worker counts as unmet demand for it at that provider, and the plan is the best
        program the provider offers."""
        w, p = self.model.workers, self.model.providers
        compiled = self.compiled
        if compiled:  # the open pairs listed in one pass, not from a workers x programs mask
            from sim.model.arrays.compiled_groups import in_threads
            from sim.model.compiled_plans import open_options

            available = self.startable_programs()
            worker, row, option = in_threads(
                open_options, len(ids) * len(available),
                ids, w.credentials, w.program_started, available, month,
                self.cfg.economy.retake_gap,
            )  # fmt: skip
        else:
            row, option = np.nonzero(self.open_programs(ids, month))
            worker = ids[row]
        chosen = np.full(len(ids), -1, dtype=np.int16)
        if len(row) == 0:
            return chosen
        # Under a limited budget an employer cannot count on funding when it plans (it may
        # be refused): it plans on the program's own value and applies for what it planned.
        options, _, value, _, _ = self.appraise(
            worker, option, month, tables, self.cfg.yearly_budget is None, reviewed=(ids, row)
        )
        if p.design_needed:
            offered = p.offers[options.provider, options.program]
            best = self.choose_programs(options.worker, value, compiled)
            unmet = best[~offered[best] & (value[best] > 0)]
            p.count_unmet_demand(options.provider[unmet], options.program[unmet])
            on_offer = np.flatnonzero(offered)
            on_offer_best = self.choose_programs(
                options.worker[on_offer], value[on_offer], compiled
            )
            best = on_offer[on_offer_best]
        else:
            best = self.choose_programs(options.worker, value, compiled)
        chosen[row[best]] = option[best]
        w.planned_program[ids] = chosen
        w.planned_month[ids] = month
        return chosen  # -1: no program is open to the worker

    def rows(self, ids: np.ndarray, program: np.ndarray, tables: tuple) -> Candidates:
        """Candidates ``ids`` for ``program`` (one row each; -1: no program, dropped), from
        this month's :meth:`decision_tables`."""
        w, p = self.model.workers, self.model.providers
        keep = program >= 0
        # Indices as np.intp: every gather below would otherwise convert them again.
        ids, program = ids[keep], program[keep].astype(np.intp)
        employer = w.employer[ids].astype(np.intp)
        choice, tuition, price, _ = tables
        provider = choice[employer]
        provider_program = provider * len(p.program_months) + program
        dis = w.disadvantaged[ids]
        mode = p.program_mode_factor[program]
        perceived = w.perceived_ability[ids]
        completion_hat = w.completion_probability(perceived, mode, dis)
        return Candidates(
            worker=ids,
            employer=employer,
            provider=provider,
            program=program,
            employer_program=employer * len(p.program_months) + program,
            provider_program=provider_program,
            tuition=tuition[provider_program],
            price=price[provider_program],
            months=p.program_months[program],
            nominal=p.program_gain[program],
            disadvantaged=dis,
            perceived=perceived,
            completion_hat=completion_hat,
            room=w.learning_room(ids, p.program_target[program], w.sectors.program_domain[program]),
        )

    def appraise(
        self,
        ids: np.ndarray,
        program: np.ndarray,
        month: int,
        tables: tuple,
        count_funding: bool = True,
        outlay: bool = False,
        reviewed: tuple | None = None,
    ) -> tuple:
        """Candidates ``ids`` for ``program`` (-1: none, dropped) and their :meth:`value`:
        (candidates, value without the program, value of the better choice, take-up flag,
        and, given ``outlay``, the cash each start costs its employer before reimbursement).

        Where the economy runs compiled (:attr:`compiled`), one compiled pass
        (:mod:`sim.model.compiled_value`) gives the same numbers; its candidates then carry
        what choosing reads (worker, employer, provider, program, tuition, price,
        disadvantaged) and :meth:`complete` adds the rest to the rows that are chosen.
        ``reviewed`` (workers, row of each id): ``ids`` are those workers repeated, one row
        per program (a worker's taste is then drawn once)."""
        if self.compiled_valuation is not None:
            workers, row = reviewed if reviewed is not None else (ids, slice(None))
            taste = self.model.streams.normal_at("training_taste", month, workers)[row]
            return self.compiled_valuation.appraise(
                ids, program, month, tables, count_funding, taste
            )
        c = self.rows(ids, program, tables)
        without, best, takes_up = self.value(c, month, count_funding)
        spend = None
        if outlay:
            upfront = self.model.funder.max_payment(c.tuition, c.disadvantaged)[0]
            spend = c.price - np.where(takes_up & self.cfg.funding.pays_employers, upfront, 0.0)
        return c, without, best, takes_up, spend

    def complete(self, c: Candidates, tables: tuple) -> Candidates:
        """``c`` with every field :meth:`rows` gives (after a compiled appraisal)."""
        return c if c.completion_hat is not None else self.rows(c.worker, c.program, tables)

    # Economies from COMPILED_WORKERS workers plan and value their candidates in compiled
    # loops: below, loading Numba (about 0.3 s) costs more than one run saves (the default
    # economy of 10,000 workers runs in under a second; the 100k one gains about a second),
    # unless the process runs many models and has loaded them first (groups.load_compiled).
    COMPILED_WORKERS = 50_000

    @cached_property
    def compiled(self) -> bool:
        """This economy runs its heaviest passes in compiled loops, with the same results:
        plans (:mod:`sim.model.compiled_plans`) and valuation here, tallies, draws and group
        orders elsewhere (``TrainingMarketModel.compiled``); from ``COMPILED_WORKERS``
        workers, or at any size once this process has loaded them
        (:func:`~sim.model.arrays.groups.load_compiled`)."""
        return self.cfg.population.workers >= self.COMPILED_WORKERS or groups.compiled_loaded()

    @cached_property
    def compiled_valuation(self):
        """The compiled appraisal of this model, or None where it does not apply."""
        if not self.compiled:
            return None
        from sim.model.compiled_value import CompiledValuation

        return CompiledValuation.for_model(self)

    def true_pass_chance(self, c: Candidates) -> np.ndarray:
        """The true chance each candidate completes and passes (for the KPIs, never a choice)."""
        if not self.cfg.credentials.enabled:
            return np.zeros(len(c.worker), dtype=np.float32)
        w, p = self.model.workers, self.model.providers
        ability = w.ability[c.worker]
        mode = p.program_mode_factor[c.program]
        return w.completion_and_pass(
            ability,
            mode,
            c.disadvantaged,
            ability * p.quality[c.provider],
            p.threshold_table()[c.provider_program],
        )

    def pass_hat(self, c: Candidates) -> np.ndarray:
        """Employer's estimate of the chance a candidate completes and passes assessment."""
        if not self.cfg.credentials.enabled:
            return np.zeros(len(c.worker), dtype=np.float32)
        p, e, w = self.model.providers, self.model.employers, self.model.workers
        learning_hat = c.perceived * p.quality[c.provider] * e.belief_gain[c.employer]
        threshold = p.threshold_table()[c.provider_program]
        return c.completion_hat * w.pass_probability(learning_hat, threshold)

    def choose_providers(self) -> np.ndarray:
        """Each employer's preferred provider among those it knows (quality, price,
        reputation, leniency).

        Employers that recognise microcredentials value a provider whose credentials have
        proved honest (its reputation, learned from the staff it certified); employers paid
        on outcomes value lenient assessment, which raises their expected reimbursement.
        """
        e, p = self.model.employers, self.model.providers
        funding = self.cfg.funding
        weight_of_leniency = 0.0
        if self.model.program_running and funding.pays_employers:
            weight_of_leniency = self.outcome_weight_on_standard()
        fixed_score = p.quality - 0.5 * p.price_markup
        # A credential's believed worth: its published standard x the share found honest.
        worth = np.float32(self.cfg.credentials.initial_standard) * p.reputation
        scores = (fixed_score, e.recognition, worth, p.standard)
        if self.compiled and all(a.dtype == np.float32 for a in scores):  # in one pass
            from sim.model.arrays.compiled_groups import in_threads
            from sim.model.compiled_value import preferred_providers

            # float32, as NumPy casts it to multiply the float32 standards
            leniency = np.full(e.n, weight_of_leniency, dtype=np.float32)
            known = e.known_providers
            return in_threads(
                preferred_providers, known.size, known, fixed_score, e.recognition, worth,
                leniency, p.standard,
            )  # fmt: skip
        best, best_score = None, None
        for known in e.known_providers.T:  # a few columns: the first best wins ties
            score = (
                fixed_score[known]
                + e.recognition * worth[known]
                - weight_of_leniency * p.standard[known]
            )
            if best is None:
                best, best_score = known.copy(), score
            else:
                better = score > best_score
                best[better], best_score[better] = known[better], score[better]
        return best

    def outcome_weight_on_standard(self):
        """How much outcome payments make employers prefer lenient assessment: the outcome
        share, for employers that can use the program (under a trial, only those with access)."""
        share = self.cfg.funding.outcome_share
        trial = self.model.funder.trial
        access = trial.employer_has_access() if trial.enabled else None
        return share if access is None else np.float32(share) * access.astype(np.float32)

    def value(
        self, c: Candidates, month: int, count_funding: bool = True
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Employer's net value of training each candidate without and with funding
        (``count_funding=False``: as if the program offered none).

        Returns (value without program, value of the better choice, take-up flag). An
        eligible employer uses the program only when it is worth more than training unfunded:
        claims cost effort and outcome money is uncertain and late, so a small outcome
        payment can be worth less than its paperwork (take-up is a choice; Skilling UP).
        """
        cfg, e, w = self.cfg, self.model.employers, self.model.workers
        econ, funder = cfg.economy, self.model.funder
        employer_stay, employer_discount = self.employer_outlook()
        benefit_rate = self.benefit_table(employer_stay, employer_discount)
        benefit = benefit_rate[c.employer_program] * c.perceived * c.completion_hat * c.room
        if w.sectors.tracked:  # the employer values the program's domain as its sector does
            benefit = benefit * w.sectors.program_weight(e.sector[c.employer], c.program)
        hourly = w.wage[c.worker] / np.float32(econ.hours_per_month)
        release = self.release_hours()[c.program] * hourly
        taste = self.model.streams.normal_at("training_taste", month, c.worker)
        noise = c.tuition * (econ.decision_noise * taste + econ.fit_sd * w.training_fit[c.worker])
        without = benefit - c.tuition - release + noise
        eligible = self.funding_eligible(c) if count_funding else np.zeros(len(c.worker), bool)
        with_program = benefit - c.price - release + noise
        if funder.policy.pays_employers and eligible.any():
            funding = self.expected_funding(c, employer_stay, employer_discount, hourly)
            if self.cfg.yearly_budget is not None:  # a limited budget may refuse them
                funding = funding * e.belief_approval[c.employer]
            with_program = with_program + funding
        takes_up = eligible & (with_program > without)
        return without, np.where(takes_up, with_program, without), takes_up

    def employer_outlook(self) -> tuple[np.ndarray, np.ndarray]:
        """Each employer's believed monthly retention and monthly discount factor (float64)."""
        e = self.model.employers
        return e.belief_retention.astype(np.float64), 1.0 / (1.0 + e.discount_rate())

    def benefit_table(self, employer_stay: np.ndarray, employer_discount: np.ndarray) -> np.ndarray:
        """Value of one completed program per unit of perceived ability, completion chance
        and room to learn, for every employer and program (flat, float32): output kept by
        the employer x believed gain x retained, discounted months after the program (Becker
        1964: the employer keeps the part of the gain it does not pass on in wages)."""
        return self.employer_program_table(*self.benefit_factors(employer_stay, employer_discount))

    def benefit_factors(
        self, employer_stay: np.ndarray, employer_discount: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, int, np.ndarray]:
        """:meth:`benefit_table` as the factors of :meth:`employer_program_table` (scale,
        base, offset, per_program)."""
        econ, e = self.cfg.economy, self.model.employers
        keep_general = (1 - econ.specific_share) * (1 - econ.pass_through)
        keep_specific = econ.specific_share * (1 - econ.specific_pass_through)
        x = employer_stay * (1 - econ.skill_depreciation) * employer_discount
        horizon = econ.planning_horizon
        annuity = x * (1 - x**horizon) / np.maximum(1 - x, 1e-9)
        gain_value = (
            econ.output_per_skill
            * (keep_general + keep_specific)
            * e.productivity
            * e.belief_gain
            * annuity
        )
        return gain_value, employer_stay * employer_discount, 0, self.model.providers.program_gain

    def release_hours(self) -> np.ndarray:
        """Hours of paid work time each program takes (float32)."""
        econ = self.cfg.economy
        return (self.model.providers.program_months * econ.release_hours_per_month).astype(
            np.float32
        )

    def funding_eligible(self, c: Candidates) -> np.ndarray:
        funder, e = self.model.funder, self.model.employers
        if not (self.model.program_running and funder.accepting):
            return np.zeros(len(c.worker), dtype=bool)
        aware = e.program_aware[c.employer] | funder.policy.pays_providers
        eligible = aware & funder.eligible(e.sme[c.employer], c.disadvantaged)
        in_trial = funder.trial_eligible(c.employer, c.worker)
        return eligible if in_trial is None else eligible & in_trial

    def employer_program_table(
        self, scale: np.ndarray | float, base: np.ndarray, offset: int = 0, per_program=1.0
    ) -> np.ndarray:
        """``scale[j] x base[j] ** (months[k] + offset) x per_program[k]`` for every employer j
        and program k, flat (index ``c.employer_program``), float32. Computed per employer
        and program, which are few, and looked up per candidate, who are many (powers are
        costly)."""
        table = self.program_powers(base, offset) * per_program
        table *= np.broadcast_to(scale, base.shape)[:, None]
        return table.astype(np.float32).ravel()

    def program_powers(self, base: np.ndarray, offset: int) -> np.ndarray:
        """``base[j] ** (months[k] + offset)``, remembered while ``base`` stays the same (the
        discount factors do, month after month)."""
        cache = self.__dict__.setdefault("_powers", {})
        cached = cache.get(offset)
        if cached is not None and np.array_equal(cached[0], base):
            return cached[1]
        months = self.model.providers.program_months
        powers = base[:, None] ** (months + offset)[None, :]
        cache[offset] = (base.copy(), powers)
        return powers

    def expected_funding(
        self, c: Candidates, employer_stay: np.ndarray, employer_discount: np.ndarray, hourly
    ) -> np.ndarray:
        """Expected reimbursement net of claim costs and support time, as the employer sees it:
        for each milestone, its believed chance x believed payment rate x (discounted payment
        - claim cost), capped at the largest outcome payment.

        ``employer_stay`` and ``employer_discount`` are each employer's believed monthly
        retention and monthly discount factor.
        """
        policy, e = self.cfg.funding, self.model.employers
        funder = self.model.funder
        j = c.employer
        upfront, outcome_cap = funder.max_payment(c.tuition, c.disadvantaged)
        pot = funder.outcome_pot(c.tuition, c.disadvantaged)
        believed_admin = (policy.admin_cost_per_claim * e.admin_burden * e.belief_payment)[j]
        expected = np.zeros(len(j), dtype=np.float32)
        support_cost = np.float32(0.0)
        for m in policy.milestones:
            event = EVENT[m.event]
            discounted = self.payment_discount_table(m, employer_discount)[c.employer_program]
            claim = pot * discounted - believed_admin
            if event.certain:
                expected += claim
            else:
                expected += self.event_chance(m.event, c, employer_stay) * claim
            if event.employer_effort:
                support_cost = policy.support_hours * hourly
        return upfront + np.minimum(expected, outcome_cap) - support_cost

    def payment_discount_table(self, milestone, employer_discount: np.ndarray) -> np.ndarray:
        """A milestone's payment as the employer counts it, per dollar of outcome pot, for
        every employer and program (flat, float32): its believed payment rate x the
        milestone's weight x the discount to the month it would be paid (counted from the
        start or from the end of the program)."""
        weight, months, from_start = self.payment_discount_factors(milestone)
        if from_start:
            per_employer = self.per_employer_discount(weight, employer_discount, months)
            return np.repeat(per_employer, len(self.model.providers.program_months))
        return self.employer_program_table(weight, employer_discount, months)

    def payment_discount_factors(self, milestone) -> tuple[np.ndarray, int, bool]:
        """Each employer's weight on a milestone's payment (believed payment rate x weight),
        the months from the program's start (or end) to the payment, and whether they count
        from the start (:meth:`payment_discount_table`)."""
        event = EVENT[milestone.event]
        months = event.check_offset + milestone.lag + self.cfg.funding.payment_delay
        weight = self.model.employers.belief_payment * milestone.weight
        return weight, months, event.from_start

    @staticmethod
    def per_employer_discount(weight, employer_discount, months: int) -> np.ndarray:
        """A payment counted from the program's start: the same for every program (float32)."""
        return (weight * employer_discount**months).astype(np.float32)

    def event_chance(self, event: str, c: Candidates, employer_stay: np.ndarray) -> np.ndarray:
        """Employer's estimate of the chance that a candidate triggers a milestone: one rule
        per kind of event (sim.config.milestones).

        ``employer_stay`` is each employer's believed monthly retention.
        """
        declared = EVENT[event]
        if declared.certain:
            return np.ones(len(c.worker), dtype=np.float32)
        return self.EVENT_CHANCES[declared.kind](self, declared, c, employer_stay)

    def chance_certified(self, event, c: Candidates, employer_stay) -> np.ndarray:
        return self.pass_hat(c)

    def chance_completes_and_stays(self, event, c: Candidates, employer_stay) -> np.ndarray:
        stays = self.employer_program_table(1.0, employer_stay, event.check_offset)
        return c.completion_hat * stays[c.employer_program]

    def chance_gains_skill(self, event, c: Candidates, employer_stay) -> np.ndarray:
        """An employer that would inflate its self-report counts on every completer (the
        chance of the completion milestone)."""
        honest = self.chance_learns(c, self.cfg.funding.skill_gain_threshold)
        inflates = self.model.funder.inflates(c.employer, c.provider)
        return np.where(inflates, self.chance_learns(c, 0.0), honest)

    def chance_completes(self, event, c: Candidates, employer_stay) -> np.ndarray:
        return self.chance_learns(c, 0.0)

    def chance_learns(self, c: Candidates, threshold: float) -> np.ndarray:
        """Completes and gains at least ``threshold`` of the nominal gain in productive skill,
        as the employer expects from the perceived ability, the provider's quality and the
        worker's room to learn."""
        learning = c.perceived * self.model.providers.quality[c.provider] * c.room
        passes = self.model.workers.pass_probability(learning, np.float32(threshold))
        return c.completion_hat * passes

    EVENT_CHANCES = {  # kinds an employer is unsure of (not ``certain``)
        "completed": chance_completes,
        "certified": chance_certified,
        "gained_skill": chance_gains_skill,
        "stayed": chance_completes_and_stays,
        "gained_wage": chance_completes,
    }

    def decide(self, month: int) -> None:
        """Employers choose whom to train; providers admit; the funder approves and pays upfront.

        The same candidates also go through the whole rule without the program (values,
        capacity, cash, fixed cost, admission): a funded start that would be made there too
        is deadweight, and the funded trainees' predicted pass chance is compared with that
        of the eligible trainees of that world (the cream-skimming index)."""
        model, funder = self.model, self.model.funder
        tables = self.decision_tables()
        ids, program = self.planned(month, tables)
        if not (program >= 0).any():
            return
        c, without, with_program, takes_up, outlay = self.appraise(
            ids, program, month, tables, outlay=True
        )
        program_on = bool(self.model.program_running and funder.accepting)
        chosen = self.choose_trainees(c, with_program, outlay, month, program_on)
        if program_on:
            anyway = self.choose_trainees(c, without, c.tuition, month, False, count=False)
        else:
            anyway = chosen
        would_anyway = np.zeros(len(c.worker), dtype=bool)
        would_anyway[anyway] = True
        # the eligible trainees chosen without the program
        pool = c.take(anyway, "worker", "employer", "provider", "program", "disadvantaged")
        if program_on:
            pool = pool.take(self.funding_eligible(pool))
        funded = takes_up[chosen]
        approved = funded
        if funded.any():
            upfront, outcome_max = funder.max_payment(c.tuition[chosen], c.disadvantaged[chosen])
            commitment = np.where(funded, upfront + outcome_max, 0.0)
            approved = funded & funder.approve(commitment)
            self.learn_approval(c.employer[chosen[funded]], approved[funded])
        if (funded & ~approved).any():
            c, funded, would_anyway = self.fall_back(
                c, chosen, funded, approved, would_anyway, anyway, without
            )
        else:
            c, funded, would_anyway = c.take(chosen), approved, would_anyway[chosen]
        c = self.complete(c, tables)
        c.pass_true = self.true_pass_chance(c)
        ability_hat = model.providers.estimated_ability(c.worker, month)
        estimated = model.providers.estimated_pass(ability_hat, c.provider, c.program, c.worker)
        model.recorder.selection(
            estimated[funded] if program_on else estimated, self.predicted_pass(pool, month)
        )
        self.enrol(c, funded, would_anyway & funded, month, ability_hat, estimated)

    def learn_approval(self, employer: np.ndarray, approved: np.ndarray) -> None:
        """Employers learn the chance that an application is approved from their own
        (adaptive expectations): under a budget far below demand they stop planning on it."""
        e = self.model.employers
        n = np.bincount(employer, minlength=e.n)
        got = np.bincount(employer, weights=approved, minlength=e.n)
        e.learn("belief_approval", got / np.maximum(n, 1), n.astype(np.float64))

    def fall_back(self, c, chosen, wanted, approved, would_anyway, anyway, without):
        """The budget ran out on some applications (first come, first served). An employer
        with a refused application keeps its approved funded trainees and fills the rest of
        its capacity with the trainees it would choose without the program (best value
        first): a refusal costs none of the training it would do anyway. Providers see only
        the demand that stands. Returns the starts (candidates), which are funded, and which
        would have started without the program."""
        e, p = self.model.employers, self.model.providers
        refused = np.unique(c.employer[chosen[wanted & ~approved]])
        hit = np.isin(c.employer[chosen], refused)
        keep = chosen[~hit | approved]
        extra = anyway[np.isin(c.employer[anyway], refused) & ~np.isin(anyway, keep)]
        room = np.maximum(self.trainee_capacity() - np.bincount(c.employer[keep], minlength=e.n), 0)
        extra = extra[among_first(c.employer[extra], -without[extra], room)]
        applied = self.applied
        withdrawn = applied[np.isin(c.employer[applied], refused) & ~np.isin(applied, keep)]
        p.count_applicants(c.provider[withdrawn], c.program[withdrawn], sign=-1)
        p.count_applicants(c.provider[extra], c.program[extra])
        rows = np.concatenate([keep, extra])
        funded = np.concatenate([np.isin(keep, chosen[approved]), np.zeros(len(extra), bool)])
        order = np.argsort(rows, kind="stable")
        return c.take(rows[order]), funded[order], would_anyway[rows[order]]

    def predicted_pass(self, c: Candidates, month: int) -> np.ndarray:
        """The chance each candidate completes and passes as predicted from what an
        evaluator can observe (the providers' entry test and credentials held)."""
        p = self.model.providers
        ability_hat = p.estimated_ability(c.worker, month)
        return p.estimated_pass(ability_hat, c.provider, c.program, c.worker)

    def choose_trainees(
        self, c: Candidates, value, outlay, month: int, program_on: bool, count: bool = True
    ) -> np.ndarray:
        """Rows of ``c`` that start: each employer's best within its capacity, cash and fixed
        cost, then admitted by the providers (sorted indices). ``program_on``: providers are
        paid on outcomes if the funding design pays them; ``count``: record the applicants
        and rationing (the world that happens, not its counterfactual)."""
        e, econ = self.model.employers, self.cfg.economy
        capacity = self.trainee_capacity()
        chosen = self.select_within_employers(
            c.employer, value, outlay, e.cash_limit(), capacity, econ.training_fixed_cost
        )
        applicants = c.take(chosen, "worker", "provider", "program")
        if count:
            self.model.providers.count_applicants(applicants.provider, applicants.program)
            self.applied = chosen  # the rows that applied to a provider this month
        admitted = chosen[self.admit(applicants, month, program_on)]
        if count:
            self.model.recorder.rationing(len(chosen), len(admitted))
        return admitted

    def trainee_capacity(self) -> np.ndarray:
        """Trainees each employer can start this month: ``economy.max_trainee_share`` of its
        staff, at least one."""
        share = self.cfg.economy.max_trainee_share
        return np.maximum(1, np.floor(share * self.model.employers.size)).astype(np.int64)

    @staticmethod
    def choose_programs(worker: np.ndarray, value: np.ndarray, compiled=False) -> np.ndarray:
        """For each worker, the row of the program worth most to its employer, funding
        included (ties: the first in catalogue order; a worker's rows are adjacent, as
        :meth:`plan_programs` lists them). Paid on outcomes, an employer picks
        the program whose paid outcome is likeliest for its cost: cheap-outcome substitution
        can emerge (Courty & Marschke 2004; Hillman et al. 2018)."""
        if len(worker) == 0:
            return np.zeros(0, dtype=np.int64)
        # A worker's rows are adjacent (as np.nonzero lists them): the first row with the
        # smallest key of -value (rank_within_groups' order) in each run of rows.
        if compiled:  # the same rows in one pass
            from sim.model.compiled_plans import first_best_in_runs

            return first_best_in_runs(worker, value)
        key = priority_key(-value)
        starts = np.flatnonzero(np.concatenate(([True], worker[1:] != worker[:-1])))
        best = np.flatnonzero(
            key == np.repeat(np.minimum.reduceat(key, starts), np.diff(starts, append=len(key)))
        )
        return best[np.concatenate(([True], worker[best[1:]] != worker[best[:-1]]))]

    @staticmethod
    def select_within_employers(
        employer, value, outlay, cash_limit, capacity, fixed_cost=None
    ) -> np.ndarray:
        """Indices of candidates each employer trains: best value first, while positive,
        within its monthly trainee capacity and its cash limit; given ``fixed_cost``, only
        employers whose chosen trainees are worth more than the fixed cost of training
        (sorted indices)."""
        if groups.compiled_for(len(employer)):  # the same choice in one compiled pass
            from sim.model.arrays.compiled_groups import in_parts, select_within_groups

            return np.flatnonzero(
                in_parts(
                    select_within_groups,
                    len(employer),
                    np.asarray(employer).astype(np.intp, copy=False),
                    value,
                    outlay,
                    np.asarray(cash_limit, dtype=np.float64),
                    np.asarray(capacity, dtype=np.int64),
                    np.float64(-np.inf if fixed_cost is None else fixed_cost),
                )
            )
        positive = np.flatnonzero(value > 0)
        emp = employer[positive]
        limited = np.isfinite(cash_limit)[emp]
        # Cash-limited employers spend down their cash in order of value: rank them fully.
        at_limit = np.flatnonzero(limited)
        emp_limited = emp[at_limit]
        by_value = GroupOrder(emp_limited, -value[positive[at_limit]])
        rank, spent = by_value.rank(), by_value.cumsum(outlay[positive[at_limit]])
        ok = (rank < capacity[emp_limited]) & (spent <= cash_limit[emp_limited])
        # The others only need to know whether a candidate is among their best `capacity`.
        free = np.flatnonzero(~limited)
        top = within_top(emp[free], value[positive[free]], capacity)
        chosen = np.concatenate([positive[at_limit[ok]], positive[free[top]]])
        chosen.sort()
        if fixed_cost is None or len(chosen) == 0:
            return chosen
        total = np.bincount(employer[chosen], weights=value[chosen])
        return chosen[total[employer[chosen]] > fixed_cost]

    def admit(self, c: Candidates, month: int, program_on: bool) -> np.ndarray:
        """Providers fill each program's seats. Paid on outcomes, they admit the applicants
        they estimate likeliest to pass (from an entry test and credentials held: never the
        true chance); otherwise in random order."""
        p = self.model.providers
        if len(c.worker) == 0:
            return np.zeros(0, dtype=np.int64)
        if program_on and p.outcome_paid_per_pass() > 0:
            priority = -self.predicted_pass(c, month)
        else:
            priority = self.model.streams.uniform_at("admission", month, c.worker)
        return np.flatnonzero(among_first(c.provider, priority, p.seats))

    def enrol(
        self,
        c: Candidates,
        funded: np.ndarray,
        deadweight: np.ndarray,
        month: int,
        ability_hat: np.ndarray,
        estimated_pass: np.ndarray,
    ) -> None:
        """Book the starts ``c``, with the providers' estimates of each trainee's ability and
        pass chance (:meth:`predicted_pass`), which set the teaching effort."""
        model, w, funder = self.model, self.model.workers, self.model.funder
        n = len(c.worker)
        if n == 0:
            return
        policy = self.cfg.funding
        _, outcome_max = funder.max_payment(c.tuition, c.disadvantaged)
        supports = any(EVENT[m.event].employer_effort for m in policy.milestones)
        price = np.where(funded | policy.pays_employers, c.price, c.tuition)
        p = model.providers
        pot = np.where(funded, funder.outcome_pot(c.tuition, c.disadvantaged), 0.0)
        effort = p.teaching_effort(c.provider, c.program, c.worker, ability_hat, pot)
        rows = funder.enrolments.append(
            worker=c.worker,
            employer=c.employer,
            provider=c.provider,
            program=c.program,
            start=np.full(n, month),
            end=month + c.months,
            tuition=c.tuition,
            price=price,
            funded=funded,
            disadvantaged=c.disadvantaged,
            pass_prob=c.pass_true,
            estimated_pass=estimated_pass,
            effort=effort,
            support=funded & supports,
            nominal=c.nominal,
            pre_wage=w.wage[c.worker],
            entry_skill=w.entry_skill[c.worker],
            outcome_max=np.where(funded, outcome_max, 0.0),
            deadweight=deadweight,
            in_policy=np.full(n, model.policy_active),
        )
        w.enrolment[c.worker] = rows
        w.program_started[c.worker, c.program] = month
        funder.enrol(rows)
        model.employers.last_training_month[c.employer] = month
        model.employers.pending_receivables += np.bincount(
            c.employer,
            weights=np.where(funded & policy.pays_employers, outcome_max, 0.0),
            minlength=model.employers.n,
        )
        model.recorder.enrolments(rows)

    # --- delivery --------------------------------------------------------------------------
    def deliver(self, month: int) -> None:
        """Programs ending this month: completion, learning, assessment, certification."""
        model, w, p = self.model, self.model.workers, self.model.providers
        ledger = model.funder.enrolments
        first = ledger.first_from("start", month - 12)
        if self.compiled:  # the same rows in one pass
            from sim.model.arrays.compiled_tallies import rows_ending

            rows = rows_ending(first, ledger.end, ledger.dropped, month)
        else:
            rows = first + np.flatnonzero((ledger.end[first:] == month) & ~ledger.dropped[first:])
        if len(rows) == 0:
            return
        ids, prov, prog = ledger.worker[rows], ledger.provider[rows], ledger.program[rows]
        completed, mastered, room, certified = self.learn_and_assess(
            ids, prov, prog, ledger.nominal[rows], month, ledger.effort[rows]
        )
        gain = mastered * room
        standard = p.standard[prov]
        ledger.completed[rows] = completed
        ledger.certified[rows] = certified
        ledger.gain[rows] = gain
        ledger.mastered[rows] = mastered
        ledger.standard[rows] = standard
        value_gain, wage_raise = self.apply_gain(ids, gain, prog)
        self.certify(ids[certified], prog[certified], mastered[certified], prov[certified])
        w.enrolment[ids] = -1
        w.last_training_end[ids] = month
        w.finish_employer[ids] = w.employer[ids]
        expected = ledger.nominal[rows] * w.perceived_ability[ids] * p.quality[prov] * room
        done = completed & (expected > 0)
        employer = ledger.employer[rows][done]
        ratio = gain[done] / expected[done]
        n_obs = np.bincount(employer, minlength=model.employers.n)
        mean_ratio = np.bincount(employer, weights=ratio, minlength=model.employers.n) / np.maximum(
            n_obs, 1
        )
        model.employers.learn("belief_gain", mean_ratio, n_obs)
        model.recorder.completions(rows, completed, certified, value_gain, wage_raise)

    def learn_and_assess(self, ids, prov, prog, nominal, month, effort=None, streams=""):
        """Completion, learning and assessment of trainees ``ids`` finishing program ``prog``
        at provider ``prov`` (``effort``: the provider's teaching effort; ``streams``: prefix of
        the random streams). Returns whether each completed, the content mastered, the share
        of it that adds to productive skill (diminishing returns) and whether each is
        certified. The assessment tests the content mastered."""
        model, w, p, econ = self.model, self.model.workers, self.model.providers, self.cfg.economy
        mode = p.program_mode_factor[prog]
        completion = w.completion_probability(w.ability[ids], mode, w.disadvantaged[ids])
        learning = w.ability[ids] * p.quality[prov]
        if effort is not None and np.any(effort != 1):  # effort raises completion, learning
            pc = self.cfg.providers
            completion = np.minimum(completion * effort**pc.effort_completion_elasticity, 0.99)
            learning = learning * effort**pc.effort_learning_elasticity
        completed = model.streams.uniform_at(streams + "completion", month, ids) < completion
        z = model.streams.normal_at(streams + "learning", month, ids)
        learning = learning * (1 + econ.gain_noise * z)
        mastered = np.where(completed, np.maximum(learning, 0) * nominal, 0.0)
        room = w.learning_room(ids, p.program_target[prog], w.sectors.program_domain[prog])
        threshold = p.pass_threshold(prov, prog) * nominal
        certified = completed & (mastered >= threshold) & self.cfg.credentials.enabled
        return completed, mastered, room, certified

    def apply_gain(
        self, ids: np.ndarray, gain: np.ndarray, program: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Skill rises; the wage rises by the pass-through share of the productivity gain.

        With sectors or domains, the gain is skill in the program's domain: it counts toward
        productive skill with the weight the employer's sector puts on that domain, and a
        part of it is specific to the sector (lost on moving sector; Neal 1995).
        Returns the monthly productivity gain and the wage rise of each worker.
        """
        w, e, econ = self.model.workers, self.model.employers, self.cfg.economy
        general = (1 - econ.specific_share) * gain
        if w.sectors.tracked and program is not None:
            weight = w.sectors.program_weight(np.maximum(w.sector[ids], 0), program)
            sector_part = econ.sector_specific_share * general
            np.add.at(
                w.domain_gain, (ids, w.sectors.program_domain[program]), general - sector_part
            )
            w.sector_skill[ids] += (weight * sector_part).astype(np.float32)
            gain = gain * weight
            general = general * weight
        specific = econ.specific_share * gain
        w.general[ids] += general
        w.specific[ids] += specific
        value = econ.output_per_skill * e.productivity[w.employer[ids]]
        raise_ = value * (econ.pass_through * general + econ.specific_pass_through * specific)
        w.wage[ids] += raise_.astype(np.float32)
        return value * gain, raise_

    def certify(
        self, ids: np.ndarray, program: np.ndarray, true_gain: np.ndarray, provider: np.ndarray
    ) -> None:
        p = self.model.providers
        nominal = p.program_gain[program]
        reference = p.published_standard(program) * nominal
        self.model.workers.award(ids, program, nominal, true_gain, provider, reference)

    def abandon(self, ids: np.ndarray, month: int) -> None:
        """Workers who leave their employer mid-program drop out of it."""
        w = self.model.workers
        leaving = ids[w.enrolment[ids] >= 0]
        if len(leaving) == 0:
            return
        self.model.funder.enrolments.dropped[w.enrolment[leaving]] = True
        w.enrolment[leaving] = -1
        w.last_training_end[leaving] = month

    def assess_prior_learning(self, month: int) -> None:
        """Recognition of prior learning: experienced workers certified by assessment alone."""
        creds = self.cfg.credentials
        if not (creds.rpl and creds.enabled):
            return
        if creds.rpl_funded and not self.model.program_running:
            return
        model, w, p, e = self.model, self.model.workers, self.model.providers, self.model.employers
        ids = np.flatnonzero(w.employed & ~w.in_training)
        program = w.next_program(ids)
        ids, program = ids[program >= 0], program[program >= 0]
        seek = model.streams.uniform_at("rpl_seek", month, ids) < creds.rpl_rate
        ids, program = ids[seek], program[seek]
        provider = e.known_providers[w.employer[ids], 0]
        if creds.rpl_funded:  # the funder pays the fees, first come first served
            fees = np.full(len(ids), creds.rpl_fee)
            paid = model.funder.pay_providers(provider, fees, "upfront") > 0
            ids, program, provider = ids[paid], program[paid], provider[paid]
        if p.design_needed:  # a provider assesses only the programs it offers
            offered = p.offers[provider, program]
            ids, program, provider = ids[offered], program[offered], provider[offered]
        nominal = p.program_gain[program]
        domain = w.sectors.program_domain[program]
        prior = (
            w.domain_skill(ids, domain)
            - creds.rpl_reference_skill
            - w.credential_gain_in(ids, domain)
        )
        passed = prior >= p.pass_threshold(provider, program) * nominal
        w.program_started[ids[passed], program[passed]] = month  # due again after the gap
        self.certify(ids[passed], program[passed], nominal[passed], provider[passed])
        honest = passed & (prior >= p.published_standard(program) * nominal)
        model.recorder.prior_learning(
            w.employer[ids], len(ids), int(passed.sum()), int(honest.sum())
        )
