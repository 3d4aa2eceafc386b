"""Common random numbers: paired scenarios stay aligned, so pairing shrinks standard errors."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.analysis.paired import difference_stats
from sim.model.model import TrainingMarketModel
from tests.conftest import tiny_config


@pytest.mark.slow  # a statistical run over seeds (.ci/run's slow step)
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
