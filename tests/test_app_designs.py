"""The page's logic without a browser: CLI messages per field, and the API's numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.analysis.paired import paired_comparison
from sim.app import designs
from sim.app.page import fmt, form_texts, form_values
from sim.config.validation import ConfigError
from sim.run.api import compose, run_model
from tests.conftest import TINY


@pytest.mark.parametrize(
    "key, value",
    [
        ("funding.outcome_share", 1.5),
        ("funding.payment_delay", "soon"),
        ("credentials.quality_floor", -1),
    ],
)
def test_bad_values_get_the_cli_message_on_their_field(key, value):
    values = form_values(*form_texts("pay_for_performance"))
    values[key] = value
    checked = designs.check_design("pay_for_performance", values, next(iter(designs.PRESETS)), 1)
    assert checked.config is None
    with pytest.raises(ConfigError) as cli:
        compose("pay_for_performance", overrides={key: value})
    assert checked.errors[key] == str(cli.value)
    assert "seeds=1 is out of range" in checked.errors["seeds"]


def test_cross_field_rules_land_on_the_field_they_name():
    values = form_values(*form_texts("baseline"))
    values["funding.outcome_share"] = 0.5  # baseline has no milestones
    checked = designs.check_design("baseline", values, next(iter(designs.PRESETS)), 2)
    assert "needs at least one funding.milestones entry" in checked.errors["funding.outcome_share"]


@pytest.mark.slow
def test_page_numbers_equal_the_api(tmp_path, monkeypatch):
    monkeypatch.setitem(designs.PRESETS, "tiny", dict(TINY))
    values = form_values(*form_texts("pay_for_performance"))
    values["funding.outcome_share"] = 0.5
    report = designs.run_design(
        "half", "pay_for_performance", values, "tiny", 3, tmp_path, processes=2
    )
    rows = []
    for seed in (1, 2, 3):
        base = run_model("baseline", seed, TINY).kpis
        design = run_model("pay_for_performance", seed, {**TINY, "funding.outcome_share": 0.5}).kpis
        rows += [
            {"design": "baseline", "seed": seed, "status": "completed", **base},
            {"design": "half", "seed": seed, "status": "completed", **design},
        ]
    kpis = [k for k, _ in designs.HEADLINE_CARDS if k in base]
    table = pd.DataFrame(rows)
    expected = paired_comparison(table, ["design"], kpis, {"design": "baseline"}).set_index("kpi")
    levels = table[table["design"] == "half"][kpis].mean()
    for card in designs.headline_cards(report):
        want = (
            expected.loc[card.kpi, "difference"]
            if card.kpi in designs.DIFFERENCE_KPIS
            else levels[card.kpi]
        )
        assert card.value == pytest.approx(want, rel=1e-12), card.kpi
        assert fmt(card.value) == fmt(float(want))
        if np.isfinite(expected.loc[card.kpi, "ci_low"]):
            assert card.ci_low == pytest.approx(expected.loc[card.kpi, "ci_low"], rel=1e-12)


def test_a_design_run_is_a_sweep_that_p4p_report_reads(tmp_path, monkeypatch):
    from sim.run.sweep import check_sweep_dir, load_sweep

    monkeypatch.setitem(designs.PRESETS, "tiny", dict(TINY))
    values = form_values(*form_texts("pay_for_performance"))
    report = designs.run_design(
        "one", "pay_for_performance", values, "tiny", 2, tmp_path, processes=2
    )
    sweep_dir = check_sweep_dir(report.sweep.directory)
    assert sorted(load_sweep(sweep_dir).table["design"]) == ["baseline"] * 2 + ["one"] * 2
    assert report.path.is_file() and report.path.stat().st_size > 0


def test_compose_seeds_is_compose_for_each_seed():
    from sim.run.api import compose_seeds

    values = form_values(*form_texts("pay_for_performance"))
    overrides = {**TINY, **values}
    assert compose_seeds("pay_for_performance", [1, 4], overrides) == [
        compose("pay_for_performance", seed, overrides) for seed in (1, 4)
    ]


def test_cancel_stops_the_runs_not_started(tmp_path, monkeypatch):
    import threading

    monkeypatch.setitem(designs.PRESETS, "tiny", dict(TINY))
    values = form_values(*form_texts("pay_for_performance"))
    values["funding.audit_probability"] = 0.123  # configs no other test validates
    cancel = threading.Event()

    def progress(done: int, total: int) -> None:
        if done >= 1:
            cancel.set()

    with pytest.raises(designs.Cancelled, match=r"cancelled after \d+ of 20 runs") as stop:
        designs.run_design(
            "stop", "pay_for_performance", values, "tiny", 10, tmp_path, progress, cancel, 2
        )
    finished = len(list(tmp_path.rglob("summary.json")))
    assert 1 <= finished < 20
    assert f"after {finished} of 20" in str(stop.value)
