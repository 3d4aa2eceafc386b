"""Unit-level outcomes of a trial run, as an evaluator would collect them.

One row per unit that could have been enrolled (every employer, or every worker employed at
the trial start), with its enrolment, assignment and cluster, and each outcome over the
follow-up window and over the baseline window before the trial (from the enrolment ledger).
Rates are per employee and per year, so windows of different lengths compare.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.config.validation import trial_follow_up_months

# outcome -> meaning (the evaluator's employer-level outcomes; issue 14)
EMPLOYER_OUTCOMES = {
    "spend_per_employee": "training spend (price paid to providers) per employee per year",
    "share_training": "share of employers that start any training in the window",
    "trainees_per_employee": "training starts per employee per year",
    "certifications_per_employee": "certifications earned per employee per year",
    "funded_per_employee": "program-funded starts per employee per year (take-up)",
    "credentialed_staff_share": "share of staff holding a microcredential at the end (poaching"
    " moves it between employers)",
}
WORKER_OUTCOMES = {
    "spend_per_worker": "training spend on the worker per year",
    "share_trained": "share of workers who start any training in the window",
    "share_certified": "share of workers who earn a certification in the window",
    "share_funded": "share of workers with a program-funded start (take-up)",
    "holds_credential": "share of workers holding a microcredential at the end",
}


def outcome_names(unit: str) -> dict:
    return EMPLOYER_OUTCOMES if unit == "employer" else WORKER_OUTCOMES


def windows(cfg) -> tuple[tuple[int, int], tuple[int, int]]:
    """(baseline window, follow-up window) as [first, last) months."""
    start = cfg.time.burn_in
    return (start - cfg.trial.pre_months, start), (start, start + trial_follow_up_months(cfg))


def unit_outcomes(model) -> pd.DataFrame:
    """The trial's unit table from a finished model run (trial.enabled must be true)."""
    cfg, trial = model.cfg, model.funder.trial
    if not trial.enabled:
        raise ValueError("trial.enabled=false: this run has no trial to evaluate")
    e = model.employers
    unit = cfg.trial.unit
    pool = trial.pool
    table = pd.DataFrame({"unit": pool})
    enrolled = np.zeros(len(pool), dtype=bool)
    treated = np.zeros(len(pool), dtype=bool)
    index = np.searchsorted(pool, trial.units)
    enrolled[index] = True
    treated[index] = trial.treated
    table["enrolled"], table["treated"] = enrolled, treated
    if unit == "employer":
        cluster = pool
    else:
        cluster = np.full(len(pool), -1, dtype=np.int64)
        cluster[index] = trial.cluster
        cluster[~enrolled] = model.workers.employer[pool[~enrolled]]  # not used for estimates
    table["cluster"] = cluster
    table["size"] = trial.baseline_size[cluster]
    table["sme"] = e.sme[cluster]
    pre, post = windows(cfg)
    for suffix, (first, last) in (("pre_", pre), ("", post)):
        for name, values in window_outcomes(
            model, unit, pool, table["size"].to_numpy(), first, last
        ).items():
            table[suffix + name] = values
    w = model.workers
    before = (trial.baseline_employer, trial.baseline_credentialed)
    after = (w.employer, w.credentials != 0)
    for suffix, (employer, credentialed) in (("pre_", before), ("", after)):
        if unit == "employer":
            table[suffix + "credentialed_staff_share"] = credentialed_share(
                employer, credentialed, pool
            )
        else:
            table[suffix + "holds_credential"] = credentialed[pool].astype(float)
    return table


def credentialed_share(
    employer: np.ndarray, credentialed: np.ndarray, pool: np.ndarray
) -> np.ndarray:
    """Share of each pool employer's staff who hold a credential (0 for an empty employer)."""
    employed = employer >= 0
    n = len(pool) if len(pool) == 0 else int(max(pool.max(), employer.max(initial=0))) + 1
    staff = np.bincount(employer[employed], minlength=n)[pool]
    held = np.bincount(employer[employed & credentialed], minlength=n)[pool]
    return held / np.maximum(staff, 1)


def window_outcomes(model, unit: str, pool, size, first: int, last: int) -> dict:
    """Each outcome of each pool unit over months [first, last)."""
    ledger = model.funder.enrolments
    key = ledger.employer if unit == "employer" else ledger.worker
    started = (ledger.start >= first) & (ledger.start < last)
    certified = ledger.certified & (ledger.end >= first) & (ledger.end < last)
    n = int(max(pool.max(initial=0), key.max(initial=0))) + 1
    per_year = 12.0 / (last - first)

    def total(mask, weights=None):
        w = None if weights is None else weights[mask]
        return np.bincount(key[mask], weights=w, minlength=n)[pool]

    spend = total(started, ledger.price) * per_year
    starts = total(started)
    certs = total(certified)
    funded = total(started & ledger.funded)
    if unit == "employer":
        staff = np.maximum(size, 1)
        return {
            "spend_per_employee": spend / staff,
            "share_training": (starts > 0).astype(float),
            "trainees_per_employee": starts * per_year / staff,
            "certifications_per_employee": certs * per_year / staff,
            "funded_per_employee": funded * per_year / staff,
        }
    return {
        "spend_per_worker": spend,
        "share_trained": (starts > 0).astype(float),
        "share_certified": (certs > 0).astype(float),
        "share_funded": (funded > 0).astype(float),
    }
