"""A limited budget (funding.budget_per_year, or a project's budget scaled to the economy).

A pilot's budget funds a few of the trainees employers would like funded. Employers that are
refused must not lose the training they would do without the program, applications close
when the budget can fund no one, and employers learn how likely approval is.
"""

from __future__ import annotations

import numpy as np

import sim
from sim.model.model import TrainingMarketModel

SMALL = ["population=small"]


def run(seed, *overrides):
    cfg = sim.compose(scenario="upfront_subsidy", seed=seed, overrides=[*SMALL, *overrides])
    model = TrainingMarketModel(cfg)
    return model, model.run()


def test_a_budget_that_funds_few_costs_no_training():
    """$1,000 a year funds about one trainee a year; without the fall-back and with plans
    counting on funding, refused employers trained a quarter less than without the program."""
    changes = []
    for seed in range(3):
        _, budget = run(seed, "funding.budget_per_year=1000")
        _, none = run(seed, "funding.enabled=false")
        assert budget.kpis["funded_trainees"] <= 10
        changes.append(budget.kpis["trainees"] / none.kpis["trainees"] - 1)
    assert abs(np.mean(changes)) < 0.02, changes


def test_applications_close_when_the_budget_can_fund_no_one():
    cfg = sim.compose(
        scenario="upfront_subsidy", seed=1, overrides=[*SMALL, "funding.budget_per_year=1000"]
    )
    model = TrainingMarketModel(cfg)
    while model.month <= cfg.time.burn_in + 1:
        model.step()
    funder = model.funder
    assert funder.budget_left() - funder.committed < funder.smallest_commitment
    assert not funder.accepting
    unlimited = TrainingMarketModel(
        sim.compose(scenario="upfront_subsidy", seed=1, overrides=SMALL)
    )
    assert unlimited.funder.accepting  # no budget: always open


def test_refused_employers_learn_that_approval_is_unlikely():
    model, _ = run(2, "funding.budget_per_year=1000")
    unlimited, _ = run(2)
    assert model.employers.belief_approval.mean() < 0.9
    assert np.all(unlimited.employers.belief_approval == 1.0)  # never refused
