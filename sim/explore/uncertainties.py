"""Uncertainties and levers read from the ``plausible`` ranges of the config declarations.

Vocabulary of EMA Workbench (Kwakkel 2017): an *uncertainty* is a factor policy makers do not
control (economy, population, credential-market facts) sampled over its plausible range; a
*lever* is a policy choice (funding) searched over its design space. The declarations in
:mod:`sim.config.schema` are the single source: nothing here lists parameters by hand.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Iterable, Sequence

from sim.config.schema import (
    CredentialsConfig,
    EconomyConfig,
    FundingConfig,
    PopulationConfig,
    ProvidersConfig,
)

UNCERTAIN_SECTIONS = (
    ("population", PopulationConfig),
    ("economy", EconomyConfig),
    ("credentials", CredentialsConfig),
    ("providers", ProvidersConfig),
)
LEVER_SECTIONS = (("funding", FundingConfig),)


@dataclass(frozen=True)
class Factor:
    """One sampled factor: its config key, range, whether it is an integer, and why."""

    key: str
    lo: float
    hi: float
    integer: bool
    default: object
    why: str
    lever: bool = False

    def value(self, unit: float):
        """The factor's value at a point ``unit`` in [0, 1] of its range (integers rounded)."""
        return self.clip(self.lo + (self.hi - self.lo) * float(unit))  # no rounding past hi

    def clip(self, x: float):
        x = min(max(float(x), self.lo), self.hi)
        return int(round(x)) if self.integer else x


def _factors(sections, lever: bool) -> list[Factor]:
    out = []
    for prefix, schema in sections:
        defaults = schema()
        for field in dataclasses.fields(schema):
            meta = field.metadata
            if not meta or meta.get("plausible") is None or bool(meta.get("lever")) != lever:
                continue
            lo, hi = meta["plausible"]
            integer = field.type in (int, "int", "Optional[int]")
            out.append(
                Factor(
                    f"{prefix}.{field.name}",
                    float(lo),
                    float(hi),
                    integer,
                    getattr(defaults, field.name),
                    meta.get("plausible_why", ""),
                    lever,
                )
            )
    return out


def declared_uncertainties() -> list[Factor]:
    """Every uncertainty with a declared plausible range, in declaration order."""
    return _factors(UNCERTAIN_SECTIONS, lever=False)


def declared_levers() -> list[Factor]:
    """Every scalar funding lever with a declared design space."""
    return _factors(LEVER_SECTIONS, lever=True)


def select(names: Iterable[str] | None, factors: Sequence[Factor] | None = None) -> list[Factor]:
    """The named factors (``economy.planning_horizon`` or just ``planning_horizon``), all if None.

    An unknown name is a one-line error listing what is allowed.
    """
    factors = list(factors if factors is not None else declared_uncertainties())
    if not names:
        return factors
    by_key = {f.key: f for f in factors}
    by_short = {f.key.split(".", 1)[1]: f for f in factors}
    chosen = []
    for name in names:
        factor = by_key.get(name) or by_short.get(name)
        if factor is None:
            allowed = ", ".join(by_key)
            raise ValueError(
                f"uncertainty {name!r} has no declared plausible range; allowed: {allowed}"
            )
        if factor not in chosen:
            chosen.append(factor)
    return chosen
