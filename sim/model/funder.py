"""The funder: a policy that is pure configuration (docs/model.md section 3, Funder).

It pays an upfront share of tuition at enrolment and an outcome share on milestones
({event, weight, lag}), to employers or providers, with a multiplier for disadvantaged
participants, a yearly budget (first come, first served), a cap per participant (in dollars,
and as a share of the participant's cost), audits with penalties for false claims, an
administrative cost per claim (the recipient's and the funder's own), a cost per audit and a
payment delay. Every dollar it pays is booked to the employer or provider that received it.
"""

from __future__ import annotations

from functools import cached_property

import numpy as np

from sim.config.milestones import EVENT, EVENTS
from sim.model.arrays.columns import ColumnTable
from sim.model.arrays.groups import cumsum_within_groups
from sim.model.trial import TrialAssignment

ENROLMENT_COLUMNS = {
    "worker": np.int32,
    "employer": np.int32,
    "provider": np.int32,
    "program": np.int16,
    "start": np.int32,
    "end": np.int32,
    "tuition": np.float64,
    "price": np.float64,
    "funded": bool,
    "disadvantaged": bool,
    "pass_prob": np.float32,  # true chance to complete and pass (for KPIs only)
    "entry_skill": np.float32,  # the worker's skill on entering the labour market
    "mastered": np.float32,  # content mastered (what the assessment tests; 0 if not completed)
    "estimated_pass": np.float32,  # the provider's estimate of it at admission
    "effort": np.float32,  # the provider's teaching effort (1: standard delivery)
    "completed": bool,
    "certified": bool,
    "dropped": bool,
    "support": bool,
    "gain": np.float32,
    "reported_gain": np.float32,  # self-reported gain on a skill-gain claim (0: no claim)
    "nominal": np.float32,
    "standard": np.float32,
    "pre_wage": np.float32,
    "outcome_max": np.float64,
    "outcome_released": np.float64,  # part of outcome_max whose milestones have been checked
    # KPI bookkeeping (sim.kpis.Recorder)
    "poached_within_year": bool,  # hired away within 12 months of finishing
    "employer_cost": np.float64,  # employer's outlay: price, release and support time
    "first_year_rent": np.float64,  # employer's rent from the trainee in year one
    "upfront_paid": np.float64,
    "outcome_paid": np.float64,
    "deadweight": bool,
    "in_policy": bool,
}

CLAIM_COLUMNS = {
    "enrolment": np.int32,
    "milestone": np.int16,
    "due": np.int32,
    "amount": np.float64,
    "done": bool,
}


class Funder:
    """Pays for training according to ``cfg.funding``; keeps the enrolment ledger."""

    @staticmethod
    def ledger_room(cfg) -> int:
        """Rows to reserve in the enrolment ledger: no worker starts more often than once per
        ``1 + economy.retraining_gap`` months (at most 12 starts a worker). Growing a ledger
        of millions of rows by copying it costs seconds of page faults at full scale, while
        reserved rows not yet written cost no memory (their pages are mapped on first
        write); a ledger that outgrows the room still grows."""
        months, gap = cfg.time.months, cfg.economy.retraining_gap
        return max(1024, cfg.population.workers * min(12, -(-months // (1 + gap))))

    def __init__(self, model):
        self.model = model
        self.cfg = cfg = model.cfg
        self.policy = cfg.funding
        self.streams = model.streams
        n_employers, n_providers = model.employers.n, model.providers.n
        self.enrolments = ColumnTable(ENROLMENT_COLUMNS, capacity=self.ledger_room(cfg))
        self.claims = ColumnTable(CLAIM_COLUMNS)
        self.paid_to_employer = np.zeros(n_employers)
        self.paid_to_provider = np.zeros(n_providers)
        self.recovered = 0.0
        self.total_paid = 0.0
        self.paid_outside_ledger = 0.0  # to providers for the job-seeker pathway
        self.paid_this_year = 0.0
        self.committed = 0.0
        self.budget_year = -1
        self.first_pending_claim = 0
        self.milestone_offsets = [EVENT[m.event].check_offset for m in self.policy.milestones]
        rules = {  # how each kind of milestone event is decided (sim.config.milestones)
            "took_part": self.took_part,
            "completed": self.completed,
            "certified": self.certified,
            "gained_skill": self.gained_skill,
            "supported": self.supported,
            "stayed": self.stayed,
            "gained_wage": self.gained_wage,
        }
        self.happened = {event.name: rules[event.kind] for event in EVENTS}
        self.max_check_offset = max(self.milestone_offsets, default=0) + 12
        # outcome potential of checked milestones, by the month their payment falls due
        self.potential_due: dict[int, float] = {}
        self.month_flows: dict[str, float] = {}
        self.last_payments = (np.zeros(0, dtype=np.int32), np.zeros(0), np.zeros(0))
        self.trial = TrialAssignment(cfg, self.streams)
        # Claimants who would inflate a self-reported gain (drawn once per claimant).
        n_claimants = n_employers if self.policy.pays_employers else n_providers
        draw = self.streams.uniform("dishonest_claimants", -1, n_claimants)
        self.dishonest = draw < cfg.economy.dishonest_share

    # --- policy queries ------------------------------------------------------------------
    @property
    def offers_funding(self) -> bool:
        return self.policy.enabled and (
            self.policy.upfront_share > 0
            or (self.policy.outcome_share > 0 and len(self.policy.milestones) > 0)
        )

    @property
    def accepting(self) -> bool:
        """The program takes applications: it offers funding and this policy year's budget,
        net of what is committed, can still fund someone (an exhausted budget closes
        applications until the next year, as real programs do)."""
        if not self.offers_funding:
            return False
        budget = self.cfg.yearly_budget
        return budget is None or self.budget_left() - self.committed >= self.smallest_commitment

    @cached_property
    def smallest_commitment(self) -> float:
        """What funding the cheapest program of the catalogue commits (upfront and outcome
        pot at its base tuition): a budget with less left cannot fund anyone."""
        tuition = np.array([min(p.tuition for p in self.cfg.credentials.programs)])
        upfront, outcome = self.max_payment(tuition, np.zeros(1, dtype=bool))
        return float(upfront[0] + outcome[0])

    def bonus(self, disadvantaged: np.ndarray) -> np.ndarray | float:
        if self.policy.disadvantaged_bonus == 1.0:
            return 1.0
        return np.where(disadvantaged, self.policy.disadvantaged_bonus, 1.0)

    def eligible(self, is_sme: np.ndarray, disadvantaged: np.ndarray) -> np.ndarray:
        rules = self.policy.eligibility
        ok = np.ones(len(disadvantaged), dtype=bool)
        if rules.sme_only:
            ok &= is_sme
        if rules.disadvantaged_only:
            ok &= disadvantaged
        return ok

    def trial_eligible(self, employer: np.ndarray, worker: np.ndarray) -> np.ndarray | None:
        """Under a trial, whether each (employer, worker) may use the program (only treated
        units may); None when there is no trial (everyone eligible may)."""
        if not self.trial.enabled:
            return None
        return self.trial.has_access(employer, worker)

    def participant_cap(self, tuition: np.ndarray) -> np.ndarray:
        """Most the funder pays for each participant: ``max_payment_share`` of its cost, and
        at most ``cap_per_participant`` dollars."""
        cap = self.policy.max_payment_share * np.asarray(tuition, dtype=np.float64)
        if self.policy.cap_per_participant is not None:
            cap = np.minimum(cap, self.policy.cap_per_participant)
        return cap

    def outcome_pot(self, tuition: np.ndarray, disadvantaged: np.ndarray) -> np.ndarray:
        """Each participant's outcome pot: the outcome share of its tuition, with the bonus
        for disadvantaged participants; a milestone pays its weight of it."""
        return self.policy.outcome_share * tuition * self.bonus(disadvantaged)

    def max_payment(self, tuition: np.ndarray, disadvantaged: np.ndarray) -> tuple:
        """Upfront payment and largest total outcome payment for each participant, within
        the participant cap (what is paid, and what employers expect)."""
        upfront = self.policy.upfront_share * tuition
        outcome = self.outcome_pot(tuition, disadvantaged)
        outcome = outcome * sum(m.weight for m in self.policy.milestones)
        cap = self.participant_cap(tuition)
        upfront = np.minimum(upfront, cap)
        outcome = np.minimum(outcome, cap - upfront)
        return upfront, outcome

    # --- budget ----------------------------------------------------------------------------
    def start_month(self, month: int) -> None:
        """A new policy year renews the budget; the month's payment flows start at zero; a
        trial enrols its units at the policy start and opens its wait-list when due."""
        year = (month - self.cfg.time.burn_in) // 12
        if year != self.budget_year:
            self.budget_year = year
            self.paid_this_year = 0.0
        self.last_payments = (np.zeros(0, dtype=np.int32), np.zeros(0), np.zeros(0))
        self.month_flows = dict.fromkeys(
            (
                "upfront",
                "outcome",
                "recovered",
                "admin",
                "funder_admin",
                "audits",
                "audit_costs",
                "outcome_potential",
                "claims",
                "false_claims",
                "to_providers_outside_ledger",
            ),
            0.0,
        )
        if self.trial.enabled:
            self.trial.open_month(self.model)

    def budget_left(self) -> float:
        budget = self.cfg.yearly_budget
        return np.inf if budget is None else budget - self.paid_this_year

    def approve(self, commitment: np.ndarray) -> np.ndarray:
        """First come, first served: approve participants while the year's budget lasts."""
        left = self.budget_left() - self.committed
        if not np.isfinite(left):
            return np.ones(len(commitment), dtype=bool)
        return np.cumsum(commitment, dtype=np.float64) <= left

    # --- payments --------------------------------------------------------------------------
    def pay(self, rows: np.ndarray, amounts: np.ndarray, kind: str) -> np.ndarray:
        """Pay ``amounts`` for enrolment ``rows`` within budget and caps; returns paid amounts."""
        if len(rows) == 0:
            return np.zeros(0)
        ledger = self.enrolments
        column = ledger.upfront_paid if kind == "upfront" else ledger.outcome_paid
        if self.policy.pays_employers:
            recipient, received = ledger.employer, self.paid_to_employer
        else:
            recipient, received = ledger.provider, self.paid_to_provider
        if self.model.compiled:  # the same payments in one pass
            from sim.model.compiled_funder import pay

            cap = self.policy.cap_per_participant
            paid = pay(
                np.asarray(rows),
                np.asarray(amounts, dtype=np.float64),
                (ledger.tuition, ledger.upfront_paid, ledger.outcome_paid),
                (float(self.policy.max_payment_share), np.inf if cap is None else float(cap)),
                self.budget_left() + 1e-6,
                column,
                recipient,
                received,
            )
            self.book(paid, kind)
            return paid
        cap_left = self.participant_cap(ledger.tuition[rows]) - ledger.upfront_paid[rows]
        cap_left = cap_left - ledger.outcome_paid[rows]
        earlier = cumsum_within_groups(rows, np.arange(len(rows)), amounts) - amounts
        amounts = np.clip(np.minimum(amounts, cap_left - earlier), 0.0, None)
        paid = self.within_budget(amounts)
        np.add.at(column, rows, paid)
        np.add.at(received, recipient[rows], paid)
        self.book(paid, kind)
        return paid

    def pay_providers(self, provider: np.ndarray, amounts: np.ndarray, kind: str) -> np.ndarray:
        """Pay providers for the job-seeker pathway (its own ledger, not the enrolment
        ledger's), first come first served within the year's budget; each payment is a claim
        the funder processes. Returns the amounts paid."""
        if len(amounts) == 0:
            return np.zeros(0)
        paid = self.within_budget(amounts)
        np.add.at(self.paid_to_provider, provider, paid)
        total = self.book(paid, kind)
        self.paid_outside_ledger += total
        self.month_flows["to_providers_outside_ledger"] += total
        self.charge_funder_admin(int(np.count_nonzero(paid > 0)))
        return paid

    def within_budget(self, amounts: np.ndarray) -> np.ndarray:
        """``amounts`` in order, each paid in full while the year's budget lasts (first come,
        first served), 0 after."""
        fits = np.cumsum(amounts, dtype=np.float64) <= self.budget_left() + 1e-6
        return np.where(fits, amounts, 0.0)

    def book(self, paid: np.ndarray, kind: str) -> float:
        """Count payments in the funder's totals, the year's spending and the month's
        ``kind`` flow; returns their sum."""
        total = float(paid.sum())
        self.total_paid += total
        self.paid_this_year += total
        self.month_flows[kind] += total
        return total

    def enrol(self, rows: np.ndarray) -> None:
        """Book new funded participants: commit their outcome pot, pay the upfront share (each
        upfront payment is a claim the funder processes), check the milestones met at the
        start (enrolment: the check of this month ran before the participants enrolled)."""
        ledger = self.enrolments
        funded = rows[ledger.funded[rows]]
        if len(funded) == 0:
            return
        self.committed += float(ledger.outcome_max[funded].sum())
        upfront, _ = self.max_payment(ledger.tuition[funded], ledger.disadvantaged[funded])
        self.pay(funded, upfront, "upfront")
        self.charge_funder_admin(int(np.count_nonzero(upfront > 0)))
        month = int(ledger.start[funded[0]])
        self.check_milestones(month, funded, at_start=True)

    def charge_funder_admin(self, n_claims: int, n_audits: int = 0) -> None:
        """The funder's own cost of processing claims and of auditing them (public cost)."""
        self.month_flows["funder_admin"] += self.policy.funder_admin_cost_per_claim * n_claims
        self.month_flows["audits"] += n_audits
        self.month_flows["audit_costs"] += self.policy.audit_cost * n_audits

    # --- milestones ------------------------------------------------------------------------
    def check_milestones(
        self, month: int, rows: np.ndarray | None = None, at_start: bool = False
    ) -> None:
        """Evaluate each milestone whose check month is now; successful ones become claims.

        ``at_start``: only the milestones checked in the start month (enrolment), for the
        new participants ``rows``, which enrolled after this month's regular check."""
        if not self.policy.milestones:
            return
        ledger = self.enrolments
        if rows is None:
            first = ledger.first_from("start", month - self.max_check_offset - 12)
        else:
            rows = np.asarray(rows)
            rows = rows[ledger.funded[rows]]
            if len(rows) == 0:
                return
        for m, (milestone, offset) in enumerate(
            zip(self.policy.milestones, self.milestone_offsets)
        ):
            from_start = EVENT[milestone.event].from_start
            if at_start and not (from_start and offset == 0):
                continue
            if rows is None:
                due_rows = self.funded_rows_checked(first, month - offset, from_start)
            else:
                base = ledger.start[rows] if from_start else ledger.end[rows]
                due_rows = rows[base + offset == month]
            if len(due_rows) == 0:
                continue
            pot = self.outcome_pot(ledger.tuition[due_rows], ledger.disadvantaged[due_rows])
            amount = pot * milestone.weight
            success = self.event_happened(milestone.event, due_rows)
            release = self.release_commitment(due_rows, amount)
            due = month + milestone.lag + self.policy.payment_delay
            self.potential_due[due] = self.potential_due.get(due, 0.0) + float(release.sum())
            self.claims.append(
                enrolment=due_rows[success],
                milestone=np.full(int(success.sum()), m, dtype=np.int16),
                due=np.full(int(success.sum()), due),
                amount=amount[success],
            )
            if self.policy.pays_employers:
                np.subtract.at(
                    self.model.employers.pending_receivables, ledger.employer[due_rows], release
                )

    def funded_rows_checked(self, first: int, base_month: int, from_start: bool) -> np.ndarray:
        """Funded enrolments from row ``first`` whose start (``from_start``) or end month is
        ``base_month``, in row order. The ledger is sorted by start month and a program ends
        at most the longest program's months after it starts, so only the rows that started
        in those months are read, not every row since ``first``."""
        ledger, months = self.enrolments, self.model.providers.program_months
        earliest = base_month if from_start else base_month - int(months.max())
        lo = max(first, ledger.first_from("start", earliest))
        hi = max(lo, ledger.first_from("start", base_month + 1))
        column = ledger.start if from_start else ledger.end
        return lo + np.flatnonzero(ledger.funded[lo:hi] & (column[lo:hi] == base_month))

    def release_commitment(self, rows: np.ndarray, amount: np.ndarray) -> np.ndarray:
        """Free the part of each participant's committed outcome pot that a checked milestone
        stood for. A cap per participant can make the pot smaller than the milestones' sum,
        so what is released never exceeds what was committed."""
        ledger = self.enrolments
        release = np.minimum(amount, ledger.outcome_max[rows] - ledger.outcome_released[rows])
        release = np.maximum(release, 0.0)
        ledger.outcome_released[rows] += release
        self.committed -= float(release.sum())
        return release

    def event_happened(self, event: str, rows: np.ndarray) -> np.ndarray:
        """Whether each enrolment of ``rows`` met the milestone ``event`` (sim.config.milestones)."""
        return self.happened[event](rows)

    def took_part(self, rows: np.ndarray) -> np.ndarray:
        return np.ones(len(rows), dtype=bool)

    def completed(self, rows: np.ndarray) -> np.ndarray:
        return self.enrolments.completed[rows]

    def certified(self, rows: np.ndarray) -> np.ndarray:
        return self.enrolments.certified[rows]

    @property
    def inflation_pays(self) -> bool:
        """Inflating a self-report pays when the expected audit penalty (audit probability x
        the payment plus the penalty) is below the payment."""
        return self.policy.audit_probability * (1.0 + self.policy.false_claim_penalty) < 1.0

    def inflates(self, employer: np.ndarray, provider: np.ndarray) -> np.ndarray:
        """Whether the claimant of each enrolment would inflate a self-reported skill gain."""
        claimant = employer if self.policy.pays_employers else provider
        return self.dishonest[claimant] & self.inflation_pays

    def gained_skill(self, rows: np.ndarray) -> np.ndarray:
        """The self-reported pre/post gain reaches the threshold. A dishonest claimant for
        whom inflation pays reports just enough when the true gain falls short."""
        ledger = self.enrolments
        threshold = self.policy.skill_gain_threshold * ledger.nominal[rows]
        completed = ledger.completed[rows]
        truly = completed & (ledger.gain[rows] >= threshold)
        inflated = completed & ~truly & self.inflates(ledger.employer[rows], ledger.provider[rows])
        reported = np.where(inflated, threshold, ledger.gain[rows])
        met = truly | inflated
        ledger.reported_gain[rows[met]] = reported[met]
        return met

    def supported(self, rows: np.ndarray) -> np.ndarray:
        return self.enrolments.support[rows] & ~self.enrolments.dropped[rows]

    def stayed(self, rows: np.ndarray) -> np.ndarray:
        ledger = self.enrolments
        stayed = self.model.workers.employer[ledger.worker[rows]] == ledger.employer[rows]
        return ledger.completed[rows] & stayed

    def gained_wage(self, rows: np.ndarray) -> np.ndarray:
        ledger = self.enrolments
        wage = self.model.workers.wage[ledger.worker[rows]]
        raised = wage >= ledger.pre_wage[rows] * (1 + self.policy.wage_gain_threshold)
        return ledger.completed[rows] & raised

    def pay_claims(self, month: int) -> None:
        """Pay the claims due this month, after audits; false claims are penalised.

        The month's ``outcome_potential`` is the most the milestones falling due now could
        pay (those met and those missed), so that it and the month's outcome payments are
        about the same milestones (the monthly ``reimbursement_rate``)."""
        claims = self.claims
        for due_month in [m for m in self.potential_due if m <= month]:
            self.month_flows["outcome_potential"] += self.potential_due.pop(due_month)
        start = self.first_pending_claim
        pending = np.arange(start, claims.size)
        due = pending[(claims.due[pending] <= month) & ~claims.done[pending]]
        if len(due):
            rows = claims.enrolment[due]
            amounts = claims.amount[due].copy()
            untrue = self.untrue(due, rows)
            audited = self.audited(due, month)
            false = audited & untrue
            self.charge_funder_admin(len(due), int(audited.sum()))
            self.month_flows["claims"] += len(due)
            self.month_flows["false_claims"] += int(untrue.sum())
            amounts[false] = 0.0
            penalty = self.policy.false_claim_penalty * claims.amount[due][false]
            self.recover(rows[false], penalty)
            paid = self.pay(rows, amounts, "outcome")
            self.last_payments = (rows, claims.amount[due].copy(), paid)
            claims.done[due] = True
            admin = self.policy.admin_cost_per_claim * len(due)
            self.month_flows["admin"] += admin
        still_pending = np.flatnonzero(~claims.done[self.first_pending_claim :])
        self.first_pending_claim += (
            int(still_pending[0]) if len(still_pending) else claims.size - self.first_pending_claim
        )

    def audited(self, claim_ids: np.ndarray, month: int) -> np.ndarray:
        """Which claims the funder audits (each with ``audit_probability``)."""
        u = self.streams.uniform_at("audit", month, claim_ids)
        return u < self.policy.audit_probability

    def untrue(self, claim_ids: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Claims an audit would find false: a certification whose trainee missed the
        published standard (the initial standard x the program's rigor), or a self-reported
        skill gain above the true one. Other milestones are facts the funder verifies
        (completion records, payroll), so their claims are true."""
        ledger = self.enrolments
        milestones = self.policy.milestones
        milestone = self.claims.milestone[claim_ids]
        assessed = np.array([EVENT[m.event].assessed for m in milestones])[milestone]
        certifies = np.array([EVENT[m.event].kind == "certified" for m in milestones])[milestone]
        # what the claim says the trainee gained, as a share of the nominal gain: a credential
        # certifies content mastered, a self-report the productive skill gain
        published = self.model.providers.published_standard(ledger.program[rows])
        claimed = np.where(certifies, published, np.float32(self.policy.skill_gain_threshold))
        shown = np.where(certifies, ledger.mastered[rows], ledger.gain[rows])
        return assessed & (shown < claimed * ledger.nominal[rows])

    def recover(self, rows: np.ndarray, penalty: np.ndarray) -> None:
        """Penalties flow back from the recipient to the funder."""
        if len(rows) == 0:
            return
        ledger = self.enrolments
        if self.policy.pays_employers:
            np.add.at(self.paid_to_employer, ledger.employer[rows], -penalty)
        else:
            np.add.at(self.paid_to_provider, ledger.provider[rows], -penalty)
        self.recovered += float(penalty.sum())
        self.month_flows["recovered"] += float(penalty.sum())
