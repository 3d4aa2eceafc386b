"""Bad configs stop before any simulation with a one-line message naming the parameter."""

from __future__ import annotations

import pytest
from omegaconf import OmegaConf

from sim import ConfigError, SimConfig
from sim.config.validation import to_sim_config
from sim.model.model import TrainingMarketModel
from sim.run.api import compose, compose_dictconfig, group_options, plain_dictconfig

from .conftest import tiny_config

BAD = [
    ({"funding.outcome_share": 1.5}, "funding.outcome_share"),
    ({"funding.upfront_share": -0.1}, "funding.upfront_share"),
    ({"funding.upfront_share": 0.5}, "funding.upfront_share + funding.outcome_share"),
    ({"population.workers": -5}, "population.workers"),
    ({"population.employers": 0}, "population.employers"),
    ({"time.burn_in": 132}, "time.burn_in"),
    ({"funding.recipient": "bank"}, "funding.recipient"),
    ({"funding.foo": 1}, "funding.foo"),
    ({"population.workers": "many"}, "population.workers"),
    (
        {"funding.milestones": [{"event": "party", "weight": 1.0, "lag": 0}]},
        "funding.milestones[0].event",
    ),
]


@pytest.mark.parametrize("overrides,name", BAD)
def test_bad_values_raise_one_line_errors_naming_the_parameter(overrides, name):
    with pytest.raises(ConfigError) as info:
        compose(scenario="pay_for_performance", overrides=overrides)
    message = str(info.value)
    assert name in message
    assert "\n" not in message
    assert "allowed" in message or "unknown" in message or "invalid" in message


def test_unknown_scenario_lists_the_known_ones():
    with pytest.raises(ConfigError, match="baseline.*upfront_subsidy"):
        compose(scenario="free_money")


def test_model_refuses_an_invalid_config_object():
    cfg = tiny_config()
    cfg.funding.outcome_share = 2.0
    with pytest.raises(ConfigError, match="funding.outcome_share"):
        TrainingMarketModel(cfg)


@pytest.mark.parametrize("scenario", group_options("scenario"))
def test_plain_conversion_builds_what_omegaconf_builds(scenario):
    """The model's OmegaConf-free conversion gives the SimConfig OmegaConf would, field for
    field and type for type (ints become floats where the schema declares a number)."""
    composed = compose_dictconfig([f"scenario={scenario}", "population=tiny"])
    expected = OmegaConf.to_object(composed)
    built = to_sim_config(plain_dictconfig(composed))
    assert repr(built) == repr(expected)
    with_overrides = to_sim_config(
        built, {"funding.budget_per_year": 5, "economy__pass_through": 1}
    )
    assert with_overrides.funding.budget_per_year == 5.0 and isinstance(
        with_overrides.funding.budget_per_year, float
    )
    assert with_overrides.economy.pass_through == 1.0 and repr(built) == repr(
        expected
    )  # input untouched


def test_a_mapping_override_merges_into_its_group():
    cfg = to_sim_config(None, {"funding": {"upfront_share": 0.25}})
    assert cfg.funding.upfront_share == 0.25
    assert cfg.funding.outcome_share == SimConfig().funding.outcome_share
    with pytest.raises(ConfigError, match="funding.milestones.3"):
        to_sim_config(None, {"funding.milestones.3.weight": 0.5})
