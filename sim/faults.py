"""Test hooks that inject faults, to prove crash safety and sweep fault tolerance.

**Never set in normal use.** The hooks are read from the environment variable
``P4P_SIM_TEST_FAULT`` (an environment variable reaches the worker processes of every Hydra
launcher), a comma-separated list of ``name=value`` items:

* ``raise_at_month=M``  the model raises :class:`InjectedFault` inside its step in month M;
* ``seed=S``            ... only in runs whose seed is S (default: every run);
* ``slow_write=SECONDS`` each output file pauses for SECONDS halfway through being written,
  so a test can kill the process while a file is being written.

Example: ``P4P_SIM_TEST_FAULT=raise_at_month=3,seed=2 p4p-sim -m seed=1,2,3``.
"""
from __future__ import annotations

import os
import time

ENV = "P4P_SIM_TEST_FAULT"


class InjectedFault(RuntimeError):
    """The exception the ``raise_at_month`` hook throws inside the model."""


def settings() -> dict[str, float]:
    """The active hooks (empty when the environment variable is unset)."""
    text = os.environ.get(ENV, "").strip()
    if not text:
        return {}
    hooks = {}
    for item in text.split(","):
        name, _, value = item.partition("=")
        if name.strip() not in ("raise_at_month", "seed", "slow_write"):
            raise ValueError(f"{ENV}: unknown hook {name.strip()!r}")
        hooks[name.strip()] = float(value)
    return hooks


def arm(model) -> None:
    """Make ``model`` raise in month ``raise_at_month`` (for its seed), if that hook is set."""
    hooks = settings()
    month = hooks.get("raise_at_month")
    if month is None or ("seed" in hooks and int(hooks["seed"]) != model.cfg.seed):
        return
    opening = model.open_month

    def open_month_or_fail() -> None:
        if model.month == int(month):
            raise InjectedFault(f"injected fault in month {model.month} ({ENV})")
        opening()

    model.open_month = open_month_or_fail


def pause_mid_write() -> None:
    """Sleep halfway through writing an output file, if ``slow_write`` is set."""
    seconds = settings().get("slow_write")
    if seconds:
        time.sleep(seconds)
