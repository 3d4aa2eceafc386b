"""The labour market's outside offers (:meth:`sim.model.labour_market.LabourMarket.offers`)
in one compiled pass (Numba), for large economies.

NumPy gathers each worker column for the month's offers and combines them one operation at a
time (some twenty passes over 160,000 offers at full scale); here each offer is made and
weighed in one go, in threads. Each step is the float32 operation NumPy does, in its order,
and the bidder comes from the same counter-based draw, so the results are identical
(tests/test_compiled_market.py). Imported on first use, so that small economies never load
Numba.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from sim.model.arrays import compiled_cache  # noqa: F401  (drops stale caches first)
from sim.model.arrays.compiled_rng import HIGH_23, mixed, unit


@njit(cache=True, parallel=True)
def weigh_offers(ids, key, open_slots, workers, employers, stacks_of_mask, scalars, counteroffers):
    """Of the workers ``ids`` who got an offer, those tempted by it (employed elsewhere, and
    the offer beats their wage by the switching cost), in id order, with the bidder (the open
    slot their ``offer_employer`` draw falls on), the wage offered for the skill the bidder
    sees and whether the incumbent matches it (it is worth no more than the counteroffer
    share of the worker's output there); then how many of ``ids`` are employed. Offers are
    weighed in threads, each by one of them; the tempted are then listed in order."""
    employer, wage, credential_gain, credentials, entry_skill, general, specific = workers
    recognition, productivity = employers
    signal_value, stack_bonus, pay_rate, switch_factor, output_rate, counter_share = scalars
    shift, mask = HIGH_23
    n = len(ids)
    bidder = np.empty(n, dtype=np.int32)
    offer = np.empty(n, dtype=np.float32)
    tempted = np.zeros(n, dtype=np.bool_)
    matched = np.zeros(n, dtype=np.bool_)
    slots = np.float64(len(open_slots))
    employed = 0
    count = 0
    for i in prange(n):
        wk = ids[i]
        incumbent = employer[wk]
        if incumbent < 0:  # not employed: no offer to weigh
            continue
        employed += 1
        u = np.float64(unit(mixed(wk, key), shift, mask))
        b = open_slots[np.int64(u * slots)]
        bidder[i] = b
        # Workers.visible_skill (no sectors), then LabourMarket.offer_wage
        signal = credential_gain[wk] * signal_value
        signal = signal + stack_bonus * stacks_of_mask[credentials[wk]]
        visible = entry_skill[wk] + recognition[b] * signal
        value = pay_rate * productivity[b]
        value = value * visible
        offer[i] = value
        if b == incumbent or not value > wage[wk] * switch_factor:
            continue
        tempted[i] = True
        count += 1
        if counteroffers:
            output = output_rate * productivity[incumbent]
            output = output * (general[wk] + specific[wk])
            matched[i] = value <= counter_share * output
    # One spare entry: each offer is written without a branch, and the next one writes over
    # it unless it tempted.
    out_ids = np.empty(count + 1, dtype=ids.dtype)
    out_bidder = np.empty(count + 1, dtype=np.int32)
    out_offer = np.empty(count + 1, dtype=np.float32)
    out_matched = np.empty(count + 1, dtype=np.bool_)
    at = 0
    for i in range(n):
        out_ids[at] = ids[i]
        out_bidder[at] = bidder[i]
        out_offer[at] = offer[i]
        out_matched[at] = matched[i]
        at += tempted[i]
    tempting = (out_ids[:count], out_bidder[:count], out_offer[:count], out_matched[:count])
    return tempting, employed
