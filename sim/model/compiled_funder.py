"""The funder's payments (:meth:`sim.model.funder.Funder.pay`) in one compiled pass (Numba),
for processes that run many models and for large economies.

NumPy pays a month's claims in some twenty operations over a few hundred rows, each a call
of its own; here each row is visited in order. Every step is NumPy's, in its order and
precision (float64 throughout): the running totals are sequential sums as ``np.cumsum``'s,
the minimum and maximum pick their operands as NumPy's do
(:mod:`sim.model.arrays.compiled_numpy`), and the bookings add in row order as ``np.add.at`` does. So the results are
bit-identical (tests/test_compiled_funder.py). Imported on first use, so that small
economies never load Numba.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.model.arrays import compiled_cache  # noqa: F401  (drops stale caches first)
from sim.model.arrays.compiled_numpy import numpy_maximum, numpy_minimum


@njit(cache=True)
def pay(rows, amounts, ledger, caps, limit, booked, recipient, received):
    """:meth:`sim.model.funder.Funder.pay` for enrolment ``rows``: each row's ``amounts`` (in
    order) within what its participant cap leaves, after this call's earlier payments to the
    same row, and while the year's budget lasts (``limit``: what it has left, plus 1e-6);
    booked in the ledger's column ``booked`` and in ``received`` by the ledger's ``recipient``
    of each row (employer or provider). ``ledger``: its tuition, upfront and outcome paid
    columns; ``caps``: the share of tuition a participant may receive, and the cap in dollars
    (inf: none). Returns the amounts paid."""
    tuition, upfront_paid, outcome_paid = ledger
    share, cap = caps
    n = len(rows)
    # Funder.participant_cap, less what was paid already
    cap_left = np.empty(n)
    for i in range(n):
        row = rows[i]
        most = share * tuition[row]
        if cap < np.inf:
            most = numpy_minimum(most, cap)
        cap_left[i] = (most - upfront_paid[row]) - outcome_paid[row]
    # cumsum_within_groups(rows, arange, amounts) - amounts: GroupOrder.cumsum's running
    # total over the rows in (row, input) order, less the total before each row's first entry
    order = np.argsort(rows, kind="mergesort")
    earlier = np.empty(n)
    running = 0.0
    before_group = 0.0
    for s in range(n):
        i = order[s]
        if s == 0:
            running = amounts[i]
        else:
            if rows[i] != rows[order[s - 1]]:
                before_group = running
            running = running + amounts[i]
        earlier[i] = (running - before_group) - amounts[i]
    # np.clip(np.minimum(amounts, cap_left - earlier), 0.0, None), then Funder.within_budget
    paid = np.empty(n)
    spent = 0.0
    for i in range(n):
        amount = numpy_maximum(numpy_minimum(amounts[i], cap_left[i] - earlier[i]), 0.0)
        spent = amount if i == 0 else spent + amount
        paid[i] = amount if spent <= limit else 0.0
    for i in range(n):  # np.add.at, in row order
        booked[rows[i]] += paid[i]
    for i in range(n):
        received[recipient[rows[i]]] += paid[i]
    return paid
