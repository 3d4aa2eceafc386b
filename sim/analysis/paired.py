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
FUNDED_TRAINEES = "funded_trainees"
PUBLIC_COST = "public_cost"
CERTIFICATIONS_MEETING_STANDARD = "certifications_meeting_standard"
ADDITIONAL_TRAINEES = "additional_trainees"
COST_PER_ADDITIONAL = "public_cost_per_additional_trainee"
COST_PER_ADDITIONAL_CERTIFICATION = "public_cost_per_additional_certification"
PLACEMENTS = "placements"
COST_PER_ADDITIONAL_PLACEMENT = "public_cost_per_additional_placement"
DEADWEIGHT_PAIRED = "deadweight_paired"
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


PROGRAM_SWITCH = "funding.enabled"  # swept: each condition against its own no-program run


def default_baseline(table: pd.DataFrame, factors: Sequence[str]) -> dict:
    """Scenario ``baseline`` when scenarios are compared, else the lowest (first) value. When
    ``funding.enabled`` is swept, each condition is compared with its own no-program run
    (``funding.enabled=false`` with the other factors unchanged: a partial baseline)."""
    if PROGRAM_SWITCH in factors:
        return {PROGRAM_SWITCH: False}
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

    Adds ``additional_trainees`` (the difference in ``trainees``),
    ``public_cost_per_additional_trainee`` (mean extra public cost / mean extra trainees,
    delta-method CI; empty when the program adds no trainees),
    ``public_cost_per_additional_certification`` (the same per extra certification that meets
    its published standard) and ``deadweight_paired`` (1 - mean extra trainees / mean funded
    trainees of the condition, delta-method CI), where the table has their columns.
    """
    baseline, pairs = paired_conditions(table, factors, baseline, seed_column)
    rows = []
    for condition, treated, base in pairs:
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
        if CERTIFICATIONS_MEETING_STANDARD in treated and PUBLIC_COST in treated:
            rows.append({**condition, **cost_per_additional_certification(treated, base)})
        if PLACEMENTS in treated and PUBLIC_COST in treated and treated[PLACEMENTS].notna().any():
            rows.append({**condition, **cost_per_additional_placement(treated, base)})
        if TRAINEES in treated and FUNDED_TRAINEES in treated:
            rows.append({**condition, **deadweight_paired(treated, base)})
    out = pd.DataFrame(rows, columns=[*factors, *COLUMNS])
    out.attrs["baseline"] = baseline
    return out


def paired_conditions(
    table: pd.DataFrame, factors: Sequence[str], baseline: Mapping | None, seed_column: str
) -> tuple[dict, list[tuple[dict, pd.DataFrame, pd.DataFrame]]]:
    """The baseline, and each other condition of the completed runs as (condition, its runs,
    the baseline's runs), both indexed by seed."""
    done = table[table["status"] == COMPLETED]
    baseline = dict(baseline or default_baseline(done, factors))
    # Each condition against the one that differs from it only in the baseline's factors
    # (all of them: the one baseline; some, as funding.enabled: its own no-program run).
    pairs = [
        (
            condition,
            runs.set_index(seed_column),
            _condition_rows(done, {**condition, **baseline}, seed_column),
        )
        for condition, runs in _conditions(done, factors)
        if any(condition[k] != v for k, v in baseline.items())
    ]
    return baseline, pairs


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
    """Paired mean difference over the seeds both have, its t CI and the SE ratio. The
    means are over the complete pairs; where there is none (a KPI undefined in the baseline,
    like deadweight without a program), each side's mean over the seeds both ran, so the
    condition's level still shows."""
    both = pd.concat([treated.rename("t"), base.rename("b")], axis=1, join="inner")
    pairs = both.dropna()
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
        "baseline_mean": float((pairs if n else both)["b"].mean()),
        "condition_mean": float((pairs if n else both)["t"].mean()),
        "difference": mean,
        "ci_low": mean - half,
        "ci_high": mean + half,
        "se_paired": se_paired,
        "se_unpaired": se_unpaired,
        "se_ratio": se_paired / se_unpaired if informative else np.nan,
    }


def cost_per_additional(treated: pd.DataFrame, base: pd.DataFrame) -> dict:
    """Extra public cost per extra trainee: ratio of mean paired differences (delta-method CI)."""
    return ratio_of_means(
        COST_PER_ADDITIONAL,
        treated[PUBLIC_COST] - base[PUBLIC_COST],
        treated[TRAINEES] - base[TRAINEES],
    )


def cost_per_additional_certification(treated: pd.DataFrame, base: pd.DataFrame) -> dict:
    """Extra public cost per extra certification that meets its published standard (the
    initial standard x the program's rigor x its nominal gain): a credential whose holder did
    not gain what it claims is not an outcome. Ratio of mean paired differences."""
    return ratio_of_means(
        COST_PER_ADDITIONAL_CERTIFICATION,
        treated[PUBLIC_COST] - base[PUBLIC_COST],
        treated[CERTIFICATIONS_MEETING_STANDARD] - base[CERTIFICATIONS_MEETING_STANDARD],
    )


def cost_per_additional_placement(treated: pd.DataFrame, base: pd.DataFrame) -> dict:
    """Extra public cost per extra job-seeker placement (participants placed, against the same
    referrals followed untrained in the no-program run). Ratio of mean paired differences."""
    return ratio_of_means(
        COST_PER_ADDITIONAL_PLACEMENT,
        treated[PUBLIC_COST] - base[PUBLIC_COST],
        treated[PLACEMENTS] - base[PLACEMENTS],
    )


def deadweight_paired(treated: pd.DataFrame, base: pd.DataFrame) -> dict:
    """``1 - additional trainees / funded trainees``: the share of funded training that the
    paired baseline had anyway (ratio of means over the paired seeds, delta-method CI)."""
    share = ratio_of_means(
        DEADWEIGHT_PAIRED,
        treated[TRAINEES] - base[TRAINEES],
        treated[FUNDED_TRAINEES],
    )
    low, high = share["ci_low"], share["ci_high"]
    return {
        **share,
        "difference": 1.0 - share["difference"],
        "ci_low": 1 - high,
        "ci_high": 1 - low,
    }


def ratio_of_means(name: str, numerator: pd.Series, denominator: pd.Series) -> dict:
    """``mean(numerator) / mean(denominator)`` over the seeds both define, with the delta
    method's t-based CI (``se = sd(num - ratio x den) / (sqrt(n) x mean(den))``); empty
    (NaN) when the denominator's mean is not positive."""
    pairs = pd.concat(
        [numerator.rename("num"), denominator.rename("den")], axis=1, join="inner"
    ).dropna()
    n = len(pairs)
    row = {
        "kpi": name,
        "n_pairs": n,
        "baseline_mean": np.nan,
        "condition_mean": np.nan,
        "difference": np.nan,
        "ci_low": np.nan,
        "ci_high": np.nan,
        "se_paired": np.nan,
        "se_unpaired": np.nan,
        "se_ratio": np.nan,
    }
    mean_num, mean_den = pairs["num"].mean(), pairs["den"].mean()
    if n == 0 or not mean_den > 0:
        return row
    ratio = mean_num / mean_den
    residual = pairs["num"] - ratio * pairs["den"]
    se = float(residual.std(ddof=1) / (np.sqrt(n) * mean_den)) if n > 1 else np.nan
    half = _t_quantile(n) * se
    return {
        **row,
        "difference": float(ratio),
        "ci_low": ratio - half,
        "ci_high": ratio + half,
        "se_paired": se,
    }


# --- the cost-benefit account ------------------------------------------------------------------
PV_PUBLIC_COST = "pv_public_cost"
PV_OUTPUT = "pv_output"
PV_WAGES = "pv_wages"
PV_EMPLOYER_NET = "pv_employer_net_cost"
PV_PROVIDER_NET = "pv_provider_net_receipts"
PV_RESOURCE_COST = "pv_training_resource_cost"
PV_ADMIN = "pv_public_admin_cost"
ACCOUNT_KPIS = (
    PV_PUBLIC_COST,
    PV_ADMIN,
    PV_EMPLOYER_NET,
    PV_PROVIDER_NET,
    PV_WAGES,
    PV_OUTPUT,
    PV_RESOURCE_COST,
)
# (item, label): the rows of the account, in order; every item is a paired difference in CAD
# (present value at the policy start over the policy window, summed over the economy)
ACCOUNT_ITEMS = (
    (PV_PUBLIC_COST, "Public outlay (payments, administration, audits)"),
    (PV_ADMIN, "of which the funder's administration and audits"),
    (PV_EMPLOYER_NET, "Employers' net cost of training"),
    (PV_PROVIDER_NET, "Providers' net receipts"),
    (PV_WAGES, "Workers' wage gains"),
    (PV_OUTPUT, "Output gains"),
    (PV_RESOURCE_COST, "Real resource cost of training"),
    ("tax_deadweight_loss", "Deadweight loss of taxation (MCPF x public outlay)"),
    ("net_social_benefit", "Net social benefit (output - resource cost - MCPF x outlay)"),
    ("employer_net_gain", "by party: employers (output - wages - net cost)"),
    ("taxpayer_cost", "by party: taxpayers ((1 + MCPF) x public outlay)"),
)


def cost_benefit(
    table: pd.DataFrame,
    factors: Sequence[str],
    baseline: Mapping | None = None,
    mcpf: float | None = None,
    seed_column: str = "seed",
) -> pd.DataFrame:
    """The cost-benefit account of every condition against its baseline, seed by seed.

    Per seed, with ``d`` the condition minus its paired baseline of each run's present values
    over the policy window (``pv_*``: discounted to the policy start at
    ``evaluation.social_discount_rate``, totals for the economy, CAD)::

        net_social_benefit = d output - d real resource cost of training - MCPF x d outlay
                           = employer_net_gain + d wages + d provider net receipts
                             - (1 + MCPF) x d outlay

    where ``employer_net_gain = d output - d wages - d employers' net cost``. Payments are
    transfers (from taxpayers to employers or providers); the funder's administration and
    audits are real resources and are in the resource cost as well as in the outlay; each
    dollar of outlay also costs ``mcpf`` (the marginal cost of public funds minus 1) in
    deadweight loss of taxation. Workers pay nothing for training in the model.

    One row per (condition, item of :data:`ACCOUNT_ITEMS`): mean over seeds and t-based 95%
    CI. ``mcpf`` defaults to ``evaluation.marginal_cost_of_public_funds``'s default.
    """
    columns = [*factors, "item", "label", *COLUMNS]
    if mcpf is None:
        from sim.config.schema import EvaluationConfig

        mcpf = EvaluationConfig().marginal_cost_of_public_funds
    if not set(ACCOUNT_KPIS) <= set(table.columns):  # a sweep from before the account
        out = pd.DataFrame(columns=columns)
        out.attrs.update(baseline=dict(baseline or {}), mcpf=mcpf)
        return out
    baseline, pairs = paired_conditions(table, factors, baseline, seed_column)
    rows = []
    for condition, treated, base in pairs:
        stats_of = {k: difference_stats(k, treated[k], base[k]) for k in ACCOUNT_KPIS}
        d = pd.DataFrame({k: treated[k] - base[k] for k in ACCOUNT_KPIS}).dropna()
        for name, values in account_identity(d, mcpf).items():
            stats_of[name] = mean_stats(name, values)
        for item, label in ACCOUNT_ITEMS:
            row = stats_of[item]
            rows.append({**condition, "item": item, "label": label, **row})
    out = pd.DataFrame(rows, columns=columns)
    out.attrs.update(baseline=baseline, mcpf=mcpf)
    return out


def account_identity(d: pd.DataFrame, mcpf: float) -> pd.DataFrame:
    """Per seed, from the paired differences ``d`` of the ``pv_*`` KPIs: the deadweight loss
    of taxation, the net social benefit, the employers' net gain and the taxpayers' cost."""
    tax = mcpf * d[PV_PUBLIC_COST]
    return pd.DataFrame(
        {
            "tax_deadweight_loss": tax,
            "net_social_benefit": d[PV_OUTPUT] - d[PV_RESOURCE_COST] - tax,
            "employer_net_gain": d[PV_OUTPUT] - d[PV_WAGES] - d[PV_EMPLOYER_NET],
            "taxpayer_cost": d[PV_PUBLIC_COST] + tax,
        }
    )


def mean_stats(name: str, values: pd.Series) -> dict:
    """Mean of per-seed values (already paired differences) with its t-based 95% CI."""
    n, mean, se, half = t_interval(values)
    return {
        "kpi": name,
        "n_pairs": n,
        "baseline_mean": np.nan,
        "condition_mean": np.nan,
        "difference": mean,
        "ci_low": mean - half,
        "ci_high": mean + half,
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
