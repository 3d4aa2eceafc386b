"""The tables of the ODD+D model description (``docs/odd.md``) that restate the model's code.

Grimm et al. (2020, "The ODD protocol for describing agent-based and other simulation models:
a second update", JASSS 23(2) 7) and Müller et al. (2013, "Describing human decisions in
agent-based models - ODD+D", Environmental Modelling & Software 48) ask for the entities'
state variables, the schedule and the patterns a model reproduces; here each table is read
from the declaration it restates (agents' state columns, ``TrainingMarketModel.PHASES`` and
its methods' docstrings, the theory signatures and calibration targets, the milestone events),
so the description cannot drift from the code. :mod:`sim.docs` writes them into the
page, between marker comments, around the hand-written prose.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from sim.checks.calibration import TARGETS
from sim.checks.signatures import SIGNATURES
from sim.config.milestones import EVENTS
from sim.docs.markdown import docstring_summary, table
from sim.model import employers, providers, workers
from sim.model.arrays.columns import NEVER, Column
from sim.model.model import TrainingMarketModel, phase_name

ODD_PATH = Path(__file__).resolve().parents[2] / "docs" / "odd.md"


def start_text(column: Column) -> str:
    """A column's start value as the state tables show it."""
    start = column.start
    if isinstance(start, str):
        return start
    if isinstance(start, (bool, np.bool_)):
        return str(start).lower()
    if start == NEVER:
        return "never"
    return f"{start:g}"


def state_table(columns: Mapping[str, Column]) -> list[str]:
    """The state variables of one agent type: name, type, start value and meaning."""
    rows = [
        (f"`{name}`", np.dtype(c.dtype).name, start_text(c), c.description)
        for name, c in columns.items()
    ]
    return table(("variable", "type", "start", "meaning"), rows)


def phase_components() -> dict[str, type]:
    """The class of each component that owns a phase, from the model's annotations."""
    return inspect.get_annotations(TrainingMarketModel, eval_str=True)


def schedule_table() -> list[str]:
    """Every phase of the monthly step, in order, with the first sentence of its docstring."""
    components = phase_components()
    rows = [
        (i, f"`{phase_name(phase)}`", docstring_summary(getattr(components[phase[0]], phase[1])))
        for i, phase in enumerate(TrainingMarketModel.PHASES, start=1)
    ]
    return table(("#", "phase", "what happens"), rows)


def signatures_table() -> list[str]:
    """The theory signatures the model must reproduce (``p4p-validate``)."""
    rows = [(s.number, s.title, s.claim) for s in (make() for make in SIGNATURES)]
    return table(("#", "signature", "pattern"), rows)


def targets_table() -> list[str]:
    """The calibration targets of the default economy (``p4p-calibrate``)."""
    rows = [(t.label, t.target, t.band(), t.source) for t in TARGETS]
    return table(("target", "value", "band the baseline must stay in", "source"), rows)


def events_table() -> list[str]:
    """The milestone events a funder can pay on, when they are checked and whether an audit
    can find a claim on them false."""
    rows = []
    for event in EVENTS:
        base = "start" if event.from_start else "end"
        months = event.check_offset
        when = f"{months} months after the {base}" if months else f"at the program's {base}"
        rows.append((f"`{event.name}`", event.description, when, "yes" if event.assessed else "no"))
    return table(("event", "met when", "checked", "audited"), rows)


def model_blocks() -> dict[str, list[str]]:
    """The generated blocks of ``docs/odd.md`` that restate the model code, by name."""
    return {
        "signatures": signatures_table(),
        "calibration targets": targets_table(),
        "worker state": state_table(workers.COLUMNS),
        "employer state": state_table(employers.COLUMNS),
        "provider state": state_table(providers.COLUMNS),
        "schedule": schedule_table(),
        "milestone events": events_table(),
    }
