"""Is the baseline settled? Trends of yearly KPIs over the policy window.

A policy effect measured against a drifting baseline depends on the horizon it is read at;
the model's baseline should have no trend after the burn-in. The trend of a KPI in one run
is the least-squares slope of its yearly values over the policy years, as a share of their
mean per year; over seeds it gets a t confidence interval.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

TREND_KPIS = (
    "training_incidence",
    "certifications_per_1000",
    "gross_training_spend_per_employee",
)


def yearly_values(timeseries: pd.DataFrame, burn_in: int, kpi: str) -> np.ndarray:
    """The mean of a KPI's monthly values (each annualised) in every full policy year."""
    window = timeseries[timeseries["month"] >= burn_in]
    years = (window["month"].to_numpy() - burn_in) // 12
    full = np.bincount(years) == 12
    means = window.groupby(years)[kpi].mean().to_numpy()
    return means[full[: len(means)]]


def relative_trend(values: np.ndarray) -> float:
    """Least-squares slope of ``values`` against their year, as a share of their mean."""
    values = np.asarray(values, dtype=float)
    if len(values) < 2 or values.mean() == 0:
        return float("nan")
    slope = np.polyfit(np.arange(len(values)), values, 1)[0]
    return float(slope / values.mean())


def run_trends(timeseries: pd.DataFrame, burn_in: int, kpis=TREND_KPIS) -> dict[str, float]:
    """Each KPI's relative yearly trend over the policy window of one run."""
    return {k: relative_trend(yearly_values(timeseries, burn_in, k)) for k in kpis}


def summarise_trends(per_seed: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """Mean relative trend of each KPI over seeds (rows) with a t confidence interval."""
    rows = []
    for kpi in per_seed.columns:
        x = per_seed[kpi].dropna().to_numpy()
        mean, se = x.mean(), x.std(ddof=1) / np.sqrt(len(x))
        half = stats.t.ppf(0.5 + level / 2, len(x) - 1) * se
        rows.append({"kpi": kpi, "trend": mean, "lo": mean - half, "hi": mean + half, "n": len(x)})
    return pd.DataFrame(rows).set_index("kpi")


def baseline_trends(seeds, overrides=None, kpis=TREND_KPIS, scenario="baseline") -> pd.DataFrame:
    """Run ``scenario`` over ``seeds`` and return each seed's relative yearly KPI trends."""
    from sim.model.model import TrainingMarketModel
    from sim.run.api import compose

    rows = []
    for seed in seeds:
        cfg = compose(scenario, seed, overrides)
        results = TrainingMarketModel(cfg).run()
        rows.append(run_trends(results.timeseries, cfg.time.burn_in, kpis))
    return pd.DataFrame(rows, index=list(seeds))
