"""Calibration of the default economy to Canadian facts (docs/model.md section 7).

``p4p-calibrate`` (or ``python -m sim.checks.calibration``) runs the ``baseline`` scenario at the
default scale on several seeds and writes ``calibration.md`` under
``outputs/calibration/<timestamp>/``: for every target its value and source, the band the model
must stay in and why, and the model's mean with a 95% CI over seeds. ``p4p-calibrate
--write-docs`` regenerates the tracked ``docs/calibration.md`` instead (default economy only).
``tests/test_calibration.py`` fails when the defaults leave a band.

Bands follow three rules, stated per target: a parameter measured by several studies gets
the range of their estimates; a survey level whose definition differs from the model's
measure gets the range between the definitions it could mean; a single study's point figure
gets +/-25% of it.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import numpy as np

from sim.analysis.paired import one_sided_test
from sim.checks.replications import (
    DEFAULT_ECONOMY,
    Arm,
    Economy,
    default_processes,
    run_arms,
)
from sim.config.schema import CredentialsConfig, SimConfig

DOC_PATH = Path(__file__).resolve().parents[2] / "docs" / "calibration.md"
BASELINE = Arm.of("baseline")


@dataclass(frozen=True)
class Target:
    """One calibration target: a measured model quantity that must stay inside a band."""

    label: str
    measure: str  # KPI scalar of the baseline run (sim.kpis)
    target: str
    source: str
    lo: float
    hi: float
    why: str
    unit: str = ""  # "$", "%" or "" (a plain number)

    def show(self, value: float) -> str:
        if self.unit == "$":
            return f"${value:,.0f}"
        if self.unit == "%":
            return f"{100 * value:.2f}%"
        return f"{value:.3g}"

    def band(self) -> str:
        return f"{self.show(self.lo)} to {self.show(self.hi)}"

    def holds(self, value: float) -> bool:
        return bool(np.isfinite(value) and self.lo <= value <= self.hi)


TARGETS: tuple[Target, ...] = (
    Target(
        "Training spend per employee per year (direct: tuition and assessment fees)",
        "direct_training_spend_per_employee",
        "$240 economy-wide; $889 in larger organisations",
        "LMIC/FSC 2023; Conference Board of Canada, Learning and Development Outlook 2016-17",
        240.0,
        889.0,
        "The two figures bracket our economy: $240 averages every industry and firm size (with"
        " many micro-employers that spend little); $889 is the Conference Board's sample of"
        " larger organisations. A manufacturing slice of all sizes belongs between them.",
        "$",
    ),
    Target(
        "Direct spend per employee, employers with 100+ staff",
        "large_employer_spend_per_employee",
        "$889 (larger organisations)",
        "Conference Board of Canada 2016-17 ($800 in 2014-15, $787 in 2008)",
        580.0,
        1200.0,
        "The Conference Board's own figure moved between $787 and $889 across editions; our"
        " 100+ cut also includes mid-sized firms below its typical respondent: +/-35%.",
        "$",
    ),
    Target(
        "Direct training spend as share of payroll, employers with 100+ staff",
        "large_employer_spend_share_of_payroll",
        "~1.8% of payroll",
        "Conference Board of Canada 2007 (1.8%, $852/employee); 2009 edition: 1.5%",
        0.010,
        0.024,
        "Editions report 1.5-1.8%; our wages (about $55k a year) sit above the payroll implied by"
        " the Conference Board's $852 at 1.8% ($47k), which lowers the share for the same dollars.",
        "%",
    ),
    Target(
        "Share of employers that train in a year",
        "share_employers_training",
        "~59% of workplaces offered training",
        "StatCan Workplace and Employee Survey 2005 (59% any training; 62% of those classroom)",
        0.37,
        0.59,
        "The model's training is formal (an assessed program); WES's 59% includes on-the-job"
        " training, and 62% of trainers offered classroom training (about 37% of all workplaces)."
        " The band runs from formal-only to any training.",
    ),
    Target(
        "Wage pass-through of training gains (general and specific blended)",
        "effective_pass_through",
        "~0.5",
        "Dearden, Reed & Van Reenen 2006 (0.3/0.6); Konings & Vanormelingen 2015 (12/23)",
        0.40,
        0.60,
        "Both studies measure the blended pass-through of all training, near 0.5; the band"
        " covers their estimates and sampling error.",
    ),
    Target(
        "First-year employer return on short training (programs of 1-2 months)",
        "first_year_return_short_training",
        "~23%",
        "SRDC UPSKILL randomised trial, 2014",
        0.1725,
        0.2875,
        "One trial's point estimate (the return on the full cost of about 20 hours of training):"
        " +/-25% of it. Measured as UPSKILL did, on the full cost of training (tuition, release"
        " time and support), whoever pays it.",
        "%",
    ),
    Target(
        "Monthly quit rate (job-to-job moves and separations into unemployment)",
        "quit_rate",
        "~1.5-2.5% a month",
        "US JOLTS, manufacturing, order of magnitude (quits ~1.5-2.3%, total separations ~2.5-3%)",
        0.015,
        0.025,
        "The range given in docs/model.md; JOLTS manufacturing quits sit in it and total separations"
        " (with layoffs and retirements) slightly above, so the model's separations other than"
        " retirement belong in it.",
        "%",
    ),
    Target(
        "Employers aware of microcredentials at the start",
        "microcredential_awareness_start",
        "41% (59% 'not familiar at all')",
        "HEQCO, Making Sense of Microcredentials, 2021",
        0.36,
        0.46,
        "A survey share: +/-5 points covers its sampling error and the draw over 500 employers.",
        "%",
    ),
    Target(
        "Employers with a good understanding at the start",
        "microcredential_understanding_start",
        "10%",
        "HEQCO 2021",
        0.07,
        0.13,
        "A survey share: +/-3 points.",
        "%",
    ),
    Target(
        "Mean employer recognition over the policy window (baseline stays low)",
        "microcredential_recognition",
        "low: most employers unfamiliar (docs/model.md section 4)",
        "HEQCO 2021; docs/model.md section 4 (baseline: recognition at its low starting level)",
        0.10,
        0.25,
        "Without a campaign, recognition may diffuse slowly (Bass) and grow with experience of"
        " honest credentials, but the average employer should not pass the recognition of an"
        " employer who is aware without understanding (0.25).",
    ),
    Target(
        "Wage gain of a certified trainee, per year",
        "certification_wage_gain",
        "~$2,000 a year (industry certification)",
        "US Census / NAM / National Skills Coalition 2022",
        1500.0,
        2500.0,
        "One survey's point figure, for US industry certifications: +/-25% of it.",
        "$",
    ),
)

CONFIG_TARGETS = (
    (
        "P4P program cost per participant",
        "$3,000",
        "EMC program page",
        "mean tuition of the default catalogue",
        "catalogue_mean_tuition",
    ),
    (
        "P4P reimbursement cap",
        "70% ($2,100 of $3,000)",
        "EMC program page",
        "largest outcome payment / tuition in `pay_for_performance`",
        "p4p_cap",
    ),
)

# Each calibrated parameter and the target that pins it (identification): fitted together by
# minimum distance (p4p-explore calibrate), each moves its own target most.
CALIBRATED = (
    ("economy.separation_rate", "quit rate (JOLTS layoffs and other separations ~1%/month)"),
    ("economy.offer_arrival_rate", "quit rate (job-to-job moves)"),
    (
        "economy.counteroffer_max_share",
        "quit rate, and the first-year return: a matched offer takes part of the employer's"
        " rent (fitted)",
    ),
    ("economy.pass_through", "effective pass-through ~0.5 (with specific_pass_through)"),
    (
        "economy.specific_pass_through",
        "effective pass-through ~0.5 and the certified wage gain (fitted)",
    ),
    ("economy.training_fixed_cost", "share of employers that train (fitted)"),
    (
        "economy.planning_horizon",
        "first-year return on short training: a shorter horizon leaves only training that pays"
        " back fast (fitted; LMIC 2023: employers seek quick returns)",
    ),
    (
        "economy.release_hours_per_month",
        "first-year return (release time is part of the full cost) (fitted)",
    ),
    (
        "economy.initial_gain_belief",
        "a settled baseline: beliefs start near what experience teaches",
    ),
    ("economy.gain_belief_sd", "a settled baseline"),
    ("credentials.initial_standard", "a pass mark of 70% of the nominal gain"),
    ("credentials.imitation_rate", "recognition stays low in the baseline"),
    ("credentials.outreach_rate", "recognition stays low in the baseline"),
    ("credentials.experience_rate", "recognition stays low in the baseline"),
    (
        "credentials.programs",
        "tuition $1,000 a month (catalogue mean $3,000); the gains' level, one scale on all"
        " six, pins the certified wage gain (fitted)",
    ),
)

FITTED = (
    "economy.planning_horizon",
    "economy.training_fixed_cost",
    "economy.release_hours_per_month",
    "credentials.programs.gain_scale",
    "economy.specific_pass_through",
    "economy.counteroffer_max_share",
)
FIT_COMMAND = "p4p-explore calibrate --trials 70 --seeds 4 --parameters " + ",".join(FITTED)


def config_measures() -> dict[str, float]:
    """Targets that are inputs: the catalogue's mean tuition and the EMC cap."""
    from sim.checks.replications import scenario_config

    catalogue = CredentialsConfig().programs
    p4p = scenario_config("pay_for_performance").funding
    cap = p4p.outcome_share * sum(m.weight for m in p4p.milestones) + p4p.upfront_share
    return {
        "catalogue_mean_tuition": float(np.mean([p.tuition for p in catalogue])),
        "p4p_cap": float(cap),
    }


@dataclass(frozen=True)
class Measured:
    target: Target
    mean: float
    ci_low: float
    ci_high: float
    n: int

    @property
    def holds(self) -> bool:
        return self.target.holds(self.mean)


def measure(
    seeds: Iterable[int] = range(8),
    economy: Economy = DEFAULT_ECONOMY,
    processes: int | None = None,
    progress=None,
) -> list[Measured]:
    """Run the baseline on ``seeds`` and compare each target's mean with its band."""
    seeds = list(seeds)
    runs = run_arms([BASELINE], seeds, economy, processes, progress)
    out = []
    for target in TARGETS:
        values = [runs[(BASELINE, s)][target.measure] for s in seeds]
        test = one_sided_test(values, "above", target.lo)
        out.append(Measured(target, test.effect, test.ci_low, test.ci_high, test.n))
    return out


def markdown(measured: list[Measured], seeds: list[int], economy: Economy, seconds: float) -> str:
    cfg = SimConfig()
    scale = economy.config()
    where = "at the default scale" if economy == DEFAULT_ECONOMY else "at this economy's scale"
    lines = [
        f"# Calibration of the {economy.preset} economy",
        "",
        "Generated by `p4p-calibrate` (`python -m sim.checks.calibration`; `--write-docs`"
        " regenerates docs/calibration.md); do not edit by hand.",
        f"Scenario `baseline` {where} ({scale.population.workers:,} workers,"
        f" {scale.population.employers} employers, {scale.time.months} months, burn-in"
        f" {scale.time.burn_in}), seeds"
        f" {seeds[0]}..{seeds[-1]} ({len(seeds)} runs, {seconds:.0f} s). Values are policy-window"
        " means (months after the burn-in) unless a row says otherwise; the CI is the 95% t"
        " interval over seeds. A target is met when the mean lies inside its band;"
        " `tests/test_calibration.py` checks the same bands.",
        "",
        "Bands follow three rules: a parameter measured by several studies gets the range of"
        " their estimates; a survey level whose definition differs from the model's measure gets"
        " the range of the definitions it could mean; a single study's point figure gets +/-25%"
        " of it. The calibrated parameters were fitted by minimum distance to the band centres"
        " (`p4p-explore calibrate`, docs/estimation.md); the table below names the target that"
        " pins each one.",
        "",
        "| target | source | band | why this band | model (95% CI) | met |",
        "|---|---|---|---|---|---|",
    ]
    for m in measured:
        t = m.target
        lines.append(
            f"| **{t.label}**: {t.target} (`{t.measure}`) | {t.source} | {t.band()} | {t.why} |"
            f" {t.show(m.mean)} ({t.show(m.ci_low)} to {t.show(m.ci_high)}) |"
            f" {'yes' if m.holds else '**NO**'} |"
        )
    inputs = config_measures()
    lines += [
        "",
        "## Targets that are inputs",
        "",
        "| target | value | source | model | met |",
        "|---|---|---|---|---|",
    ]
    lines.append(
        f"| {CONFIG_TARGETS[0][0]} | {CONFIG_TARGETS[0][1]} | {CONFIG_TARGETS[0][2]} |"
        f" {CONFIG_TARGETS[0][3]}: ${inputs['catalogue_mean_tuition']:,.0f} |"
        f" {'yes' if abs(inputs['catalogue_mean_tuition'] - 3000) < 1 else '**NO**'} |"
    )
    lines.append(
        f"| {CONFIG_TARGETS[1][0]} | {CONFIG_TARGETS[1][1]} | {CONFIG_TARGETS[1][2]} |"
        f" {CONFIG_TARGETS[1][3]}: {100 * inputs['p4p_cap']:.0f}% |"
        f" {'yes' if abs(inputs['p4p_cap'] - 0.7) < 1e-9 else '**NO**'} |"
    )
    lines += [
        "",
        "## Parameters set by this calibration",
        "",
        "| parameter | default | calibrated to |",
        "|---|---|---|",
    ]
    for key, reason in CALIBRATED:
        lines.append(f"| `{key}` | {_default(cfg, key)} | {reason} |")
    lines += ["", TENSIONS.replace("{command}", FIT_COMMAND), ""]
    return "\n".join(lines)


TENSIONS = """## Method

The six parameters marked *fitted* were estimated together by minimum distance (simulated
method of moments with a diagonal weight; McFadden 1989): the distance of a parameter set is
the mean over the targets above of ((model - band centre) / band half-width)^2, the model
being the baseline's mean over seeds 0-3 (common random numbers), minimised by Optuna's TPE
sampler over the parameters' plausible ranges (docs/estimation.md), starting from the
previous hand calibration:

    {command}

Fit of the model as it stands (70 trials, 2 min 40 s on 2 cores): distance 0.153 (the hand
calibration of the previous model: 1.037), every target inside its band; the defaults are the
best trial's values, rounded. The other calibrated parameters keep their hand-set values:
each pins a target it alone moves (recognition, awareness) or that already sits in its band.

## Tensions between targets, and how they were resolved

* **$240 vs $889 vs 1.8% of payroll.** The three figures describe different populations: $240
  is LMIC's economy-wide estimate, $889 and 1.8% come from the Conference Board's sample of
  larger organisations (1.8% of payroll went with $852 per employee in 2007). The model is
  therefore held to $240-$889 economy-wide and to the Conference Board's level for its
  employers with 100 or more staff. Larger employers train more per employee in the model
  because the fixed cost of organising training is spread over more trainees.
* **First-year return vs the certified wage gain vs pass-through.** With pass-through near 0.5
  an employer keeps about half of a productivity gain, so a larger gain raises the worker's
  wage gain and the employer's return together. They come apart through what else shapes the
  return: the planning horizon (a shorter one leaves only training that pays back fast), the
  release time in its full cost and the counteroffers that take part of the rent. The fit
  puts the return at UPSKILL's 23% with the wage gain near the top of its band ($2,500) and
  the blended pass-through near the bottom of its band (0.42).
* **The planning horizon.** The first-year return, and with it the response to a grant, moves
  strongly with `economy.planning_horizon` (from 12 to 30 months the return falls from about
  26% to -8%); the return's band is what pins it, so a study of other horizons should vary it
  (`p4p-explore`) rather than hold it fixed.
* **A settled baseline.** Workers can take a program again after `economy.retake_gap` months
  and trained skill depreciates, so training demand renews; the burn-in (36 months) covers the
  first wave of programs and of refreshers, and the baseline's yearly KPIs have no trend over
  the policy window (`tests/test_stationarity.py`)."""


def _default(cfg: SimConfig, key: str) -> str:
    value = cfg
    for part in key.split("."):
        value = getattr(value, part)
    if isinstance(value, list):
        return ", ".join(f"{p.name} {p.months} mo ${p.tuition:,.0f} gain {p.gain:g}" for p in value)
    return f"{value:g}" if isinstance(value, float) else str(value)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="p4p-calibrate", description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=8, help="baseline runs (default 8)")
    parser.add_argument("--processes", type=int, default=default_processes())
    parser.add_argument(
        "--economy",
        default="default",
        help="economy preset of configs/population (default, small, tiny, ...); the bands are"
        " set for the default economy",
    )
    parser.add_argument(
        "--output-dir",
        type=Path,
        default=Path("outputs") / "calibration",
        help="folder for <timestamp>/calibration.md (default outputs/calibration)",
    )
    parser.add_argument(
        "--write-docs",
        action="store_true",
        help=f"regenerate the tracked {DOC_PATH.parent.name}/{DOC_PATH.name} instead",
    )
    args = parser.parse_args(argv)
    if args.seeds < 2:
        parser.error(f"--seeds={args.seeds} is too small; allowed: >= 2")
    if args.write_docs and args.economy != DEFAULT_ECONOMY.preset:
        parser.error(
            f"--economy={args.economy} with --write-docs; allowed: --economy=default"
            " (docs/calibration.md records the default economy)"
        )
    from sim.config.validation import ConfigError

    economy = Economy.of(args.economy)
    try:
        economy.config()
    except ConfigError as exc:
        print(f"p4p-calibrate: error: --economy={args.economy}: {exc}", file=sys.stderr)
        return 2
    seeds = list(range(args.seeds))
    started = time.perf_counter()
    measured = measure(seeds, economy=economy, processes=args.processes)
    text = markdown(measured, seeds, economy, time.perf_counter() - started)
    from sim.run.outputs import atomic_write_bytes

    if args.write_docs:
        output = DOC_PATH
    else:
        output = args.output_dir / time.strftime("%Y%m%d-%H%M%S") / "calibration.md"
    atomic_write_bytes(output, text.encode())
    for m in measured:
        print(
            f"{'ok ' if m.holds else 'OUT'} {m.target.measure:40s} {m.target.show(m.mean):>10s}"
            f"  band {m.target.band()}"
        )
    print(f"wrote {output}")
    return 0 if all(m.holds for m in measured) else 1


if __name__ == "__main__":
    sys.exit(main())
