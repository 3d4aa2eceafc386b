"""Samples of futures over the declared uncertainties, drawn with SALib.

``lhs``: a Latin hypercube (McKay, Beckman & Conover 1979) for exploration, robustness and
scenario discovery. ``morris``: Morris (1991) one-at-a-time trajectories for screening.
``sobol``: Saltelli's (2002) extension of Sobol' sequences for first- and total-order indices.
Sampling happens in the unit cube (every factor scaled to [0, 1] of its plausible range), so
sensitivity measures are per full plausible range and comparable across factors.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from sim.explore.uncertainties import Factor

DESIGNS = ("lhs", "morris", "sobol")
FUTURE = "future"
UNIT_PREFIX = "unit."


def problem(factors: Sequence[Factor]) -> dict:
    """The SALib problem over the unit cube of ``factors``."""
    return {
        "num_vars": len(factors),
        "names": [f.key for f in factors],
        "bounds": [[0.0, 1.0]] * len(factors),
    }


def unit_sample(
    method: str, factors: Sequence[Factor], n: int, seed: int, levels: int = 4
) -> np.ndarray:
    """Points in the unit cube: ``n`` futures (lhs), ``n`` trajectories (morris: n*(k+1) rows)
    or ``n`` Saltelli base samples (sobol: n*(k+2) rows, n a power of 2)."""
    if method not in DESIGNS:
        raise ValueError(f"design {method!r} is unknown; allowed: {', '.join(DESIGNS)}")
    if n < 1:
        raise ValueError(f"number of samples {n} is too small; allowed: >= 1")
    if not factors:
        raise ValueError("no uncertainties selected; allowed: any of the declared uncertainties")
    prob = problem(factors)
    if method == "lhs":
        from SALib.sample import latin

        return latin.sample(prob, n, seed=seed)
    if method == "morris":
        from SALib.sample import morris

        return morris.sample(prob, n, num_levels=levels, seed=seed)
    if n & (n - 1):
        raise ValueError(f"sobol base samples {n} must be a power of 2; allowed: 2, 4, 8, 16, ...")
    from SALib.sample import sobol

    return sobol.sample(prob, n, calc_second_order=False, scramble=True, seed=seed)


def futures_table(unit: np.ndarray, factors: Sequence[Factor]) -> pd.DataFrame:
    """One row per future: its number, each factor's value, and its unit-cube coordinates."""
    values = {f.key: [f.value(u) for u in unit[:, j]] for j, f in enumerate(factors)}
    units = {UNIT_PREFIX + f.key: unit[:, j] for j, f in enumerate(factors)}
    return pd.DataFrame({FUTURE: np.arange(len(unit)), **values, **units})


def sample_futures(
    method: str, factors: Sequence[Factor], n: int, seed: int = 0, levels: int = 4
) -> pd.DataFrame:
    """Futures drawn by ``method`` over ``factors`` (see :func:`unit_sample`)."""
    table = futures_table(unit_sample(method, factors, n, seed, levels), factors)
    table.attrs["p4p_explore"] = {
        "design": method,
        "n": n,
        "seed": seed,
        "levels": levels,
        "factors": [f.key for f in factors],
    }
    return table


def resample_futures(
    accepted: pd.DataFrame, factors: Sequence[Factor], n: int, seed: int = 0
) -> pd.DataFrame:
    """``n`` futures drawn with replacement from parameter sets that fit the targets (the
    output of calibration), the other factors by Latin hypercube."""
    rng = np.random.default_rng(seed)
    table = sample_futures("lhs", factors, n, seed)
    rows = accepted.iloc[rng.integers(0, len(accepted), n)].reset_index(drop=True)
    for key in accepted.columns:
        if key in table.columns:
            factor = next(f for f in factors if f.key == key)
            table[key] = [factor.clip(v) for v in rows[key]]
            table[UNIT_PREFIX + key] = (table[key] - factor.lo) / (factor.hi - factor.lo)
    table.attrs["p4p_explore"]["design"] = "calibrated"
    return table
