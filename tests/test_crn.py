"""Common random numbers: paired scenarios stay aligned, so pairing shrinks standard errors."""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
from scipy import stats

from sim.labour_market import LabourMarket
from sim.model import TrainingMarketModel
from sim.paired import difference_stats
from sim.rng import RandomStreams
from tests.conftest import tiny_config


def market(seed: int = 3) -> LabourMarket:
    return LabourMarket(SimpleNamespace(cfg=None, streams=RandomStreams(seed)))


def test_hires_fill_open_vacancies_only():
    rng = np.random.default_rng(1)
    vacancies = rng.integers(0, 4, 60)
    hired = np.sort(rng.choice(5000, 50, replace=False))
    employer = market().assign_vacancies(hired, vacancies, month=7)
    assert (np.bincount(employer, minlength=60) <= vacancies).all()


def test_every_vacancy_is_equally_likely_whatever_the_hire_rank():
    """Over many months the best-ranked hire lands at employers in proportion to vacancies."""
    vacancies = np.array([1, 2, 3, 4, 10])
    hired = np.arange(8)
    lab = market()
    firsts = [lab.assign_vacancies(hired, vacancies, month)[0] for month in range(4000)]
    observed = np.bincount(firsts, minlength=5)
    assert stats.chisquare(observed, vacancies / vacancies.sum() * len(firsts)).pvalue > 0.001


def test_one_more_vacancy_moves_few_hires():
    """A scenario with one extra opening reassigns a few hires, not all of them."""
    rng = np.random.default_rng(2)
    vacancies = rng.integers(0, 5, 200)
    hired = np.sort(rng.choice(20000, 300, replace=False))
    more = vacancies.copy()
    more[100] += 1
    lab = market()
    moved = [
        np.mean(lab.assign_vacancies(hired, vacancies, m) != lab.assign_vacancies(hired, more, m))
        for m in range(20)
    ]
    assert np.mean(moved) < 0.3  # a fresh permutation of all vacancies would move ~99%


def test_pairing_shrinks_the_standard_error_of_a_small_policy_effect():
    """A 5% upfront subsidy vs none on the same seeds: paired SE far below unpaired."""
    rows = []
    for seed in range(1, 9):
        for share in (0.0, 0.05):
            cfg = tiny_config(scenario="upfront_subsidy", seed=seed, funding__upfront_share=share)
            rows.append({"seed": seed, "share": share, **TrainingMarketModel(cfg).run().kpis})
    table = pd.DataFrame(rows)
    treated = table[table["share"] == 0.05].set_index("seed")
    base = table[table["share"] == 0.0].set_index("seed")
    for kpi in ("training_incidence", "gross_training_spend_per_employee"):
        assert difference_stats(kpi, treated[kpi], base[kpi])["se_ratio"] < 0.5
