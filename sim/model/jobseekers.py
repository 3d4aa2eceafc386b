"""The job-seeker pathway: provider-led programs for unemployed workers (docs/model.md
section 3, Job seekers).

Employment services refer eligible unemployed workers (``jobseekers.eligibility``); each
applies to a provider for the next pathway program they do not hold. Providers fill their
pathway seats by the revenue they expect from each applicant: paid a flat fee up front, in
random order; paid on placement, the applicants they expect to place (from their entry test
and the visible skill hiring screens on) first, and only while the expected payment covers the
cost of teaching them. Hard-to-place applicants are therefore left out when placement pays
without a bonus for them (creaming; UK Work Programme, Carter & Whitworth 2015). Participants
stay unemployed and search less while in training (lock-in; van Ours 2004); at the end they
learn and may be certified as trainees are, and a credential raises the skill hiring screens
on. The funder pays the provider up front and on the placement milestones, within its budget.

Whenever the pathway is enabled but the program is not running (the no-program run of a
design, ``funding.enabled=false``), the same referrals and admissions are made and followed,
untrained, so that the placement rate of participants compares like with like.
"""

from __future__ import annotations

import numpy as np

from sim.config.milestones import PLACEMENT_EVENT
from sim.model.arrays.columns import NEVER, ColumnTable
from sim.model.arrays.groups import rank_within_groups

PATHWAY_COLUMNS = {
    "worker": np.int32,
    "provider": np.int32,
    "program": np.int16,
    "start": np.int32,
    "end": np.int32,
    "tuition": np.float64,
    "trained": bool,  # a participant of the running program (false: followed for comparison)
    "disadvantaged": bool,
    "completed": bool,
    "certified": bool,
    "left": bool,  # left the program early (hired, or retired)
    "retired": bool,  # left the labour force: no longer followed
    "placed_month": np.int32,
    "placed_employer": np.int32,
    "assisted": bool,  # the provider assists the participant's job search after the program
    "score": np.float32,  # the provider's placement score at admission
    "pot": np.float64,  # the outcome pot still committed (released as milestones are checked)
    "paid": np.float64,
}

REFERRAL_GAP = 12  # months before someone referred may be referred again
PRIOR_PLACEMENT_RATE = 0.5  # a provider's belief before it has placed anyone
BELIEF_LEARNING_RATE = 0.1  # how fast a provider learns its placement rate (adaptive)


class JobSeekerPathway:
    """Referral, admission, delivery, follow-up and payment of the job-seeker pathway."""

    def __init__(self, model):
        self.model = model
        self.cfg = cfg = model.cfg
        self.policy = cfg.jobseekers
        self.enabled = self.policy.enabled
        self.ledger = ColumnTable(PATHWAY_COLUMNS)
        n = model.workers.n
        self.row_of_worker = np.full(n, -1, dtype=np.int32)  # row while in a program
        self.referred_month = np.full(n, NEVER, dtype=np.int32)
        self.assisted_until = np.full(n, NEVER, dtype=np.int32)  # last month of assistance
        names = [p.name for p in cfg.credentials.programs]
        chosen = self.policy.programs or names
        self.programs = np.array([names.index(name) for name in chosen], dtype=np.intp)
        self.placement_rate_belief = np.full(model.providers.n, PRIOR_PLACEMENT_RATE)
        self.score_mean = np.full(model.providers.n, np.nan)
        self.first_open = 0
        weights = {m.event: m.weight for m in self.policy.milestones}
        self.placement_weight = weights.get("placement", 0.0)
        self.retention_weights = {
            PLACEMENT_EVENT[name].check_offset: w
            for name, w in weights.items()
            if PLACEMENT_EVENT[name].kind == "stayed_placed"
        }
        self.milestone_weight = self.placement_weight + sum(self.retention_weights.values())

    @property
    def training(self) -> bool:
        """This month's referrals are trained (the program runs and the pathway pays)."""
        return self.model.program_running and self.policy.funded

    @property
    def paid_on_placement(self) -> bool:
        return self.policy.outcome_share > 0 and bool(self.policy.milestones)

    def search_share(self, ids: np.ndarray, month: int) -> np.ndarray | float:
        """Each unemployed worker's job search relative to a job seeker's: lower while in a
        pathway program (lock-in), higher while the provider assists it."""
        if not self.enabled:
            return 1.0
        js = self.policy
        in_program = self.row_of_worker[ids] >= 0
        assisted = month <= self.assisted_until[ids]
        lift = np.where(assisted, 1.0 + js.placement_assistance, 1.0)
        return np.where(in_program, js.search_while_training, lift)

    # --- referral and admission ----------------------------------------------------------
    def refer_and_admit(self, month: int) -> None:
        """Refer eligible job seekers; providers admit within their pathway seats."""
        if not (self.enabled and self.model.policy_active):
            return
        model, w = self.model, self.model.workers
        ids = self.eligible(month)
        draw = model.streams.uniform_at("jobseeker_referral", month, ids)
        referred = ids[draw < self.policy.referral_rate]
        program = self.next_program(referred)
        referred, program = referred[program >= 0], program[program >= 0]
        if len(referred) == 0:
            return
        self.referred_month[referred] = month
        model.recorder.flow["jobseekers_referred"] += len(referred)
        model.recorder.flow["jobseekers_referred_disadvantaged"] += int(
            w.disadvantaged[referred].sum()
        )
        u = model.streams.uniform_at("jobseeker_provider", month, referred)
        provider = np.minimum((u * model.providers.n).astype(np.intp), model.providers.n - 1)
        if model.providers.design_needed:  # only programs the provider offers
            offered = model.providers.offers[provider, program]
            referred, provider, program = referred[offered], provider[offered], program[offered]
        admitted, score = self.admit(referred, provider, program, month)
        self.start(
            referred[admitted], provider[admitted], program[admitted], month, score[admitted]
        )

    def eligible(self, month: int) -> np.ndarray:
        """Unemployed workers who had a job before, not in or recently referred to the
        pathway, in the eligible group."""
        w = self.model.workers
        ok = (w.employer < 0) & (w.sector >= 0) & (self.row_of_worker < 0)
        ok &= month - self.referred_month >= REFERRAL_GAP
        group = self.policy.eligibility
        if group == "disadvantaged":
            ok &= w.disadvantaged
        elif group == "displaced":
            ok &= (w.displaced_month >= 0) & (w.unemployed_since == w.displaced_month)
        return np.flatnonzero(ok)

    def next_program(self, ids: np.ndarray) -> np.ndarray:
        """The first pathway program each job seeker does not hold (-1: they hold them all)."""
        held = self.model.workers.credentials[ids]
        chosen = np.full(len(ids), -1, dtype=np.intp)
        for k in self.programs[::-1]:
            chosen = np.where((held >> k) & 1 == 0, k, chosen)
        return chosen

    def expected_revenue(self, ids, provider, program, month) -> tuple[np.ndarray, np.ndarray]:
        """What a provider expects to be paid for each applicant, and the applicant's
        placement score: its estimate of the chance to certify (entry test, credentials)
        times the skill hiring screens on. Its placement belief scales the score."""
        p, w, js = self.model.providers, self.model.workers, self.policy
        tuition = p.program_tuition[program]
        ability_hat = p.estimated_ability(ids, month)
        score = p.estimated_pass(ability_hat, provider, program, ids) * w.entry_skill[ids]
        revenue = js.upfront_share * tuition
        if self.paid_on_placement:
            chance = self.placement_chance(provider, score)
            pot = self.pot(tuition, w.disadvantaged[ids])
            revenue = revenue + pot * self.milestone_weight * chance
        return revenue, score

    def placement_chance(self, provider: np.ndarray, score: np.ndarray) -> np.ndarray:
        """A provider's estimate of each participant's placement chance: its placement rate
        so far x the participant's score relative to its past participants' (before it has
        any, to these ones')."""
        mean = self.score_mean[provider]
        mean = np.where(np.isnan(mean), score.mean(), mean)
        # a score of zero (no chance to certify) places no one, even where past ones scored
        # zero too (0 / 0)
        relative = np.divide(score, mean, out=np.zeros(len(score)), where=score != 0)
        return np.clip(self.placement_rate_belief[provider] * relative, 0.0, 1.0)

    def pot(self, tuition: np.ndarray, disadvantaged: np.ndarray) -> np.ndarray:
        bonus = np.where(disadvantaged, self.policy.disadvantaged_bonus, 1.0)
        return self.policy.outcome_share * tuition * bonus

    def admit(self, ids, provider, program, month) -> np.ndarray:
        """Each provider's pathway seats go to the applicants it expects to pay most, among
        those whose expected payment covers the cost of teaching them; paid only up front it
        expects the same from everyone, and admits in random order."""
        p = self.model.providers
        revenue, score = self.expected_revenue(ids, provider, program, month)
        cost = self.cfg.providers.unit_cost_share * p.program_tuition[program]
        if self.paid_on_placement:
            priority = -(revenue - cost)
        else:
            priority = self.model.streams.uniform_at("jobseeker_admission", month, ids)
        worthwhile = revenue >= cost
        rank = rank_within_groups(provider, np.where(worthwhile, priority, np.inf))
        admitted = worthwhile & (rank < self.policy.seats_per_provider)
        chosen = np.flatnonzero(admitted)
        if len(chosen):
            sums = np.bincount(provider[chosen], weights=score[chosen], minlength=p.n)
            counts = np.bincount(provider[chosen], minlength=p.n)
            has = counts > 0
            month_mean = sums[has] / counts[has]
            old = self.score_mean[has]
            self.score_mean[has] = np.where(
                np.isnan(old), month_mean, old + BELIEF_LEARNING_RATE * (month_mean - old)
            )
        return admitted, score

    def start(self, ids, provider, program, month, score) -> None:
        """Book the admitted. While the program runs, the budget funds them first come first
        served (their upfront payment and outcome pot); those it cannot fund, and in the
        no-program run everyone, are followed untrained: the admitted cohort is the same in
        both runs, so its placements compare like with like (intention to treat)."""
        model, w, p = self.model, self.model.workers, self.model.providers
        n = len(ids)
        if n == 0:
            return
        tuition = p.program_tuition[program].astype(np.float64)
        pot = self.pot(tuition, w.disadvantaged[ids]) * self.milestone_weight
        upfront = self.policy.upfront_share * tuition
        paid_upfront = np.zeros(n)
        if self.training:
            trained = model.funder.approve(upfront + pot)
            model.funder.committed += float(pot[trained].sum())
            paid = model.funder.pay_providers(provider[trained], upfront[trained], "upfront")
            paid_upfront[trained] = paid
        else:
            trained = np.zeros(n, dtype=bool)
        rows = self.ledger.append(
            worker=ids,
            provider=provider,
            program=program,
            start=np.full(n, month),
            end=month + p.program_months[program],
            tuition=tuition,
            trained=trained,
            disadvantaged=w.disadvantaged[ids],
            placed_month=np.full(n, NEVER),
            placed_employer=np.full(n, -1),
            pot=np.where(trained, pot, 0.0),
            paid=paid_upfront,
            score=score,
        )
        self.row_of_worker[ids[trained]] = rows[trained]
        f = model.recorder.flow
        f["jobseekers_admitted"] += n
        f["jobseekers_admitted_disadvantaged"] += int(w.disadvantaged[ids].sum())
        f["jobseeker_starts"] += int(trained.sum())
        f["program_delivery_spend"] += float(tuition[trained].sum())

    # --- delivery --------------------------------------------------------------------------
    def deliver(self, month: int) -> None:
        """Programs ending this month: completion, learning and assessment, as for trainees
        (no employer: the whole gain is general skill, in the program's domain)."""
        if not self.enabled or self.ledger.size == 0:
            return
        model, w, p = self.model, self.model.workers, self.model.providers
        ledger = self.ledger
        rows = np.arange(self.first_open, ledger.size)
        rows = rows[(ledger.end[rows] == month) & ledger.trained[rows] & ~ledger.left[rows]]
        if len(rows) == 0:
            return
        ids, prov, prog = ledger.worker[rows], ledger.provider[rows], ledger.program[rows]
        completed, mastered, room, certified = model.training.learn_and_assess(
            ids, prov, prog, p.program_gain[prog], month, streams="jobseeker_"
        )
        gain = (mastered * room).astype(np.float32)
        domain = w.sectors.program_domain[prog]
        if w.sectors.tracked:
            np.add.at(w.domain_gain, (ids, domain), gain)
            gain = gain * w.sectors.weights[np.maximum(w.sector[ids], 0), domain]
        w.general[ids] += gain
        model.training.certify(
            ids[certified], prog[certified], mastered[certified], prov[certified]
        )
        ledger.completed[rows] = completed
        ledger.certified[rows] = certified
        self.row_of_worker[ids] = -1
        assist = self.worth_assisting(rows)
        ledger.assisted[rows[assist]] = True
        self.assisted_until[ids[assist]] = month + self.policy.placement_window
        f = model.recorder.flow
        f["jobseekers_assisted"] += int(assist.sum())
        f["jobseekers_assisted_disadvantaged"] += int((assist & ledger.disadvantaged[rows]).sum())
        cost = self.policy.assistance_cost_share * ledger.tuition[rows[assist]]
        f["program_delivery_spend"] += float(cost.sum())
        if self.policy.assistance_funded:
            paid = model.funder.pay_providers(ledger.provider[rows[assist]], cost, "upfront")
            ledger.paid[rows[assist]] += paid
        f["jobseeker_completions"] += int(completed.sum())
        f["jobseeker_certifications"] += int(certified.sum())

    def worth_assisting(self, rows: np.ndarray) -> np.ndarray:
        """The provider assists a finishing participant's job search when the placement pay
        it expects to gain covers the cost: gain = the milestones' pot x the rise in the
        placement chance, largest for participants it expects to place about half the time
        (``chance x (1 - chance)``, the margin of a logistic chance), so the hardest and the
        surest cases are left alone (parking; Carter & Whitworth 2015). Paid only up front, a
        provider gains nothing by assisting, unless the funder buys the assistance
        (``jobseekers.assistance_funded``): then every participant who finishes gets it."""
        if self.policy.assistance_funded:
            return np.ones(len(rows), dtype=bool)
        if not self.paid_on_placement or len(rows) == 0:
            return np.zeros(len(rows), dtype=bool)
        ledger, js = self.ledger, self.policy
        chance = self.placement_chance(ledger.provider[rows], ledger.score[rows])
        gain = self.milestone_weight * self.full_pot(rows) * js.placement_assistance
        gain = gain * chance * (1 - chance)
        return gain >= js.assistance_cost_share * ledger.tuition[rows]

    def retire(self, ids: np.ndarray) -> None:
        """Participants who leave the labour force are no longer followed."""
        if not self.enabled:
            return
        rows = self.row_of_worker[ids]
        self.row_of_worker[ids] = -1
        self.assisted_until[ids] = NEVER
        if self.ledger.size == 0:
            return
        open_rows = np.arange(self.first_open, self.ledger.size)
        gone = open_rows[np.isin(self.ledger.worker[open_rows], ids)]
        self.ledger.retired[gone] = True
        self.ledger.left[rows[rows >= 0]] = True
        self.release(gone, self.ledger.pot[gone])

    # --- follow-up and payment -------------------------------------------------------------
    def follow_up(self, month: int) -> None:
        """After this month's hiring: participants just hired are placed (a participant hired
        before the end leaves the program); placement and retention milestones are paid;
        the placement windows closing now are counted; providers learn their placement rate."""
        if not self.enabled or self.ledger.size == 0:
            return
        model, w, ledger = self.model, self.model.workers, self.ledger
        window = self.policy.placement_window
        rows = np.arange(self.first_open, ledger.size)
        rows = rows[~ledger.retired[rows]]
        ids = ledger.worker[rows]
        waiting = ledger.placed_month[rows] == NEVER
        hired = rows[waiting & (w.employer[ids] >= 0) & (month <= ledger.end[rows] + window)]
        if len(hired):
            ledger.placed_month[hired] = month
            ledger.placed_employer[hired] = w.employer[ledger.worker[hired]]
            early = hired[(ledger.end[hired] > month) & ledger.trained[hired]]
            ledger.left[early] = True
            self.row_of_worker[ledger.worker[early]] = -1
            model.recorder.flow["jobseeker_placements"] += len(hired)
            self.pay_milestone(hired, self.placement_weight)
        placed = rows[ledger.placed_month[rows] >= 0]
        for offset, weight in self.retention_weights.items():
            due = placed[ledger.placed_month[placed] + offset == month]
            stayed = w.employer[ledger.worker[due]] == ledger.placed_employer[due]
            self.pay_milestone(due[stayed], weight)
            self.release(due[~stayed], weight * self.full_pot(due[~stayed]))
        closing = rows[ledger.end[rows] + window == month]
        self.close_windows(closing, month)
        last = max(self.retention_weights, default=0)
        done = (ledger.end[rows] + window < month) & (
            (ledger.placed_month[rows] == NEVER) | (ledger.placed_month[rows] + last < month)
        )
        if done.all() and len(rows):
            self.first_open = int(rows[-1]) + 1
        elif len(rows):
            self.first_open = int(rows[np.argmin(done)])

    def full_pot(self, rows: np.ndarray) -> np.ndarray:
        """The outcome pot a milestone weight of 1 pays for each row (0: not trained)."""
        ledger = self.ledger
        return self.pot(ledger.tuition[rows], ledger.disadvantaged[rows]) * ledger.trained[rows]

    def pay_milestone(self, rows: np.ndarray, weight: float) -> None:
        if weight == 0 or len(rows) == 0:
            return
        rows = rows[self.ledger.trained[rows]]
        amount = weight * self.full_pot(rows)
        self.release(rows, amount)
        paid = self.model.funder.pay_providers(self.ledger.provider[rows], amount, "outcome")
        self.ledger.paid[rows] += paid

    def release(self, rows: np.ndarray, amount: np.ndarray) -> None:
        """Free committed outcome money once the milestone it stood for is checked."""
        if len(rows) == 0:
            return
        free = np.minimum(amount, self.ledger.pot[rows])
        self.ledger.pot[rows] -= free
        self.model.funder.committed -= float(free.sum())

    def close_windows(self, rows: np.ndarray, month: int) -> None:
        """Participants whose placement window closes now: counted for the placement rate;
        the unplaced release their whole pot; providers learn their placement rate."""
        if len(rows) == 0:
            return
        ledger, f = self.ledger, self.model.recorder.flow
        placed = ledger.placed_month[rows] >= 0
        f["jobseekers_followed"] += len(rows)
        f["jobseekers_placed_in_window"] += int(placed.sum())
        self.release(rows[~placed], ledger.pot[rows[~placed]])
        providers = ledger.provider[rows]
        n = np.bincount(providers, minlength=self.model.providers.n)
        rate = np.bincount(providers, weights=placed, minlength=self.model.providers.n)
        has = n > 0
        step = 1 - (1 - BELIEF_LEARNING_RATE) ** n[has]
        belief = self.placement_rate_belief
        belief[has] += step * (rate[has] / n[has] - belief[has])
