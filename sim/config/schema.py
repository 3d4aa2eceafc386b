"""Typed configuration: economy (uncertainties), policy (levers) and run settings.

Following the EMA Workbench vocabulary, the config separates what policy makers do not
control (``economy``, ``population``, ``credentials`` market facts) from what they choose
(``funding`` and the microcredential policy fields of ``credentials``), and from run settings
(``time``, ``output``, ``seed``). Every field is declared with :func:`sim.params.param`, which
records its unit, allowed range and source; :func:`sim.validation.validate` enforces them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Optional

from sim.config.milestones import MILESTONE_EVENTS, PLACEMENT_MILESTONE_EVENTS
from sim.config.params import NAME_PATTERN, param

MAX_ID = 2**31 - 1  # agent ids are stored as int32 columns
MAX_PROGRAMS = 16  # a worker's credentials are a 16-bit mask

EMPLOYER, PROVIDER = "employer", "provider"
RECIPIENTS = (EMPLOYER, PROVIDER)
DELIVERY_MODES = ("online", "in_person", "blended")
TRIAL_UNITS = ("employer", "worker")
JOBSEEKER_GROUPS = ("all", "disadvantaged", "displaced")
TRIAL_DESIGNS = ("parallel", "waitlist", "prepost")
TRIAL_STRATA = ("none", "sme", "size", "sme_size", "sector", "sector_sme", "sector_size")
TRIAL_WORLDS = ("trial", "everyone", "no_one")


@dataclass
class ScenarioConfig:
    """Which named scenario this run is (set by the ``scenario`` config group)."""

    name: str = param(
        "baseline",
        "Scenario name (docs/model.md section 4); part of output paths. The schema's defaults"
        " are the baseline economy; the command's default scenario is pay_for_performance.",
        pattern=NAME_PATTERN,
    )
    description: str = param("", "One-line description of the scenario.")


@dataclass
class TimeConfig:
    months: int = param(132, "Simulated months.", unit="months", lo=2, hi=1200)
    burn_in: int = param(
        36,
        "Months before the policy starts; KPIs cover the months after it (< months). One"
        " retake cycle (economy.retake_gap): the first wave of training and its first refreshers"
        " are over before the policy starts, so the baseline has no trend after it.",
        unit="months",
        lo=0,
        hi=1199,
    )


@dataclass
class PopulationConfig:
    workers: int = param(
        10_000, "Number of workers (employed or not).", unit="people", lo=1, hi=MAX_ID
    )
    employers: int = param(500, "Number of employers.", unit="firms", lo=1, hi=MAX_ID)
    providers: int = param(10, "Number of training providers.", unit="providers", lo=1, hi=MAX_ID)
    disadvantaged_share: float = param(
        0.2,
        "Share of workers in the disadvantaged group.",
        lo=0.0,
        hi=1.0,
        source="docs/model.md s3",
        unit="share",
    )
    employer_size_shape: float = param(
        1.1,
        "Pareto (Zipf) exponent of employer target sizes; lower is heavier-tailed.",
        lo=0.5,
        hi=5.0,
        lo_open=False,
        source="Axtell 2001 (firm sizes are Zipf); ISED: 97.9% of employers are small",
        unit="Pareto exponent",
    )
    max_employer_size: Optional[int] = param(
        None,
        "Largest employer target size; larger draws are capped and their jobs spread over the"
        " rest in proportion (null: no employer takes more than 5% of jobs, for small economies).",
        unit="employees",
        lo=1,
        nullable=True,
        source="the largest Canadian manufacturing establishments employ under ~10,000",
    )
    seats_per_provider: int = param(
        40,
        "Training seats (new enrolments) each provider opens per month at the start, spread"
        " over its programs; capacity then adjusts to demand (providers.capacity_adjustment_*).",
        unit="seats/month",
        lo=0,
        hi=MAX_ID,
        source="assumption: the starting point; capacity then follows demand (providers.*)",
        plausible=(20, 80),
        plausible_why="half to twice the default; capacity adjusts to demand",
    )
    providers_known_per_employer: int = param(
        3,
        "How many providers each employer knows and chooses among.",
        lo=1,
        hi=1000,
        unit="providers",
        source="assumption",
        plausible=(1, 6),
        plausible_why="from a single local provider to a wide search",
    )
    initial_unemployment: float = param(
        0.06,
        "Share of workers unemployed at month 0.",
        lo=0.0,
        hi=0.9,
        unit="share",
        source="StatCan LFS manufacturing unemployment, about 5-6%",
    )


@dataclass
class SectorConfig:
    """One sector of the economy: its employers, productivity, demand path and the skill
    domains it values (docs/model.md section 3, Sectors)."""

    name: str = param("all", "Sector name (unique).", pattern=NAME_PATTERN)
    employer_share: float = param(
        1.0, "Share of employers in the sector (the shares add up to 1).", lo=0.0, hi=1.0
    )
    productivity: float = param(
        1.0,
        "Multiplies the productivity of the sector's employers.",
        unit="ratio",
        lo=0.01,
        hi=100.0,
    )
    domains: List[str] = param(
        ["general"],
        "Skill domains the sector values (programs train one domain each).",
        pattern=NAME_PATTERN,
    )
    domain_weights: List[float] = param(
        [1.0],
        "Weight of each of its domains in a worker's productive skill there, in the order of"
        " `domains`, relative to its most valued domain (weight 1: trained skill there counts"
        " in full, as in the one-domain default economy).",
        lo=0.0,
        hi=1.0,
    )
    demand_growth: float = param(
        0.0,
        "Yearly growth of the sector's labour demand from the policy start (-0.1: a decline of"
        " 10% a year).",
        unit="share per year",
        lo=-0.5,
        hi=0.5,
    )
    shock_month: Optional[int] = param(
        None,
        "Month of a one-off demand shock, counted from the policy start (0: the first policy"
        " month; null: no shock).",
        unit="months after the policy start",
        lo=0,
        hi=1200,
        nullable=True,
    )
    shock_size: float = param(
        0.0,
        "Relative change of labour demand at the shock (-0.3: demand falls by 30%).",
        unit="share",
        lo=-0.9,
        hi=2.0,
    )
    recovery_months: int = param(
        0,
        "Months over which demand returns linearly to its path after the shock (0: the shock"
        " is permanent).",
        unit="months",
        lo=0,
        hi=1200,
    )


@dataclass
class EconomyConfig:
    """Labour-market and production parameters (the uncertainties, not policy levers).

    Sources: a literature reference, or ``calibrated: <target>`` for values chosen so the
    baseline meets a target of docs/model.md section 7 (see docs/calibration.md), or
    ``assumption`` where no estimate exists (sweep these).
    """

    sectors: List[SectorConfig] = param(
        [SectorConfig()],
        "The sectors of the economy (economy.sectors[] below): their employers, productivity,"
        " labour-demand path and the skill domains they value.",
        unit="list of sectors",
        source="a structure, not an estimate: one sector valuing one domain in the default"
        " economy; the portfolio scenarios declare their own",
    )
    labour_demand_elasticity: float = param(
        0.5,
        "Elasticity of an employer's target headcount to the productive skill of its staff"
        " (relative to the policy start): more productive staff make more output worth"
        " selling, so employers hire more (labour demand; Hamermesh 1993).",
        unit="elasticity",
        lo=0.0,
        hi=5.0,
        source="assumption: labour-demand elasticities are of order 0.3 to 1 (Hamermesh 1993)",
        plausible=(0.0, 1.0),
        plausible_why="fixed headcounts to proportional growth with productivity",
    )
    layoff_speed: float = param(
        0.25,
        "Share of its excess staff (headcount above target) an employer lays off each month,"
        " last in, first out (adjustment costs make employers shed staff gradually).",
        unit="share per month",
        lo=0.0,
        hi=1.0,
        source="assumption",
        plausible=(0.1, 0.5),
        plausible_why="shedding an excess within a few months to within a year",
    )
    sector_specific_share: float = param(
        0.3,
        "Share of trained general skill that is specific to the sector: lost on moving sector,"
        " as firm-specific skill is lost on moving employer (industry-specific human capital;"
        " Neal 1995).",
        unit="share",
        lo=0.0,
        hi=1.0,
        source="assumption: Neal (1995) finds displaced workers who change industry lose much"
        " more of their pre-displacement wage than those who stay",
        plausible=(0.1, 0.5),
        plausible_why="a small to a large part of trained skill",
    )
    output_per_skill: float = param(
        7000.0,
        "Value added per month of one unit of skill at an employer of productivity 1 (an"
        " average entrant has about 1 unit).",
        unit="CAD/month",
        lo=1.0,
        hi=1e7,
        source="StatCan manufacturing value added per worker, about $84k/year",
    )
    employer_productivity_sd: float = param(
        0.25,
        "Log-sd of employer productivity (multiplies the value of every unit of skill).",
        unit="log-sd",
        lo=0.0,
        hi=2.0,
        source="Syverson 2004 (within-industry productivity dispersion, 90/10 ratio about 2)",
    )
    labour_share: float = param(
        0.62,
        "Share of value added paid as wages at hiring (offer wage = share x visible value).",
        unit="share",
        lo=0.01,
        hi=1.0,
        source="StatCan labour share of manufacturing GDP, about 0.6",
    )
    pass_through: float = param(
        0.5,
        "Wage pass-through beta of general-skill productivity gains while the worker stays"
        " (with specific_pass_through, the blended pass-through is about 0.46).",
        unit="share",
        lo=0.0,
        hi=1.0,
        source="Dearden, Reed & Van Reenen 2006; Konings & Vanormelingen 2015 (blended ~0.5)",
    )
    specific_pass_through: float = param(
        0.23,
        "Wage pass-through of firm-specific productivity gains (rent sharing).",
        unit="share",
        lo=0.0,
        hi=1.0,
        source="Becker 1964; Hashimoto 1981; calibrated: blended pass-through ~0.5 and the"
        " certified wage gain",
        plausible=(0.2, 0.5),
        plausible_why="rent-sharing elasticities around the blended ~0.5 (Card et al. 2018 review)",
    )
    specific_share: float = param(
        0.3,
        "Share of each program's skill gain that is firm-specific (lost on leaving).",
        unit="share",
        lo=0.0,
        hi=1.0,
        source="Becker 1964; assumption: most training is general (Loewenstein & Spletzer 1999)",
        plausible=(0.1, 0.5),
        plausible_why="most training is general (Loewenstein & Spletzer 1999) but firm content varies",
    )
    separation_rate: float = param(
        0.01,
        "Monthly probability of an exogenous separation into unemployment (layoffs, quits out"
        " of the labour market).",
        unit="1/month",
        lo=0.0,
        hi=1.0,
        source="JOLTS manufacturing layoffs and other separations, about 1%/month",
    )
    offer_arrival_rate: float = param(
        0.1,
        "Monthly probability that an employed worker receives an outside offer.",
        unit="1/month",
        lo=0.0,
        hi=1.0,
        source="calibrated: monthly quit rate 1.5-2.5% (JOLTS manufacturing)",
        plausible=(0.06, 0.15),
        plausible_why="keeps the quit rate near 1.5-2.5%/month",
    )
    switching_cost: float = param(
        0.06,
        "Proportional wage premium an outside offer must exceed to make a worker move.",
        unit="share of wage",
        lo=0.0,
        hi=5.0,
        source="assumption",
        plausible=(0.02, 0.15),
        plausible_why="mobility costs of a few to 15% of the wage",
    )
    counteroffers: bool = param(
        True,
        "Incumbents, who see true productivity, match outside offers up to"
        " counteroffer_max_share of it.",
        source="Postel-Vinay & Robin 2002 (offer matching)",
    )
    counteroffer_max_share: float = param(
        0.56,
        "Largest share of a worker's productivity an incumbent pays to keep them.",
        unit="share",
        lo=0.0,
        hi=1.0,
        source="calibrated: monthly quit rate 1.5-2.5% (JOLTS manufacturing) and the first-year"
        " return (a counteroffer takes part of the employer's rent)",
        plausible=(0.5, 0.9),
        plausible_why="keeps the quit rate near 1.5-2.5%/month",
    )
    job_finding_rate: float = param(
        0.3,
        "Monthly probability that an unemployed worker meets a vacancy.",
        unit="1/month",
        lo=0.0,
        hi=1.0,
        source="order of magnitude of Canadian monthly outflows from unemployment (LFS)",
    )
    retirement_rate: float = param(
        0.002,
        "Monthly probability a worker retires and is replaced by a new entrant (unemployed).",
        unit="1/month",
        lo=0.0,
        hi=1.0,
        source="a working life of about 40 years (1/480 a month)",
    )
    skill_depreciation: float = param(
        0.005,
        "Monthly depreciation of trained skill above the worker's entry level (6% a year).",
        unit="1/month",
        lo=0.0,
        hi=1.0,
        source="assumption, within estimates of human-capital depreciation of a few % a year",
        plausible=(0.002, 0.01),
        plausible_why="human-capital depreciation of 2.5-12% a year",
    )
    discount_rate: float = param(
        0.005,
        "Monthly discount rate of unconstrained employers (about 6% a year).",
        unit="1/month",
        lo=0.0,
        hi=1.0,
        source="assumption: a business cost of capital",
        plausible=(0.003, 0.01),
        plausible_why="business cost of capital of 4-13% a year",
    )
    constrained_discount_rate: float = param(
        0.03,
        "Monthly discount rate of liquidity-constrained employers (delayed money is worth less).",
        unit="1/month",
        lo=0.0,
        hi=1.0,
        source="assumption: short-term credit for constrained small firms (about 40% a year)",
        plausible=(0.015, 0.05),
        plausible_why="small-firm short-term credit of 20-80% a year",
    )
    sme_size: int = param(
        100,
        "Employers with fewer target employees than this are SMEs.",
        unit="employees",
        lo=1,
        hi=MAX_ID,
        source="ISED: small businesses have 1-99 employees",
    )
    constrained_sme_share: float = param(
        0.35,
        "Share of SMEs that are liquidity-constrained.",
        unit="share",
        lo=0.0,
        hi=1.0,
        source="assumption",
        plausible=(0.2, 0.5),
        plausible_why="survey shares of SMEs reporting financing obstacles",
    )
    constrained_cash_share: float = param(
        0.07,
        "Cash a constrained employer can lay out for training, as a share of monthly payroll,"
        " net of reimbursements it is still waiting for.",
        unit="share of monthly payroll",
        lo=0.0,
        hi=10.0,
        source="assumption",
        plausible=(0.03, 0.15),
        plausible_why="half to twice the default",
    )
    planning_horizon: int = param(
        16,
        "Months of benefit an employer counts when valuing training.",
        unit="months",
        lo=1,
        hi=1200,
        source="calibrated: first-year return on short training (employers seek quick"
        " returns; LMIC 2023)",
        plausible=(12, 36),
        plausible_why="employers' quick-return horizons (LMIC 2023) to a three-year view",
    )
    training_fixed_cost: float = param(
        1500.0,
        "Employer's monthly fixed cost of organising any training (per month it trains).",
        unit="CAD/month",
        lo=0.0,
        hi=1e7,
        source="calibrated: share of employers that train (WES 2005)",
        plausible=(800.0, 2000.0),
        plausible_why="keeps the share of employers that train inside 37-59%",
    )
    release_hours_per_month: float = param(
        5.5,
        "Paid working hours a trainee spends in training per program month (release time;"
        " at most hours_per_month).",
        unit="hours/month",
        lo=0.0,
        hi=744.0,
        source="calibrated: first-year return on short training (its full cost includes release"
        " time)",
        plausible=(4.0, 16.0),
        plausible_why="one to four hours a week",
    )
    hours_per_month: float = param(
        160.0,
        "Paid hours in a working month.",
        unit="hours/month",
        lo=1.0,
        hi=744.0,
        source="a 37-hour week",
    )
    decision_noise: float = param(
        0.05,
        "Sd of the month-to-month random part of an employer's valuation of training a"
        " worker, as a share of the program's tuition (bounded rationality).",
        unit="share of tuition",
        lo=0.0,
        hi=100.0,
        source="assumption (Simon 1955, bounded rationality)",
        plausible=(0.02, 0.15),
        plausible_why="bounded rationality from small to large",
    )
    fit_sd: float = param(
        0.35,
        "Sd of the lasting worker-job training fit (how much the job needs this training),"
        " as a share of tuition; drawn when a job starts.",
        unit="share of tuition",
        lo=0.0,
        hi=100.0,
        source="assumption",
        plausible=(0.2, 0.5),
        plausible_why="a factor of about 1.5 around the default",
    )
    ability_noise: float = param(
        0.25,
        "Log-sd of an employer's error in perceiving a worker's learning ability.",
        unit="log-sd",
        lo=0.0,
        hi=3.0,
        source="assumption (employers learn ability imperfectly: Farber & Gibbons 1996)",
        plausible=(0.1, 0.5),
        plausible_why="employer learning from fast to slow (Farber & Gibbons 1996)",
    )
    max_trainee_share: float = param(
        0.15,
        "Largest share of an employer's staff it starts training in one month (at least 1).",
        unit="share of staff",
        lo=0.0,
        hi=1.0,
        source="assumption: production must go on",
        plausible=(0.05, 0.3),
        plausible_why="a third to twice the default",
    )
    retraining_gap: int = param(
        12,
        "Months a worker waits after training before being trained again.",
        unit="months",
        lo=0,
        hi=1200,
        source="assumption",
        plausible=(6, 24),
        plausible_why="half to twice the default",
    )
    retake_gap: int = param(
        36,
        "Months after starting a program before a worker may take the same program again (a"
        " refresher: trained skill depreciates, so the need renews).",
        unit="months",
        lo=1,
        hi=1200,
        source="assumption: refresher cycles of workplace training of one to five years"
        " (e.g. Ontario's health-and-safety and WHMIS refreshers, yearly to every three years)",
        plausible=(24, 60),
        plausible_why="two to five years",
    )
    belief_learning_rate: float = param(
        0.08,
        "Weight of one month of new experience in employers' beliefs (retention, gains,"
        " reimbursement); adaptive expectations.",
        unit="share",
        lo=0.0,
        hi=1.0,
        source="assumption (adaptive learning as in Yang 2018)",
        plausible=(0.03, 0.15),
        plausible_why="adaptive-expectation gains of the learning literature",
    )
    initial_gain_belief: float = param(
        0.8,
        "Employers' initial belief about the realised gain from training, relative to the"
        " truth (median; below 1 is pessimism that only own or peers' experience corrects).",
        unit="ratio",
        lo=0.001,
        hi=100.0,
        source="calibrated: a settled baseline (beliefs start near what experience teaches)",
        plausible=(0.6, 1.0),
        plausible_why="pessimism from moderate to none",
    )
    gain_belief_sd: float = param(
        0.4,
        "Log-sd across employers of the initial gain belief.",
        unit="log-sd",
        lo=0.0,
        hi=3.0,
        source="calibrated: a settled baseline",
        plausible=(0.2, 0.6),
        plausible_why="half to 1.5 times the default",
    )
    peer_learning_rate: float = param(
        0.02,
        "Weight of the peer average in employers' beliefs each month.",
        unit="share",
        lo=0.0,
        hi=1.0,
        source="assumption (peer learning as in Yang 2018)",
        plausible=(0.005, 0.05),
        plausible_why="a quarter to 2.5 times the default",
    )
    ability_sd: float = param(
        0.3,
        "Log-sd of worker learning ability.",
        unit="log-sd",
        lo=0.0,
        hi=3.0,
        source="assumption",
        plausible=(0.15, 0.45),
        plausible_why="half to 1.5 times the default",
    )
    disadvantaged_ability: float = param(
        0.8,
        "Mean ability of disadvantaged workers relative to others.",
        unit="ratio",
        lo=0.05,
        hi=10.0,
        source="docs/model.md section 3 (lower on average); size assumed",
        plausible=(0.65, 0.95),
        plausible_why="gaps of 5-35%",
    )
    disadvantaged_skill: float = param(
        0.85,
        "Mean starting skill of disadvantaged workers relative to others.",
        unit="ratio",
        lo=0.05,
        hi=10.0,
        source="docs/model.md section 3 (lower on average); size assumed",
        plausible=(0.7, 0.95),
        plausible_why="gaps of 5-30%",
    )
    dishonest_share: float = param(
        0.2,
        "Share of claimants (employers, or providers when they are paid) who inflate a"
        " self-reported skill gain to reach the milestone when the expected audit penalty is"
        " below the payment.",
        unit="share",
        lo=0.0,
        hi=1.0,
        source="Fischbacher & Foellmi-Heusi 2013: about 20% of people lie to the full extent",
        plausible=(0.05, 0.4),
        plausible_why="from rare to common inflation of self-reports",
    )
    disadvantaged_barrier: float = param(
        0.85,
        "Completion probability multiplier for disadvantaged workers (higher barriers).",
        unit="ratio",
        lo=0.0,
        hi=1.0,
        source="docs/model.md section 3 (higher barriers); size assumed",
        plausible=(0.7, 0.95),
        plausible_why="completion gaps of 5-30%",
    )
    base_completion: float = param(
        0.85,
        "Completion probability of an average worker in an average (blended) program.",
        unit="probability",
        lo=0.0,
        hi=1.0,
        source="assumption (the EMC pilot reports high completion)",
        plausible=(0.7, 0.95),
        plausible_why="completion rates reported for short employer-linked programs",
    )
    gain_noise: float = param(
        0.35,
        "Sd of the realised learning gain around its expectation, relative to it.",
        unit="share of expected gain",
        lo=0.0,
        hi=10.0,
        source="assumption",
        plausible=(0.2, 0.5),
        plausible_why="a factor of about 1.5 around the default",
    )


@dataclass
class ProgramConfig:
    """One microcredential program in the catalogue."""

    name: str = param("program", "Program name (unique in the catalogue).", pattern=NAME_PATTERN)
    months: int = param(3, "Length of the program.", unit="months", lo=1, hi=6)
    tuition: float = param(
        3000.0,
        "Base tuition (before the provider's markup).",
        unit="CAD",
        lo=1.0,
        hi=1e7,
    )
    mode: str = param("blended", "Delivery mode.", choices=DELIVERY_MODES)
    gain: float = param(
        0.08,
        "Nominal skill gain of completing the program.",
        unit="skill units",
        lo=0.001,
        hi=1.0,
    )
    stack: int = param(0, "Stack (certificate) the program belongs to.", lo=0, hi=MAX_PROGRAMS - 1)
    assessment_rigor: float = param(
        1.0,
        "How demanding the program's assessment is: certification needs a skill gain of at least"
        " the provider's standard x this x the nominal gain (below 1: an easy assessment).",
        unit="ratio",
        lo=0.1,
        hi=2.0,
    )
    target_skill: float = param(
        2.5,
        "Skill level the program teaches toward (diminishing returns): a completer's productive"
        " gain is the content mastered x (target - current general skill) / (target - 1), so a"
        " worker at the average entry skill (1) gains the mastered content and a more skilled"
        " one less, nothing at the target.",
        unit="skill units",
        lo=1.01,
        hi=100.0,
    )
    domain: str = param(
        "general",
        "Skill domain the program trains (e.g. soft, digital, trade); one of the domains the"
        " economy's sectors value (economy.sectors).",
        pattern=NAME_PATTERN,
    )
    designed: bool = param(
        True,
        "Offered by every provider from month 0; false: a new program, wanted from the policy"
        " start (time.burn_in), that a provider must design before it can offer it (providers"
        " design it when their customers' unmet demand repays the design cost).",
    )


def default_programs() -> list:
    """The default catalogue: six competencies in two stacks, $1,000 of tuition per month.

    The catalogue averages $3,000 a program, the cost of the EMC pilot's program (docs/model.md
    section 1); nominal gains are shares of an average worker's entry skill, their level fitted
    as one scale on all six to the certified wage gain (docs/calibration.md). Short programs end
    in lighter assessments (a one-month online module in a quiz, two-month modules in a short
    test; assumption), so their credentials are cheaper to earn: the room for cheap-outcome
    substitution when certification is paid (Courty & Marschke 2004; Hillman et al. 2018).
    """
    return [
        ProgramConfig("communication", 1, 1000.0, "online", 0.051, 0, 0.8),
        ProgramConfig("problem_solving", 2, 2000.0, "blended", 0.06, 0, 0.9),
        ProgramConfig("teamwork", 3, 3000.0, "in_person", 0.0695, 0, 1.0),
        ProgramConfig("lean_production", 2, 2000.0, "blended", 0.06, 1, 0.9),
        ProgramConfig("quality_control", 4, 4000.0, "in_person", 0.0834, 1, 1.0),
        ProgramConfig("digital_tools", 6, 6000.0, "online", 0.0927, 1, 1.0),
    ]


@dataclass
class CredentialsConfig:
    """Microcredential market facts and microcredential policy (campaign, floor, RPL)."""

    enabled: bool = param(True, "Programs end in an assessed, certifiable microcredential.")
    programs: List[ProgramConfig] = field(default_factory=default_programs)
    initial_awareness: float = param(
        0.41,
        "Share of employers aware of microcredentials at month 0.",
        lo=0.0,
        hi=1.0,
        source="HEQCO 2021: 59% 'not familiar at all'",
        unit="share",
    )
    initial_understanding: float = param(
        0.10,
        "Share of employers with a good understanding (high recognition) at month 0.",
        lo=0.0,
        hi=1.0,
        source="HEQCO 2021",
        unit="share",
    )
    understanding_recognition: float = param(
        0.6,
        "Recognition of employers with a good understanding.",
        lo=0.0,
        hi=1.0,
        source="HEQCO 2021: ~60% say credentials raise confidence once defined",
        unit="0..1",
    )
    aware_recognition: float = param(
        0.25,
        "Recognition of employers who are aware but lack understanding.",
        lo=0.0,
        hi=1.0,
        unit="0..1",
        source="assumption: between none and understanding",
        plausible=(0.15, 0.4),
        plausible_why="between no recognition and understanding (0.6)",
    )
    recognition_shift: float = param(
        0.0,
        "Added to every employer's starting recognition (sweeps of initial recognition).",
        lo=-1.0,
        hi=1.0,
        unit="0..1",
        source="sweep lever (no empirical value)",
        plausible=(0.0, 0.3),
        plausible_why="the range of the recognition_x_funding experiment",
    )
    outreach_rate: float = param(
        0.0005,
        "Monthly chance an unaware employer learns of microcredentials unprompted.",
        lo=0.0,
        hi=1.0,
        source="Bass 1969 innovation coefficient; calibrated: baseline recognition stays low",
        unit="1/month",
        plausible=(0.0002, 0.001),
        plausible_why="keeps baseline recognition low (Bass p well below 0.01)",
    )
    imitation_rate: float = param(
        0.003,
        "Monthly imitation coefficient of awareness and recognition from peers.",
        lo=0.0,
        hi=1.0,
        source="Bass 1969 imitation coefficient; calibrated: baseline recognition stays low",
        unit="1/month",
        plausible=(0.001, 0.006),
        plausible_why="keeps baseline recognition low",
    )
    experience_rate: float = param(
        0.0003,
        "Monthly pull toward full recognition from each credentialed worker who performs as"
        " the credential claims (true gain at least the published standard).",
        unit="1/(worker month)",
        lo=0.0,
        hi=1.0,
        source="calibrated: baseline recognition stays low",
        plausible=(0.0001, 0.0006),
        plausible_why="keeps baseline recognition low",
    )
    disappointment_weight: float = param(
        20.0,
        "How many times stronger the pull toward no recognition is from a credentialed worker"
        " who falls short of the published standard.",
        lo=0.0,
        source="Slovic 1993 (trust is asymmetric: lost faster than won)",
        unit="ratio",
        hi=1000.0,
    )
    signal_value: float = param(
        1.0,
        "How much of a credential's nominal skill gain a fully recognising outsider credits.",
        lo=0.0,
        hi=5.0,
        unit="ratio",
        source="assumption: a recognised credential is taken at face value",
        plausible=(0.7, 1.0),
        plausible_why="recognised credentials taken at 70-100% of face value",
    )
    stack_bonus: float = param(
        0.03,
        "Extra visible skill from a complete stack (a full certificate).",
        lo=0.0,
        hi=10.0,
        unit="skill units",
        source="assumption",
        plausible=(0.01, 0.05),
        plausible_why="a third to 1.7 times the default",
    )
    effort_boost: float = param(
        0.08,
        "Completion probability gain when the program ends in a credential.",
        lo=0.0,
        hi=1.0,
        source="Acemoglu & Pischke 2000 (certification raises effort)",
        unit="share",
    )
    initial_standard: float = param(
        0.7,
        "Providers' initial pass standard (share of nominal gain to clear).",
        lo=0.0,
        hi=1.0,
        unit="share of nominal gain",
        source="assumption: a 70% pass mark",
        plausible=(0.6, 0.8),
        plausible_why="pass marks of 60-80%",
    )
    standard_drift: float = param(
        0.01,
        "Largest monthly change in a provider's pass standard.",
        lo=0.0,
        hi=1.0,
        unit="1/month",
        source="assumption",
        plausible=(0.005, 0.02),
        plausible_why="half to twice the default",
    )
    # --- microcredential policy levers ---
    campaign_outreach: float = param(
        0.0, "Monthly awareness probability added by a recognition campaign.", lo=0.0, hi=1.0
    )
    campaign_recognition: float = param(
        0.0, "Monthly recognition gain of aware employers under a campaign.", lo=0.0, hi=1.0
    )
    quality_floor: float = param(
        0.0, "Quality-assurance floor on providers' pass standards.", lo=0.0, hi=1.0
    )
    rpl: bool = param(False, "Recognition of prior learning: assessment-only route to credentials.")
    rpl_rate: float = param(
        0.01,
        "Monthly share of eligible experienced workers who seek an RPL assessment.",
        lo=0.0,
        hi=1.0,
        unit="1/month",
        source="assumption",
        plausible=(0.005, 0.02),
        plausible_why="half to twice the default",
    )
    rpl_reference_skill: float = param(
        1.0,
        "Skill an RPL assessment takes as the starting point: experience above it (net of"
        " credentials already held) counts as prior learning.",
        unit="skill units",
        lo=0.0,
        hi=100.0,
        source="the mean entry skill of a new worker (about 1)",
    )
    rpl_funded: bool = param(
        False,
        "Recognition of prior learning is part of the funded program: offered only while the"
        " program runs (funding.enabled), the funder paying the assessment fee to the provider"
        " within its budget.",
        lever=True,
    )
    rpl_fee: float = param(
        400.0,
        "Employer-paid fee of an RPL assessment.",
        unit="CAD",
        lo=0.0,
        hi=1e7,
        source="assumption",
        plausible=(200.0, 800.0),
        plausible_why="half to twice the default",
    )


@dataclass
class ProvidersConfig:
    """Training providers as economic agents: capacity, prices, admission, effort, standards."""

    # --- capacity and prices (supply responds to demand) ---
    capacity_adjustment_online: float = param(
        0.5,
        "Share of the gap between target and current seats an online program closes per month.",
        unit="1/month",
        lo=0.0,
        hi=1.0,
        source="assumption: online delivery scales fastest (no rooms or instructors to add)",
        plausible=(0.25, 1.0),
        plausible_why="from a quarter to all of the gap in a month",
    )
    capacity_adjustment_blended: float = param(
        0.3,
        "Share of the seat gap a blended program closes per month.",
        unit="1/month",
        lo=0.0,
        hi=1.0,
        source="assumption: between online and in-person",
        plausible=(0.15, 0.6),
        plausible_why="half to twice the default",
    )
    capacity_adjustment_in_person: float = param(
        0.15,
        "Share of the seat gap an in-person program closes per month.",
        unit="1/month",
        lo=0.0,
        hi=1.0,
        source="assumption: rooms and instructors take months to add or shed",
        plausible=(0.05, 0.3),
        plausible_why="a gap closed in about 3 to 20 months",
    )
    spare_capacity: float = param(
        0.2,
        "Seats a provider aims to hold above its (smoothed) applicants, as a share of them.",
        unit="share",
        lo=0.0,
        hi=10.0,
        source="assumption: providers keep some slack for peaks in demand",
        plausible=(0.05, 0.5),
        plausible_why="5% to 50% slack",
    )
    demand_smoothing: float = param(
        0.3,
        "Weight of this month's applicants in a provider's estimate of demand per program.",
        unit="share",
        lo=0.0,
        hi=1.0,
        lo_open=True,
        source="assumption: demand estimated over the last few months",
        plausible=(0.1, 0.6),
        plausible_why="a memory of about 2 to 10 months",
    )
    unit_cost_share: float = param(
        0.8,
        "Provider's cost of teaching one seat, as a share of the program's base tuition.",
        unit="share of base tuition",
        lo=0.0,
        hi=10.0,
        source="assumption: a 20% margin at the base price",
        plausible=(0.6, 0.95),
        plausible_why="margins of 5% to 40%",
    )
    expansion_cost_share: float = param(
        0.5,
        "One-off cost of adding a seat-per-month of capacity, as a share of base tuition.",
        unit="share of base tuition",
        lo=0.0,
        hi=100.0,
        source="assumption",
        plausible=(0.1, 2.0),
        plausible_why="a tenth to twice a program's tuition",
    )
    expansion_payback_months: int = param(
        24,
        "Months over which a provider must recover the cost of added seats; it expands only"
        " when its margin covers that cost.",
        unit="months",
        lo=1,
        hi=600,
        source="assumption",
        plausible=(12, 48),
        plausible_why="one to four years",
    )
    price_response: float = param(
        0.03,
        "Monthly change of a provider's log price per unit of excess utilisation (applicants"
        " over target, as a share of seats): up when oversubscribed, down when seats are empty.",
        unit="1/month",
        lo=0.0,
        hi=1.0,
        source="assumption: prices adjust slowly (published fee schedules)",
        plausible=(0.01, 0.1),
        plausible_why="a third to three times the default",
    )
    markup_sd: float = param(
        0.1,
        "Dispersion (log sd) of providers' initial price markups over base tuition.",
        unit="log points",
        lo=0.0,
        hi=2.0,
        source="assumption",
        plausible=(0.05, 0.2),
        plausible_why="half to twice the default",
    )
    markup_min: float = param(
        0.7,
        "Lowest price markup over base tuition a provider charges.",
        unit="ratio",
        lo=0.0,
        hi=10.0,
        source="assumption",
        plausible=(0.5, 0.85),
        plausible_why="price floors of 50% to 85% of base tuition",
    )
    markup_max: float = param(
        1.6,
        "Highest price markup over base tuition a provider charges.",
        unit="ratio",
        lo=0.0,
        hi=100.0,
        source="assumption",
        plausible=(1.3, 2.0),
        plausible_why="price ceilings of 130% to 200% of base tuition",
    )
    quality_sd: float = param(
        0.1,
        "Dispersion (log sd) of providers' teaching quality.",
        unit="log points",
        lo=0.0,
        hi=2.0,
        source="assumption",
        plausible=(0.05, 0.2),
        plausible_why="half to twice the default",
    )
    completion_online: float = param(
        0.9,
        "Completion factor of online programs (relative to blended).",
        unit="ratio",
        lo=0.0,
        hi=2.0,
        source="assumption: online courses lose more learners",
        plausible=(0.8, 1.0),
        plausible_why="online completion 0-20% below blended",
    )
    completion_blended: float = param(
        1.0,
        "Completion factor of blended programs.",
        unit="ratio",
        lo=0.0,
        hi=2.0,
        source="the reference mode",
    )
    completion_in_person: float = param(
        1.05,
        "Completion factor of in-person programs (relative to blended).",
        unit="ratio",
        lo=0.0,
        hi=2.0,
        source="assumption",
        plausible=(1.0, 1.1),
        plausible_why="in-person completion 0-10% above blended",
    )
    # --- admission on what providers can see ---
    admission_test_noise: float = param(
        0.3,
        "Noise (log sd) of a provider's entry skill test of an applicant's learning ability.",
        unit="log points",
        lo=0.0,
        hi=5.0,
        lo_open=True,
        source="assumption: a short entry test is a noisy measure",
        plausible=(0.15, 0.6),
        plausible_why="a reliable to a rough test",
    )
    admission_credential_signal: float = param(
        0.05,
        "Rise (log points) of a provider's ability estimate per microcredential an applicant"
        " already holds.",
        unit="log points",
        lo=0.0,
        hi=1.0,
        source="assumption: earlier credentials show an applicant can pass",
        plausible=(0.0, 0.1),
        plausible_why="from no signal to twice the default",
    )
    admission_uses_disadvantaged: bool = param(
        False,
        "Providers may use the disadvantaged flag when estimating an applicant's pass chance"
        " (where the law allows it).",
    )
    # --- teaching effort ---
    effort_completion_elasticity: float = param(
        0.5,
        "Elasticity of a trainee's completion chance to the provider's teaching effort.",
        unit="elasticity",
        lo=0.0,
        hi=5.0,
        source="assumption: tutoring and follow-up keep trainees in programs",
        plausible=(0.2, 1.0),
        plausible_why="half to twice the default",
    )
    effort_learning_elasticity: float = param(
        0.3,
        "Elasticity of a trainee's learning to the provider's teaching effort.",
        unit="elasticity",
        lo=0.0,
        hi=5.0,
        source="assumption",
        plausible=(0.1, 0.6),
        plausible_why="a third to twice the default",
    )
    effort_reallocation: float = param(
        1.0,
        "How far a provider paid on outcomes moves effort toward trainees whose paid outcomes"
        " it raises most (0: equal effort for all; 1: in proportion to the marginal payment).",
        unit="share",
        lo=0.0,
        hi=5.0,
        source="Heckman, Heinrich & Smith 2002; Carter & Whitworth 2015 (Work Programme parking)",
        plausible=(0.25, 1.5),
        plausible_why="partial to full reallocation",
    )
    effort_min: float = param(
        0.4,
        "Least effort a provider gives a trainee (the program as delivered to everyone).",
        unit="ratio to standard effort",
        lo=0.0,
        hi=1.0,
        source="assumption",
        plausible=(0.2, 0.7),
        plausible_why="a floor of a fifth to 70% of standard delivery",
    )
    effort_max: float = param(
        2.0,
        "Most effort a provider gives one trainee.",
        unit="ratio to standard effort",
        lo=1.0,
        hi=100.0,
        source="assumption",
        plausible=(1.5, 3.0),
        plausible_why="one and a half to three times standard delivery",
    )
    # --- standards chosen for profit, checked by audits and reputation ---
    reputation_weight: float = param(
        3.0,
        "Demand a provider expects to lose per unit fall in the honest share of its credentials,"
        " per fully recognising customer, as a share of the tuition of its trainees.",
        unit="share of tuition",
        lo=0.0,
        hi=100.0,
        source="assumption (no estimate exists): at the default recognition (about 0.15), weights"
        " above about 4 deter drift even with weak audits, weights below about 3 do not",
        plausible=(1.0, 6.0),
        plausible_why="from reputation that barely matters to reputation that deters all drift",
    )
    reputation_learning_rate: float = param(
        0.05,
        "Monthly weight of what employers observe of a provider's certified staff in its"
        " reputation (the honest share of its credentials).",
        unit="1/month",
        lo=0.0,
        hi=1.0,
        source="assumption: employers learn from the hires who carry the credential",
        plausible=(0.01, 0.2),
        plausible_why="reputations that move within months to years",
    )
    provider_discount_rate: float = param(
        0.01,
        "Providers' monthly discount rate (weighs future demand against outcome pay now).",
        unit="1/month",
        lo=0.0,
        hi=1.0,
        lo_open=True,
        source="assumption: about 12% a year",
        plausible=(0.005, 0.02),
        plausible_why="about 6% to 27% a year",
    )
    # --- program design (catalogue programs with designed=false) ---
    design_months_online: int = param(
        3,
        "Months from a provider's decision to design an online program until it offers it.",
        unit="months",
        lo=0,
        hi=120,
        source="assumption: online content, once built, needs no rooms or instructors, so it"
        " deploys faster than in-person programs (the premise NORCAT's project tests; Future"
        " Skills Centre, Microcredentials in Flux, 2022)",
        plausible=(1, 6),
        plausible_why="a month to half a year",
    )
    design_months_blended: int = param(
        4,
        "Months from a provider's decision to design a blended program until it offers it.",
        unit="months",
        lo=0,
        hi=120,
        source="assumption: online theory with short practical sessions in existing facilities"
        " deploys faster than in-person programs (NORCAT's project tests whether integrated"
        " blended delivery lets skilled-trades industries design and deploy programs quickly;"
        " Future Skills Centre, Microcredentials in Flux, 2022)",
        plausible=(2, 8),
        plausible_why="half to twice the default",
    )
    design_months_in_person: int = param(
        8,
        "Months from a provider's decision to design an in-person program until it offers it.",
        unit="months",
        lo=0,
        hi=120,
        source="assumption: instructors, rooms, equipment and cohort schedules take most of a"
        " year to set up",
        plausible=(4, 16),
        plausible_why="half to twice the default",
    )
    design_cost_online: float = param(
        15.0,
        "One-off cost of designing an online program, in multiples of its base tuition (a"
        " program's tuition grows with its length, and so does the content to write).",
        unit="base tuitions",
        lo=0.0,
        hi=1e4,
        source="assumption: the tuition of 15 trainees, about $45,000 for a $3,000 program;"
        " basic online content takes about twice the development hours per hour of"
        " instruction of classroom material (Chapman Alliance 2010: about 79 against 43)",
        plausible=(5.0, 40.0),
        plausible_why="a third to about three times the default",
    )
    design_cost_blended: float = param(
        12.0,
        "One-off cost of designing a blended program, in multiples of its base tuition.",
        unit="base tuitions",
        lo=0.0,
        hi=1e4,
        source="assumption: between online and in-person",
        plausible=(4.0, 30.0),
        plausible_why="a third to about two and a half times the default",
    )
    design_cost_in_person: float = param(
        10.0,
        "One-off cost of designing an in-person program, in multiples of its base tuition.",
        unit="base tuitions",
        lo=0.0,
        hi=1e4,
        source="assumption: classroom material is the cheapest to write (Chapman Alliance 2010),"
        " instructor preparation adds to it",
        plausible=(3.0, 30.0),
        plausible_why="a third to three times the default",
    )


@dataclass
class MilestoneConfig:
    """One outcome payment: paid ``lag`` months after ``event``, worth ``weight`` of the outcome pot."""

    event: str = param("certification", "What triggers the payment.", choices=MILESTONE_EVENTS)
    weight: float = param(
        1.0,
        "Share of the outcome pot paid for this milestone (weights add up to <= 1).",
        lo=0.0,
        lo_open=True,
        hi=1.0,
        plausible=(0.0, 1.0),
        plausible_why="a milestone's share of the outcome pot",
        lever=True,
    )
    lag: int = param(
        0,
        "Months after the event before the claim falls due.",
        unit="months",
        lo=0,
        hi=120,
        plausible=(0, 12),
        plausible_why="up to the 12-month retention milestone",
        lever=True,
    )


@dataclass
class EligibilityConfig:
    sme_only: bool = param(False, "Only SMEs may be funded.")
    disadvantaged_only: bool = param(False, "Only disadvantaged workers may be funded.")


@dataclass
class FundingConfig:
    """The funder's policy: pure data (docs/model.md section 3, Funder)."""

    name: str = param("none", "Name of the funding design.", pattern=NAME_PATTERN)
    enabled: bool = param(
        True,
        "The funder runs the program. False: the same design's no-program run (nothing is"
        " offered or paid), the baseline a project is compared with.",
    )
    upfront_share: float = param(
        0.0,
        "Share of training cost paid at enrolment.",
        lo=0.0,
        hi=1.0,
        plausible=(0.0, 0.7),
        plausible_why="none to the EMC maximum paid at enrolment",
        lever=True,
    )
    outcome_share: float = param(
        0.0,
        "Share of training cost paid on milestones.",
        lo=0.0,
        hi=1.0,
        source="EMC pay-for-performance pilot: up to 70%",
        plausible=(0.0, 1.0),
        plausible_why="none to the full cost on outcomes",
        lever=True,
    )
    recipient: str = param("employer", "Who receives the funding.", choices=RECIPIENTS)
    milestones: List[MilestoneConfig] = field(default_factory=list)
    disadvantaged_bonus: float = param(
        1.0,
        "Multiplier on outcome payments for disadvantaged participants.",
        lo=0.0,
        hi=10.0,
        plausible=(1.0, 3.0),
        plausible_why="no bonus to triple payments (tiered designs)",
        lever=True,
    )
    budget_per_year: Optional[float] = param(
        None, "Funder budget per policy year (null: unlimited).", unit="CAD", lo=0.0, nullable=True
    )
    project_budget: Optional[float] = param(
        None,
        "A real project's whole budget, scaled to the simulated economy: the yearly budget is"
        " project_budget / project_years x population.workers / project_workforce (null: use"
        " budget_per_year).",
        unit="CAD",
        lo=0.0,
        nullable=True,
    )
    project_years: int = param(3, "Years the project's budget covers.", unit="years", lo=1, hi=50)
    use_project_budget: bool = param(
        True,
        "The project's budget (project_budget) limits the funder; false: the design without its"
        " pilot's budget (budget_per_year applies).",
    )
    project_workforce: Optional[int] = param(
        None,
        "Workers in the labour market the project's budget serves (the simulated economy is a"
        " slice of it).",
        unit="workers",
        lo=1,
        nullable=True,
    )
    cap_per_participant: Optional[float] = param(
        None,
        "Most the funder pays for one participant (null: no cap).",
        unit="CAD",
        lo=0.0,
        nullable=True,
        plausible=(1000.0, 3000.0),
        plausible_why="a third to all of the mean tuition",
        lever=True,
    )
    max_payment_share: float = param(
        1.0,
        "Payments to one participant (upfront and outcome, bonuses included) never exceed this"
        " share of its cost (the program's tuition).",
        unit="share of tuition",
        lo=0.0,
        hi=10.0,
        source="assumption: a funder pays at most the full cost of training (EMC pilot: up to"
        " 70% of the $3,000 cost)",
        plausible=(0.7, 1.0),
        plausible_why="the EMC maximum to the full cost",
        lever=True,
    )
    eligibility: EligibilityConfig = field(default_factory=EligibilityConfig)
    audit_probability: float = param(
        0.1,
        "Probability that an outcome claim is audited.",
        lo=0.0,
        hi=1.0,
        plausible=(0.0, 0.3),
        plausible_why="no audits to audit three claims in ten",
        lever=True,
    )
    false_claim_penalty: float = param(
        2.0, "Penalty for a false claim, as a multiple of the claimed payment.", lo=0.0, hi=100.0
    )
    admin_cost_per_claim: float = param(
        150.0,
        "Recipient's administrative cost of one claim.",
        unit="CAD",
        lo=0.0,
        hi=1e7,
        source="Skilling UP: reimbursement 'too complex to implement'",
    )
    funder_admin_cost_per_claim: float = param(
        30.0,
        "Funder's own cost of processing one payment claim (each outcome claim, and each"
        " upfront payment at enrolment); part of public_cost.",
        unit="CAD",
        lo=0.0,
        hi=1e7,
        source="assumption: about half an hour of a program officer's time at about $60/hour"
        " loaded; with three milestones about 4% of a $2,100 outcome pot, within the few"
        " percent to ~10% of outlays that administering outcome-based contracts usually costs",
        plausible=(10.0, 100.0),
        plausible_why="a few minutes to about two hours of officer time per claim",
    )
    audit_cost: float = param(
        250.0,
        "Funder's cost of one audit of an outcome claim (audits happen with"
        " audit_probability); part of public_cost.",
        unit="CAD",
        lo=0.0,
        hi=1e7,
        source="assumption: about half a day of an auditor's time (4 hours at about $60/hour"
        " loaded) to check an assessment record or a self-reported gain",
        plausible=(100.0, 1000.0),
        plausible_why="two hours to two days of auditor time",
    )
    payment_delay: int = param(
        2,
        "Months between a milestone falling due and its payment.",
        unit="months",
        lo=0,
        hi=120,
        plausible=(0, 6),
        plausible_why="immediate to half a year",
        lever=True,
    )
    initial_awareness: float = param(
        0.5, "Share of employers aware of the program when it starts.", lo=0.0, hi=1.0
    )
    awareness_outreach: float = param(
        0.03, "Monthly chance an unaware employer learns of the program.", lo=0.0, hi=1.0
    )
    skill_gain_threshold: float = param(
        0.25,
        "Share of nominal gain a participant must show for the skill-gain milestone.",
        lo=0.0,
        hi=1.0,
    )
    wage_gain_threshold: float = param(
        0.02, "Relative wage rise that counts as the wage-gain milestone.", lo=0.0, hi=10.0
    )
    support_hours: float = param(
        16.0,
        "Release hours an employer gives to support the workplace project.",
        unit="hours",
        lo=0.0,
        hi=1000.0,
    )
    provider_discount: float = param(
        0.8,
        "Share of its expected funding a provider passes to employers as a lower price.",
        lo=0.0,
        hi=1.0,
        plausible=(0.0, 1.0),
        plausible_why="none to all of a provider's expected funding",
        lever=True,
    )

    @property
    def pays_employers(self) -> bool:
        """The employer receives the funding (the EMC design)."""
        return self.recipient == EMPLOYER

    @property
    def pays_providers(self) -> bool:
        """The provider receives the funding (Work-Programme style)."""
        return self.recipient == PROVIDER


@dataclass
class PlacementMilestoneConfig:
    """One payment of the job-seeker pathway to the provider (jobseekers.milestones)."""

    event: str = param(
        "placement", "What triggers the payment.", choices=PLACEMENT_MILESTONE_EVENTS
    )
    weight: float = param(1.0, "Share of the outcome pot this milestone pays.", lo=0.0, hi=1.0)


@dataclass
class JobseekersConfig:
    """The job-seeker pathway: provider-led programs for unemployed workers, paid by the
    funder to the provider up front and/or on placement (docs/model.md section 3, Job
    seekers). Runs while the program runs (funding.enabled); in the no-program run the same
    referrals and admissions are followed, untrained, for comparison."""

    enabled: bool = param(False, "Run the job-seeker pathway.")
    eligibility: str = param(
        "all",
        "Who may be referred: all unemployed workers who had a job before, the disadvantaged,"
        " or displaced workers (laid off as labour demand fell, out of work since).",
        choices=JOBSEEKER_GROUPS,
    )
    referral_rate: float = param(
        0.05,
        "Monthly chance that an eligible unemployed worker is referred to the pathway and applies.",
        unit="1/month",
        lo=0.0,
        hi=1.0,
        source="assumption: employment services refer a small share of the unemployed each month",
        plausible=(0.01, 0.1),
        plausible_why="a fifth to twice the default",
    )
    programs: List[str] = param(
        [],
        "Catalogue programs offered to job seekers, in the order a participant takes them"
        " (empty: the whole catalogue).",
        pattern=NAME_PATTERN,
    )
    seats_per_provider: int = param(
        5,
        "Job seekers a provider can start in the pathway each month.",
        unit="starts/month",
        lo=0,
        hi=MAX_ID,
        source="assumption",
    )
    upfront_share: float = param(
        0.0,
        "Share of tuition the funder pays the provider at the start.",
        lo=0.0,
        hi=1.0,
        lever=True,
        plausible=(0.0, 1.0),
        plausible_why="none to the full cost up front",
    )
    outcome_share: float = param(
        0.0,
        "Share of tuition the funder pays the provider on the milestones (the outcome pot).",
        lo=0.0,
        hi=1.0,
        lever=True,
        plausible=(0.0, 1.0),
        plausible_why="none to the full cost on outcomes",
    )
    milestones: List[PlacementMilestoneConfig] = field(default_factory=list)
    disadvantaged_bonus: float = param(
        1.0,
        "Multiplier on the outcome pot for disadvantaged participants.",
        lo=0.0,
        hi=10.0,
        lever=True,
        plausible=(1.0, 3.0),
        plausible_why="no bonus to triple payments",
    )
    placement_window: int = param(
        6,
        "Months after a program ends within which a hire counts as a placement.",
        unit="months",
        lo=0,
        hi=60,
        source="assumption: Work Programme job outcomes were counted within months of referral",
    )
    placement_assistance: float = param(
        1.0,
        "Rise in a participant's job search (job contacts) from the provider's job-search"
        " assistance and employer introductions, during the placement window (1: doubled).",
        unit="share",
        lo=0.0,
        hi=10.0,
        source="assumption: job-search assistance raises exit rates from unemployment in the"
        " short run (Card, Kluve & Weber 2018)",
        plausible=(0.25, 2.0),
        plausible_why="a quarter more to three times the search",
    )
    assistance_funded: bool = param(
        False,
        "The funder buys job-search assistance for every participant who finishes (paying the"
        " provider its cost); false: a provider assists only where placement pay makes it worth"
        " its cost.",
        lever=True,
    )
    assistance_cost_share: float = param(
        0.1,
        "The provider's cost of assisting one participant's job search, as a share of the"
        " program's base tuition.",
        unit="share of base tuition",
        lo=0.0,
        hi=10.0,
        source="assumption",
        plausible=(0.05, 0.3),
        plausible_why="half to three times the default",
    )
    search_while_training: float = param(
        0.3,
        "A participant's job search while in a program, as a share of a job seeker's (the"
        " lock-in effect of training programs; van Ours 2004).",
        unit="share",
        lo=0.0,
        hi=1.0,
        source="assumption: training lowers job search while it lasts (van Ours 2004; Lechner &"
        " Wunsch 2009)",
        plausible=(0.0, 0.6),
        plausible_why="no search to most of it",
    )

    @property
    def funded(self) -> bool:
        """The pathway pays providers something."""
        return self.upfront_share > 0 or (self.outcome_share > 0 and bool(self.milestones))


@dataclass
class TrialConfig:
    """A randomised trial of the funding program inside one economy (policy: who may use it).

    At the policy start (month ``time.burn_in``) the evaluator enrols ``enrolled`` units
    sampled from the economy (employers, or employed workers, optionally stratified) and
    assigns a ``treatment_share`` of them to the program. Only treated units can use it;
    everyone shares one labour market, so spillovers on controls are real. ``world`` runs the
    counterfactuals that give the true effect of a full roll-out on the same seed: the program
    for every employer, or for no one (the same units are enrolled in both).
    """

    enabled: bool = param(False, "Run a trial: only treated units can use the program.")
    unit: str = param(
        "employer",
        "Unit of randomisation: employers (cluster trial), or workers within"
        " their employers (individual trial, clustered by employer).",
        choices=TRIAL_UNITS,
    )
    enrolled: int = param(
        110,
        "Units enrolled in the trial (treated + controls), sampled from the economy at"
        " the policy start.",
        unit="units",
        lo=1,
        hi=MAX_ID,
        source="UPSKILL: 110 firms; Skilling UP: 1,500 workers; EMC pilot: 55 firms",
    )
    treatment_share: float = param(
        0.5,
        "Share of enrolled units assigned to the program (1 for a pre/post design).",
        lo=0.0,
        hi=1.0,
        unit="share",
    )
    design: str = param(
        "parallel",
        "parallel: controls never get the program; waitlist: controls get it"
        " after waitlist_months; prepost: every enrolled unit is treated and the evaluator"
        " compares it with its own past (no control group).",
        choices=TRIAL_DESIGNS,
    )
    waitlist_months: int = param(
        12,
        "Months after the trial start when wait-listed controls get the program.",
        unit="months",
        lo=1,
        hi=1200,
        source="Skilling UP: a 12-month wait-list",
    )
    stratify: str = param(
        "none",
        "Strata for sampling and assignment: employer size quartile, SME status, sector"
        " (economy.sectors), or sector crossed with either.",
        choices=TRIAL_STRATA,
    )
    pre_months: int = param(
        12,
        "Months before the trial start whose outcomes are the baseline (covariates, and"
        " the 'before' of a pre/post design); at most time.burn_in.",
        unit="months",
        lo=1,
        hi=1200,
    )
    follow_up_months: Optional[int] = param(
        None,
        "Months after the trial start over which outcomes are measured (null: until"
        " the wait-list opens, pre_months for pre/post, else to the end of the run).",
        unit="months",
        lo=1,
        hi=1200,
        nullable=True,
    )
    world: str = param(
        "trial",
        "trial: the trial as designed; everyone / no_one: the same economy with the"
        " program for every unit / for none (the truth a trial is compared with).",
        choices=TRIAL_WORLDS,
    )


@dataclass
class EvaluationConfig:
    """How the cost-benefit account values the runs' money flows (docs/model.md section 5)."""

    marginal_cost_of_public_funds: float = param(
        0.25,
        "Deadweight loss of taxation per dollar of public outlay (the marginal cost of public"
        " funds minus 1): net social benefit subtracts this x public outlay.",
        unit="CAD per CAD of outlay",
        lo=0.0,
        hi=100.0,
        source="Dahlby 2008, The Marginal Cost of Public Funds (MIT Press); Dahlby & Ferede"
        " 2012 (Canadian provinces; the estimates differ widely by tax); 0.25 is an assumption"
        " inside the 0.2-0.3 range common in program evaluation",
        plausible=(0.2, 0.3),
        plausible_why="excess burdens of broad-based Canadian taxes used in evaluations",
    )
    social_discount_rate: float = param(
        0.035,
        "Real yearly rate at which the cost-benefit account discounts each month's money"
        " flows to the policy start (month time.burn_in).",
        unit="1/year",
        lo=0.0,
        hi=1.0,
        source="Boardman, Moore & Vining 2010 (3.5% for Canada); the Treasury Board"
        " Secretariat's 2007 guide recommends 8%",
        plausible=(0.03, 0.08),
        plausible_why="the Boardman et al. consumption rate to the TBS 2007 rate",
    )


@dataclass
class OutputConfig:
    employer_panel: bool = param(False, "Also write employer_panel.parquet (employer x month).")
    timeseries: bool = param(True, "Write timeseries.parquet.")


@dataclass
class SimConfig:
    """Root config of one run."""

    seed: int = param(0, "Base seed of all random streams.", lo=0, hi=2**63 - 1)
    scenario: ScenarioConfig = field(default_factory=ScenarioConfig)
    time: TimeConfig = field(default_factory=TimeConfig)
    population: PopulationConfig = field(default_factory=PopulationConfig)
    economy: EconomyConfig = field(default_factory=EconomyConfig)
    credentials: CredentialsConfig = field(default_factory=CredentialsConfig)
    providers: ProvidersConfig = field(default_factory=ProvidersConfig)
    funding: FundingConfig = field(default_factory=FundingConfig)
    trial: TrialConfig = field(default_factory=TrialConfig)
    jobseekers: JobseekersConfig = field(default_factory=JobseekersConfig)
    evaluation: EvaluationConfig = field(default_factory=EvaluationConfig)
    output: OutputConfig = field(default_factory=OutputConfig)

    @property
    def yearly_budget(self) -> Optional[float]:
        """The funder's budget per policy year: ``funding.budget_per_year``, or a project's
        budget scaled to the simulated economy (``funding.project_budget``)."""
        f = self.funding
        if f.project_budget is None or not f.use_project_budget:
            return f.budget_per_year
        share = self.population.workers / f.project_workforce
        return f.project_budget / f.project_years * share
