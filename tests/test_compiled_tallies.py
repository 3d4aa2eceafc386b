"""The compiled tallies over every worker (sim.model.arrays.compiled_tallies) give exactly
NumPy's: headcounts, payrolls (float64 added in worker order, as np.bincount does), the
workforce totals of the monthly KPIs and the recently trained staff, on a live model state
with unemployed workers, recent completers (and their employers' rents) and credential
holders, and the ledger rows whose programs end in a month (issue 15)."""

from __future__ import annotations

import numpy as np

from sim.model.arrays.compiled_tallies import rows_ending
from sim.model.model import TrainingMarketModel
from sim.run.api import compose_config


def both_ways(model, tally):
    """``tally()`` with NumPy's passes, then with the compiled ones."""
    results = []
    for compiled in (False, True):
        model.training.compiled = compiled
        results.append(tally())
    return results


def test_compiled_tallies_are_numpys():
    cfg = compose_config(["population=small", "seed=4", "scenario=pay_for_performance"])
    model = TrainingMarketModel(cfg)
    for _ in range(cfg.time.burn_in + 6):
        model.step()
    w, e, recorder = model.workers, model.employers, model.recorder
    assert (w.employer < 0).any() and (w.finish_employer >= 0).any()

    def staff():
        e.count_staff(w.employer, w.wage)
        return e.size.copy(), e.payroll.copy()

    (size, payroll), (fast_size, fast_payroll) = both_ways(model, staff)
    assert fast_size.dtype == size.dtype and np.array_equal(fast_size, size)
    assert np.array_equal(fast_payroll, payroll)  # bit for bit
    totals, fast_totals = both_ways(model, recorder.workforce_totals)
    assert fast_totals == totals

    def trained():
        recorder.start_month(model.month)
        return recorder.trained_staff.copy()

    expected, got = both_ways(model, trained)
    assert expected.sum() > 0 and np.array_equal(got, expected)

    rent = model.funder.enrolments.first_year_rent  # a view of the ledger's column
    before = rent.copy()

    def rents():
        rent[:] = before
        recorder.accrue_training_rents(model.month)
        return rent.copy()

    expected, got = both_ways(model, rents)
    assert (expected != before).sum() > 10 and np.array_equal(got, expected)

    holders = np.flatnonzero(w.credential_gain > 0)
    w.credential_true_gain[holders[::3]] *= np.float32(0.5)  # some fall short of their claim
    w.credential_gain[holders[1::5]] = 0.0  # a credential (its provider known) that lapsed
    for group, n_groups, certified_gain in (
        (w.employer, e.n, True),  # employers judging their credentialed staff
        (w.credential_provider, model.providers.n, False),  # providers' reputations
    ):
        (seen, holding), (fast_seen, fast_holding) = (
            w.credentials_holding_up(group, n_groups, certified_gain, compiled)
            for compiled in (False, True)
        )
        assert 0 < holding.sum() < seen.sum()  # some credentials hold up, some do not
        assert np.array_equal(fast_seen, seen) and np.array_equal(fast_holding, holding)

    ledger = model.funder.enrolments
    first = ledger.first_from("start", model.month - 12)
    ledger.dropped[first::7] = True  # some trainees left mid-program
    for month in range(model.month, model.month + 4):  # the programs ending in the next months
        expected = first + np.flatnonzero((ledger.end[first:] == month) & ~ledger.dropped[first:])
        got = rows_ending(first, ledger.end, ledger.dropped, month)
        assert len(expected) > 0 and got.dtype == expected.dtype
        assert np.array_equal(got, expected)


def test_compiled_leaver_counts_are_numpys():
    """Recorder.separations in one pass: the same employed leavers, in order, and the same
    counts of leavers and of recently trained leavers by employer, added to the month's."""
    from sim.model.labour_market import Separation

    cfg = compose_config(["population=small", "seed=4", "scenario=pay_for_performance"])
    model = TrainingMarketModel(cfg)
    for _ in range(cfg.time.burn_in + 12):
        model.step()
    recorder, w = model.recorder, model.workers
    recently_trained = np.flatnonzero(recorder.recently_trained_at_employer(model.month))
    unemployed = np.flatnonzero(w.employer < 0)
    assert len(recently_trained) and len(unemployed)
    rng = np.random.default_rng(3)
    ids = np.concatenate([recently_trained, unemployed[:20], rng.choice(w.n, 200)])
    rng.shuffle(ids)  # out of order, some twice

    def counted():
        recorder.start_month(model.month)
        recorder.separations(ids, Separation.RETIREMENT)
        return recorder.left.copy(), recorder.left_trained.copy(), recorder.flow["retirements"]

    (left, trained, n), (fast_left, fast_trained, fast_n) = both_ways(model, counted)
    assert trained.sum() >= len(recently_trained) and n == fast_n
    assert fast_left.dtype == left.dtype and np.array_equal(fast_left, left)
    assert np.array_equal(fast_trained, trained)
