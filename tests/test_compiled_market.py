"""The outside offers weighed in one compiled pass (sim.model.compiled_market) are exactly
NumPy's (LabourMarket.offers): the same tempted workers, bidders, wages offered and matched
counteroffers, on live model states (issue 15)."""

from __future__ import annotations

import numpy as np
import pytest

from sim.model.model import TrainingMarketModel
from sim.run.api import compose_config


@pytest.mark.parametrize(
    "overrides",
    [
        ["scenario=pay_for_performance", "economy.counteroffer_max_share=0.9"],  # some matched
        ["scenario=p4p_microcredential", "economy.counteroffers=false"],
        ["scenario=baseline", "economy.offer_arrival_rate=0.3"],
    ],
)
def test_compiled_offers_are_the_numpy_offers(overrides):
    cfg = compose_config(["population=small", "seed=4", *overrides])
    model = TrainingMarketModel(cfg)
    market, training = model.labour_market, model.training
    tempted = matched = 0
    for month in range(36):
        model.step()
        vacancies = model.employers.vacancies
        got = {}
        for compiled in (True, False):
            training.__dict__["compiled"] = compiled  # Training.compiled is a cached property
            got[compiled] = market.offers(model.month, vacancies)
        if got[False] is None:
            assert got[True] is None, month
            continue
        for fast, slow in zip(got[True], got[False]):
            assert fast.dtype == slow.dtype and np.array_equal(fast, slow), month
        tempted += len(got[False][0])
        matched += int(got[False][3].sum())
    assert tempted > 0
    if "economy.counteroffer_max_share=0.9" in overrides:
        assert 0 < matched < tempted  # both outcomes of a counteroffer were compared
