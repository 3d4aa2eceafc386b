"""What an exploration says: sensitivity, robustness and scenario discovery of policy effects.

All measures work on *per-future outcomes*: the mean over a future's seeds of a policy's
paired effect against the reference (or of the difference between two policies' effects).
Outcomes are named ``policy:metric`` or ``policy-comparator:metric``, e.g.
``pay_for_performance-upfront_subsidy:additional_trainees``.

* Sensitivity: Morris (1991) elementary effects (mu*, sigma; Campolongo et al. 2007) and
  Sobol' first- and total-order indices with bootstrap CIs (Saltelli et al. 2010), via SALib.
* Robustness: each policy's effects across futures, regret against the best policy of each
  future (Savage 1951; Lempert, Popper & Bankes 2003), and the share of futures a policy wins
  with a Wilson interval.
* Scenario discovery: PRIM boxes (Friedman & Fisher 1999; Bryant & Lempert 2010) over the
  futures where a user-given criterion fails, via ``ema_workbench.analysis.prim``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd

from sim.analysis.paired import wilson_interval

FUTURE, POLICY, EFFECT = "future", "policy", "effect."
ADDITIONAL = "additional_trainees"
COST_PER_ADDITIONAL = "public_cost_per_additional_trainee"
UNIT_PREFIX = "unit."
HIGHER_IS_BETTER = {
    ADDITIONAL: True,
    COST_PER_ADDITIONAL: False,
    "cream_skimming_index": False,
    "disadvantaged_trainee_ratio": True,
}


def future_outcomes(table: pd.DataFrame) -> pd.DataFrame:
    """future x policy: seed means of every KPI and effect; cost per additional trainee is
    the ratio of mean extra public cost to mean extra trainees (empty unless trainees rise)."""
    done = table[table["status"] == "completed"]
    numeric = [
        c
        for c in done.columns
        if c not in (FUTURE, POLICY, "seed") and pd.api.types.is_numeric_dtype(done[c])
    ]
    means = done.groupby([FUTURE, POLICY])[numeric].mean()
    if EFFECT + "trainees" in means and EFFECT + "public_cost" in means:
        extra = means[EFFECT + "trainees"]
        means[COST_PER_ADDITIONAL] = means[EFFECT + "public_cost"] / extra.where(extra > 0)
    return means.reset_index()


def outcome(per_future: pd.DataFrame, spec: str) -> pd.Series:
    """The per-future values of ``policy:metric`` or ``policy-comparator:metric``."""
    name, _, metric = spec.partition(":")
    if not metric:
        raise ValueError(f"outcome {spec!r}: write policy:metric or policy-comparator:metric")
    policies = set(per_future[POLICY])
    policy, _, comparator = name.partition("-")
    for p in filter(None, (policy, comparator)):
        if p not in policies:
            raise ValueError(
                f"outcome {spec!r}: policy {p!r} not explored; explored: {', '.join(sorted(policies))}"
            )
    column = metric if metric in per_future else EFFECT + metric
    if column not in per_future:
        raise ValueError(f"outcome {spec!r}: no metric {metric!r}")
    wide = per_future.pivot(index=FUTURE, columns=POLICY, values=column)
    values = wide[policy] - wide[comparator] if comparator else wide[policy]
    return values.rename(spec)


# ---- sensitivity -------------------------------------------------------------------------


def _problem(factors: Sequence[str]) -> dict:
    return {"num_vars": len(factors), "names": list(factors), "bounds": [[0.0, 1.0]] * len(factors)}


def _unit(futures: pd.DataFrame, factors: Sequence[str]) -> np.ndarray:
    return futures.sort_values(FUTURE)[[UNIT_PREFIX + f for f in factors]].to_numpy(dtype=float)


def morris_indices(
    futures: pd.DataFrame, factors: Sequence[str], y: pd.Series, levels: int = 4, seed: int = 0
) -> pd.DataFrame:
    """Morris mu, mu* (with its bootstrap 95% CI) and sigma per factor, largest mu* first.

    Factors are in units of their plausible range, so mu* is the typical change of the
    outcome across one factor's whole range."""
    from SALib.analyze import morris

    y = y.sort_index().to_numpy(dtype=float)
    if not np.isfinite(y).all():
        raise ValueError(
            f"outcome {getattr(y, 'name', '')} is undefined in some futures; choose another"
        )
    res = morris.analyze(
        _problem(factors),
        _unit(futures, factors),
        y,
        num_levels=levels,
        conf_level=0.95,
        print_to_console=False,
        seed=seed,
    )
    out = pd.DataFrame(
        {
            "factor": list(factors),
            "mu": res["mu"],
            "mu_star": res["mu_star"],
            "mu_star_conf": res["mu_star_conf"],
            "sigma": res["sigma"],
        }
    )
    return out.sort_values("mu_star", ascending=False, ignore_index=True)


def sobol_indices(
    factors: Sequence[str], y: pd.Series, seed: int = 0, resamples: int = 200
) -> pd.DataFrame:
    """Sobol' first-order (S1) and total-order (ST) indices with bootstrap 95% CIs."""
    from SALib.analyze import sobol

    y = y.sort_index().to_numpy(dtype=float)
    if not np.isfinite(y).all():
        raise ValueError("outcome is undefined in some futures; choose another")
    res = sobol.analyze(
        _problem(factors),
        y,
        calc_second_order=False,
        num_resamples=resamples,
        conf_level=0.95,
        print_to_console=False,
        seed=seed,
    )
    out = pd.DataFrame(
        {
            "factor": list(factors),
            "S1": res["S1"],
            "S1_conf": res["S1_conf"],
            "ST": res["ST"],
            "ST_conf": res["ST_conf"],
        }
    )
    return out.sort_values("ST", ascending=False, ignore_index=True)


# ---- robustness --------------------------------------------------------------------------


def robustness(
    per_future: pd.DataFrame,
    policies: Sequence[str],
    metrics: Sequence[str] = (ADDITIONAL, COST_PER_ADDITIONAL),
) -> pd.DataFrame:
    """Per policy and metric: effect quantiles across futures, mean and max regret.

    Regret in a future is how far the policy falls short of the best of ``policies`` there
    (for cost per additional trainee, a future where a policy adds no trainee counts as
    infinitely costly for it)."""
    rows = []
    for metric in metrics:
        wide = per_future.pivot(index=FUTURE, columns=POLICY, values=_column(per_future, metric))[
            list(policies)
        ]
        better_high = HIGHER_IS_BETTER.get(metric, True)
        score = wide if better_high else -wide.fillna(np.inf)
        regret = score.max(axis=1).to_numpy()[:, None] - score.to_numpy()
        regret = pd.DataFrame(
            np.where(np.isnan(regret), np.inf, regret), index=wide.index, columns=wide.columns
        )
        for policy in policies:
            values = wide[policy]
            rows.append(
                {
                    "policy": policy,
                    "metric": metric,
                    "futures": int(values.notna().sum()),
                    "p05": values.quantile(0.05),
                    "median": values.median(),
                    "p95": values.quantile(0.95),
                    "mean_regret": float(np.abs(regret[policy].replace(np.inf, np.nan)).mean()),
                    "max_regret": float(regret[policy].max()),
                    "share_best": float((regret[policy] <= 0).mean()),
                }
            )
    return pd.DataFrame(rows)


def share_wins(per_future: pd.DataFrame, policy: str, rival: str, metric: str) -> dict:
    """Share of futures where ``policy`` beats ``rival`` on ``metric``, with a Wilson 95% CI."""
    a, b = (outcome(per_future, f"{p}:{metric}") for p in (policy, rival))
    if HIGHER_IS_BETTER.get(metric, True):
        wins = a > b
    else:  # undefined cost (no additional trainee) loses against any defined one
        wins = a.fillna(np.inf) < b.fillna(np.inf)
    n, k = len(wins), int(wins.sum())
    lo, hi = wilson_interval(k, n)
    return {
        "policy": policy,
        "rival": rival,
        "metric": metric,
        "futures": n,
        "wins": k,
        "share": k / n if n else np.nan,
        "ci_low": lo,
        "ci_high": hi,
    }


def _column(per_future: pd.DataFrame, metric: str) -> str:
    return metric if metric in per_future else EFFECT + metric


# ---- scenario discovery ------------------------------------------------------------------

CRITERION = re.compile(r"^\s*(\S+)\s*(<=|>=|<|>)\s*(\S+)\s*$")
OPS = {"<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal}


def criterion_cases(per_future: pd.DataFrame, criterion: str) -> pd.Series:
    """Futures (True/False) where ``criterion`` holds, e.g.
    ``pay_for_performance-upfront_subsidy:additional_trainees < 0`` or
    ``pay_for_performance:public_cost_per_additional_trainee > 5000`` (undefined cost per
    additional trainee counts as infinite)."""
    match = CRITERION.match(criterion)
    if not match:
        raise ValueError(
            f"criterion {criterion!r}: write <outcome> <op> <outcome or number>, op one of < <= > >="
        )
    left, op, right = match.groups()

    def side(text: str):
        try:
            return float(text)
        except ValueError:
            values = outcome(per_future, text)
            return values.fillna(np.inf) if text.endswith(COST_PER_ADDITIONAL) else values

    return pd.Series(OPS[op](side(left), side(right)), name=criterion).astype(bool)


@dataclass
class Discovery:
    criterion: str
    cases: pd.Series
    trajectory: pd.DataFrame  # coverage, density, mass, restricted dimensions per peel
    box: pd.DataFrame  # chosen box: factor, low, high (restricted factors only)
    chosen: int


def discover(
    futures: pd.DataFrame,
    factors: Sequence[str],
    cases: pd.Series,
    threshold: float = 0.8,
    peel_alpha: float = 0.05,
) -> Discovery:
    """PRIM over the futures: boxes of factor values where ``cases`` concentrate.

    The chosen box is the first (largest, so highest coverage) on the peeling trajectory
    whose density (share of futures inside that are cases) reaches ``threshold``, else the
    densest one."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import prim

    x = (
        futures.sort_values(FUTURE)
        .set_index(FUTURE)[list(factors)]
        .astype(float)
        .reset_index(drop=True)
    )
    y = cases.sort_index().to_numpy(dtype=bool)
    if not y.any():
        raise ValueError(f"criterion {cases.name!r} holds in no future: nothing to discover")
    finder = prim.Prim(x, y, threshold=threshold, peel_alpha=peel_alpha)
    box = finder.find_box()
    trajectory = box.peeling_trajectory[["coverage", "density", "mass", "res_dim"]].copy()
    reaching = trajectory.index[trajectory["density"] >= threshold]
    chosen = int(reaching[0]) if len(reaching) else int(trajectory["density"].idxmax())
    box.select(chosen)
    limits = box.box_lims[chosen]
    full = box.box_lims[0]
    rows = [
        {
            "factor": f,
            "low": float(limits[f][0]),
            "high": float(limits[f][1]),
            "range_low": float(full[f][0]),
            "range_high": float(full[f][1]),
        }
        for f in factors
        if (limits[f][0], limits[f][1]) != (full[f][0], full[f][1])
    ]
    return Discovery(str(cases.name), cases, trajectory, pd.DataFrame(rows), chosen)
