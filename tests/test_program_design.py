"""Program design by providers, rule by rule on tiny and small economies: a program that must
be designed is offered only once a provider has designed it, providers design it only when
their customers' unmet demand repays the design cost (no demand or no margin, no design), the
lead time is the delivery mode's, and the design cost is booked in the providers' accounts.
With every program designed (the default) the mechanism is inert."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim import ConfigError
from sim.analysis.paired import difference_stats
from sim.config.outcomes import BY_NAME
from sim.config.schema import default_programs
from sim.model.model import TrainingMarketModel
from sim.run.api import compose

from .conftest import tiny_config

NEW = [p.name for p in default_programs()].index("problem_solving")  # a short, wanted program
PROGRAM = f"credentials.programs.{NEW}"
NEEDS_DESIGN = {f"{PROGRAM}.designed": False}


def small_config(scenario: str = "baseline", seed: int = 1, **overrides):
    params = {"population": "small", **NEEDS_DESIGN}
    params.update({k.replace("__", "."): v for k, v in overrides.items()})
    return compose(scenario=scenario, seed=seed, overrides=params)


def run(cfg):
    model = TrainingMarketModel(cfg)
    return model, model.run()


def test_with_every_program_designed_the_design_parameters_change_nothing():
    """Default catalogue: nobody designs, every provider offers everything, and the design
    parameters leave the run bit-identical."""
    model, plain = run(tiny_config(scenario="pay_for_performance"))
    assert not model.providers.design_needed and model.providers.offers.all()
    assert plain.kpis["months_to_first_program"] is None
    assert plain.kpis["programs_designed"] == 0 and plain.kpis["provider_design_spend"] == 0
    _, other = run(
        tiny_config(
            scenario="pay_for_performance",
            providers__design_months_blended=0,
            providers__design_cost_blended=0.0,
            providers__design_cost_online=0.0,
        )
    )
    pd.testing.assert_frame_equal(plain.timeseries, other.timeseries)
    assert plain.kpis == other.kpis


@pytest.mark.parametrize("scenario", ["baseline", "microcredential_push"])
def test_a_program_needing_design_is_not_taken_before_its_provider_offers_it(scenario):
    """No enrolment and no credential (training or prior learning) in the new program at a
    provider before that provider offers it; once offered, employers take it up."""
    cfg = small_config(scenario)
    model = TrainingMarketModel(cfg)
    p, w = model.providers, model.workers
    assert p.design_needed and not p.offers[:, NEW].any() and p.offers[:, :NEW].all()
    bit = np.uint16(1 << NEW)
    for month in range(cfg.time.months):
        model.step()
        if not p.offers[:, NEW].any():
            assert not (w.credentials & bit).any(), month
    ledger = model.funder.enrolments
    rows = np.flatnonzero(ledger.program == NEW)
    assert len(rows) > 0, "employers take the program up once it is offered"
    ready = p.design_ready[ledger.provider[rows], NEW]
    assert (ready >= 0).all() and (ledger.start[rows] > ready).all()
    assert p.offers[ledger.provider[rows], NEW].all()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_providers_design_only_when_unmet_demand_repays_the_design(seed):
    """With demand, providers design the program; make it worthless to employers (a tiny
    gain) and no demand arises and nothing is designed; take away the providers' margin and
    the demand stays unmet."""
    model, wanted = run(small_config(seed=seed))
    assert wanted.kpis["programs_designed"] > 0 and model.providers.offers[:, NEW].any()
    assert wanted.kpis["months_to_first_program"] is not None
    model, worthless = run(small_config(seed=seed, **{f"{PROGRAM}.gain": 0.001}))
    assert model.providers.unmet_demand.max() == 0 and not model.providers.offers[:, NEW].any()
    assert worthless.kpis["programs_designed"] == 0
    assert worthless.kpis["provider_design_spend"] == 0
    assert worthless.kpis["months_to_first_program"] is None
    model, no_margin = run(small_config(seed=seed, providers__unit_cost_share=5.0))
    assert (model.providers.unmet_demand[:, NEW] > 0).any()
    assert no_margin.kpis["programs_designed"] == 0 and not model.providers.offers[:, NEW].any()


def test_no_demand_for_a_new_program_before_the_policy_start():
    cfg = small_config()
    model = TrainingMarketModel(cfg)
    for _ in range(cfg.time.burn_in):
        model.step()
        assert model.providers.unmet_demand.max() == 0 and (model.providers.design_ready < 0).all()


@pytest.mark.parametrize("mode", ["online", "blended", "in_person"])
def test_a_design_is_offered_after_the_lead_time_of_its_delivery_mode(mode):
    cfg = small_config(**{f"{PROGRAM}.mode": mode})
    model = TrainingMarketModel(cfg)
    p = model.providers
    lead = getattr(cfg.providers, f"design_months_{mode}")
    month = cfg.time.burn_in
    p.unmet_applicants[0, NEW] = 1e4  # far more demand than the design needs
    p.design_programs(month)
    assert p.design_ready[0, NEW] == month + lead and (p.design_ready[1:, NEW] < 0).all()
    assert p.design_spend == pytest.approx(
        getattr(cfg.providers, f"design_cost_{mode}") * cfg.credentials.programs[NEW].tuition
    )
    for later in range(month + 1, month + lead):
        p.design_programs(later)
        assert not p.offers[0, NEW] and p.design_spend == 0, later
    p.design_programs(month + lead)
    assert p.offers[0, NEW] and p.programs_designed == 1 and not p.offers[1:, NEW].any()


def test_a_longer_lead_time_delays_the_first_offer_by_exactly_the_difference():
    """Until the first design is ready nothing differs between the runs (the lead time
    enters no other choice), so the first offer moves by the difference in lead times."""
    first = {}
    for months in (0, 2, 6):
        _, results = run(small_config(providers__design_months_blended=months))
        first[months] = results.kpis["months_to_first_program"]
    assert first[2] - first[0] == 2 and first[6] - first[0] == 6


def test_design_cost_is_booked_in_the_providers_accounts():
    model, results = run(small_config(seed=2))
    p, ts, k = model.providers, results.timeseries, results.kpis
    started = p.design_ready >= 0
    assert started.any()
    expected = (started * p.design_cost[None, :]).sum(axis=1)
    np.testing.assert_allclose(p.design_costs, expected)
    assert ts["flow_provider_design_spend"].sum() == pytest.approx(expected.sum())
    assert k["provider_design_spend"] == pytest.approx(expected.sum())  # all in the window
    # Providers' net receipts lose the design spending; the resource cost gains it; and
    # employers' net cost - providers' net receipts + public outlay = resource cost still.
    for name, sign in (("pv_provider_net_receipts", -1), ("pv_training_resource_cost", 1)):
        formula = BY_NAME[name].numerator
        with_design = formula(_Flows({"provider_design_spend": 100.0, "tuition_spend": 50.0}))
        assert with_design - formula(_Flows({"tuition_spend": 50.0})) == sign * 100.0
    identity = (
        k["pv_employer_net_cost"] - k["pv_provider_net_receipts"] + k["pv_public_cost"]
    ) - k["pv_training_resource_cost"]
    assert abs(identity) < 1e-6 * k["pv_training_resource_cost"]


class _Flows:
    """Flows by name for a KPI formula: the given ones, every other flow zero."""

    pays_employers = True

    def __init__(self, values: dict):
        self.values = values

    def __call__(self, name: str) -> float:
        return self.values.get(name, 0.0)


def test_an_undefined_months_to_first_program_drops_out_of_paired_differences():
    """Seeds where no provider offered the program (None in summary.json, NaN in tables)
    are left out of the paired difference, not counted as zero."""
    treated = pd.Series([4.0, 5.0, np.nan, 4.0], index=[1, 2, 3, 4])
    base = pd.Series([8.0, 9.0, 9.0, np.nan], index=[1, 2, 3, 4])
    stats = difference_stats("months_to_first_program", treated, base)
    assert stats["n_pairs"] == 2 and stats["difference"] == pytest.approx(-4.0)
    none = difference_stats("months_to_first_program", treated, base * np.nan)
    assert none["n_pairs"] == 0 and np.isnan(none["difference"])


@pytest.mark.parametrize(
    "override, name",
    [
        ("providers.design_months_online=-1", "providers.design_months_online"),
        ("providers.design_months_in_person=200", "providers.design_months_in_person"),
        ("providers.design_months_blended=2.5", "providers.design_months_blended"),
        ("providers.design_cost_blended=-5", "providers.design_cost_blended"),
        (f"{PROGRAM}.designed=maybe", f"{PROGRAM}.designed"),
    ],
)
def test_bad_design_input_is_one_line_naming_the_parameter(override, name):
    with pytest.raises(ConfigError) as error:
        compose(overrides=["population=tiny", override])
    message = str(error.value)
    assert len(message.splitlines()) == 1 and name in message and "allowed" in message
