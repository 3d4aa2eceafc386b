"""Test hooks that inject faults, to prove crash safety and sweep fault tolerance.

**Never set in normal use.** The hooks are read from the environment variable
``P4P_SIM_TEST_FAULT`` (an environment variable reaches the worker processes of every Hydra
launcher), a comma-separated list of ``name=value`` items:

* ``raise_at_month=M``  the model raises :class:`InjectedFault` inside its step in month M;
* ``seed=S``            ... only in runs whose seed is S (default: every run);
* ``slow_write=SECONDS`` each output file pauses for SECONDS halfway through being written,
  so a test can kill the process while a file is being written;
* ``slow_file=NAME``    ... only the file called NAME (e.g. ``summary.json``).

Example: ``P4P_SIM_TEST_FAULT=raise_at_month=3,seed=2 p4p-sim -m seed=1,2,3``.
"""

from __future__ import annotations

import os
import time

ENV = "P4P_SIM_TEST_FAULT"


class InjectedFault(RuntimeError):
    """The exception the ``raise_at_month`` hook throws inside the model."""


HOOKS = {"raise_at_month": int, "seed": int, "slow_write": float, "slow_file": str}


def settings() -> dict:
    """The active hooks (empty when the environment variable is unset)."""
    text = os.environ.get(ENV, "").strip()
    hooks = {}
    for item in filter(None, text.split(",")):
        name, _, value = (part.strip() for part in item.partition("="))
        if name not in HOOKS:
            raise ValueError(f"{ENV}: unknown hook {name!r}; allowed: {', '.join(HOOKS)}")
        hooks[name] = HOOKS[name](value)
    return hooks


def arm(model) -> None:
    """Make ``model`` raise in month ``raise_at_month`` (for its seed), if that hook is set."""
    hooks = settings()
    month = hooks.get("raise_at_month")
    if month is None or hooks.get("seed", model.cfg.seed) != model.cfg.seed:
        return
    owner, method = model.PHASES[0]  # the month's first phase
    component = getattr(model, owner)
    first_phase = getattr(component, method)

    def first_phase_or_fail(current: int) -> None:
        if current == month:
            raise InjectedFault(f"injected fault in month {current} ({ENV})")
        first_phase(current)

    setattr(component, method, first_phase_or_fail)


def pause_mid_write(filename: str) -> None:
    """Sleep halfway through writing an output file, if ``slow_write`` is set (for it)."""
    hooks = settings()
    if hooks.get("slow_write") and hooks.get("slow_file", filename) == filename:
        time.sleep(hooks["slow_write"])
