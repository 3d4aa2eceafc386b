"""Paired comparisons of sweep conditions against a baseline, seed by seed.

Every condition (a scenario, a swept value, a cell of a grid) ran with the same seeds as its
baseline, so its runs share the initial economy and the exogenous shocks (common random
numbers, Law & Kelton *Simulation Modeling and Analysis* ch. 11). The effect on a KPI is the
mean over seeds of ``condition - baseline``, with a t-based 95% confidence interval. The
ratio of that paired standard error to the unpaired one (both computed on the same runs)
measures what pairing buys: 1 means nothing, 0.3 means the same precision as 11x more seeds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from sim.run.sweep_jobs import COMPLETED

CONFIDENCE = 0.95
TRAINEES = "trainees"
PUBLIC_COST = "public_cost"
ADDITIONAL_TRAINEES = "additional_trainees"
COST_PER_ADDITIONAL = "public_cost_per_additional_trainee"
COLUMNS = (
    "kpi",
    "n_pairs",
    "baseline_mean",
    "condition_mean",
    "difference",
    "ci_low",
    "ci_high",
    "se_paired",
    "se_unpaired",
    "se_ratio",
)


def default_baseline(table: pd.DataFrame, factors: Sequence[str]) -> dict:
    """Scenario ``baseline`` when scenarios are compared, else the lowest (first) value."""
    choice = {}
    for factor in factors:
        values = table[factor].dropna().unique().tolist()
        if factor == "scenario" and "baseline" in values:
            choice[factor] = "baseline"
        else:
            choice[factor] = sorted(values)[0] if _sortable(values) else values[0]
    return choice


def parse_baseline(items: Iterable[str], table: pd.DataFrame, factors: Sequence[str]) -> dict:
    """``["funding.outcome_share=0.7"]`` -> {factor: typed value}, other factors by default."""
    choice = default_baseline(table, factors)
    for item in items:
        key, _, text = item.partition("=")
        if key not in factors:
            raise ValueError(
                f"--baseline {item}: {key} is not swept; swept: {', '.join(factors) or 'nothing'}"
            )
        values = table[key].dropna().unique().tolist()
        match = [v for v in values if str(v) == text or _same_number(v, text)]
        if not match:
            raise ValueError(
                f"--baseline {item}: no job has {key}={text}; values: {', '.join(map(str, values))}"
            )
        choice[key] = match[0]
    return choice


def paired_comparison(
    table: pd.DataFrame,
    factors: Sequence[str],
    kpis: Sequence[str],
    baseline: Mapping | None = None,
    seed_column: str = "seed",
) -> pd.DataFrame:
    """One row per (condition, KPI): mean paired difference vs the baseline, CI, SE ratio.

    Adds ``additional_trainees`` (the difference in ``trainees``) and
    ``public_cost_per_additional_trainee`` (mean extra public cost / mean extra trainees,
    delta-method CI; empty when the program adds no trainees).
    """
    done = table[table["status"] == COMPLETED]
    baseline = dict(baseline or default_baseline(done, factors))
    base = _condition_rows(done, baseline, seed_column)
    rows = []
    for condition, runs in _conditions(done, factors):
        if condition == baseline:
            continue
        treated = runs.set_index(seed_column)
        for kpi in kpis:
            rows.append({**condition, **difference_stats(kpi, treated[kpi], base[kpi])})
        if TRAINEES in treated and PUBLIC_COST in treated:
            rows.append(
                {
                    **condition,
                    **difference_stats(ADDITIONAL_TRAINEES, treated[TRAINEES], base[TRAINEES]),
                }
            )
            rows.append({**condition, **cost_per_additional(treated, base)})
    out = pd.DataFrame(rows, columns=[*factors, *COLUMNS])
    out.attrs["baseline"] = baseline
    return out


def t_interval(values: Iterable[float]) -> tuple[int, float, float, float]:
    """Number, mean, standard error and 95% t half-width of the defined (finite) values: the
    one statistics engine behind every paired effect, report and signature test."""
    x = np.asarray([v for v in values if v is not None and np.isfinite(v)], dtype=float)
    n = len(x)
    mean = float(x.mean()) if n else np.nan
    se = float(x.std(ddof=1) / np.sqrt(n)) if n > 1 else np.nan
    return n, mean, se, _t_quantile(n) * se


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a binomial proportion (Wilson 1927)."""
    if n == 0:
        return (np.nan, np.nan)
    z = stats.norm.ppf(0.5 + confidence / 2)
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (float(centre - half), float(centre + half))


@dataclass(frozen=True)
class TestResult:
    """A one-sided test that the mean of per-seed values lies above/below a threshold."""

    effect: float
    ci_low: float
    ci_high: float
    p_value: float
    n: int

    def passed(self, alpha: float = 0.05) -> bool:
        return bool(np.isfinite(self.p_value) and self.p_value < alpha)


def one_sided_test(values: Iterable[float], direction: str, threshold: float = 0.0) -> TestResult:
    """t-test of H1: mean > threshold (``direction='above'``) or < threshold ('below').

    Returns the mean, its two-sided 95% confidence interval and the one-sided p-value.
    Seeds whose value is undefined (nan) are dropped.
    """
    if direction not in ("above", "below"):
        raise ValueError(f"direction={direction!r}; allowed: above, below")
    n, mean, se, half = t_interval(values)
    if n < 2:
        return TestResult(mean, np.nan, np.nan, np.nan, n)
    if se == 0:
        right_side = mean > threshold if direction == "above" else mean < threshold
        p = 0.0 if right_side else 1.0
    else:
        t = (mean - threshold) / se
        p = float(stats.t.sf(t, n - 1) if direction == "above" else stats.t.cdf(t, n - 1))
    return TestResult(mean, mean - half, mean + half, p, n)


def difference_stats(name: str, treated: pd.Series, base: pd.Series) -> dict:
    """Paired mean difference over the seeds both have, its t CI and the SE ratio."""
    pairs = pd.concat([treated.rename("t"), base.rename("b")], axis=1, join="inner").dropna()
    n, mean, se_paired, half = t_interval(pairs["t"] - pairs["b"])
    variances = (pairs["t"].var(ddof=1), pairs["b"].var(ddof=1)) if n > 1 else (np.nan, np.nan)
    se_unpaired = float(np.sqrt(sum(variances) / n)) if n > 1 else np.nan
    # a constant side (no public cost without a program; a KPI pinned by the model) makes the
    # ratio 1 by construction, or noise over rounding errors: not informative
    informative = n > 1 and all(
        np.sqrt(v) > 1e-9 * max(1.0, abs(float(pairs[c].mean())))
        for v, c in zip(variances, ("t", "b"))
    )
    return {
        "kpi": name,
        "n_pairs": n,
        "baseline_mean": float(pairs["b"].mean()) if n else np.nan,
        "condition_mean": float(pairs["t"].mean()) if n else np.nan,
        "difference": mean,
        "ci_low": mean - half,
        "ci_high": mean + half,
        "se_paired": se_paired,
        "se_unpaired": se_unpaired,
        "se_ratio": se_paired / se_unpaired if informative else np.nan,
    }


def cost_per_additional(treated: pd.DataFrame, base: pd.DataFrame) -> dict:
    """Extra public cost per extra trainee: ratio of mean paired differences (delta-method CI)."""
    pairs = pd.concat(
        [
            (treated[PUBLIC_COST] - base[PUBLIC_COST]).rename("cost"),
            (treated[TRAINEES] - base[TRAINEES]).rename("trainees"),
        ],
        axis=1,
        join="inner",
    ).dropna()
    n = len(pairs)
    extra_cost, extra_trainees = pairs["cost"].mean(), pairs["trainees"].mean()
    row = {
        "kpi": COST_PER_ADDITIONAL,
        "n_pairs": n,
        "baseline_mean": np.nan,
        "condition_mean": np.nan,
    }
    if n == 0 or not extra_trainees > 0:
        return {
            **row,
            "difference": np.nan,
            "ci_low": np.nan,
            "ci_high": np.nan,
            "se_paired": np.nan,
            "se_unpaired": np.nan,
            "se_ratio": np.nan,
        }
    ratio = extra_cost / extra_trainees
    residual = pairs["cost"] - ratio * pairs["trainees"]
    se = float(residual.std(ddof=1) / (np.sqrt(n) * extra_trainees)) if n > 1 else np.nan
    half = _t_quantile(n) * se
    return {
        **row,
        "difference": float(ratio),
        "ci_low": ratio - half,
        "ci_high": ratio + half,
        "se_paired": se,
        "se_unpaired": np.nan,
        "se_ratio": np.nan,
    }


def condition_means(
    table: pd.DataFrame, factors: Sequence[str], kpis: Sequence[str]
) -> pd.DataFrame:
    """Mean, t-based 95% CI and number of runs of each KPI for every condition."""
    done = table[table["status"] == COMPLETED]
    rows = []
    for condition, runs in _conditions(done, factors):
        for kpi in kpis:
            values = runs[kpi].dropna()
            n = len(values)
            mean = float(values.mean()) if n else np.nan
            half = _t_quantile(n) * float(values.std(ddof=1) / np.sqrt(n)) if n > 1 else np.nan
            rows.append(
                {
                    **condition,
                    "kpi": kpi,
                    "n": n,
                    "mean": mean,
                    "ci_low": mean - half,
                    "ci_high": mean + half,
                }
            )
    return pd.DataFrame(rows, columns=[*factors, "kpi", "n", "mean", "ci_low", "ci_high"])


def se_ratio_summary(comparison: pd.DataFrame) -> pd.DataFrame:
    """Per KPI: median, min and max paired/unpaired SE ratio over the comparisons."""
    ratios = comparison.dropna(subset=["se_ratio"])
    summary = ratios.groupby("kpi", sort=False)["se_ratio"].agg(["median", "min", "max", "count"])
    return summary.rename(columns={"count": "comparisons"})


def _conditions(table: pd.DataFrame, factors: Sequence[str]):
    if not factors:
        yield {}, table
        return
    for key, runs in table.groupby(list(factors), sort=True, dropna=False):
        key = key if isinstance(key, tuple) else (key,)
        yield {f: _plain(v) for f, v in zip(factors, key)}, runs


def _condition_rows(table: pd.DataFrame, condition: Mapping, seed_column: str) -> pd.DataFrame:
    mask = np.ones(len(table), dtype=bool)
    for factor, value in condition.items():
        mask &= (table[factor] == value).to_numpy()
    rows = table[mask]
    if rows.empty:
        raise ValueError(f"no completed job for the baseline {condition_label(condition)}")
    return rows.set_index(seed_column)


def _t_quantile(n: int) -> float:
    return float(stats.t.ppf(0.5 + CONFIDENCE / 2, n - 1)) if n > 1 else np.nan


def _plain(value):
    return value.item() if isinstance(value, np.generic) else value


def _sortable(values: list) -> bool:
    return all(isinstance(v, (int, float, np.number)) for v in values) or all(
        isinstance(v, str) for v in values
    )


def _same_number(value, text: str) -> bool:
    try:
        return isinstance(value, (int, float, np.number)) and float(text) == float(value)
    except ValueError:
        return False


def condition_label(condition: Mapping) -> str:
    """``baseline`` for a scenario, ``funding.outcome_share=0.3`` for a swept value."""
    if list(condition) == ["scenario"]:
        return str(condition["scenario"])
    return ", ".join(f"{k}={v}" for k, v in condition.items()) or "(all runs)"
