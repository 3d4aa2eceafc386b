"""The theory signatures of docs/model.md section 6, as paired statistical checks.

Each signature is a function returning a :class:`Signature`: the arms to compare (a scenario
plus parameter overrides), and one or more :class:`Check` of an expected direction. A check
turns the KPIs of every arm on one seed into one number (a paired difference, a ratio, a
slope, a level), and passes when a one-sided t-test over seeds rejects the opposite
direction at the 5% level (:func:`sim.replications.one_sided_test`). All arms run on the same seeds.

    >>> result = becker_general_training().run(seeds=range(8))
    >>> result.passed, result.checks[0].effect, result.checks[0].ci_low

"Employer-paid training" is ``employer_net_spend_per_employee`` (tuition plus release time
paid by employers, net of any funding) in arms without a program.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, Mapping, Sequence

import numpy as np

from sim.analysis.paired import TestResult, one_sided_test
from sim.checks.replications import DEFAULT_ECONOMY, Arm, Economy, run_arms
from sim.config.schema import CredentialsConfig, PopulationConfig, default_programs

SPEND = "employer_net_spend_per_employee"
KpisByArm = Mapping[str, Mapping[str, float | None]]
Measure = Callable[[KpisByArm], float]


@dataclass(frozen=True)
class Check:
    """One directional claim: ``measure`` (per seed) lies ``direction`` of ``threshold``."""

    label: str
    measure: Measure
    direction: str  # "above" or "below"
    threshold: float = 0.0

    @property
    def expected(self) -> str:
        return f"{'>' if self.direction == 'above' else '<'} {self.threshold:g}"


@dataclass(frozen=True)
class CheckResult:
    signature: int
    title: str
    label: str
    expected: str
    test: TestResult

    @property
    def passed(self) -> bool:
        return self.test.passed()

    def row(self) -> dict:
        t = self.test
        return {
            "signature": self.signature,
            "title": self.title,
            "check": self.label,
            "expected": self.expected,
            "effect": t.effect,
            "ci_low": t.ci_low,
            "ci_high": t.ci_high,
            "p_value": t.p_value,
            "seeds": t.n,
            "passed": self.passed,
        }


@dataclass(frozen=True)
class SignatureResult:
    number: int
    title: str
    claim: str
    checks: tuple[CheckResult, ...]

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)


@dataclass(frozen=True)
class Signature:
    number: int
    title: str
    claim: str
    arms: Mapping[str, Arm]
    checks: tuple[Check, ...]

    def evaluate(
        self, kpis: Mapping[tuple[Arm, int], dict], seeds: Sequence[int]
    ) -> SignatureResult:
        """Apply every check to the KPIs of this signature's arms on ``seeds``."""
        results = []
        for check in self.checks:
            values = [
                check.measure({name: kpis[(arm, s)] for name, arm in self.arms.items()})
                for s in seeds
            ]
            test = one_sided_test(values, check.direction, check.threshold)
            results.append(CheckResult(self.number, self.title, check.label, check.expected, test))
        return SignatureResult(self.number, self.title, self.claim, tuple(results))

    def run(
        self,
        economy: Economy = DEFAULT_ECONOMY,
        seeds: Iterable[int] = range(8),
        processes: int | None = None,
        progress=None,
    ) -> SignatureResult:
        """Run every arm on every seed (paired) and test each check."""
        seeds = list(seeds)
        kpis = run_arms(self.arms.values(), seeds, economy, processes, progress)
        return self.evaluate(kpis, seeds)


# --- per-seed measures ---------------------------------------------------------------------
def _value(kpis: KpisByArm, arm: str, metric: str) -> float:
    value = kpis[arm][metric]
    return np.nan if value is None else float(value)


def level(metric: str, arm: str) -> Measure:
    return lambda k: _value(k, arm, metric)


def difference(metric: str, arm: str, reference: str) -> Measure:
    return lambda k: _value(k, arm, metric) - _value(k, reference, metric)


def ratio(metric: str, arm: str, reference: str) -> Measure:
    return lambda k: _value(k, arm, metric) / _value(k, reference, metric)


def relative_change(metric: str, arm: str, reference: str) -> Measure:
    return lambda k: _value(k, arm, metric) / _value(k, reference, metric) - 1.0


def slope(metric: str, x_by_arm: Mapping[str, float]) -> Measure:
    """Least-squares slope of ``metric`` on ``x`` across arms, on one seed."""
    xs = np.array(list(x_by_arm.values()), dtype=float)

    def measure(k: KpisByArm) -> float:
        ys = np.array([_value(k, arm, metric) for arm in x_by_arm])
        return float(np.polyfit(xs, ys, 1)[0])

    return measure


# --- the signatures -------------------------------------------------------------------------
def becker_general_training() -> Signature:
    arms = {
        "beta1_general": Arm.of(
            "baseline", {"economy.pass_through": 1.0, "economy.specific_share": 0.0}
        ),
        "default_general": Arm.of("baseline", {"economy.specific_share": 0.0}),
    }
    checks = (
        Check(
            "employer-paid general training with beta=1, relative to the default beta",
            ratio(SPEND, "beta1_general", "default_general"),
            "below",
            0.05,
        ),
    )
    return Signature(
        1,
        "Becker: general training",
        "beta = 1, general training only, no program -> employer-paid training ~ 0 (Becker 1964)",
        arms,
        checks,
    )


def becker_specific_training() -> Signature:
    arms = {
        "beta1_specific": Arm.of(
            "baseline", {"economy.pass_through": 1.0, "economy.specific_share": 1.0}
        ),
        "beta1_general": Arm.of(
            "baseline", {"economy.pass_through": 1.0, "economy.specific_share": 0.0}
        ),
    }
    checks = (
        Check(
            "training incidence with beta=1, specific training only",
            level("training_incidence", "beta1_specific"),
            "above",
            0.0,
        ),
        Check(
            "employer-paid training: specific minus general (beta=1)",
            difference(SPEND, "beta1_specific", "beta1_general"),
            "above",
            0.0,
        ),
    )
    return Signature(
        2,
        "Becker: specific training",
        "firm-specific training is paid for even with beta = 1 (Becker 1964)",
        arms,
        checks,
    )


def wage_compression() -> Signature:
    arms = {
        "beta_low": Arm.of("baseline", {"economy.pass_through": 0.3}),
        "beta_high": Arm.of("baseline", {"economy.pass_through": 0.8}),
    }
    checks = (
        Check(
            "employer-paid training: beta=0.3 minus beta=0.8",
            difference(SPEND, "beta_low", "beta_high"),
            "above",
            0.0,
        ),
    )
    return Signature(
        3,
        "Acemoglu-Pischke: compression",
        "lower pass-through beta -> more employer-paid training (Acemoglu & Pischke 1998, 1999)",
        arms,
        checks,
    )


def poaching_externality() -> Signature:
    arms = {
        "offers_high": Arm.of("baseline", {"economy.offer_arrival_rate": 0.2}),
        "offers_low": Arm.of("baseline", {"economy.offer_arrival_rate": 0.05}),
    }
    checks = (
        Check(
            "poaching rate of trained workers: high minus low offer arrival",
            difference("poaching_rate_trained", "offers_high", "offers_low"),
            "above",
            0.0,
        ),
        Check(
            "employer-paid training: high minus low offer arrival",
            difference(SPEND, "offers_high", "offers_low"),
            "below",
            0.0,
        ),
    )
    return Signature(
        4,
        "Stevens: poaching",
        "higher outside-offer arrival -> less employer-paid training (Stevens 1994)",
        arms,
        checks,
    )


def certification_recognition() -> Signature:
    """ "Does not rise" is tested as an upper bound: the relative change in employer-paid
    training is below +2% (one-sided): a margin of practical equivalence, small against the
    effects of the other levers (tens of percent)."""
    arms = {
        "recognition_high": Arm.of(
            "baseline", {"credentials.initial_awareness": 0.9, "credentials.recognition_shift": 0.4}
        ),
        "recognition_low": Arm.of("baseline"),
    }
    checks = (
        Check(
            "mean wage: high minus low recognition",
            difference("mean_wage", "recognition_high", "recognition_low"),
            "above",
            0.0,
        ),
        Check(
            "poaching rate of trained workers: high minus low recognition",
            difference("poaching_rate_trained", "recognition_high", "recognition_low"),
            "above",
            0.0,
        ),
        Check(
            "employer-paid training, relative change (does not rise by 2% or more)",
            relative_change(SPEND, "recognition_high", "recognition_low"),
            "below",
            0.02,
        ),
    )
    return Signature(
        5,
        "Certification and recognition",
        "higher recognition -> higher wages and"
        " more poaching of trained workers; employer-paid training does not rise"
        " (Acemoglu & Pischke 2000)",
        arms,
        checks,
    )


def partial_subsidy() -> Signature:
    arms = {
        "subsidy": Arm.of("upfront_subsidy", {"funding.upfront_share": 0.5}),
        "no_program": Arm.of("baseline"),
    }
    checks = (
        Check(
            "share of employers training: 50% upfront subsidy minus none",
            difference("share_employers_training", "subsidy", "no_program"),
            "above",
            0.0,
        ),
        Check(
            "deadweight share of subsidised training",
            level("deadweight_share", "subsidy"),
            "above",
            0.0,
        ),
    )
    return Signature(
        6,
        "Partial subsidy",
        "a partial subsidy raises the share of employers that"
        " train (Yang 2018) and has deadweight > 0",
        arms,
        checks,
    )


def cream_skimming() -> Signature:
    """The outcome share varies with the total funding share held at 70% (grant 0.7/0, mixed
    0.35/0.35, EMC 0/0.7), so the check isolates the incentive to pick likely passers from the
    size of the subsidy: a bigger subsidy alone draws in less-selected trainees and lowers the
    all-trainee index, whatever the payment rule."""
    arms = {
        "grant": Arm.of("upfront_subsidy"),
        "mixed": Arm.of(
            "pay_for_performance", {"funding.upfront_share": 0.35, "funding.outcome_share": 0.35}
        ),
        "p4p": Arm.of("pay_for_performance"),
        "tiered": Arm.of("tiered_p4p"),
    }
    index = "cream_skimming_index"
    checks = (
        Check("cream-skimming index under P4P", level(index, "p4p"), "above", 1.0),
        Check(
            "slope of the index on the outcome share (total funding fixed at 70%)",
            slope(index, {"grant": 0.0, "mixed": 0.35, "p4p": 0.7}),
            "above",
            0.0,
        ),
        Check(
            "index: disadvantaged bonus 1.5 minus no bonus",
            difference(index, "tiered", "p4p"),
            "below",
            0.0,
        ),
    )
    return Signature(
        7,
        "Cream-skimming",
        "the chooser paid on outcomes cream-skims, more so the"
        " larger the outcome share; a disadvantaged bonus lowers it"
        " (Heckman, Heinrich & Smith 2002)",
        arms,
        checks,
    )


def assessment_drift() -> Signature:
    """The floor arm's floor lies below the initial standard (so the check can fail: drift
    could still reach it), and the strong-audit arm's expected cost of a false claim
    (0.6 x (1 + penalty 1) = 1.2 times the payment) is clear of the break-even of 1."""
    floor = CredentialsConfig().initial_standard - 0.2
    arms = {
        "weak_audits": Arm.of("provider_outcomes"),
        "strong_audits": Arm.of("provider_outcomes", {"funding.audit_probability": 0.6}),
        "quality_floor": Arm.of("provider_outcomes", {"credentials.quality_floor": floor}),
    }
    std, rec = "assessment_standard_final", "microcredential_recognition_final"
    checks = (
        Check(
            "final pass standard: weak minus strong audits",
            difference(std, "weak_audits", "strong_audits"),
            "below",
            0.0,
        ),
        Check(
            "final pass standard: weak audits minus quality floor",
            difference(std, "weak_audits", "quality_floor"),
            "below",
            0.0,
        ),
        Check(
            "final recognition: weak minus strong audits",
            difference(rec, "weak_audits", "strong_audits"),
            "below",
            0.0,
        ),
        Check(
            "final recognition: weak audits minus quality floor",
            difference(rec, "weak_audits", "quality_floor"),
            "below",
            0.0,
        ),
    )
    return Signature(
        8,
        "Assessment drift",
        "provider outcome pay with weak audits -> standards"
        " drift down -> recognition falls; strong audits or a quality floor prevent"
        " it (Courty & Marschke 2004)",
        arms,
        checks,
    )


def liquidity_constraints() -> Signature:
    """Besides the level comparison, the P4P/grant take-up ratio of constrained SMEs must fall
    below that of unconstrained SMEs, so the gap is due to liquidity, not to P4P being worth
    less to everyone."""
    arms = {"p4p": Arm.of("pay_for_performance"), "grant": Arm.of("upfront_subsidy")}
    constrained, free = "constrained_training_incidence", "unconstrained_sme_training_incidence"

    def gap_in_relative_take_up(k: KpisByArm) -> float:
        return _value(k, "p4p", constrained) / _value(k, "grant", constrained) - _value(
            k, "p4p", free
        ) / _value(k, "grant", free)

    checks = (
        Check(
            "training incidence of constrained SMEs: P4P minus equal upfront grant",
            difference(constrained, "p4p", "grant"),
            "below",
            0.0,
        ),
        Check(
            "P4P/grant take-up ratio: constrained minus unconstrained SMEs",
            gap_in_relative_take_up,
            "below",
            0.0,
        ),
    )
    return Signature(
        9,
        "Liquidity constraints",
        "liquidity-constrained small employers take up P4P less than an equal upfront grant",
        arms,
        checks,
    )


def reimbursement_near_cap() -> Signature:
    arms = {
        "p4p": Arm.of("pay_for_performance"),
        "hard_triggers": Arm.of("pay_for_performance", {"funding.skill_gain_threshold": 1.0}),
    }
    checks = (
        Check(
            "reimbursement rate (paid / 70% cap) of the EMC design",
            level("reimbursement_rate", "p4p"),
            "above",
            0.8,
        ),
        Check(
            "reimbursement rate: EMC minus hard skill-gain trigger",
            difference("reimbursement_rate", "p4p", "hard_triggers"),
            "above",
            0.0,
        ),
    )
    return Signature(
        10,
        "Reimbursement near the cap",
        "with high trigger probabilities the EMC design reimburses close to its 70% cap (FSC 2023)",
        arms,
        checks,
    )


FLAT_FEE = {"funding.outcome_share": 0.0, "funding.upfront_share": 0.7}


def parking() -> Signature:
    """The flat fee (70% of tuition at enrolment) is about what the outcome design pays per
    trainee, so the arms differ in how providers are paid, not how much."""
    arms = {
        "outcome_pay": Arm.of("provider_outcomes"),
        "flat_fee": Arm.of("provider_outcomes", FLAT_FEE),
    }
    checks = (
        Check(
            "hard-case gain ratio: provider outcome pay minus an equal flat fee",
            difference("hard_case_gain_ratio", "outcome_pay", "flat_fee"),
            "below",
            0.0,
        ),
        Check(
            "parking index (effort on hardest / easiest quartile) under outcome pay",
            level("parking_index", "outcome_pay"),
            "below",
            1.0,
        ),
    )
    return Signature(
        11,
        "Parking",
        "providers paid on outcomes put less effort into the hardest cases than an equal"
        " flat fee does (UK Work Programme; Carter & Whitworth 2015)",
        arms,
        checks,
    )


PAY_ON = {
    event: {
        "funding.milestones": [{"event": event, "weight": 1.0, "lag": 0}],
        "funding.outcome_share": 1.0,
    }
    for event in ("certification", "retention_6")
}


def cheap_outcome_substitution() -> Signature:
    """An outcome pot of the full tuition paid on one milestone: certification, or retention
    6 months after the program. Employers choose programs by their value, funding included;
    short programs have lighter assessments (the default catalogue), so paying on
    certification makes them likelier to pay out. With the EMC design's 70% pot the shift is
    about a third of a point of the short-program share, too small to tell from seed noise
    over 8 seeds at the default economy; the full pot makes the incentive, and the shift,
    larger (about 1.5 points)."""
    arms = {
        "certification": Arm.of("pay_for_performance", PAY_ON["certification"]),
        "retention": Arm.of("pay_for_performance", PAY_ON["retention_6"]),
    }
    checks = (
        Check(
            "short-program share of starts: paid on certification minus paid on retention",
            difference("short_program_share", "certification", "retention"),
            "above",
            0.0,
        ),
    )
    return Signature(
        12,
        "Cheap-outcome substitution",
        "paying on certification steers training toward short programs with easy"
        " certification, against paying on retention (Courty & Marschke 2004;"
        " Hillman et al. 2018)",
        arms,
        checks,
    )


def audits_deter_false_claims() -> Signature:
    arms = {
        "weak_audits": Arm.of("provider_outcomes"),
        "audits_30": Arm.of("provider_outcomes", {"funding.audit_probability": 0.3}),
    }
    checks = (
        Check(
            "false-claim rate: audits at 30% minus weak audits (2%)",
            difference("false_claim_rate", "audits_30", "weak_audits"),
            "below",
            0.0,
        ),
        Check(
            "standard drift (initial minus final standard): audits at 30% minus weak audits",
            difference("assessment_standard_final", "weak_audits", "audits_30"),
            "below",
            0.0,
        ),
    )
    return Signature(
        13,
        "Audits deter gaming",
        "raising the audit probability lowers the false-claim rate and the drift of"
        " standards (Courty & Marschke 2004)",
        arms,
        checks,
    )


def capacity_does_not_bind() -> Signature:
    """Ten times the initial seats: providers' capacity follows demand, so the baseline's
    training incidence moves by less than 10% either way (two one-sided tests: equivalence)."""
    seats = PopulationConfig().seats_per_provider
    arms = {
        "seats": Arm.of("baseline"),
        "seats_x10": Arm.of("baseline", {"population.seats_per_provider": 10 * seats}),
    }
    change = relative_change("training_incidence", "seats_x10", "seats")
    checks = (
        Check("baseline training incidence, relative change with 10x seats", change, "below", 0.1),
        Check("baseline training incidence, relative change with 10x seats", change, "above", -0.1),
    )
    return Signature(
        14,
        "Seats do not ration the baseline",
        "multiplying providers' initial seats by 10 changes baseline training incidence by"
        " less than 10%: supply follows demand",
        arms,
        checks,
    )


NO_PROGRAM = {"funding.enabled": False}
UNBUDGETED = {"funding.use_project_budget": False}  # the design at scale, not its pilot budget
CALM = {"economy.sectors.0.shock_size": 0.0, "economy.sectors.0.demand_growth": 0.0}


def displacement() -> Signature:
    """The EDGE UP economy: oil and gas loses 30% of its labour demand in a shock and keeps
    declining, against the same economy with flat demand (both without the program); and the
    EDGE UP program (without its pilot budget) against its no-program run."""
    arms = {
        "shock": Arm.of("edge_up_displaced", NO_PROGRAM),
        "calm": Arm.of("edge_up_displaced", {**NO_PROGRAM, **CALM}),
    }
    arms["bridge"] = Arm.of("edge_up_displaced", UNBUDGETED)
    arms["no_bridge"] = Arm.of("edge_up_displaced", {**UNBUDGETED, **NO_PROGRAM})
    checks = (
        Check(
            "employment rate: a declining sector's demand shock minus flat demand",
            difference("employment_rate", "shock", "calm"),
            "below",
            0.0,
        ),
        Check(
            "displaced workers re-employed within 12 months: bridging program minus none",
            difference("displaced_reemployment_rate", "bridge", "no_bridge"),
            "above",
            0.0,
        ),
    )
    return Signature(
        16,
        "Displacement and bridging",
        "a declining sector's demand shock lays workers off and lowers employment (Jacobson,"
        " LaLonde & Sullivan 1993); a bridging program of digital microcredentials with"
        " job-search assistance re-employs more of the displaced within a year",
        arms,
        checks,
    )


NEW_PROGRAM = [p.name for p in default_programs()].index("problem_solving")


def faster_design_deploys_sooner() -> Signature:
    """A program of the default catalogue (problem_solving, two months) is new at the policy
    start (``designed=false``): employers want it from then on, providers design it when
    their customers' unmet demand repays the design cost, and offer it the design lead time
    later. Delivered blended its design is ready sooner than in person
    (``providers.design_months_blended`` < ``design_months_in_person``), though it costs
    more to design; the program is one employers want early (a short one), so every arm
    designs it within the run."""
    program = f"credentials.programs.{NEW_PROGRAM}"
    arm = lambda mode: Arm.of(  # noqa: E731
        "baseline", {f"{program}.designed": False, f"{program}.mode": mode}
    )
    arms = {"blended": arm("blended"), "in_person": arm("in_person")}
    months = "months_to_first_program"
    checks = (
        Check(
            "months until a provider first offers the new program: blended minus in person",
            difference(months, "blended", "in_person"),
            "below",
            0.0,
        ),
        Check(
            "programs designed in the window, in-person arm (demand exists)",
            level("programs_designed", "in_person"),
            "above",
            0.0,
        ),
    )
    return Signature(
        18,
        "Faster design deploys sooner",
        "a program that must be designed first reaches employers sooner when delivered"
        " blended than in person (the premise of NORCAT's project; Future Skills Centre,"
        " Microcredentials in Flux, 2022)",
        arms,
        checks,
    )


def jobseeker_placement() -> Signature:
    """The Mohawk pathway (without its pilot budget, open to every job seeker so that a small
    economy has participants enough): participants, and in the no-program run the same
    referrals and admissions untrained, followed until their placement window closes.
    Providers paid on placement assist the job search of those it pays to assist."""
    open_to_all = {**UNBUDGETED, "jobseekers.eligibility": "all"}
    arms = {
        "pathway": Arm.of("mohawk_material_handling", open_to_all),
        "none": Arm.of("mohawk_material_handling", {**open_to_all, **NO_PROGRAM}),
    }
    checks = (
        Check(
            "placement rate of participants: job-seeker pathway minus no program",
            difference("placement_rate", "pathway", "none"),
            "above",
            0.0,
        ),
    )
    return Signature(
        15,
        "Job-seeker training places participants",
        "a provider-led pathway paid on placement raises the share of participants hired"
        " within six months of finishing, against the same people without it (job-search"
        " assistance; Card, Kluve & Weber 2018)",
        arms,
        checks,
    )


PLACEMENT_PAY = {
    "jobseekers.eligibility": "all",
    "jobseekers.upfront_share": 0.5,
    "jobseekers.outcome_share": 0.5,
    "jobseekers.disadvantaged_bonus": 1.0,
}


def creaming_job_seekers() -> Signature:
    """The Mohawk pathway open to every job seeker (not only the disadvantaged): half of
    tuition up front and half on placement and retention, with no bonus, against a flat fee
    of 90% of tuition up front (about what placement pay pays per participant: half up front
    plus half x a placement rate near 0.85)."""
    flat = {
        **PLACEMENT_PAY,
        "jobseekers.upfront_share": 0.9,
        "jobseekers.outcome_share": 0.0,
        "jobseekers.milestones": [],
    }
    arms = {
        "placement_pay": Arm.of("mohawk_material_handling", {**UNBUDGETED, **PLACEMENT_PAY}),
        "flat_fee": Arm.of("mohawk_material_handling", {**UNBUDGETED, **flat}),
    }
    checks = (
        Check(
            "disadvantaged share of participants / of referrals: placement pay minus flat fee",
            difference("jobseeker_disadvantaged_ratio", "placement_pay", "flat_fee"),
            "below",
            0.0,
        ),
    )
    return Signature(
        17,
        "Creaming job seekers",
        "providers paid on placement without a bonus admit fewer disadvantaged job seekers"
        " than an equal flat fee (UK Work Programme; Carter & Whitworth 2015)",
        arms,
        checks,
    )


SIGNATURES: tuple[Callable[[], Signature], ...] = (
    becker_general_training,
    becker_specific_training,
    wage_compression,
    poaching_externality,
    certification_recognition,
    partial_subsidy,
    cream_skimming,
    assessment_drift,
    liquidity_constraints,
    reimbursement_near_cap,
    parking,
    cheap_outcome_substitution,
    audits_deter_false_claims,
    capacity_does_not_bind,
    jobseeker_placement,
    displacement,
    creaming_job_seekers,
    faster_design_deploys_sooner,
)


def run_signatures(
    signatures: Sequence[Signature] | None = None,
    economy: Economy = DEFAULT_ECONOMY,
    seeds: Iterable[int] = range(8),
    processes: int | None = None,
    progress=None,
) -> list[SignatureResult]:
    """Run all signatures together (arms shared between signatures run once)."""
    signatures = [make() for make in SIGNATURES] if signatures is None else list(signatures)
    seeds = list(seeds)
    arms = [arm for sig in signatures for arm in sig.arms.values()]
    kpis = run_arms(arms, seeds, economy, processes, progress)
    return [sig.evaluate(kpis, seeds) for sig in signatures]
