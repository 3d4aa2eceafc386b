"""What the public pays, what it pays for, and the cost-benefit account (issue 11)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from sim.analysis.paired import (
    ACCOUNT_ITEMS,
    ACCOUNT_KPIS,
    cost_benefit,
    paired_comparison,
)
from sim.config.milestones import EVENT
from sim.model.model import TrainingMarketModel

from .conftest import tiny_config


def run(cfg) -> TrainingMarketModel:
    model = TrainingMarketModel(cfg)
    for _ in range(cfg.time.months):
        model.step()
    return model


def paid(model) -> np.ndarray:
    ledger = model.funder.enrolments
    return ledger.upfront_paid + ledger.outcome_paid


# --- the cap: no participant gets more than its cost ------------------------------------------
def test_tiered_p4p_never_pays_more_than_the_cost_of_a_participant():
    capped = run(tiny_config(scenario="tiered_p4p", time__months=60))
    ledger = capped.funder.enrolments
    total = paid(capped)
    assert (total <= ledger.tuition * (1 + 1e-9)).all()
    # the cap binds: 0.7 x 1.5 = 105% of tuition is offered to the disadvantaged, and what
    # employers expect and the funder commits is at most the full tuition
    at_cap = np.isclose(total, ledger.tuition) & ledger.disadvantaged
    assert at_cap.sum() > 0
    assert (ledger.outcome_max <= ledger.tuition * (1 + 1e-9)).all()
    funder = capped.funder
    upfront, outcome = funder.max_payment(np.array([3000.0, 3000.0]), np.array([True, False]))
    assert (upfront + outcome).tolist() == pytest.approx([3000.0, 0.7 * 3000.0])
    # without the cap (share 10), the same design pays some participants more than their cost
    uncapped = run(
        tiny_config(scenario="tiered_p4p", time__months=60, funding__max_payment_share=10)
    )
    over = paid(uncapped) > uncapped.funder.enrolments.tuition * (1 + 1e-6)
    assert over.sum() > 0


def test_a_lower_payment_share_caps_payments_and_what_employers_expect():
    model = run(tiny_config(funding__max_payment_share=0.5))
    ledger = model.funder.enrolments
    assert ledger.funded.sum() > 0
    assert (paid(model) <= 0.5 * ledger.tuition * (1 + 1e-9)).all()
    assert ledger.outcome_max[ledger.funded] == pytest.approx(0.5 * ledger.tuition[ledger.funded])


# --- public cost: payments plus the funder's administration and audits -------------------------
def test_public_cost_rises_by_exactly_the_audits_times_the_audit_cost():
    cheap = run(tiny_config(funding__audit_cost=100.0))
    dear = run(tiny_config(funding__audit_cost=1100.0))
    low, high = cheap.recorder.scalars(), dear.recorder.scalars()
    ts = dear.recorder.timeseries()
    window = ts[ts.month >= dear.cfg.time.burn_in]
    audits = float(window.flow_audits.sum())
    assert audits > 0
    # the audit cost is the funder's alone: behaviour and payments are the same
    assert high["public_payments"] == pytest.approx(low["public_payments"], rel=1e-12)
    assert high["public_cost"] - low["public_cost"] == pytest.approx(1000.0 * audits, rel=1e-9)


def test_public_cost_is_payments_plus_administration_per_claim_plus_audits():
    cfg = tiny_config(funding__funder_admin_cost_per_claim=40.0, funding__audit_cost=300.0)
    model = run(cfg)
    k = model.recorder.scalars()
    ts = model.recorder.timeseries()
    window = ts[ts.month >= cfg.time.burn_in]
    claims = float(window.flow_claims.sum())  # outcome claims (no upfront share here)
    audits = float(window.flow_audits.sum())
    assert 0 < audits < claims
    assert k["public_admin_cost"] == pytest.approx(40.0 * claims + 300.0 * audits)
    assert k["public_cost"] == pytest.approx(k["public_payments"] + k["public_admin_cost"])
    funder = model.funder
    assert k["public_payments"] == pytest.approx(funder.total_paid - funder.recovered, rel=1e-9)
    assert k["public_cost_per_certification"] == pytest.approx(
        k["public_cost"] / window.flow_funded_certifications.sum()
    )


def test_each_upfront_payment_is_a_claim_the_funder_processes():
    model = run(tiny_config(scenario="upfront_subsidy", funding__funder_admin_cost_per_claim=50.0))
    k = model.recorder.scalars()
    ledger = model.funder.enrolments
    in_window = ledger.in_policy & (ledger.upfront_paid > 0)
    assert k["public_admin_cost"] == pytest.approx(50.0 * in_window.sum())


# --- the monthly reimbursement rate pays for what it says ----------------------------------------
def potential_falling_due(model) -> pd.Series:
    """Independently of the funder: per month, the most the milestones falling due then could
    pay (no participant cap binds in pay_for_performance)."""
    ledger, policy = model.funder.enrolments, model.cfg.funding
    rows = np.flatnonzero(ledger.funded)
    due, amount = [], []
    for m in policy.milestones:
        event = EVENT[m.event]
        base = ledger.start[rows] if event.from_start else ledger.end[rows]
        due.append(base + event.check_offset + m.lag + policy.payment_delay)
        amount.append(policy.outcome_share * ledger.tuition[rows] * m.weight)
    series = pd.Series(np.concatenate(amount)).groupby(np.concatenate(due)).sum()
    return series.reindex(range(model.cfg.time.months), fill_value=0.0)


def test_monthly_reimbursement_rate_relates_payments_to_the_milestones_they_pay_for():
    cfg = tiny_config(
        time__months=60,
        funding__milestones=[
            {"event": "certification", "weight": 0.5, "lag": 0},
            {"event": "retention_6", "weight": 0.5, "lag": 1},
        ],
    )
    model = run(cfg)
    ts = model.recorder.timeseries().set_index("month")
    expected = potential_falling_due(model)
    np.testing.assert_allclose(ts.flow_outcome_potential, expected, rtol=1e-6, atol=1e-6)
    window = ts[ts.index >= cfg.time.burn_in]
    due = window.flow_outcome_potential > 0
    assert due.sum() > 12
    rate = window.reimbursement_rate[due]
    assert (rate <= 1 + 1e-6).all() and (rate >= 0).all()  # never pays more than it paid for
    assert window.reimbursement_rate[~due].isna().all()
    # the scalar is the potential-weighted mean of the series over the window
    weighted = (
        rate * window.flow_outcome_potential[due]
    ).sum() / window.flow_outcome_potential.sum()
    scalar = model.recorder.scalars()["reimbursement_rate"]
    assert scalar == pytest.approx(weighted, rel=1e-9)
    assert scalar == pytest.approx(window.flow_public_outcome.sum() / expected[due.index].sum())
    # ... and agrees with the participants whose milestones were all paid or missed
    ledger = model.funder.enrolments
    resolved = ledger.funded & (ledger.end + 6 + 1 + cfg.funding.payment_delay < cfg.time.months)
    by_participant = ledger.outcome_paid[resolved].sum() / ledger.outcome_max[resolved].sum()
    assert scalar == pytest.approx(by_participant, abs=0.05)


def test_an_enrolment_milestone_is_paid():
    cfg = tiny_config(funding__milestones=[{"event": "enrolment", "weight": 1.0, "lag": 0}])
    model = run(cfg)
    ledger = model.funder.enrolments
    funded = ledger.funded & (ledger.start + cfg.funding.payment_delay < cfg.time.months - 1)
    assert funded.sum() > 0
    assert ledger.outcome_paid[funded] == pytest.approx(0.7 * ledger.tuition[funded])


# --- the UPSKILL return is on the full cost ------------------------------------------------------
def test_first_year_return_is_on_the_full_cost_of_training():
    model = run(tiny_config(scenario="upfront_subsidy", time__months=60))
    ledger, cfg = model.funder.enrolments, model.cfg
    short = ledger.end - ledger.start <= 2
    rows = np.flatnonzero(ledger.in_policy & short & (ledger.end + 12 < cfg.time.months))
    assert len(rows) > 10 and ledger.upfront_paid[rows].sum() > 0
    full = ledger.employer_cost[rows].sum()  # employers pay the full tuition, then are paid
    rent = ledger.first_year_rent[rows].sum()
    measured = model.recorder.scalars()["first_year_return_short_training"]
    assert measured == pytest.approx((rent - full) / full, rel=1e-9)
    net = full - ledger.upfront_paid[rows].sum()
    assert measured < (rent - net) / net  # the return net of funding is higher


# --- paired comparisons and the account ----------------------------------------------------------
def paired_table(scenarios, seeds=(1, 2, 3), **overrides) -> pd.DataFrame:
    rows = []
    for scenario in scenarios:
        for seed in seeds:
            kpis = run(tiny_config(scenario=scenario, seed=seed, **overrides)).recorder.scalars()
            rows.append({"status": "completed", "scenario": scenario, "seed": seed, **kpis})
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def sweep_table() -> pd.DataFrame:
    return paired_table(["baseline", "pay_for_performance", "provider_outcomes"])


def test_paired_deadweight_is_one_minus_additional_over_funded_trainees(sweep_table):
    comparison = paired_comparison(sweep_table, ["scenario"], ["trainees", "deadweight_share"])
    for scenario, rows in comparison.groupby("scenario"):
        rows = rows.set_index("kpi")
        funded = sweep_table[sweep_table.scenario == scenario]["funded_trainees"].mean()
        additional = rows.loc["additional_trainees", "difference"]
        deadweight = rows.loc["deadweight_paired"]
        assert deadweight["difference"] == pytest.approx(1 - additional / funded, rel=1e-12)
        assert deadweight["ci_low"] < deadweight["difference"] < deadweight["ci_high"]
        assert deadweight["n_pairs"] == 3
        assert "deadweight_share" in rows.index  # the run-level KPI stays next to it


def test_cost_per_additional_certification_counts_only_certifications_meeting_the_standard(
    sweep_table,
):
    outcomes = sweep_table[sweep_table.scenario == "provider_outcomes"]
    # paid on certifications with weak audits, providers lower their standards: some of their
    # credentials certify less than they claim
    assert (outcomes.certifications_meeting_standard < outcomes.certifications).all()
    p4p = sweep_table[sweep_table.scenario == "pay_for_performance"]
    assert (p4p.certifications_meeting_standard <= p4p.certifications).all()
    comparison = paired_comparison(sweep_table, ["scenario"], ["public_cost"]).set_index(
        ["scenario", "kpi"]
    )
    wide = sweep_table.pivot(index="seed", columns="scenario")
    extra_cost = (wide["public_cost"]["provider_outcomes"] - wide["public_cost"]["baseline"]).mean()
    honest = wide["certifications_meeting_standard"]
    extra = (honest["provider_outcomes"] - honest["baseline"]).mean()
    row = comparison.loc[("provider_outcomes", "public_cost_per_additional_certification")]
    assert extra > 0
    assert row["difference"] == pytest.approx(extra_cost / extra, rel=1e-9)
    every = (
        wide["certifications"]["provider_outcomes"] - wide["certifications"]["baseline"]
    ).mean()
    assert row["difference"] > extra_cost / every  # fewer outcomes count: each costs more


def test_certifications_meeting_the_standard_are_read_from_the_ledger():
    model = run(tiny_config(scenario="provider_outcomes", time__months=60))
    ledger, p = model.funder.enrolments, model.providers
    ended = ledger.certified & (ledger.end >= model.cfg.time.burn_in)
    published = p.published_standard(ledger.program) * ledger.nominal
    meets = ended & (ledger.mastered >= published)  # a credential certifies content mastered
    k = model.recorder.scalars()
    assert k["certifications_meeting_standard"] == meets.sum() < ended.sum()


def test_cost_benefit_identity_holds_seed_by_seed(sweep_table):
    mcpf = 0.25
    account = cost_benefit(sweep_table, ["scenario"], mcpf=mcpf)
    assert account.attrs["baseline"] == {"scenario": "baseline"}
    assert list(account[account.scenario == "provider_outcomes"]["item"]) == [
        item for item, _ in ACCOUNT_ITEMS
    ]
    wide = sweep_table.set_index(["scenario", "seed"])
    for scenario in ("pay_for_performance", "provider_outcomes"):
        rows = account[account.scenario == scenario].set_index("item")["difference"]
        d = {k: (wide.loc[scenario][k] - wide.loc["baseline"][k]).mean() for k in ACCOUNT_KPIS}
        assert d["pv_public_cost"] > 0 and d["pv_public_admin_cost"] > 0
        net = d["pv_output"] - d["pv_training_resource_cost"] - mcpf * d["pv_public_cost"]
        assert rows["net_social_benefit"] == pytest.approx(net, rel=1e-9)
        by_party = (
            rows["employer_net_gain"]
            + rows["pv_wages"]
            + rows["pv_provider_net_receipts"]
            - rows["taxpayer_cost"]
        )
        assert by_party == pytest.approx(net, rel=1e-6, abs=1e-3)
        assert rows["taxpayer_cost"] == pytest.approx((1 + mcpf) * d["pv_public_cost"])
    outcomes = account[account.scenario == "provider_outcomes"].set_index("item")
    assert outcomes.loc["pv_provider_net_receipts", "difference"] != 0  # providers are paid


def test_net_social_benefit_falls_below_zero_as_the_cost_of_public_funds_rises():
    # a synthetic sweep in which the program adds more output than it uses resources
    base = dict.fromkeys(ACCOUNT_KPIS, 0.0)
    rows = []
    for seed, noise in zip((1, 2, 3, 4), (-1.0, 0.5, 1.0, -0.5)):
        rows.append({"status": "completed", "scenario": "baseline", "seed": seed, **base})
        program = {
            **base,
            "pv_public_cost": 1000.0 + noise,
            "pv_public_admin_cost": 50.0,
            "pv_output": 1500.0 + 10 * noise,
            "pv_training_resource_cost": 400.0,
        }
        rows.append({"status": "completed", "scenario": "program", "seed": seed, **program})
    table = pd.DataFrame(rows)

    def net(mcpf: float) -> float:
        account = cost_benefit(table, ["scenario"], mcpf=mcpf).set_index("item")
        return account.loc["net_social_benefit", "difference"]

    assert net(0.0) == pytest.approx(1100.0)
    assert net(0.25) == pytest.approx(850.0)
    assert net(1.0) > 0 > net(2.0)  # break-even at 1.1 per dollar of outlay
    assert net(100.0) == pytest.approx(1100.0 - 100.0 * 1000.0)


def test_the_milestones_checked_each_month_are_every_funded_enrolment_due_then():
    """Funder.funded_rows_checked reads only the ledger rows that started in the months a
    milestone due now can come from: it finds exactly the funded rows of the whole window
    whose start (or end) month plus the milestone's offset is this month, in row order."""
    events = ("retention_6", "wage_gain", "completion", "enrolment", "certification")
    cfg = tiny_config(funding__milestones=[{"event": e, "weight": 0.2} for e in events])
    model = TrainingMarketModel(cfg)
    funder, found = model.funder, 0
    for _ in range(cfg.time.months):
        model.step()
        month, ledger = model.month, funder.enrolments
        first = ledger.first_from("start", month - funder.max_check_offset - 12)
        window = first + np.flatnonzero(ledger.funded[first:])
        for event, offset in zip(events, funder.milestone_offsets):
            from_start = EVENT[event].from_start
            base = (ledger.start if from_start else ledger.end)[window]
            expected = window[base + offset == month]
            got = funder.funded_rows_checked(first, month - offset, from_start)
            assert np.array_equal(got, expected), (month, event)
            found += len(got)
    assert found > 0


def test_the_disadvantaged_ratio_is_undefined_without_employees():
    """With trainees but nobody employed at the end (a random economy of the property tests
    can end so), the disadvantaged trainees' ratio is undefined (nan), with no NumPy warning
    about the mean of an empty workforce."""
    model = TrainingMarketModel(tiny_config())
    window = pd.DataFrame({"flow_starts": [4.0], "flow_starts_disadvantaged": [1.0]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert model.recorder.disadvantaged_ratio(window, np.arange(0)) > 0
        model.workers.employer[:] = -1
        assert np.isnan(model.recorder.disadvantaged_ratio(window, np.arange(0)))
