"""Declared parameters: each config field carries its unit, allowed range and documentation.

The dataclasses in :mod:`sim.config` build their fields with :func:`param`, so one declaration
gives Hydra its typed schema, gives :func:`sim.validation.validate` its range, and gives the
docs their text (Starsim-style strict parameters: unknown keys and out-of-range values are
errors, never silently accepted).
"""

from __future__ import annotations

import dataclasses
from typing import Any, Sequence

NAME_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_.-]*"
PATTERN_TEXT = {NAME_PATTERN: "a non-empty name of letters, digits, '_', '-' or '.'"}


def param(
    default: Any,
    doc: str,
    *,
    unit: str = "",
    lo: float | None = None,
    hi: float | None = None,
    lo_open: bool = False,
    choices: Sequence[str] | None = None,
    source: str = "",
    nullable: bool = False,
    pattern: str | None = None,
    plausible: tuple[float, float] | None = None,
    plausible_why: str = "",
    lever: bool = False,
) -> Any:
    """A dataclass field with its meaning, unit, allowed range and literature source.

    ``pattern`` (a regular expression the whole text must match) restricts text fields, e.g.
    names that end up in output paths. ``plausible`` is the range an exploration samples
    (an uncertainty, or with ``lever=True`` a policy lever's design space), with
    ``plausible_why`` its reason or source (EMA Workbench's uncertainties and levers).
    """
    meta = {
        "doc": doc,
        "unit": unit,
        "lo": lo,
        "hi": hi,
        "lo_open": lo_open,
        "choices": tuple(choices) if choices else None,
        "source": source,
        "nullable": nullable,
        "pattern": pattern,
        "plausible": tuple(plausible) if plausible is not None else None,
        "plausible_why": plausible_why,
        "lever": lever,
    }
    if isinstance(default, (list, dict)):
        return dataclasses.field(default_factory=lambda d=default: _copy(d), metadata=meta)
    if dataclasses.is_dataclass(default):
        return dataclasses.field(default_factory=lambda d=default: _copy(d), metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


def _copy(value: Any) -> Any:
    import copy

    return copy.deepcopy(value)


def allowed_text(meta: dict) -> str:
    """Human text for the allowed values of a parameter, e.g. '[0, 1]' or 'one of a, b'."""
    if meta.get("choices"):
        return "one of " + ", ".join(meta["choices"])
    if meta.get("pattern"):
        return PATTERN_TEXT.get(meta["pattern"], f"text matching {meta['pattern']}")
    lo, hi = meta.get("lo"), meta.get("hi")
    left = "(" if meta.get("lo_open") else "["
    if lo is not None and hi is not None:
        text = f"{left}{_fmt(lo)}, {_fmt(hi)}]"
    elif lo is not None:
        text = f"{'>' if meta.get('lo_open') else '>='} {_fmt(lo)}"
    elif hi is not None:
        text = f"<= {_fmt(hi)}"
    else:
        text = "any value of its type"
    if meta.get("nullable"):
        text += " or null"
    return text


def plausible_text(meta: dict) -> str:
    """``[12, 36] (reason)`` for a declared exploration range, ``-`` when there is none."""
    if meta.get("plausible") is None:
        return "-"
    lo, hi = meta["plausible"]
    why = meta.get("plausible_why")
    return f"[{_fmt(lo)}, {_fmt(hi)}]" + (f" ({why})" if why else "")


def _fmt(x: float) -> str:
    """``0.5``, ``1e-06``; whole numbers in full (``10000000``, not ``1e+07``)."""
    if not isinstance(x, float):
        return str(x)
    text = f"{x:g}"
    return str(int(x)) if "e+" in text and x.is_integer() else text
