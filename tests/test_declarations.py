"""Each concept is declared once, and the parts of the model that read it agree."""
from __future__ import annotations

import sys

import numpy as np
import pytest

import sim.config.validation as validation
from sim.config.milestones import EVENT, EVENTS, MILESTONE_EVENTS
from sim.config.schema import MilestoneConfig
from sim.model.model import TrainingMarketModel, phase_name
from sim.model.workers import COLUMNS, DRAWN


def test_every_milestone_event_is_declared_and_decidable(tiny):
    model = TrainingMarketModel(tiny())
    assert set(model.funder.happened) == set(MILESTONE_EVENTS) == {e.name for e in EVENTS}
    assert MilestoneConfig.__dataclass_fields__["event"].metadata["choices"] == MILESTONE_EVENTS
    assert [e.name for e in EVENTS if e.assessed] == ["certification"]
    assert {e.name for e in EVENTS if e.certain} == {"enrolment", "employer_support"}
    assert EVENT["retention_12"].check_offset == 12 and EVENT["retention_12"].needs_stay


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
    for name, (dtype, start) in COLUMNS.items():
        column = getattr(w, name)
        assert column.dtype == np.dtype(dtype), name
        if start is not DRAWN:
            assert (column[ids] == start).all(), name


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

    monkeypatch.setattr(sys, "argv", ["p4p-sim", "population=tiny", f"hydra.run.dir={tmp_path}/run"])
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
