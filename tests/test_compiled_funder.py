"""The funder's payments in one compiled pass (sim.model.compiled_funder) are NumPy's, bit for
bit, on a live ledger: several payments to one row in one call, caps that bind, a budget that
runs out mid-call, payments to employers and to providers (issue 15)."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from sim.model.model import TrainingMarketModel

from .conftest import tiny_config

CASES = {
    "employers, capped, budget": dict(
        scenario="pay_for_performance",
        funding__cap_per_participant=900.0,
        funding__budget_per_year=150_000.0,
    ),
    "providers, uncapped": dict(scenario="provider_outcomes"),
}


def paid_both_ways(model, rows, amounts, kind, budget_left):
    """``Funder.pay`` on two copies of ``model``: NumPy's passes, then the compiled one."""
    results = []
    for compiled in (False, True):
        m = copy.deepcopy(model)
        m.training.compiled = compiled  # what Funder.pay asks the model
        funder = m.funder
        if budget_left is not None:
            funder.paid_this_year = funder.cfg.yearly_budget - budget_left
        paid = funder.pay(rows, amounts, kind)
        ledger = funder.enrolments
        results.append(
            {
                "paid": paid,
                "upfront_paid": ledger.upfront_paid.copy(),
                "outcome_paid": ledger.outcome_paid.copy(),
                "to_employers": funder.paid_to_employer.copy(),
                "to_providers": funder.paid_to_provider.copy(),
                "total": np.float64(funder.total_paid),
                "flow": np.float64(funder.month_flows[kind]),
            }
        )
    return results


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("kind", ["upfront", "outcome"])
def test_compiled_payments_are_bit_identical(case, kind):
    model = TrainingMarketModel(tiny_config(**CASES[case]))
    for _ in range(30):
        model.step()
    ledger = model.funder.enrolments
    assert len(ledger) > 20
    rng = np.random.default_rng(7)
    # rows out of order, most of them paid two or three times in the call
    rows = rng.choice(len(ledger), 3 * len(ledger)).astype(np.int32)
    amounts = rng.uniform(0, 1.2, len(rows)) * ledger.tuition[rows]
    amounts[::7] = 0.0
    budget = model.cfg.yearly_budget
    spent = np.cumsum(amounts)[len(rows) // 2]  # the budget runs out halfway through
    budget_left = None if budget is None else float(min(spent, budget))
    numpy, compiled = paid_both_ways(model, rows, amounts, kind, budget_left)
    for name in numpy:
        assert np.asarray(compiled[name]).dtype == np.asarray(numpy[name]).dtype, name
        assert np.array_equal(compiled[name], numpy[name]), name
    paid = numpy["paid"]
    assert (paid > 0).any() and (paid < amounts).any()  # some paid, some limited
    if budget_left is not None:
        assert (paid[len(rows) // 2 + 1 :] == 0).all()  # nothing once the budget ran out
