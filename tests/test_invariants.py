"""Property tests: random valid configurations of tiny economies keep every invariant of
:mod:`sim.model.invariants` after every month (accounting identities, headcount, bounds, finite KPIs).

Configurations start from a random scenario and redraw, each with probability 1/2, every
numeric or boolean parameter within its declared range, plus random milestone lists,
programme catalogues, budgets, caps and eligibility rules; draws that break a cross-field
rule are rejected by :func:`sim.validate`.
"""

from __future__ import annotations

import copy
import dataclasses
import typing
from functools import lru_cache

import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from sim import ConfigError, validate
from sim.config.milestones import MILESTONE_EVENTS
from sim.config.schema import DELIVERY_MODES, RECIPIENTS, MilestoneConfig, ProgramConfig
from sim.model.invariants import InvariantError, check_invariants, find_violations
from sim.model.model import TrainingMarketModel
from sim.run.api import compose, group_options

SCENARIOS = group_options("scenario")
# drawn separately (tiny economies, consistent shares and lists) or not a number
SPECIAL = {
    "seed",
    "workers",
    "employers",
    "providers",
    "months",
    "burn_in",
    "upfront_share",
    "outcome_share",
    "budget_per_year",
    "cap_per_participant",
    "initial_understanding",
    "release_hours_per_month",
    "name",
    "description",
    "recipient",
    "milestones",
    "programs",
}
INT_CAP = 1000  # ints with huge declared maxima (ids, seats) are drawn up to this


@lru_cache(maxsize=None)
def base_config(scenario: str):
    return compose(scenario=scenario, seed=0)


def redraw(draw, obj) -> None:
    """Redraw, each with probability 1/2, the plain numeric and boolean fields of ``obj``."""
    hints = typing.get_type_hints(type(obj))
    for f in dataclasses.fields(obj):
        meta, kind = f.metadata, hints[f.name]
        if f.name in SPECIAL or not meta or not draw(st.booleans()):
            continue
        lo, hi = meta.get("lo"), meta.get("hi")
        default = getattr(obj, f.name)
        if kind is bool:
            value = draw(st.booleans())
        elif kind is int:
            lo = 0 if lo is None else int(lo)
            value = draw(st.integers(lo, min(int(hi) if hi is not None else INT_CAP, lo + INT_CAP)))
        elif kind is float:
            lo = 0.0 if lo is None else lo
            top = hi if hi is not None else max(10 * abs(default), lo + 10)
            value = draw(st.floats(lo, top, exclude_min=bool(meta.get("lo_open")), allow_nan=False))
        else:
            continue
        setattr(obj, f.name, value)


@st.composite
def milestones(draw):
    events = draw(st.lists(st.sampled_from(MILESTONE_EVENTS), min_size=1, max_size=4, unique=True))
    raw = draw(st.lists(st.floats(0.05, 1.0), min_size=len(events), max_size=len(events)))
    total = draw(st.floats(0.1, 1.0))
    weights = [total * w / sum(raw) for w in raw]
    lags = draw(st.lists(st.integers(0, 12), min_size=len(events), max_size=len(events)))
    return [MilestoneConfig(e, w, lag) for e, w, lag in zip(events, weights, lags)]


@st.composite
def programs(draw):
    n = draw(st.integers(1, 6))
    return [
        ProgramConfig(
            f"p{k}",
            draw(st.integers(1, 6)),
            draw(st.floats(50.0, 20_000.0)),
            draw(st.sampled_from(DELIVERY_MODES)),
            draw(st.floats(0.001, 1.0)),
            draw(st.integers(0, 3)),
        )
        for k in range(n)
    ]


@st.composite
def valid_configs(draw):
    cfg = copy.deepcopy(base_config(draw(st.sampled_from(SCENARIOS))))
    cfg.seed = draw(st.integers(0, 2**32))
    for section in (
        cfg.population,
        cfg.economy,
        cfg.credentials,
        cfg.funding,
        cfg.funding.eligibility,
    ):
        redraw(draw, section)
    pop, t, econ, creds, funding = (
        cfg.population,
        cfg.time,
        cfg.economy,
        cfg.credentials,
        cfg.funding,
    )
    pop.workers, pop.employers = draw(st.integers(50, 300)), draw(st.integers(2, 20))
    pop.providers = draw(st.integers(1, 5))
    pop.seats_per_provider = min(pop.seats_per_provider, 200)
    t.months = draw(st.integers(12, 36))
    t.burn_in = draw(st.integers(0, t.months - 1))
    econ.release_hours_per_month = draw(st.floats(0.0, econ.hours_per_month))
    creds.initial_understanding = draw(st.floats(0.0, creds.initial_awareness))
    if draw(st.booleans()):
        creds.programs = draw(programs())
    funding.recipient = draw(st.sampled_from(RECIPIENTS))
    funding.upfront_share = draw(st.floats(0.0, 1.0))
    funding.outcome_share = draw(st.floats(0.0, 1.0 - funding.upfront_share))
    funding.milestones = (
        draw(milestones()) if funding.outcome_share > 0 or draw(st.booleans()) else []
    )
    funding.budget_per_year = draw(st.none() | st.floats(0.0, 500_000.0))
    funding.cap_per_participant = draw(st.none() | st.floats(0.0, 8_000.0))
    try:
        return validate(cfg)
    except ConfigError:
        assume(False)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cfg=valid_configs())
def test_invariants_hold_after_every_month(cfg):
    model = TrainingMarketModel(cfg)
    check_invariants(model)
    for _ in range(cfg.time.months):
        model.step()
        check_invariants(model)
    kpis = model.recorder.scalars()
    assert all(v is None or np.isfinite(v) for v in kpis.values())
    model.release()


def test_check_invariants_catches_broken_accounting(tiny):
    """The checker is not vacuous: corrupting each identity is reported."""
    model = TrainingMarketModel(tiny("pay_for_performance", time__months=24, time__burn_in=6))
    for _ in range(24):
        model.step()
    assert find_violations(model) == []
    breakers = {
        "recipients received": lambda m: m.funder.paid_to_employer.__setitem__(
            0, m.funder.paid_to_employer[0] + 5.0
        ),
        "staff counts disagree": lambda m: m.employers.size.__setitem__(0, m.employers.size[0] + 1),
        "credentials held": lambda m: m.workers.credentials.__setitem__(
            np.flatnonzero(m.workers.credentials == 0)[0], 1
        ),
        "recognition outside [0, 1]": lambda m: m.employers.recognition.__setitem__(0, 1.5),
        "wages not finite": lambda m: m.workers.wage.__setitem__(
            np.flatnonzero(m.workers.employed)[0], np.inf
        ),
        "is not finite": lambda m: m.recorder.rows[-1].__setitem__("mean_wage", float("nan")),
        "over the budget": lambda m: setattr(m.cfg.funding, "budget_per_year", 1.0),
        "audit costs": lambda m: m.recorder.rows[-1].__setitem__(
            "flow_audit_costs", m.recorder.rows[-1]["flow_audit_costs"] + 5.0
        ),
        "max_payment_share": lambda m: setattr(m.cfg.funding, "max_payment_share", 0.01),
    }
    for expected, corrupt in breakers.items():
        broken = copy.deepcopy(model)
        corrupt(broken)
        try:
            check_invariants(broken)
        except InvariantError as exc:
            assert expected in str(exc), (expected, str(exc))
        else:
            raise AssertionError(f"corruption not detected: {expected}")


def test_rare_events_draw_no_ids_instead_of_hanging():
    """Found by the property test: for p below ~1e-19 numpy's geometric gaps are 2**63-1,
    their running sum overflowed and ``chance_ids`` looped forever (a hang, not a failure)."""
    from sim.model.arrays.rng import RandomStreams

    streams = RandomStreams(1)
    for p in (1e-20, 1e-200, 5e-324):
        assert len(streams.chance_ids("retirement", 3, 1000, p)) == 0
    common = streams.chance_ids("retirement", 3, 100_000, 0.01)
    assert 800 < len(common) < 1200 and (common < 100_000).all() and (common >= 0).all()
