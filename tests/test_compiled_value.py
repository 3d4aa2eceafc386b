"""The compiled appraisal (sim.model.compiled_value) gives exactly what NumPy's valuation gives
(Training.rows, then Training.value), on live model states under every funding rule it
transcribes: bit for bit, same dtypes, with and without counting funding (issue 15)."""

from __future__ import annotations

import numpy as np
import pytest

from sim.model.compiled_value import FIXED_COLUMNS, CompiledValuation
from sim.model.model import TrainingMarketModel
from sim.run.api import compose_config

EVERY_MILESTONE = (
    "funding.milestones=[{event: retention_6, weight: 0.3}, {event: wage_gain, weight: 0.2},"
    " {event: completion, weight: 0.2}, {event: enrolment, weight: 0.1},"
    " {event: certification, weight: 0.1}, {event: skill_gain, weight: 0.1}]"
)
CASES = {
    "outcome pay": ["scenario=pay_for_performance"],
    "upfront grant": ["scenario=upfront_subsidy"],
    "bonus and cap": ["scenario=tiered_p4p", "funding.cap_per_participant=300"],
    "providers paid": ["scenario=provider_outcomes"],
    "every milestone, bonus": ["scenario=tiered_p4p", EVERY_MILESTONE],
    "limited budget": ["scenario=pay_for_performance", "funding.budget_per_year=20000"],
    "trial": ["scenario=pay_for_performance", "trial=upskill", "trial.enrolled=40"],
    "no credentials": ["scenario=pay_for_performance", "credentials.enabled=false"],
    "SMEs only": ["scenario=pay_for_performance", "funding.eligibility.sme_only=true"],
    "disadvantaged only": ["scenario=tiered_p4p", "funding.eligibility.disadvantaged_only=true"],
    "sectors and design": [
        "scenario=norcat_blended_mining",
        "funding.use_project_budget=false",
        "funding.budget_per_year=null",
    ],
}


def both_ways(model, count_funding):
    """NumPy's and the compiled valuation of every employed worker for a spread of programs."""
    training, month = model.training, model.month
    tables = training.decision_tables()
    ids = np.flatnonzero(model.workers.employed)
    program = ((ids * 7 + month) % len(model.providers.program_months)).astype(np.int16)
    program[::11] = -1  # no program: the row is dropped
    c = training.rows(ids, program, tables)
    without, best, takes_up = training.value(c, month, count_funding)
    upfront = model.funder.max_payment(c.tuition, c.disadvantaged)[0]
    outlay = c.price - np.where(takes_up & model.cfg.funding.pays_employers, upfront, 0.0)
    compiled = CompiledValuation.for_model(training)
    assert compiled is not None
    taste = model.streams.normal_at("training_taste", month, ids)
    fast, *values = compiled.appraise(ids, program, month, tables, count_funding, taste)
    expected = {"without": without, "best": best, "takes_up": takes_up, "outlay": outlay}
    for name in ("worker", "employer", "provider", "program", "tuition", "price"):
        expected[name] = getattr(c, name)
    expected["disadvantaged"] = c.disadvantaged
    got = dict(zip(["without", "best", "takes_up", "outlay"], values))
    got |= {name: getattr(fast, name) for name in expected if name not in got}
    return expected, got, int(takes_up.sum())


@pytest.mark.parametrize("case", CASES)
def test_compiled_appraisal_is_bit_identical(case):
    cfg = compose_config(["population=small", "seed=3", *CASES[case]])
    model = TrainingMarketModel(cfg)
    taken = 0
    for month in range(48):
        model.step()
        if month < cfg.time.burn_in - 2 or month % 4:
            continue
        for count_funding in (True, False):
            expected, got, takes = both_ways(model, count_funding)
            taken += takes * count_funding
            for name, array in expected.items():
                assert got[name].dtype == array.dtype, (name, month)
                assert np.array_equal(got[name], array), (name, month)
    assert taken > 0  # the funded choice was exercised, not only the unfunded value


def compiled_and_not(training, rule):
    """``rule()`` with the model's compiled loops, then with NumPy's passes."""
    results = []
    for compiled in (True, False):
        training.__dict__["compiled"] = compiled  # Training.compiled is a cached property
        training.__dict__.pop("_powers", None)  # each way computes its own powers
        results.append(rule())
    return results


@pytest.mark.parametrize("case", CASES)
def test_compiled_employer_tables_are_bit_identical(case):
    """Each employer's preferred provider and the record the appraisal reads (benefit, sector
    weight, discounted payments, retention chances), compiled and NumPy's, on live states."""
    cfg = compose_config(["population=small", "seed=3", *CASES[case]])
    model = TrainingMarketModel(cfg)
    training = model.training
    valuation = CompiledValuation.for_model(training)
    blocks, tracked = 0, model.workers.sectors.tracked
    for month in range(40):
        model.step()
        if month < cfg.time.burn_in - 2 or month % 4:
            continue
        choice, slow = compiled_and_not(training, training.choose_providers)
        assert choice.dtype == slow.dtype and np.array_equal(choice, slow), month
        choice = choice.astype(np.intp)
        for funding in (True, False):
            fast, slow = compiled_and_not(
                training, lambda: valuation.employer_tables(choice, funding)
            )
            (record, *starts), milestones = fast
            assert np.array_equal(record, slow[0][0]), (month, funding)
            assert starts == list(slow[0][1:]) and all(map(np.array_equal, milestones, slow[1]))
            blocks = max(blocks, record.shape[1])
    if len(valuation.kinds) and cfg.funding.pays_employers:  # milestone blocks were compared
        assert blocks > FIXED_COLUMNS + len(model.providers.program_months) * (1 + tracked)
