"""The job-seeker pathway (docs/model.md section 3, Job seekers).

Each behaviour comes from a provider's or the funder's choice, and each test removes the
incentive and shows the behaviour go: creaming needs placement pay without a bonus, job-search
assistance needs placement pay (or a funder buying it), and the no-program run follows the
same referrals untrained.
"""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim import ConfigError
from sim.analysis.paired import one_sided_test
from sim.model.model import TrainingMarketModel

MOHAWK = "mohawk_material_handling"
SMALL = [
    "population=small",
    "time.months=84",
    "time.burn_in=24",
    "funding.use_project_budget=false",
]
OPEN = ["jobseekers.eligibility=all"]
PLACEMENT_PAY = [*OPEN, "jobseekers.upfront_share=0.5", "jobseekers.outcome_share=0.5"]
FLAT_FEE = [
    *OPEN,
    "jobseekers.upfront_share=0.9",
    "jobseekers.outcome_share=0.0",
    "jobseekers.milestones=[]",
]


def run(seed, *overrides, scenario=MOHAWK):
    cfg = sim.compose(scenario=scenario, seed=seed, overrides=[*SMALL, *overrides])
    model = TrainingMarketModel(cfg)
    return model, model.run()


def test_participants_are_unemployed_job_seekers_paid_for_by_the_funder():
    model, r = run(1, *OPEN)
    ledger = model.jobseekers.ledger
    rows = np.arange(ledger.size)
    assert ledger.size > 20 and ledger.trained[rows].all()
    assert r.kpis["jobseeker_participants"] == ledger.size
    # every participant was unemployed when admitted: none was hired in the month they started
    assert (ledger.placed_month[rows] != ledger.start[rows]).mean() > 0.9
    upfront = 0.5 * ledger.tuition[rows]
    assert (ledger.paid[rows] >= upfront - 1e-6).all()  # the upfront half, then milestones
    pot = 0.5 * ledger.tuition[rows]
    assert (ledger.paid[rows] <= upfront + pot + 1e-6).all()
    assert model.funder.paid_outside_ledger == pytest.approx(ledger.paid[rows].sum())
    assert model.funder.paid_to_provider.sum() == pytest.approx(model.funder.total_paid)
    assert r.kpis["public_cost"] > ledger.paid[rows].sum()  # plus the funder's claim handling


def test_placement_and_retention_milestones_pay_what_happened():
    model, _ = run(2, *OPEN)
    ledger = model.jobseekers.ledger
    rows = np.arange(ledger.size)
    placed = ledger.placed_month[rows] >= 0
    # hired between the start and the end of the placement window, never after
    window = model.cfg.jobseekers.placement_window
    assert (ledger.placed_month[rows][placed] <= ledger.end[rows][placed] + window).all()
    closed = ledger.end[rows] + window < model.cfg.time.months - 1
    unplaced = closed & ~placed & ~ledger.retired[rows]
    upfront = 0.5 * ledger.tuition[rows]
    assert np.allclose(ledger.paid[rows][unplaced], upfront[unplaced])  # nothing on outcomes
    assert (
        ledger.paid[rows][placed] >= upfront[placed] + 0.3 * ledger.tuition[rows][placed] - 1e-6
    ).all()


def test_a_budget_limits_what_the_pathway_pays():
    model, r = run(3, *OPEN, "funding.budget_per_year=5000", "funding.use_project_budget=false")
    years = (model.cfg.time.months - model.cfg.time.burn_in) / 12
    assert model.funder.total_paid <= 5_000 * np.ceil(years) + 1e-6
    _, unlimited = run(3, *OPEN)
    assert r.kpis["jobseeker_participants"] < unlimited.kpis["jobseeker_participants"]


def test_the_no_program_run_follows_the_same_referrals_untrained():
    program, _ = run(4, *FLAT_FEE)
    none, r = run(4, *FLAT_FEE, "funding.enabled=false")
    a, b = program.jobseekers.ledger, none.jobseekers.ledger
    assert b.size > 20 and not b.trained[: b.size].any()
    assert r.kpis["public_cost"] == 0 and r.kpis["placement_rate"] is not None
    # the first month's referrals and admissions are the same people (common random numbers)
    first = a.start[0]
    same_a = a.worker[: a.size][a.start[: a.size] == first]
    same_b = b.worker[: b.size][b.start[: b.size] == first]
    assert np.array_equal(np.sort(same_a), np.sort(same_b))


@pytest.mark.slow  # a statistical run over seeds (.ci/run's slow step)
def test_placement_pay_creams_off_the_disadvantaged_and_a_flat_fee_does_not():
    paid, flat = [], []
    for seed in range(4):
        paid.append(run(seed, *PLACEMENT_PAY)[1].kpis["jobseeker_disadvantaged_ratio"])
        flat.append(run(seed, *FLAT_FEE)[1].kpis["jobseeker_disadvantaged_ratio"])
    test = one_sided_test(np.subtract(paid, flat), "below", 0.0)
    assert test.passed, test
    assert np.mean(flat) == pytest.approx(1.0, abs=0.15)  # random admission: no selection


@pytest.mark.slow  # a statistical run over seeds (.ci/run's slow step)
def test_a_disadvantaged_bonus_counters_the_creaming():
    plain, bonus = [], []
    for seed in range(4):
        plain.append(run(seed, *PLACEMENT_PAY)[1].kpis["jobseeker_disadvantaged_ratio"])
        bonus.append(
            run(seed, *PLACEMENT_PAY, "jobseekers.disadvantaged_bonus=2.0")[1].kpis[
                "jobseeker_disadvantaged_ratio"
            ]
        )
    test = one_sided_test(np.subtract(bonus, plain), "above", 0.0)
    assert test.passed, test


def test_providers_assist_job_search_only_when_placement_pays_for_it():
    paid_model, _ = run(5, *PLACEMENT_PAY)
    flat_model, _ = run(5, *FLAT_FEE)
    bought_model, _ = run(5, *FLAT_FEE, "jobseekers.assistance_funded=true")
    assisted = lambda m: m.jobseekers.ledger.assisted[: m.jobseekers.ledger.size]  # noqa: E731
    assert assisted(paid_model).any()
    assert not assisted(flat_model).any()  # a flat fee gains nothing from assisting
    finished = bought_model.jobseekers.ledger.completed | ~bought_model.jobseekers.ledger.left
    assert (
        assisted(bought_model).sum()
        >= 0.9 * finished[: bought_model.jobseekers.ledger.size].sum() - 5
    )


def test_participants_search_less_while_training():
    model = TrainingMarketModel(sim.compose(scenario=MOHAWK, seed=6, overrides=[*SMALL, *OPEN]))
    while model.month < 40:
        model.step()
    js = model.jobseekers
    in_program = np.flatnonzero(js.row_of_worker >= 0)
    assert len(in_program)
    share = js.search_share(in_program, model.month)
    assert np.allclose(share, model.cfg.jobseekers.search_while_training)


@pytest.mark.parametrize(
    "override, names",
    [
        (
            "jobseekers.programs=[juggling]",
            "jobseekers.programs[0]='juggling' is not in the catalogue",
        ),
        ("funding.milestones=[{event: placement, weight: 1.0}]", "funding.milestones[0].event"),
        ("jobseekers.upfront_share=0.8", "exceeds 1"),
        (
            "jobseekers.milestones=[{event: retention_6, weight: 1.0}]",
            "jobseekers.milestones[0].event",
        ),
    ],
)
def test_bad_pathway_settings_get_one_line_errors(override, names):
    with pytest.raises(ConfigError, match=names.replace("[", r"\[").replace("]", r"\]")) as err:
        sim.compose(scenario=MOHAWK, overrides=[override])
    assert "\n" not in str(err.value)


def test_placement_pay_parks_the_hardest_cases():
    """Assistance goes where it moves the placement chance most: the participants a
    provider scores lowest get less of it than the middle of its intake (parking)."""
    low, middle = [], []
    for seed in range(3):
        model, _ = run(seed, *PLACEMENT_PAY)
        ledger = model.jobseekers.ledger
        done = np.flatnonzero(ledger.completed[: ledger.size] | ledger.assisted[: ledger.size])
        score = ledger.score[done]
        q1, q3 = np.quantile(score, [0.25, 0.75])
        assisted = ledger.assisted[done]
        low.append(assisted[score <= q1].mean())
        middle.append(assisted[(score > q1) & (score <= q3)].mean())
    test = one_sided_test(np.subtract(low, middle), "below", 0.0)
    assert test.passed, (low, middle)


def test_a_zero_placement_score_has_no_placement_chance():
    """A participant with no chance to certify (score 0) is expected to place no one, also
    where the provider's past participants all scored zero (it was 0 / 0: NaN)."""
    cfg = sim.compose(scenario=MOHAWK, seed=1, overrides=["population=tiny", *PLACEMENT_PAY])
    pathway = TrainingMarketModel(cfg).jobseekers
    provider = np.array([0, 0, 1])
    pathway.score_mean[:2] = [0.0, 0.4]
    chance = pathway.placement_chance(provider, np.array([0.0, 0.0, 0.2], dtype=np.float32))
    assert np.isfinite(chance).all() and chance[0] == chance[1] == 0
    assert chance[2] == pytest.approx(min(1.0, pathway.placement_rate_belief[1] * 0.5))
