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


def test_compiled_completion_chances_are_numpys(monkeypatch):
    """Workers.completion_probability in one compiled pass, once the loops are loaded: NumPy's
    float32 values bit for bit, where the floor, the clip at 0.99 and a NaN come in too."""
    cfg = compose_config(["population=tiny", "seed=1", "credentials.effort_boost=0.9"])
    workers = TrainingMarketModel(cfg).workers
    rng = np.random.default_rng(5)
    n = 20_000
    ability = rng.lognormal(0.0, 0.8, n).astype(np.float32)
    ability[:4] = [0.0, -1.0, 1e-9, np.nan]
    mode = rng.choice(np.array([0.0, 0.8, 1.0, 1.3], dtype=np.float32), n)
    disadvantaged = rng.random(n) < 0.3
    chances = []
    for compiled in (False, True):
        monkeypatch.setattr(groups, "COMPILED_ONCE_LOADED", 0 if compiled else 10**12)
        monkeypatch.setattr(groups, "_loaded", compiled)
        chances.append(workers.completion_probability(ability, mode, disadvantaged))
    numpy, compiled = chances
    assert compiled.dtype == numpy.dtype == np.float32
    assert np.array_equal(compiled.view(np.uint32), numpy.view(np.uint32))
    assert (numpy == np.float32(0.99)).any() and (numpy[4:] < 0.99).any()  # the clip binds


def test_compiled_completion_and_pass_chances_are_numpys(monkeypatch):
    """Workers.completion_and_pass (the true and the providers' estimated pass chances) in one
    compiled pass: NumPy's completion chance times its pass chance, float32 bit for bit, over
    learning at and below the floor, standards around it and both tails of the normal table."""
    cfg = compose_config(["population=tiny", "seed=1", "economy.gain_noise=0.35"])
    workers = TrainingMarketModel(cfg).workers
    rng = np.random.default_rng(6)
    n = 20_000
    ability = rng.lognormal(0.0, 0.8, n).astype(np.float32)
    mode = rng.choice(np.array([0.8, 1.0, 1.3], dtype=np.float32), n)
    disadvantaged = rng.random(n) < 0.3
    learning = (ability * rng.uniform(0.5, 1.5, n)).astype(np.float32)
    learning[:3] = [0.0, 1e-9, -1.0]
    standard = rng.uniform(0.0, 3.0, n).astype(np.float32)
    chances = []
    for compiled in (False, True):
        monkeypatch.setattr(groups, "COMPILED_ONCE_LOADED", 0 if compiled else 10**12)
        monkeypatch.setattr(groups, "_loaded", compiled)
        chances.append(
            workers.completion_and_pass(ability, mode, disadvantaged, learning, standard)
        )
    numpy, compiled = chances
    assert compiled.dtype == numpy.dtype == np.float32
    assert np.array_equal(compiled.view(np.uint32), numpy.view(np.uint32))
    assert (numpy < 1e-6).any() and (numpy > 0.9).any()  # both tails of the table were read
