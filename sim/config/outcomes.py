"""What the model reports (its outcomes, in EMA-Workbench terms): every KPI declared once.

A KPI has a name, a unit, a meaning and a rule for how it is formed. Rules of the kinds
``PER_EMPLOYEE_YEAR``, ``RATIO`` and ``TOTAL`` are formulas over the recorder's monthly flows,
written once here and evaluated twice by :class:`sim.model.kpis.Recorder`: on one month's flows
for the time series and on the sums over the policy window for the scalar. ``MEAN`` KPIs are
monthly states averaged over the window; ``RECORDED`` ones need the enrolment ledger or the
employers' histories (cohorts followed for a year, yearly shares) and are computed by the
recorder method named in ``recorded_by``. ``PRESENT_VALUE`` KPIs are money flows summed over
the window after discounting each month to the policy start at
``evaluation.social_discount_rate`` (the cost-benefit account). ``COMPARISON`` KPIs exist only
in paired comparisons (``p4p-report``). Units, plot labels and the README's KPI table all read
from here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Protocol

import numpy as np

PER_EMPLOYEE_YEAR = "per employee-year"  # numerator / (mean employees x years) x scale
RATIO = "ratio"  # numerator / denominator (undefined when 0)
TOTAL = "total"  # numerator, summed
MEAN = "mean"  # monthly state, averaged over the window
RECORDED = "recorded"  # computed by a named recorder method
COMPARISON = "comparison"  # paired difference against a baseline
PRESENT_VALUE = "present value"  # numerator over the window, each month discounted
PV_UNIT = "CAD, present value"


class Flows(Protocol):
    """One month's flows, or their sums over the window, by name (``f("starts")``)."""

    pays_employers: bool

    def __call__(self, name: str) -> float: ...


Formula = Callable[[Flows], float]


@dataclass(frozen=True)
class KPI:
    name: str
    unit: str
    description: str
    kind: str
    numerator: Formula | None = None
    denominator: Formula | None = None
    scale: float = 1.0
    headline: bool = True  # one of the KPIs every summary, report and README table lists
    monthly_unit: str = ""  # unit of the monthly value where it differs (a total per month)
    recorded_by: str = ""  # recorder method, for RECORDED KPIs

    def value(self, f: Flows, per_employee_year: float = np.nan) -> float:
        """The KPI from flows: one month's (for the series) or the window's (for the scalar)."""
        if self.kind == PER_EMPLOYEE_YEAR:
            value = self.numerator(f) * per_employee_year
        elif self.kind == RATIO:
            value = ratio(self.numerator(f), self.denominator(f))
        elif self.kind in (TOTAL, PRESENT_VALUE):
            value = self.numerator(f)
        else:
            raise ValueError(f"{self.name} is {self.kind}, not a formula over flows")
        return value * self.scale if self.scale != 1.0 else value

    @property
    def is_formula(self) -> bool:
        return self.kind in (PER_EMPLOYEE_YEAR, RATIO, TOTAL, PRESENT_VALUE)


def ratio(num: float, den: float) -> float:
    """``num / den``, undefined (nan) when either is undefined or ``den`` is 0."""
    if den is None or num is None or not math.isfinite(den) or den == 0 or not math.isfinite(num):
        return np.nan
    return num / den


def _public_payments(f: Flows) -> float:
    """What the funder paid out, net of the penalties it recovered (transfers)."""
    return f("public_upfront") + f("public_outcome") - f("public_recovered")


def _public_admin(f: Flows) -> float:
    """The funder's own cost of processing claims and auditing them (real resources)."""
    return f("funder_admin_costs") + f("audit_costs")


def _public_cost(f: Flows) -> float:
    return _public_payments(f) + _public_admin(f)


def _certifications(f: Flows) -> float:
    return f("certifications") + f("rpl_certifications") + f("jobseeker_certifications")


def _employer_net(f: Flows) -> float:
    admin = f("claim_costs") if f.pays_employers else 0.0
    return f("employer_paid") - f("employer_received") + admin


def _provider_net(f: Flows) -> float:
    """Providers' receipts (prices, funding) less the market value of the training delivered
    (its tuition), their claim costs and what they spent designing programs."""
    admin = 0.0 if f.pays_employers else f("claim_costs")
    prices = f("employer_paid") - f("release_spend")
    received = prices + f("provider_received") - f("tuition_spend") - admin
    return received - f("provider_design_spend") - f("program_delivery_spend")


def _training_resource_cost(f: Flows) -> float:
    """Real resources training used: tuition (its market value), release and support time,
    everyone's claim processing, the funder's audits and the design of new programs."""
    cost = f("tuition_spend") + f("release_spend") + f("claim_costs") + _public_admin(f)
    return cost + f("provider_design_spend") + f("program_delivery_spend")


ALL_KPIS = (
    KPI(
        "gross_training_spend_per_employee",
        "CAD/employee/year",
        "All training spending (tuition + release time) per employee per year.",
        PER_EMPLOYEE_YEAR,
        lambda f: f("tuition_spend") + f("release_spend"),
    ),
    KPI(
        "employer_net_spend_per_employee",
        "CAD/employee/year",
        "Employers' out-of-pocket training spending after reimbursements and claim costs.",
        PER_EMPLOYEE_YEAR,
        _employer_net,
    ),
    KPI(
        "training_incidence",
        "starts/employee/year",
        "Share of employees who start training per year.",
        PER_EMPLOYEE_YEAR,
        lambda f: f("starts"),
    ),
    KPI(
        "share_employers_training",
        "share",
        "Share of employers that train at least one worker in a year.",
        RECORDED,
        recorded_by="share_employers_training",
    ),
    KPI(
        "certifications_per_1000",
        "per 1000 employees/year",
        "Microcredentials earned (training or prior learning) per 1,000 employees per year.",
        PER_EMPLOYEE_YEAR,
        _certifications,
        scale=1000,
    ),
    KPI(
        "public_cost",
        "CAD",
        "Total funder outlay over the policy window: payments net of recovered penalties, plus"
        " the funder's own administration of claims and its audits.",
        TOTAL,
        _public_cost,
        monthly_unit="CAD/month",
    ),
    KPI(
        "public_cost_per_certification",
        "CAD",
        "Public cost per certification earned by a funded participant.",
        RATIO,
        _public_cost,
        lambda f: f("funded_certifications"),
    ),
    KPI(
        "reimbursement_rate",
        "share",
        "Outcome payments made / the most the milestones they pay for could have paid (met or"
        " missed), by the month payments fall due.",
        RATIO,
        lambda f: f("public_outcome"),
        lambda f: f("outcome_potential"),
    ),
    KPI(
        "deadweight_share",
        "share",
        "Share of funded starts the employer would have made without the program: the same"
        " candidates through its whole decision rule (capacity, cash, fixed cost, admission)"
        " with the program off, in the same month.",
        RATIO,
        lambda f: f("starts_deadweight"),
        lambda f: f("starts_funded"),
    ),
    KPI(
        "cream_skimming_index",
        "ratio",
        "Mean predicted pass probability of funded trainees / that of the eligible trainees"
        " the employers would have chosen without the program in the same months (1 without a"
        " program, by construction).",
        RATIO,
        lambda f: ratio(f("selected_pass_sum"), f("selected_n")),
        lambda f: ratio(f("pool_pass_sum"), f("pool_n")),
    ),
    KPI(
        "disadvantaged_trainee_ratio",
        "ratio",
        "Disadvantaged share of trainees / their share of employees.",
        RECORDED,
        recorded_by="disadvantaged_ratio",
    ),
    KPI(
        "poaching_rate_trained",
        "share",
        "Share of trained workers hired away by another employer within 12 months of finishing.",
        RECORDED,
        recorded_by="poaching_rate",
    ),
    KPI("mean_wage", "CAD/month", "Mean monthly wage of employees.", MEAN),
    KPI("employment_rate", "share", "Share of the workforce employed.", MEAN),
    KPI(
        "months_to_reemployment",
        "months",
        "Mean months out of work of those hired back from unemployment (workers who had a job"
        " before; new entrants' first jobs do not count).",
        RATIO,
        lambda f: f("reemployment_months"),
        lambda f: f("reemployments"),
        headline=False,
    ),
    KPI(
        "displaced_reemployment_rate",
        "share",
        "Share of displaced workers (laid off as their employer's labour demand fell) who have"
        " had a job again within 12 months: the workers displaced 12 months before each month"
        " of the window.",
        RATIO,
        lambda f: f("displaced_reemployed_due"),
        lambda f: f("displaced_due"),
        headline=False,
    ),
    KPI(
        "layoffs_per_1000",
        "per 1000 employees/year",
        "Workers laid off as labour demand fell, per 1,000 employees per year.",
        PER_EMPLOYEE_YEAR,
        lambda f: f("layoffs"),
        scale=1000,
        headline=False,
    ),
    KPI(
        "placement_rate",
        "share",
        "Share of the job seekers admitted to the pathway who were hired between the start and"
        " jobseekers.placement_window months after the program's end, counted when that window"
        " closes. Intention to treat: the admitted the budget could not fund, and in a"
        " no-program run all the same admissions, are followed untrained.",
        RATIO,
        lambda f: f("jobseekers_placed_in_window"),
        lambda f: f("jobseekers_followed"),
        headline=False,
    ),
    KPI(
        "placements",
        "job seekers",
        "Admitted job seekers placed within their window (numerator of placement_rate), over"
        " the window.",
        TOTAL,
        lambda f: f("jobseekers_placed_in_window"),
        headline=False,
        monthly_unit="job seekers/month",
    ),
    KPI(
        "jobseeker_participants",
        "job seekers",
        "Job seekers who started a funded pathway program over the window (0 in a no-program run).",
        TOTAL,
        lambda f: f("jobseeker_starts"),
        headline=False,
        monthly_unit="job seekers/month",
    ),
    KPI(
        "jobseeker_disadvantaged_ratio",
        "ratio",
        "Disadvantaged share of the job seekers providers admitted / their share of the"
        " referred applicants (below 1: providers leave the disadvantaged out).",
        RATIO,
        lambda f: ratio(f("jobseekers_admitted_disadvantaged"), f("jobseekers_admitted")),
        lambda f: ratio(f("jobseekers_referred_disadvantaged"), f("jobseekers_referred")),
        headline=False,
    ),
    KPI(
        "cross_sector_moves",
        "per 1000 employees/year",
        "Hires into a sector other than the worker's last job's, per 1,000 employees per year.",
        PER_EMPLOYEE_YEAR,
        lambda f: f("cross_sector_moves"),
        scale=1000,
        headline=False,
    ),
    KPI(
        "mean_general_skill", "skill units", "Mean general (portable) skill of the workforce.", MEAN
    ),
    KPI("output_per_worker", "CAD/month", "Value added per employee per month.", MEAN),
    KPI(
        "microcredential_recognition",
        "0..1",
        "Mean employer recognition of microcredentials.",
        MEAN,
    ),
    KPI("assessment_standard", "0..1", "Mean provider pass standard.", MEAN),
    # --- further scalars of summary.json --------------------------------------------------
    KPI(
        "quit_rate",
        "share/month",
        "Quits (poached or to unemployment) per employee per month.",
        MEAN,
        headline=False,
    ),
    KPI(
        "trainees",
        "training starts",
        "Training starts in the policy window.",
        TOTAL,
        lambda f: f("starts"),
        headline=False,
    ),
    KPI(
        "funded_trainees",
        "training starts",
        "Training starts the program funded.",
        TOTAL,
        lambda f: f("starts_funded"),
        headline=False,
    ),
    KPI(
        "certifications",
        "certifications",
        "Microcredentials earned in the window (training or prior learning).",
        TOTAL,
        _certifications,
        headline=False,
    ),
    KPI(
        "certifications_meeting_standard",
        "certifications",
        "Certifications in the window whose holder's true gain meets the credential's published"
        " standard (credentials.initial_standard x the program's assessment rigor x its nominal"
        " gain).",
        TOTAL,
        lambda f: f("certifications_meeting_standard"),
        headline=False,
    ),
    KPI(
        "public_payments",
        "CAD",
        "Funder payments over the window net of recovered penalties (public_cost without the"
        " funder's administration and audits).",
        TOTAL,
        _public_payments,
        headline=False,
    ),
    KPI(
        "public_admin_cost",
        "CAD",
        "The funder's own administration of claims and its audits over the window.",
        TOTAL,
        _public_admin,
        headline=False,
    ),
    # --- the cost-benefit account (docs/model.md section 5), discounted to the policy start
    KPI(
        "pv_public_cost",
        PV_UNIT,
        "Public outlay (public_cost: payments, administration and audits), discounted.",
        PRESENT_VALUE,
        _public_cost,
        headline=False,
    ),
    KPI(
        "pv_public_admin_cost",
        PV_UNIT,
        "The funder's administration of claims and its audits, discounted.",
        PRESENT_VALUE,
        _public_admin,
        headline=False,
    ),
    KPI(
        "pv_employer_net_cost",
        PV_UNIT,
        "Employers' training outlay (prices, release and support time, claim costs) net of"
        " the funding they received, discounted.",
        PRESENT_VALUE,
        _employer_net,
        headline=False,
    ),
    KPI(
        "pv_provider_net_receipts",
        PV_UNIT,
        "Providers' receipts (prices and funding) less the tuition value of the training they"
        " delivered and their claim costs, discounted.",
        PRESENT_VALUE,
        _provider_net,
        headline=False,
    ),
    KPI(
        "pv_training_resource_cost",
        PV_UNIT,
        "Real resources training used (tuition, release and support time, claim processing,"
        " the funder's administration and audits), discounted.",
        PRESENT_VALUE,
        _training_resource_cost,
        headline=False,
    ),
    KPI(
        "pv_wages",
        PV_UNIT,
        "Wages paid to employees over the window, discounted.",
        PRESENT_VALUE,
        lambda f: f("wages"),
        headline=False,
    ),
    KPI(
        "pv_output",
        PV_UNIT,
        "Value added by employees over the window, discounted.",
        PRESENT_VALUE,
        lambda f: f("value_added"),
        headline=False,
    ),
    KPI(
        "sme_training_incidence",
        "starts/SME employee/year",
        "Training starts per SME employee per year.",
        RECORDED,
        headline=False,
        recorded_by="scalars",
    ),
    KPI(
        "microcredential_recognition_final",
        "0..1",
        "Mean employer recognition of microcredentials in the last month.",
        RECORDED,
        headline=False,
        recorded_by="scalars",
    ),
    KPI(
        "assessment_standard_final",
        "0..1",
        "Mean provider pass standard in the last month.",
        RECORDED,
        headline=False,
        recorded_by="scalars",
    ),
    KPI(
        "policy_months",
        "months",
        "Months in the policy window (after the burn-in).",
        RECORDED,
        headline=False,
        recorded_by="scalars",
    ),
    # --- providers as economic agents ---------------------------------------------------
    KPI(
        "seat_rationing_share",
        "share",
        "Trainees employers chose whom no provider seat was left for / trainees chosen.",
        RATIO,
        lambda f: f("rationed"),
        lambda f: f("chosen"),
        headline=False,
    ),
    KPI(
        "parking_index",
        "ratio",
        "Mean teaching effort on the hardest quartile of trainees (by the provider's estimated"
        " pass chance) / effort on the easiest quartile.",
        RECORDED,
        headline=False,
        recorded_by="provider_effort_measures",
    ),
    KPI(
        "hard_case_gain_ratio",
        "ratio",
        "Mean skill gain per start of the hardest quartile of trainees (by estimated pass"
        " chance) / that of the easiest quartile.",
        RECORDED,
        headline=False,
        recorded_by="provider_effort_measures",
    ),
    KPI(
        "gain_ratio_low_vs_high_skill",
        "ratio",
        "Mean productive skill gain per start of the trainees in the bottom quartile of entry"
        " skill / that of the top quartile (above 1: the lower-skilled gain more, as in UPSKILL).",
        RECORDED,
        headline=False,
        recorded_by="skill_gradient",
    ),
    KPI(
        "short_program_share",
        "share",
        "Training starts in programs of at most 2 months / all starts.",
        RATIO,
        lambda f: f("starts_short"),
        lambda f: f("starts"),
        headline=False,
    ),
    KPI(
        "reported_gain_inflation",
        "ratio",
        "Self-reported skill gain / true gain, summed over skill-gain claims (1: honest).",
        RECORDED,
        headline=False,
        recorded_by="provider_effort_measures",
    ),
    KPI(
        "false_claim_rate",
        "share",
        "Outcome claims an audit would find false (certified below the published standard)"
        " / all outcome claims.",
        RATIO,
        lambda f: f("false_claims"),
        lambda f: f("claims"),
        headline=False,
    ),
    # --- program design by providers ------------------------------------------------------
    KPI(
        "months_to_first_program",
        "months",
        "Months from the policy start (time.burn_in) until a provider first offers a program"
        " that had to be designed (catalogue designed=false); undefined when no program needs"
        " designing or none is offered within the run (averages over seeds use the runs where"
        " it is defined).",
        RECORDED,
        headline=False,
        recorded_by="months_to_first_program",
    ),
    KPI(
        "programs_designed",
        "programs",
        "Programs providers designed and came to offer in the window (a program counts once"
        " per provider that offers it).",
        TOTAL,
        lambda f: f("programs_designed"),
        headline=False,
    ),
    KPI(
        "provider_design_spend",
        "CAD",
        "What providers spent designing programs in the window (booked when a design starts).",
        TOTAL,
        lambda f: f("provider_design_spend"),
        headline=False,
    ),
    # calibration measures (docs/model.md section 7) and validation measures (section 6)
    KPI(
        "direct_training_spend_per_employee",
        "CAD/employee/year",
        "Tuition (direct cost, no release time) per employee per year.",
        RECORDED,
        headline=False,
        recorded_by="calibration_measures",
    ),
    KPI(
        "large_employer_spend_per_employee",
        "CAD/employee/year",
        "Tuition per employee per year in employers with 100 or more employees.",
        RECORDED,
        headline=False,
        recorded_by="calibration_measures",
    ),
    KPI(
        "large_employer_spend_share_of_payroll",
        "share",
        "Tuition of large employers / their payroll.",
        RECORDED,
        headline=False,
        recorded_by="calibration_measures",
    ),
    KPI(
        "training_spend_share_of_payroll",
        "share",
        "Tuition / payroll, economy-wide.",
        RECORDED,
        headline=False,
        recorded_by="calibration_measures",
    ),
    KPI(
        "effective_pass_through",
        "share",
        "Wage rises that training brought / the value of the skill it added.",
        RECORDED,
        headline=False,
        recorded_by="calibration_measures",
    ),
    KPI(
        "certification_wage_gain",
        "CAD/year",
        "Yearly wage rise of a certified trainee at certification.",
        RECORDED,
        headline=False,
        recorded_by="calibration_measures",
    ),
    KPI(
        "first_year_return_short_training",
        "share",
        "Employers' first-year return on programs of at most 2 months (UPSKILL measure).",
        RECORDED,
        headline=False,
        recorded_by="first_year_return",
    ),
    KPI(
        "constrained_training_incidence",
        "starts/employee/year",
        "Training incidence in liquidity-constrained SMEs.",
        RECORDED,
        headline=False,
        recorded_by="calibration_measures",
    ),
    KPI(
        "unconstrained_sme_training_incidence",
        "starts/employee/year",
        "Training incidence in SMEs that are not liquidity-constrained.",
        RECORDED,
        headline=False,
        recorded_by="calibration_measures",
    ),
    KPI(
        "microcredential_recognition_start",
        "0..1",
        "Mean employer recognition of microcredentials when the policy starts.",
        RECORDED,
        headline=False,
        recorded_by="calibration_measures",
    ),
    KPI(
        "microcredential_awareness_start",
        "share",
        "Share of employers aware of microcredentials at the start.",
        RECORDED,
        headline=False,
        recorded_by="calibration_measures",
    ),
    KPI(
        "microcredential_understanding_start",
        "share",
        "Share of employers with a good understanding of microcredentials at the start.",
        RECORDED,
        headline=False,
        recorded_by="calibration_measures",
    ),
    # --- paired comparisons (p4p-report) ---------------------------------------------------
    KPI(
        "additional_trainees",
        "training starts",
        "Trainees in the condition minus trainees in its baseline, same seed.",
        COMPARISON,
        headline=False,
    ),
    KPI(
        "public_cost_per_additional_trainee",
        "CAD/additional trainee",
        "Extra public cost / extra trainees against the paired baseline (delta-method CI).",
        COMPARISON,
        headline=False,
    ),
    KPI(
        "public_cost_per_additional_certification",
        "CAD/additional certification",
        "Extra public cost / extra certifications meeting their published standard against"
        " the paired baseline (delta-method CI); a credential that certifies nothing is not"
        " an outcome.",
        COMPARISON,
        headline=False,
    ),
    KPI(
        "public_cost_per_additional_placement",
        "CAD/additional placement",
        "Extra public cost / extra job-seeker placements against the paired no-program run"
        " (the same referrals followed untrained; delta-method CI).",
        COMPARISON,
        headline=False,
    ),
    KPI(
        "deadweight_paired",
        "share",
        "1 - additional trainees / funded trainees, against the paired baseline (ratio of"
        " means over seeds, delta-method CI).",
        COMPARISON,
        headline=False,
    ),
    KPI(
        "tax_deadweight_loss",
        PV_UNIT,
        "evaluation.marginal_cost_of_public_funds x the change in public outlay (pv_public_cost)"
        " against the paired baseline.",
        COMPARISON,
        headline=False,
    ),
    KPI(
        "net_social_benefit",
        PV_UNIT,
        "Change in output - change in the real resource cost of training - the tax deadweight"
        " loss, against the paired baseline (cost-benefit account).",
        COMPARISON,
        headline=False,
    ),
)
BY_NAME = {k.name: k for k in ALL_KPIS}
KPIS = tuple(k for k in ALL_KPIS if k.headline)  # the headline KPIs of every summary and table
KPI_NAMES = tuple(k.name for k in KPIS)
EXTRA_SCALARS = tuple(k.name for k in ALL_KPIS if not k.headline and k.kind != COMPARISON)
PRESENT_VALUES = tuple(k for k in ALL_KPIS if k.kind == PRESENT_VALUE)


def kpi_unit(name: str, monthly: bool = False) -> str:
    """Unit of a KPI scalar (or of its monthly value in the time series); '' if unknown."""
    kpi = BY_NAME.get(name)
    if kpi is None:
        return ""
    return kpi.monthly_unit if monthly and kpi.monthly_unit else kpi.unit
