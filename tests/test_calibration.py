"""The default economy stays inside the calibration bands of docs/model.md section 7.

Runs the ``baseline`` scenario at the default scale (10,000 workers, 500 employers, 120
months; about a second per run) on four seeds, on two processes, and checks the mean of every
target against its band (sim.checks.calibration.TARGETS; the bands and their reasons are in
docs/calibration.md, written by ``p4p-calibrate --write-docs``).
"""

from __future__ import annotations

import pytest

from sim.checks.calibration import TARGETS, config_measures, markdown, measure
from sim.checks.replications import DEFAULT_ECONOMY


@pytest.fixture(scope="module")
def measured():
    return measure(seeds=range(4), processes=2)


@pytest.mark.calibration
@pytest.mark.parametrize("target", TARGETS, ids=[t.measure for t in TARGETS])
def test_baseline_meets_calibration_band(measured, target):
    m = next(m for m in measured if m.target is target)
    assert m.n == 4
    assert m.holds, (
        f"{target.measure} = {target.show(m.mean)} (95% CI {target.show(m.ci_low)} to"
        f" {target.show(m.ci_high)}) is outside its band {target.band()}: {target.label}"
    )


@pytest.mark.calibration
def test_program_cost_and_cap_match_the_emc_design():
    inputs = config_measures()
    assert inputs["catalogue_mean_tuition"] == pytest.approx(3000.0)
    assert inputs["p4p_cap"] == pytest.approx(0.70)


@pytest.mark.calibration
def test_calibration_page_lists_every_target_and_its_band(measured):
    text = markdown(measured, [0, 1, 2, 3], DEFAULT_ECONOMY, 1.0)
    for target in TARGETS:
        assert f"`{target.measure}`" in text and target.band() in text
