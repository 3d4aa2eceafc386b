"""Plans made in compiled loops (sim.model.compiled_plans) are the plans NumPy's rule makes:
two models of one seed, one planning each way, hold the same plans, enrolments and KPIs month
by month, through the regime change at the policy start, retakes of held credentials, and
programs that providers must design first (issue 15)."""

from __future__ import annotations

import numpy as np
import pytest

from sim.model.model import TrainingMarketModel
from sim.run.api import compose_config

CASES = {
    "outcome pay, retakes": ["scenario=pay_for_performance", "economy.retake_gap=6"],
    "programs designed on demand": [
        "scenario=norcat_blended_mining",
        "funding.use_project_budget=false",
        "funding.budget_per_year=null",
    ],
}


@pytest.mark.parametrize("case", CASES)
def test_compiled_plans_are_numpys_plans(case):
    cfg = compose_config(["population=small", "seed=5", *CASES[case]])
    numpy_model, compiled_model = TrainingMarketModel(cfg), TrainingMarketModel(cfg)
    numpy_model.training.compiled, compiled_model.training.compiled = False, True
    compiled_model.training.compiled_valuation = None  # values by NumPy, both ways
    reviews = 0
    for _ in range(cfg.time.burn_in + 12):
        numpy_model.step()
        compiled_model.step()
        for name in ("planned_program", "planned_month", "enrolment", "credentials"):
            expected = getattr(numpy_model.workers, name)
            got = getattr(compiled_model.workers, name)
            assert np.array_equal(got, expected), (name, numpy_model.month)
        reviews += int((compiled_model.workers.planned_month == compiled_model.month - 1).sum())
    assert reviews > 0
    assert compiled_model.workers.program_started.max() >= 0  # programs were started
    assert numpy_model.recorder.timeseries().equals(compiled_model.recorder.timeseries())
