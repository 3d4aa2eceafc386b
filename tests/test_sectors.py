"""Sectors, skill domains and labour demand that moves (docs/model.md section 3, Sectors).

Each mechanism test shows a behaviour and that it vanishes when its cause is removed: layoffs
need a fall in labour demand, crossing sectors needs displaced workers and another sector's
vacancies, an employer trains only in domains its sector values, and moving sector loses the
sector-specific skill.
"""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim import ConfigError
from sim.analysis.paired import one_sided_test
from sim.model.model import TrainingMarketModel

SMALL = ["population=small"]
EDGE = "edge_up_displaced"
# The shock hits a year after the policy start (month 48 after the default 36-month burn-in).
NO_PROGRAM = ["funding.enabled=false", "time.months=96", "time.burn_in=36"]
CALM = ["economy.sectors.0.shock_size=0.0", "economy.sectors.0.demand_growth=0.0"]


def run(scenario, seed, *overrides):
    cfg = sim.compose(scenario=scenario, seed=seed, overrides=[*SMALL, *overrides])
    model = TrainingMarketModel(cfg)
    return model, model.run()


def test_one_sector_one_domain_keeps_no_domain_books():
    model, _ = run("baseline", 1, "time.months=24", "time.burn_in=12")
    assert not model.sectors.tracked
    assert model.workers.domain_gain.shape == (model.workers.n, 0)
    assert (model.employers.sector == 0).all()


def test_a_demand_shock_lays_off_and_lowers_employment_and_flat_demand_does_not():
    shocked, calm = [], []
    for seed in range(4):
        _, a = run(EDGE, seed, *NO_PROGRAM)
        _, b = run(EDGE, seed, *NO_PROGRAM, *CALM, "economy.labour_demand_elasticity=0")
        shocked.append(a.kpis["employment_rate"])
        calm.append(b.kpis["employment_rate"])
        assert a.kpis["layoffs_per_1000"] > 5
        assert b.kpis["layoffs_per_1000"] == 0  # no fall in demand: nobody is laid off
        assert b.kpis["displaced_reemployment_rate"] is None  # and nobody is displaced
    test = one_sided_test(np.subtract(shocked, calm), "below", 0.0)
    assert test.passed, test


def test_employment_follows_the_shock_and_recovers_with_demand():
    _, r = run(
        EDGE,
        1,
        *NO_PROGRAM,
        "economy.sectors.0.demand_growth=0.0",
        "economy.sectors.0.recovery_months=24",
        "time.months=120",
    )
    ts = r.timeseries.set_index("month")["employment_rate"]
    before, trough, after = ts.loc[40:47].mean(), ts.loc[52:58].mean(), ts.loc[100:].mean()
    assert trough < before - 0.02
    assert after > trough + 0.01


def test_displaced_workers_cross_into_other_sectors():
    model, r = run(EDGE, 2, *NO_PROGRAM)
    w, e = model.workers, model.employers
    assert r.kpis["cross_sector_moves"] > 0
    displaced = np.flatnonzero((w.displaced_month >= 0) & w.employed)
    # oil and gas (sector 0) shed jobs: the displaced who found work mostly found it elsewhere
    assert (e.sector[w.employer[displaced]] != 0).mean() > 0.5


def test_employers_train_only_in_domains_their_sector_values():
    model, _ = run(EDGE, 3, *NO_PROGRAM)
    ledger, sectors = model.funder.enrolments, model.sectors
    rows = np.arange(ledger.size)
    domain = sectors.program_domain[ledger.program[rows]]
    weight = sectors.weights[model.employers.sector[ledger.employer[rows]], domain]
    assert ledger.size > 100
    assert (weight > 0).all()  # no oil-and-gas employer trains digital skills, and so on
    assert len(np.unique(domain)) == 3


def test_moving_sector_loses_the_sector_specific_skill_and_revalues_domains():
    model, _ = run(EDGE, 4, *NO_PROGRAM, "time.months=50", "time.burn_in=12")
    w = model.workers
    ids = np.flatnonzero(w.employed & (w.sector == 0))[:5]
    w.domain_gain[ids] = np.array([0.1, 0.0, 0.2], dtype=np.float32)[
        np.argsort([model.sectors.domains.index(d) for d in ("trade", "soft", "digital")])
    ]
    w.sector_skill[ids] = 0.05
    staying = w.join_sector(ids, np.zeros(len(ids), dtype=np.int16))
    assert not staying.any() and np.allclose(w.sector_skill[ids], 0.05)
    moved = w.join_sector(ids, np.ones(len(ids), dtype=np.int16))  # into tech
    assert moved.all()
    assert np.allclose(w.sector_skill[ids], 0.0)
    tech = model.sectors.weights[1]
    expected = w.entry_skill[ids] + w.domain_gain[ids] @ tech
    assert np.allclose(w.general[ids], expected)


def test_hiring_sees_credentials_in_the_domains_the_sector_values():
    model, _ = run(EDGE, 5, *NO_PROGRAM, "time.months=50", "time.burn_in=12")
    w, sectors = model.workers, model.sectors
    digital = [k for k, p in enumerate(model.cfg.credentials.programs) if p.domain == "digital"]
    ids = np.arange(3)
    w.credentials[ids] = sum(1 << k for k in digital)
    w.credential_gain[ids] = sum(model.cfg.credentials.programs[k].gain for k in digital)
    oil, tech = (np.full(3, s, dtype=np.intp) for s in (0, 1))
    assert (w.visible_skill(ids, 1.0, tech) > w.visible_skill(ids, 1.0, oil)).all()
    assert sectors.weights[0, sectors.domains.index("digital")] == 0
    assert np.allclose(w.visible_skill(ids, 1.0, oil), w.entry_skill[ids])


def test_more_productive_staff_raise_an_employers_share_of_its_sectors_jobs():
    cfg = sim.compose(scenario="baseline", seed=6, overrides=[*SMALL, "time.burn_in=12"])
    model = TrainingMarketModel(cfg)
    while model.month < 24:  # the policy start's review (month 12) set the reference
        model.step()
    e, w = model.employers, model.workers
    j = int(np.argmax(e.size))
    staff = w.employer == j
    w.general[staff] *= 1.44
    w.specific[staff] *= 1.44
    model.step()  # month 24: the next yearly review
    relative = e.staff_skill / e.staff_skill_reference
    assert relative[j] > 1.3
    share = relative.astype(float) ** cfg.economy.labour_demand_elasticity
    share /= (e.base_target * share).sum() / e.base_target.sum()  # the sector keeps its jobs
    assert share[j] > 1.1
    assert np.abs(e.target_size - np.maximum(e.base_target * share, 1)).max() <= 0.5 + 1e-6
    assert abs(e.target_size.sum() - e.base_target.sum()) <= 0.01 * e.base_target.sum()
    # without the elasticity, headcount targets ignore productivity
    cfg0 = sim.compose(
        scenario="baseline",
        seed=6,
        overrides=[*SMALL, "time.burn_in=12", "economy.labour_demand_elasticity=0"],
    )
    model0 = TrainingMarketModel(cfg0)
    while model0.month < 24:
        model0.step()
    model0.workers.general[model0.workers.employer == j] *= 1.44
    model0.step()
    assert (model0.employers.target_size == model0.employers.base_target).all()


def test_a_projects_budget_scales_to_the_economy():
    cfg = sim.compose(
        scenario="pay_for_performance",
        overrides=[
            "population.workers=10000",
            "funding.project_budget=1640000",
            "funding.project_years=4",
            "funding.project_workforce=1000000",
            "funding.use_project_budget=true",
        ],
    )
    assert cfg.yearly_budget == pytest.approx(1_640_000 / 4 / 100)
    unlimited = sim.compose(scenario="pay_for_performance")  # its pilot budget is not applied
    assert unlimited.funding.project_budget == 1_640_000 and unlimited.yearly_budget is None


@pytest.mark.parametrize(
    "override, names",
    [
        ("economy.sectors.0.employer_share=0.5", "employer_share add up to"),
        ("economy.sectors.1.domain_weights=[0.5]", "domain_weights has 1 weights"),
        ("economy.sectors.1.domain_weights=[0.5,0.4]", "largest weight 0.5"),
        ("credentials.programs.0.domain=art", "domain='art' is valued by no sector"),
        ("economy.sectors.2.name=tech", "appears twice"),
        ("funding.project_workforce=null", "needs funding.project_workforce"),
    ],
)
def test_bad_sector_settings_get_one_line_errors(override, names):
    with pytest.raises(ConfigError, match=names) as err:
        sim.compose(scenario=EDGE, overrides=[override])
    assert "\n" not in str(err.value)
