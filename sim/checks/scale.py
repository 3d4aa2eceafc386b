"""Scale invariance: is the default economy a slice of a larger one?

Two economies with the same ratios of employers, providers and seats to workers, and the same
firm-size distribution (``population.max_employer_size`` set below 5% of the smaller one's
jobs, so the 5%-of-jobs rule for small economies does not bind), should give the same
per-employee and ratio KPIs up to seed noise. :func:`compare_scales` measures each KPI's
relative difference with a Welch 95% confidence interval over seeds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from sim.checks.replications import Arm, Economy, run_arms

#: KPIs that are per employee, per trainee or ratios (totals such as public_cost scale).
SCALE_FREE_KPIS = (
    "gross_training_spend_per_employee",
    "training_incidence",
    "share_employers_training",
    "certifications_per_1000",
    "public_cost_per_certification",
    "reimbursement_rate",
    "deadweight_share",
    "cream_skimming_index",
    "disadvantaged_trainee_ratio",
    "poaching_rate_trained",
    "mean_wage",
    "mean_general_skill",
    "output_per_worker",
    "microcredential_recognition",
    "gain_ratio_low_vs_high_skill",
)


def slice_of(workers: int, max_employer_size: int = 500) -> Economy:
    """The default economy's ratios (500 employers and 10 providers per 10,000 workers) at
    ``workers``, with the firm-size cap ``max_employer_size``."""
    share = workers / 10_000
    return Economy.of(
        "default",
        {
            "population.workers": workers,
            "population.employers": max(1, round(500 * share)),
            "population.providers": max(1, round(10 * share)),
            "population.max_employer_size": max_employer_size,
        },
    )


def compare_scales(
    small: Economy,
    large: Economy,
    seeds,
    scenario="pay_for_performance",
    kpis=SCALE_FREE_KPIS,
    processes=None,
    level: float = 0.95,
) -> pd.DataFrame:
    """Each KPI's mean in both economies and the large one's relative difference, with a
    Welch confidence interval at ``level`` (as a share of the small economy's mean) and the
    Welch test's p-value."""
    arm = Arm.of(scenario)
    seeds = list(seeds)
    a = run_arms([arm], seeds, small, processes)
    b = run_arms([arm], seeds, large, processes)
    rows = []
    for kpi in kpis:
        x = np.array([_value(a[(arm, s)], kpi) for s in seeds])
        y = np.array([_value(b[(arm, s)], kpi) for s in seeds])
        if np.isnan(x).any() or np.isnan(y).any() or x.mean() == 0:
            continue
        vx, vy = x.var(ddof=1) / len(x), y.var(ddof=1) / len(y)
        se = np.sqrt(vx + vy)
        dof = (vx + vy) ** 2 / max(vx**2 / (len(x) - 1) + vy**2 / (len(y) - 1), 1e-300)
        half = stats.t.ppf(0.5 + level / 2, dof) * se if se > 0 else 0.0
        diff, base = y.mean() - x.mean(), abs(x.mean())
        rows.append(
            {
                "kpi": kpi,
                "small": x.mean(),
                "large": y.mean(),
                "relative_difference": diff / base,
                "lo": (diff - half) / base,
                "hi": (diff + half) / base,
                "p": float(stats.ttest_ind(y, x, equal_var=False).pvalue) if se > 0 else 1.0,
            }
        )
    return pd.DataFrame(rows).set_index("kpi")


def _value(kpis: dict, name: str) -> float:
    value = kpis.get(name)
    return np.nan if value is None else float(value)
