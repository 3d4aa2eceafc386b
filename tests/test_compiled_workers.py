"""Passes over every worker in compiled loops (sim.model.compiled_workers) give exactly what
NumPy's operations give, on live model states, with and without sectors (issue 15)."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from sim.model.arrays import groups
from sim.model.model import TrainingMarketModel
from sim.run.api import compose_config

SKILLS = ("general", "specific", "sector_skill", "domain_gain")


@pytest.mark.parametrize("scenario", ["pay_for_performance", "norcat_blended_mining"])
def test_compiled_depreciation_is_bit_identical(scenario, monkeypatch):
    cfg = compose_config(
        ["population=small", "seed=2", f"scenario={scenario}", "economy.skill_depreciation=0.0137"]
    )
    model = TrainingMarketModel(cfg)
    for _ in range(30):  # trained skill above the entry level, and some sector skill
        model.step()
    workers = model.workers
    after = {}
    for compiled in (False, True):
        monkeypatch.setattr(groups, "COMPILED_ONCE_LOADED", 0 if compiled else 10**12)
        monkeypatch.setattr(groups, "_loaded", compiled)
        w = copy.deepcopy(workers)
        for month in range(24):
            w.depreciate(month)
        after[compiled] = {name: getattr(w, name) for name in SKILLS}
    changed = 0
    for name in SKILLS:
        assert after[True][name].dtype == after[False][name].dtype, name
        assert np.array_equal(after[True][name], after[False][name]), name
        changed += int(np.count_nonzero(after[True][name] != getattr(workers, name)))
    assert changed > 0  # skill did depreciate
    assert workers.sectors.tracked == (scenario == "norcat_blended_mining")
