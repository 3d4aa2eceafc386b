"""Each concept is declared once, and the parts of the model that read it agree."""

from __future__ import annotations

import sys

import mesa
import numpy as np
import pytest

import sim.config.validation as validation
from sim.config.milestones import EVENT, EVENTS, MILESTONE_EVENTS
from sim.config.schema import MilestoneConfig
from sim.model.model import TrainingMarketModel, phase_name
from sim.model.training import Training
from sim.model.workers import COLUMNS


def test_every_milestone_event_is_declared_and_decidable(tiny):
    model = TrainingMarketModel(tiny())
    assert set(model.funder.happened) == set(MILESTONE_EVENTS) == {e.name for e in EVENTS}
    assert MilestoneConfig.__dataclass_fields__["event"].metadata["choices"] == MILESTONE_EVENTS
    # audits can find a lenient certification or an inflated self-reported gain false
    assert [e.name for e in EVENTS if e.assessed] == ["certification", "skill_gain"]
    assert {e.name for e in EVENTS if e.certain} == {"enrolment", "employer_support"}
    assert EVENT["retention_12"].check_offset == 12
    assert EVENT["retention_12"].kind == EVENT["retention_6"].kind


def test_each_kind_of_event_has_one_rule_in_the_funder_and_one_in_the_valuation(tiny):
    model = TrainingMarketModel(tiny())
    for event in EVENTS:
        same_kind = [e.name for e in EVENTS if e.kind == event.kind]
        assert len({model.funder.happened[name] for name in same_kind}) == 1, event.kind
        if not event.certain:
            assert event.kind in Training.EVENT_CHANCES, event.name
    assert not {e.kind for e in EVENTS if e.certain} & set(Training.EVENT_CHANCES)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_employers_expect_harder_milestones_less_often(tiny, seed):
    """A skill-gain threshold and a longer retention window can only lower the chance."""
    model = TrainingMarketModel(tiny(seed=seed))
    for _ in range(model.cfg.time.burn_in + 1):
        model.step()
    training = model.training
    c = training.candidates(model.month)
    assert len(c.worker) > 0
    stay = model.employers.belief_retention.astype(np.float64)
    chance = {name: training.event_chance(name, c, stay) for name in MILESTONE_EVENTS}
    assert (chance["enrolment"] == 1).all() and (chance["employer_support"] == 1).all()
    assert (chance["skill_gain"] <= chance["completion"]).all()
    assert (chance["retention_12"] <= chance["retention_6"]).all()
    assert (chance["retention_6"] <= chance["completion"] + 1e-6).all()
    assert (chance["skill_gain"] < chance["completion"]).any()
    for p in chance.values():
        assert ((p >= 0) & (p <= 1)).all()


def test_a_finished_run_releases_its_mesa_agent_ids(tiny):
    model = TrainingMarketModel(tiny(time__months=3, time__burn_in=1))
    assert model in mesa.Agent._ids  # the employers and providers are Mesa agents
    model.run()
    assert model not in mesa.Agent._ids


def test_funder_and_valuation_read_the_same_check_offsets(tiny):
    milestones = [{"event": name, "weight": 0.1, "lag": 0} for name in MILESTONE_EVENTS]
    model = TrainingMarketModel(tiny(funding__milestones=milestones))
    assert model.funder.milestone_offsets == [EVENT[name].check_offset for name in MILESTONE_EVENTS]
    model.run()  # every event is checked and valued without error


def test_an_entrant_slot_is_reset_to_the_declared_values(tiny):
    model = TrainingMarketModel(tiny(seed=2))
    for _ in range(30):
        model.step()
    w = model.workers
    ids = np.flatnonzero(w.credentials > 0)[:5]
    assert len(ids), "some workers earned credentials in 30 months"
    w.draw_entrants(ids, month=30)
    for name, declared in COLUMNS.items():
        column = getattr(w, name)
        assert column.dtype == np.dtype(declared.dtype), name
        if declared.shared_start:
            assert (column[ids] == declared.start).all(), name


def test_phases_name_their_owner_and_timing_uses_those_names(tiny):
    model = TrainingMarketModel(tiny())
    for owner, method in model.PHASES:
        assert callable(getattr(getattr(model, owner), method)), f"{owner}.{method}"
    results = model.run()
    assert list(results.phase_seconds) == [phase_name(p) for p in model.PHASES]
    assert "labour_market.retire" in results.phase_seconds


@pytest.fixture
def count_validations(monkeypatch):
    calls = {"n": 0}
    check = validation._check_rules

    def counting(cfg):
        calls["n"] += 1
        return check(cfg)

    monkeypatch.setattr(validation, "_check_rules", counting)
    return calls


def test_one_api_run_validates_its_config_once(count_validations):
    import sim

    sim.run_model(overrides={"population": "tiny", "seed": 5})
    assert count_validations["n"] == 1


def test_one_cli_run_validates_its_config_once(count_validations, tmp_path, monkeypatch):
    import sim.run.cli as cli

    monkeypatch.setattr(
        sys, "argv", ["p4p-sim", "population=tiny", f"hydra.run.dir={tmp_path}/run"]
    )
    cli.main()
    assert (tmp_path / "run" / "summary.json").exists()
    assert count_validations["n"] == 1


def test_a_config_changed_after_validation_is_validated_again(tiny):
    cfg = tiny()
    assert validation.is_validated(cfg)
    cfg.funding.outcome_share = 1.5
    assert not validation.is_validated(cfg)
    with pytest.raises(validation.ConfigError, match="funding.outcome_share"):
        TrainingMarketModel(cfg)
