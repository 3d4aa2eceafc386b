"""The employer's valuation of training candidates (:meth:`sim.model.training.Training.value`
on :meth:`~sim.model.training.Training.rows`) in one compiled pass (Numba), for large arrays.

NumPy evaluates the valuation one operation at a time over every candidate, a pass over
memory each (about a hundred at full scale); here each candidate is valued in one go. This is
a transcription, not a second model: every arithmetic step is done in the same order and the
same precision as NumPy does it (float32 where NumPy keeps float32, including Python
constants, which NumPy casts to the array's type; float64 where NumPy promotes), so the
results are bit-identical; tests/test_compiled_value.py checks that on live model states
under every milestone kind, budget, sector, trial and bonus setting. Imported on first use,
so that small economies never load Numba.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from sim.config.milestones import EVENT
from sim.model.arrays import (
    compiled_cache,  # noqa: F401  (drops stale caches first)
    fastmath,
)
from sim.model.arrays.compiled_groups import in_threads
from sim.model.arrays.compiled_prefetch import prefetch
from sim.model.compiled_workers import completion_chance, pass_chance

# Kinds of milestone event as the kernel knows them (sim.config.milestones kinds).
CERTAIN, COMPLETED, CERTIFIED, GAINED_SKILL, STAYED = 0, 1, 2, 3, 4
KIND_CODE = {"completed": COMPLETED, "gained_wage": COMPLETED, "certified": CERTIFIED}
KIND_CODE |= {"gained_skill": GAINED_SKILL, "stayed": STAYED}
# What the kernel reads of each worker (float32 from the third on).
WORKER_COLUMNS = ("employer", "disadvantaged", "perceived_ability", "wage", "training_fit")
WORKER_COLUMNS += ("general", "entry_skill", "domain_gain")
# Columns of the per-employer record (float32; what a candidate row reads of its employer, in
# a cache line or two rather than one line per table), then the per-program blocks.
PROVIDER, AWARE, SME, APPROVAL, ADMIN, INFLATES, BELIEF_GAIN, FIXED_COLUMNS = range(8)
# Rows valued while the record of a later row's employer loads: one row's valuation is too
# long for the processor to reach the next row's record by itself (at full scale a quarter
# less time per row; 4 to 32 rows ahead gave the same).
PREFETCH_ROWS = 16


@njit(cache=True, parallel=True)
def appraise(
    ids,
    program,
    taste,
    trial_ok,
    workers,
    employer_tables,
    program_tables,
    provider_tables,
    milestones,
    scalars,
    flags,
    money,
    cdf,
):
    """Value each candidate ``ids[i]`` for ``program[i]``. Returns its employer, provider,
    tuition and price, then its value without the program, the value of the better choice
    (float64), the take-up flag, the cash outlay (price less the upfront payment where taken
    up) and whether funding was valued (NumPy's result is float64 then, float32 otherwise)."""
    w_employer, w_dis, w_perceived, w_wage, w_fit, w_general, w_entry, w_domain_gain = workers
    record, benefit_at, weight_at, discount_at = employer_tables
    mode, release_hours, target, domain = program_tables
    tuition_of, price_of, threshold_of, quality = provider_tables
    kinds, stays_at, effort = milestones
    (
        n_programs,
        one,
        zero,
        base,
        base_disadvantaged,
        hours,
        decision_noise,
        fit_sd,
        noise,
        skill_threshold,
        support_hours,
    ) = scalars
    (
        fund_open,
        pays_providers,
        sme_only,
        disadvantaged_only,
        in_trial,
        pays_employers,
        budget_limited,
        credentials,
        tracked,
    ) = flags
    upfront_share, outcome_share, bonus_of, weight_sum, max_share, cap, capped = money
    n = len(ids)
    employer = np.empty(n, dtype=np.intp)
    provider = np.empty(n, dtype=np.intp)
    tuition_out = np.empty(n, dtype=np.float32)
    price_out = np.empty(n, dtype=np.float32)
    without_out = np.empty(n, dtype=np.float32)
    best_out = np.empty(n, dtype=np.float64)
    takes_out = np.zeros(n, dtype=np.bool_)
    outlay_out = np.empty(n, dtype=np.float64)
    eligible_out = np.zeros(n, dtype=np.bool_)
    width = record.shape[1]
    for i in prange(n):  # rows are independent: any split gives the same numbers
        if i + PREFETCH_ROWS < n:  # the employer record a later row reads (see PREFETCH_ROWS)
            prefetch(record, np.intp(w_employer[ids[i + PREFETCH_ROWS]]) * width)
        wk = ids[i]
        k = program[i]
        j = np.intp(w_employer[wk])
        prov = np.intp(record[j, PROVIDER])
        employer[i] = j
        provider[i] = prov
        pp = prov * n_programs + k
        tuition = tuition_of[pp]
        price = price_of[pp]
        tuition_out[i] = tuition
        price_out[i] = price
        dis = w_dis[wk]
        perceived = w_perceived[wk]
        completion = completion_chance(perceived, mode[k], dis, base, base_disadvantaged)
        # Workers.learning_room
        if tracked:
            skill = w_entry[wk] + w_domain_gain[wk, domain[k]]
        else:
            skill = w_general[wk]
        room = (target[k] - skill) / (target[k] - one)
        if room < zero:
            room = zero
        # Training.value
        benefit = record[j, benefit_at + k] * perceived * completion * room
        if tracked:
            benefit = benefit * record[j, weight_at + k]
        hourly = w_wage[wk] / hours
        release = release_hours[k] * hourly
        taste_noise = tuition * (decision_noise * taste[i] + fit_sd * w_fit[wk])
        without = benefit - tuition - release + taste_noise
        with_program = benefit - price - release + taste_noise
        without_out[i] = without
        eligible = fund_open and (record[j, AWARE] != 0 or pays_providers)
        if sme_only:
            eligible = eligible and record[j, SME] != 0
        if disadvantaged_only:
            eligible = eligible and dis
        if in_trial:
            eligible = eligible and trial_ok[i]
        eligible_out[i] = eligible
        upfront = np.float64(0.0)
        # Funding is valued only where it can be taken up (NumPy values it on every row
        # once any is eligible, and uses it only where eligible).
        if pays_employers and eligible:
            # Funder.max_payment
            upfront_raw = upfront_share * tuition
            pot = outcome_share * tuition * bonus_of[1 if dis else 0]
            outcome = pot * weight_sum[0]
            most = max_share * np.float64(tuition)
            if capped and cap < most:
                most = cap
            upfront = np.float64(upfront_raw) if upfront_raw <= most else most
            outcome_cap = most - upfront
            if outcome < outcome_cap:
                outcome_cap = np.float64(outcome)
            # Training.expected_funding
            expected = np.float32(0.0)
            support = np.float32(0.0)
            learns = np.float32(-1.0)  # chance_learns(c, 0), computed once when needed
            for m in range(len(kinds)):
                claim = pot * record[j, discount_at + m * n_programs + k] - record[j, ADMIN]
                kind = kinds[m]
                if kind == CERTAIN:
                    expected = np.float32(expected + claim)
                else:
                    if kind == STAYED:
                        chance = completion * record[j, stays_at[m] + k]
                    elif kind == CERTIFIED:
                        if credentials:
                            learning_hat = perceived * quality[prov] * record[j, BELIEF_GAIN]
                            chance = completion * pass_chance(
                                learning_hat, threshold_of[pp], noise, cdf
                            )
                        else:
                            chance = zero
                    elif kind == GAINED_SKILL and record[j, INFLATES] == 0:
                        learning = perceived * quality[prov] * room
                        chance = completion * pass_chance(learning, skill_threshold, noise, cdf)
                    else:  # COMPLETED, or a gained skill the claimant would inflate
                        if learns < zero:
                            learning = perceived * quality[prov] * room
                            learns = completion * pass_chance(learning, zero, noise, cdf)
                        chance = learns
                    expected = np.float32(expected + chance * claim)
                if effort[m]:
                    support = support_hours * hourly
            capped_expected = np.float64(expected)
            if outcome_cap < capped_expected:
                capped_expected = outcome_cap
            funding = upfront + capped_expected - np.float64(support)
            if budget_limited:
                funding = funding * np.float64(record[j, APPROVAL])
            with_funding = np.float64(with_program) + funding
            takes = with_funding > np.float64(without)
            takes_out[i] = takes
            best_out[i] = with_funding if takes else np.float64(without)
        else:
            takes = eligible and with_program > without
            takes_out[i] = takes
            best_out[i] = np.float64(with_program if takes else without)
        spent = upfront if (takes and pays_employers) else np.float64(0.0)
        outlay_out[i] = np.float64(price) - spent
    funding_on = pays_employers and eligible_out.any()
    values = (without_out, best_out, takes_out, outlay_out, funding_on)
    return (employer, provider, tuition_out, price_out), values


@njit(cache=True, parallel=True)
def program_blocks(record, starts, powers, per_program, scale):
    """``record[j, starts[b] + k]`` = ``powers[b, j, k] x per_program[b, k] x scale[b, j]`` as
    float32 for every block ``b`` of the employer record: the product of
    :meth:`sim.model.training.Training.employer_program_table` in its order and types
    (float64, then float32), each block written where the record keeps it, in one pass
    rather than NumPy's three and a copy per block. Employers are independent, so they run
    in threads."""
    for j in prange(record.shape[0]):
        for b in range(len(starts)):
            s = scale[b, j]
            for k in range(powers.shape[2]):
                record[j, starts[b] + k] = np.float32(powers[b, j, k] * per_program[b, k] * s)


@njit(cache=True, parallel=True)
def preferred_providers(known, fixed_score, recognition, worth, leniency, standard):
    """:meth:`sim.model.training.Training.choose_providers` for every employer ``j``: of its
    ``known[j]`` providers, the first with the highest score (float32 throughout, added in
    NumPy's order). Employers are independent, so they run in threads."""
    n, columns = known.shape
    best = np.empty(n, dtype=known.dtype)
    for j in prange(n):
        chosen = known[j, 0]
        top = fixed_score[chosen] + recognition[j] * worth[chosen] - leniency[j] * standard[chosen]
        for column in range(1, columns):
            q = known[j, column]
            score = fixed_score[q] + recognition[j] * worth[q] - leniency[j] * standard[q]
            if score > top:
                chosen, top = q, score
        best[j] = chosen
    return best


class CompiledValuation:
    """Prepares :func:`appraise`'s arguments from a model's state, as NumPy's rule reads it."""

    def __init__(self, training):
        self.training = training
        self.model = training.model
        self.cfg = cfg = training.cfg
        econ, policy = cfg.economy, cfg.funding
        self.kinds = np.array(
            [
                CERTAIN if EVENT[m.event].certain else KIND_CODE[EVENT[m.event].kind]
                for m in policy.milestones
            ],
            dtype=np.int8,
        )
        # What the kernel reads of the configuration, typed as NumPy's rule computes it.
        f32 = np.float32
        self.scalars = (
            np.intp(len(self.model.providers.program_months)),
            f32(1.0),
            f32(0.0),
            *self.model.workers.completion_bases(),
            f32(econ.hours_per_month),
            f32(econ.decision_noise),
            f32(econ.fit_sd),
            f32(max(econ.gain_noise, 1e-6)),
            f32(policy.skill_gain_threshold),
            f32(policy.support_hours),
        )
        bonus_of = (  # Funder.bonus: a Python 1.0 keeps float32, an array of bonuses float64
            np.ones(2, dtype=np.float32)
            if policy.disadvantaged_bonus == 1.0
            else np.array([1.0, policy.disadvantaged_bonus])
        )
        capped = policy.cap_per_participant is not None
        self.money = (
            f32(policy.upfront_share),
            f32(policy.outcome_share),
            bonus_of,
            np.array([sum(m.weight for m in policy.milestones)], dtype=bonus_of.dtype),
            np.float64(policy.max_payment_share),
            np.float64(policy.cap_per_participant if capped else np.inf),
            capped,
        )

    @classmethod
    def for_model(cls, training):
        """The compiled valuation of ``training``'s model, or None when the model's state is
        not of the types the kernel transcribes (then NumPy values every row)."""
        w, e, p = training.model.workers, training.model.employers, training.model.providers
        float32 = (
            *(getattr(w, name) for name in WORKER_COLUMNS[2:]),
            e.belief_gain,
            e.belief_approval,
            e.belief_payment,
            e.admin_burden,
            p.program_mode_factor,
            p.program_target,
            p.quality,
            w.sectors.weights,
        )
        if any(a.dtype != np.float32 for a in float32):
            return None
        events = [EVENT[m.event] for m in training.cfg.funding.milestones]
        if any(not event.certain and event.kind not in KIND_CODE for event in events):
            return None
        return cls(training)

    def employer_tables(self, choice, funding: bool) -> tuple:
        """What the kernel reads of each employer this month, as one float32 record per
        employer (exact copies: provider ids, flags as 0/1 and float32 beliefs), with the
        columns where its per-program blocks start: the benefit rate, the sector weight (with
        sectors), each valued milestone's discounted payment, and the retention chance of
        each retention milestone; then the milestones it values (none unless ``funding``)."""
        training, model, policy = self.training, self.model, self.cfg.funding
        w, e, funder = model.workers, model.employers, model.funder
        n_programs = len(model.providers.program_months)
        stay, discount = training.employer_outlook()
        kinds = self.kinds if funding else self.kinds[:0]
        milestones = policy.milestones[: len(kinds)]
        tracked = bool(w.sectors.tracked)
        # the blocks, in order: benefit, sector weight, discounted payments, retention chances
        products = [training.benefit_factors(stay, discount)]  # employer_program_table's
        for m in milestones:
            weight, months, from_start = training.payment_discount_factors(m)
            if from_start:  # the same for every program: a product of ones and the rate
                rate = training.per_employer_discount(weight, discount, months)
                products.append((rate, None, 0, 1.0))
            else:
                products.append((weight, discount, months, 1.0))
        stays_at = np.full(len(kinds), -1, dtype=np.intp)
        weight_at = FIXED_COLUMNS + n_programs if tracked else -1
        discount_at = FIXED_COLUMNS + n_programs * (1 + tracked)
        for i, m in enumerate(milestones):
            if kinds[i] == STAYED:
                stays_at[i] = FIXED_COLUMNS + n_programs * (len(products) + tracked)
                products.append((1.0, stay, EVENT[m.event].check_offset, 1.0))
        starts = FIXED_COLUMNS + n_programs * np.arange(len(products), dtype=np.intp)
        starts[1:] += n_programs * tracked
        record = np.empty((e.n, FIXED_COLUMNS + n_programs * (len(products) + tracked)), np.float32)
        self.write_products(record, starts, products)
        if tracked:
            record[:, weight_at : weight_at + n_programs] = w.sectors.weights[
                e.sector.astype(np.intp)[:, None], w.sectors.program_domain[None, :]
            ]
        record[:, PROVIDER] = choice
        record[:, AWARE] = e.program_aware
        record[:, SME] = e.sme
        record[:, APPROVAL] = e.belief_approval
        record[:, ADMIN] = policy.admin_cost_per_claim * e.admin_burden * e.belief_payment
        record[:, INFLATES] = False
        if funding:  # paid on outcomes, the employer is the claimant
            record[:, INFLATES] = funder.inflates(np.arange(e.n), np.zeros(e.n, dtype=np.intp))
        record[:, BELIEF_GAIN] = e.belief_gain
        effort = np.array([EVENT[m.event].employer_effort for m in milestones], dtype=np.bool_)
        layout = (record, np.intp(FIXED_COLUMNS), np.intp(weight_at), np.intp(discount_at))
        return layout, (kinds, stays_at, effort)

    def write_products(self, record, starts, products) -> None:
        """Each block of the record from its (scale, base, offset, per_program) factors of
        :meth:`~sim.model.training.Training.employer_program_table` (base None: ``scale`` is
        already the block's float32 value, the same for every program): in one compiled pass
        where the economy runs compiled, else one table at a time as NumPy's rule gives it."""
        training = self.training
        n, n_programs = record.shape[0], len(self.model.providers.program_months)
        if not training.compiled:  # NumPy's tables (the rule the compiled pass transcribes)
            for start, (scale, base, offset, per_program) in zip(starts, products):
                block = record[:, start : start + n_programs]
                if base is None:
                    block[...] = scale[:, None]
                else:
                    flat = training.employer_program_table(scale, base, offset, per_program)
                    block[...] = flat.reshape(n, n_programs)
            return
        shape = (len(products), n, n_programs)
        kept = self.__dict__.get("_products")
        if kept is None or kept[0].shape != shape:  # the factors' arrays, kept for the run
            kept = self._products = (
                np.ones(shape),
                np.ones(shape[::2]),
                np.ones(shape[:2]),
                [None] * len(products),
            )
        powers, per_program_of, scale_of, copied = kept
        for b, (scale, base, offset, per_program) in enumerate(products):
            # program_powers gives the same array while its base is unchanged: copied once
            source = None if base is None else training.program_powers(base, offset)
            if source is not copied[b]:
                powers[b] = 1.0 if source is None else source
                copied[b] = source
            per_program_of[b] = per_program
            scale_of[b] = scale
        in_threads(program_blocks, powers.size, record, starts, powers, per_program_of, scale_of)

    def appraise(self, ids, program, month, tables, count_funding, taste):
        """:meth:`sim.model.training.Training.appraise`, compiled (``taste``: each row's
        draw of the ``training_taste`` stream)."""
        from sim.model.training import Candidates

        training, model, cfg = self.training, self.model, self.cfg
        w, p, funder = model.workers, model.providers, model.funder
        policy = cfg.funding
        if (program < 0).any():  # rows without a program are dropped
            keep = program >= 0
            ids, program, taste = ids[keep], program[keep], taste[keep]
        program = program.astype(np.intp, copy=False)
        choice, tuition, price, memo = tables
        fund_open = bool(count_funding and model.program_running and funder.accepting)
        funding = fund_open and policy.pays_employers
        trial_ok = np.zeros(0, dtype=np.bool_)
        in_trial = fund_open and funder.trial.enabled
        if in_trial:
            trial_ok = funder.trial_eligible(w.employer[ids].astype(np.intp), ids)
        if funding not in memo:
            memo[funding] = self.employer_tables(choice, funding)
        employer_tables, milestones = memo[funding]
        (employer, provider, tuition_of, price_of), values = in_threads(
            appraise,
            len(ids),
            ids,
            program,
            taste,
            trial_ok,
            tuple(getattr(w, name) for name in WORKER_COLUMNS),
            employer_tables,
            (
                p.program_mode_factor,
                training.release_hours(),
                p.program_target,
                w.sectors.program_domain.astype(np.intp),
            ),
            (tuition, price, p.threshold_table(), p.quality),
            milestones,
            self.scalars,
            (
                fund_open,
                bool(policy.pays_providers),
                bool(policy.eligibility.sme_only),
                bool(policy.eligibility.disadvantaged_only),
                in_trial,
                bool(policy.pays_employers),
                cfg.yearly_budget is not None,
                bool(cfg.credentials.enabled),
                bool(w.sectors.tracked),
            ),
            self.money,
            fastmath.COMPILED_TABLE,
        )
        without, best, takes_up, outlay, funded = values
        c = Candidates(
            worker=ids,
            employer=employer,
            provider=provider,
            program=program,
            tuition=tuition_of,
            price=price_of,
            disadvantaged=w.disadvantaged[ids],
        )
        return c, without, best if funded else best.astype(np.float32), takes_up, outlay
