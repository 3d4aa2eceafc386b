"""What the page runs: policy levers, economy presets, checking a design, paired runs.

A design is a named scenario plus lever values. It runs against scenario ``baseline`` on the
same seeds (common random numbers) into a sweep directory laid out as ``p4p-report`` reads it
(one job per ``design=<name>,seed=<n>``), and its numbers come from :func:`build_report`.
"""

from __future__ import annotations

import re
import threading
import time
from concurrent.futures import FIRST_COMPLETED, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import yaml

from sim.analysis.report import Report, build_report
from sim.app import workers
from sim.config.schema import MILESTONE_EVENTS, RECIPIENTS, SimConfig
from sim.config.validation import ConfigError, check_override
from sim.run.api import compose, compose_seeds, group_options
from sim.run.sweep_jobs import write_manifest

BASELINE = "baseline"
DESIGN = "design"
MAX_SEEDS = 50
MAX_MILESTONES = 3


@dataclass(frozen=True)
class Lever:
    """One form control: the config key it sets, its label and its kind of input."""

    key: str
    label: str
    kind: str  # "float", "int", "bool", "optional_float" or "choice"
    choices: tuple = ()


LEVERS = (
    Lever("funding.upfront_share", "Upfront share of training cost", "float"),
    Lever("funding.outcome_share", "Outcome share of training cost", "float"),
    Lever("funding.recipient", "Who is paid", "choice", RECIPIENTS),
    Lever("funding.disadvantaged_bonus", "Disadvantaged bonus (multiplier)", "float"),
    Lever("funding.budget_per_year", "Budget per year, CAD (empty: unlimited)", "optional_float"),
    Lever(
        "funding.cap_per_participant", "Cap per participant, CAD (empty: none)", "optional_float"
    ),
    Lever("funding.eligibility.sme_only", "Only SMEs eligible", "bool"),
    Lever("funding.eligibility.disadvantaged_only", "Only disadvantaged workers eligible", "bool"),
    Lever("funding.audit_probability", "Audit probability", "float"),
    Lever("funding.payment_delay", "Payment delay, months", "int"),
    Lever("credentials.campaign_outreach", "Campaign: monthly awareness gain", "float"),
    Lever("credentials.campaign_recognition", "Campaign: monthly recognition gain", "float"),
    Lever("credentials.quality_floor", "Quality floor on pass standards", "float"),
    Lever("credentials.rpl", "Recognition of prior learning", "bool"),
)
LEVER_KEYS = tuple(lever.key for lever in LEVERS)
MILESTONES = "funding.milestones"
EVENTS = MILESTONE_EVENTS

# Economy presets: sizes of the economy only (population config group or its sizes).
PRESETS = {
    "small (2,000 workers, fast)": {"population.workers": 2000, "population.employers": 100},
    "default (10,000 workers)": {},
    **{
        f"population: {name}": {"population": name}
        for name in group_options("population")
        if name != "default"
    },
}


def scenarios() -> list[str]:
    return group_options("scenario")


def lever_values(scenario: str) -> dict[str, Any]:
    """The lever values (and milestones) of a named scenario, to start a design from."""
    cfg = compose(scenario=scenario)
    values = {key: _get(cfg, key) for key in LEVER_KEYS}
    values[MILESTONES] = [
        {"event": m.event, "weight": m.weight, "lag": m.lag} for m in cfg.funding.milestones
    ]
    return values


def _get(obj, dotted: str):
    for part in dotted.split("."):
        obj = getattr(obj, part)
    return obj


@dataclass
class Checked:
    """A design after checking: its config, or one-line messages by field (``""``: the form)."""

    config: SimConfig | None
    errors: dict[str, str] = field(default_factory=dict)


def check_design(scenario: str, values: dict[str, Any], preset: str, seeds: int) -> Checked:
    """Check every field, then the whole design, as the CLI would; messages are the CLI's."""
    errors: dict[str, str] = {}
    if preset not in PRESETS:
        errors["preset"] = f"preset={preset!r} is not known; allowed: {', '.join(PRESETS)}"
    if not isinstance(seeds, int) or isinstance(seeds, bool) or not 2 <= seeds <= MAX_SEEDS:
        errors["seeds"] = f"seeds={seeds} is out of range; allowed: an integer in [2, {MAX_SEEDS}]"
    if scenario not in scenarios():
        errors["scenario"] = (
            f"scenario={scenario} is not a known scenario; allowed: {', '.join(scenarios())}"
        )
    for key, value in values.items():
        try:
            check_override(key, value)
        except ConfigError as exc:
            errors[key] = str(exc)
    if any(key in values for key in errors) or "scenario" in errors or "preset" in errors:
        return Checked(None, errors)
    try:  # ranges and cross-field rules: the CLI stops at the first, and so does the page
        cfg = design_config(scenario, values, preset, seed=1)
    except ConfigError as exc:
        return Checked(None, {**errors, field_of(str(exc)): str(exc)})
    return Checked(None if errors else cfg, errors)


def field_of(message: str) -> str:
    """The form field a CLI message names (``funding.outcome_share=1.5 is ...``), or ``""``."""
    key = re.split(r"[=: ]", message, maxsplit=1)[0]
    if key.startswith(MILESTONES):
        return MILESTONES
    return key if key in LEVER_KEYS else ""


def design_config(scenario: str, values: dict[str, Any], preset: str, seed: int) -> SimConfig:
    return compose(scenario=scenario, seed=seed, overrides={**PRESETS[preset], **values})


def slug(label: str) -> str:
    """A design name usable in job directory names and overrides."""
    text = re.sub(r"[^a-z0-9]+", "_", label.strip().lower()).strip("_")
    return text or "design"


# --- running -----------------------------------------------------------------------------------
class Cancelled(Exception):
    """The user pressed Cancel; finished jobs stay on disk."""


def run_design(
    label: str,
    scenario: str,
    values: dict[str, Any],
    preset: str,
    seeds: int,
    out_root: Path,
    progress: Callable[[int, int], None] | None = None,
    cancel: threading.Event | None = None,
    processes: int | None = None,
) -> Report:
    """Run the design and the baseline on seeds 1..``seeds`` in parallel processes; report."""
    name = slug(label)
    if name == BASELINE:
        raise ConfigError(
            f"design name {label!r} is reserved for the baseline; allowed: any other name"
        )
    checked = check_design(scenario, values, preset, seeds)
    if checked.config is None:
        raise ConfigError(next(iter(checked.errors.values())))
    sweep_dir = unique_dir(Path(out_root) / f"{time.strftime('%Y%m%d-%H%M%S')}-{name}")
    # one composition per condition (the seeds are applied after it, as compose does)
    seed_list = range(1, seeds + 1)
    base_cfgs = compose_seeds(BASELINE, seed_list, PRESETS[preset])
    design_cfgs = compose_seeds(scenario, seed_list, {**PRESETS[preset], **values})
    jobs = []
    for seed, base_cfg, design_cfg in zip(seed_list, base_cfgs, design_cfgs):
        jobs.append((BASELINE, seed, base_cfg))
        jobs.append((name, seed, design_cfg))
    (sweep_dir / "design.yaml").write_text(
        yaml.safe_dump(
            {
                "label": label,
                "scenario": scenario,
                "preset": preset,
                "seeds": seeds,
                "levers": values,
            },
            sort_keys=False,
        ),
        encoding="utf-8",
    )
    # The manifest makes the folder a sweep that p4p-report and p4p-collect recognise.
    job_overrides = {f"{DESIGN}={d},seed={s}": [f"{DESIGN}={d}", f"seed={s}"] for d, s, _ in jobs}
    write_manifest(sweep_dir, job_overrides, swept=[DESIGN, "seed"])
    pool = workers.pool(processes)  # the page's warm workers (started with the page)
    futures = [
        pool.submit(workers.run_job, cfg, sweep_dir / job, job_overrides[job])
        for job, (_, _, cfg) in zip(job_overrides, jobs)
    ]
    try:
        _follow(futures, progress, cancel, sweep_dir)
    except BrokenProcessPool:
        workers.discard(pool)  # a worker died: the next run gets new ones
        raise
    return build_report(sweep_dir, baseline=[f"{DESIGN}={BASELINE}"])


def warm_up(processes: int | None = None) -> None:
    """What the page does when it starts: start the worker processes (they import the model
    in the background) and import the report's figure code (matplotlib) in this process."""
    workers.start(processes)
    from sim.analysis import plots  # noqa: F401


def _follow(futures: list, progress, cancel, sweep_dir: Path) -> None:
    """Wait for the runs, reporting progress; on cancel, drop the runs not yet started, let
    the running ones finish (they stay on disk) and raise :class:`Cancelled`."""
    pending, done = set(futures), 0
    while pending:
        finished, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
        for future in finished:
            if future.exception() is not None:  # a failed run fails the design: stop the rest
                for other in pending:
                    other.cancel()
                raise future.exception()
            done += 1
        if progress is not None:
            progress(done, len(futures))
        if cancel is not None and cancel.is_set():
            started = [f for f in pending if not f.cancel()]
            wait(started)
            done += sum(1 for f in started if f.exception() is None)
            raise Cancelled(
                f"cancelled after {done} of {len(futures)} runs; {sweep_dir} keeps them"
            )


def unique_dir(path: Path) -> Path:
    """A new directory at ``path`` (``-2``, ``-3``... appended if taken): never reuse outputs."""
    candidate, n = path, 1
    while True:
        try:
            candidate.mkdir(parents=True)
            return candidate
        except FileExistsError:
            n += 1
            candidate = path.with_name(f"{path.name}-{n}")


# --- reading results back ----------------------------------------------------------------------
@dataclass(frozen=True)
class Card:
    """A headline number: the design's value and its paired difference from the baseline."""

    kpi: str
    title: str
    value: float | None
    difference: float | None
    ci_low: float | None
    ci_high: float | None


HEADLINE_CARDS = (
    ("additional_trainees", "Additional trainees"),
    ("public_cost_per_additional_trainee", "Public cost per additional trainee (CAD)"),
    ("deadweight_share", "Deadweight (share of funded training)"),
    ("disadvantaged_trainee_ratio", "Disadvantaged trainee ratio"),
    ("cream_skimming_index", "Cream-skimming index"),
    ("poaching_rate_trained", "Poaching of trained workers"),
    ("employer_net_spend_per_employee", "Employer net spend (CAD/employee/year)"),
)
# KPIs whose card shows the paired difference itself (they are differences by definition)
DIFFERENCE_KPIS = ("additional_trainees", "public_cost_per_additional_trainee")


def design_name(report: Report) -> str:
    """The one non-baseline design of a page run's report."""
    names = [str(v) for v in report.comparison.get(DESIGN, []) if str(v) != BASELINE]
    return names[0] if names else ""


def headline_cards(report: Report) -> list[Card]:
    """Differences vs baseline (CI) from the paired comparison; levels are the design's mean."""
    name = design_name(report)
    rows = report.comparison.set_index("kpi") if len(report.comparison) else None
    means = report.means[report.means[DESIGN].astype(str) == name].set_index("kpi")
    cards = []
    for kpi, title in HEADLINE_CARDS:
        row = rows.loc[kpi] if rows is not None and kpi in rows.index else {}
        if kpi in DIFFERENCE_KPIS:
            value = row.get("difference") if len(row) else None
        else:
            value = means.loc[kpi, "mean"] if kpi in means.index else None
        cards.append(
            Card(
                kpi,
                title,
                _finite(value),
                *(
                    _finite(row.get(c)) if len(row) else None
                    for c in ("difference", "ci_low", "ci_high")
                ),
            )
        )
    return cards


def comparison_table(reports: list[Report]):
    """All page designs' comparisons, one row per (design, KPI), for display and CSV."""
    import pandas as pd

    frames = [r.comparison for r in reports if len(r.comparison)]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _finite(value) -> float | None:
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return value if value == value and abs(value) != float("inf") else None
