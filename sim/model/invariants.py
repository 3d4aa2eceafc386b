"""Accounting identities and state bounds that must hold after every month of any valid run.

    >>> model = sim.TrainingMarketModel(cfg)
    >>> for _ in range(cfg.time.months):
    ...     model.step()
    ...     sim.check_invariants(model)   # raises InvariantError listing every violation

What is checked (the property tests in ``tests/test_invariants.py`` run this after every
month of random valid configurations):

* **KPIs**: every value of the latest monthly row is finite, except a ratio whose denominator
  is zero this month, which is NaN *exactly* then (see :data:`UNDEFINED_WHEN`); shares lie
  in [0, 1].
* **Headcount**: every worker has one employer id in ``[0, employers)`` or is unemployed
  (-1); employer staff counts add up to the employed; the row's ``employees`` matches.
* **Training**: a worker in training is enrolled at the employer they work for, in a row that
  names them and has not ended or been dropped.
* **Funder**: what employers and providers received, net of recovered penalties, equals the
  funder's outlay, the ledger and the ``public_cost`` series less the funder's administration
  and audits (``audit_cost`` per audit); no policy year pays more than ``budget_per_year``; no
  participant gets more than ``cap_per_participant``, ``max_payment_share`` of its tuition,
  the upfront share or their outcome pot; the funder's commitments and employers'
  receivables are >= 0.
* **Bounds**: recognition, pass standards and probability beliefs in [0, 1].
* **Credentials** appear only through certification or prior-learning assessment: the bits
  held equal those awarded minus those retired, awards equal the recorded certifications,
  and each worker's certified gain equals the nominal gains of the credentials they hold.
* **Money and skills**: wages, payroll, cash limits and skills are finite and non-negative;
  the unemployed earn nothing and the employed something.
* **Sectors**: every employer has a declared sector and every employed worker its employer's;
  with sectors or domains, general skill is the entry skill plus each domain's trained skill
  weighted by the worker's sector plus the sector-specific part.
"""

from __future__ import annotations

import numpy as np

REL_TOL = 1e-6

# Monthly KPIs that are ratios: NaN exactly when the denominator is zero (``row`` is the
# recorded monthly row, ``model`` the model at the end of that month).
UNDEFINED_WHEN = {
    "public_cost_per_certification": lambda row, model: row["flow_funded_certifications"] == 0,
    "reimbursement_rate": lambda row, model: row["flow_outcome_potential"] == 0,
    "deadweight_share": lambda row, model: row["flow_starts_funded"] == 0,
    "cream_skimming_index": lambda row, model: (
        row["flow_selected_n"] == 0 or row["flow_pool_n"] == 0 or row["flow_pool_pass_sum"] == 0
    ),
    "disadvantaged_trainee_ratio": lambda row, model: (
        row["flow_starts"] == 0 or not model.workers.disadvantaged[model.workers.employed].any()
    ),
    "poaching_rate_trained": lambda row, model: row["flow_trained_at_risk"] == 0,
    "mean_wage": lambda row, model: row["employees"] == 0,
    "output_per_worker": lambda row, model: row["employees"] == 0,
    "months_to_reemployment": lambda row, model: row["flow_reemployments"] == 0,
    "displaced_reemployment_rate": lambda row, model: row["flow_displaced_due"] == 0,
    "placement_rate": lambda row, model: row["flow_jobseekers_followed"] == 0,
    "jobseeker_disadvantaged_ratio": lambda row, model: (
        row["flow_jobseekers_admitted"] == 0
        or row["flow_jobseekers_referred_disadvantaged"] == 0
        or row["flow_jobseekers_admitted_disadvantaged"] == 0
    ),
}
SHARES = (
    "employment_rate",
    "share_employers_training",
    "microcredential_recognition",
    "assessment_standard",
    "deadweight_share",
    "displaced_reemployment_rate",
)


class InvariantError(AssertionError):
    """One or more invariants failed; the message lists each, one per line."""


def check_invariants(model) -> None:
    """Raise :class:`InvariantError` if any invariant fails at the model's current month."""
    problems = find_violations(model)
    if problems:
        raise InvariantError(f"month {model.month}: " + "\n".join(problems))


def find_violations(model) -> list[str]:
    """Every invariant that fails now, as readable lines (empty when all hold)."""
    problems: list[str] = []
    for check in (_kpi_row, _headcount, _training, _funder, _bounds, _credentials, _money):
        problems += check(model)
    return problems


def _close(a: float, b: float, scale: float = 1.0) -> bool:
    return abs(a - b) <= REL_TOL * max(abs(a), abs(b), scale)


def _kpi_row(model) -> list[str]:
    if not model.recorder.rows:
        return []
    row, out = model.recorder.rows[-1], []
    for name, value in row.items():
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)):
            continue
        undefined = UNDEFINED_WHEN.get(name)
        if undefined is not None and undefined(row, model):
            if not np.isnan(value):
                out.append(f"{name}={value!r} although its denominator is zero (should be NaN)")
        elif not np.isfinite(value):
            out.append(f"{name}={value!r} is not finite")
    for name in SHARES:
        value = row.get(name)
        if value is not None and np.isfinite(value) and not 0 <= value <= 1:
            out.append(f"{name}={value!r} outside [0, 1]")
    for name in (
        "training_incidence",
        "gross_training_spend_per_employee",
        "certifications_per_1000",
    ):
        if name in row and row[name] < 0:
            out.append(f"{name}={row[name]!r} is negative")
    return out


def _headcount(model) -> list[str]:
    w, e, out = model.workers, model.employers, []
    bad = (w.employer < -1) | (w.employer >= e.n)
    if bad.any():
        out.append(f"{int(bad.sum())} workers have employer ids outside [-1, {e.n})")
        return out
    employed = int(w.employed.sum())
    if employed + int((w.employer == -1).sum()) != w.n:
        out.append("employed + unemployed != workers")
    counted = np.bincount(w.employer[w.employed], minlength=e.n)
    if not np.array_equal(counted, e.size):
        out.append(
            f"employer staff counts disagree with workers' employers at {np.flatnonzero(counted != e.size)[:5]}"
        )
    if model.recorder.rows and model.recorder.rows[-1]["employees"] != employed:
        out.append(
            f"row employees={model.recorder.rows[-1]['employees']} but {employed} are employed"
        )
    return out


def _training(model) -> list[str]:
    w, ledger, out = model.workers, model.funder.enrolments, []
    ids = np.flatnonzero(w.in_training)
    if len(ids) == 0:
        return out
    rows = w.enrolment[ids]
    if (rows >= ledger.size).any():
        return [f"{int((rows >= ledger.size).sum())} trainees point past the enrolment ledger"]
    if (ledger.worker[rows] != ids).any():
        out.append("a trainee's enrolment row names another worker")
    wrong = ledger.employer[rows] != w.employer[ids]
    if wrong.any():
        out.append(f"{int(wrong.sum())} trainees are enrolled by an employer they do not work for")
    if ledger.dropped[rows].any() or (ledger.end[rows] < model.month).any():
        out.append("a worker is still in a program that ended or was dropped")
    return out


def _funder(model) -> list[str]:
    f, ledger, policy, out = model.funder, model.funder.enrolments, model.cfg.funding, []
    net = f.total_paid - f.recovered
    received = float(f.paid_to_employer.sum() + f.paid_to_provider.sum())
    if not _close(received, net):
        out.append(f"recipients received {received:.6g} but the funder's net outlay is {net:.6g}")
    in_ledger = float(ledger.upfront_paid.sum() + ledger.outcome_paid.sum())
    in_ledger += f.paid_outside_ledger  # the job-seeker pathway's own ledger
    if not _close(in_ledger, f.total_paid):
        out.append(f"ledger payments {in_ledger:.6g} != funder total_paid {f.total_paid:.6g}")
    if f.total_paid < 0 or f.recovered < 0:
        out.append(f"negative totals: paid {f.total_paid:.6g}, recovered {f.recovered:.6g}")
    rows = model.recorder.rows
    if rows:
        admin = sum(r["flow_funder_admin_costs"] + r["flow_audit_costs"] for r in rows)
        public = sum(r["public_cost"] for r in rows)
        if not _close(public, net + admin):
            out.append(
                f"sum of monthly public_cost {public:.6g} != funder net outlay {net:.6g}"
                f" + administration and audits {admin:.6g}"
            )
        audits = sum(r["flow_audits"] for r in rows)
        audit_costs = sum(r["flow_audit_costs"] for r in rows)
        if not _close(audit_costs, policy.audit_cost * audits):
            out.append(f"audit costs {audit_costs:.6g} != {audits:g} audits x audit_cost")
        if policy.pays_employers:
            got = sum(r["flow_employer_received"] for r in rows)
            if not _close(got, float(f.paid_to_employer.sum())):
                out.append(
                    f"employer_received flows {got:.6g} != paid to employers {f.paid_to_employer.sum():.6g}"
                )
        out += _budget_years(model)
    out += _participant_limits(model)
    if f.committed < -REL_TOL * max(1.0, f.total_paid):
        out.append(f"funder commitments are negative ({f.committed:.6g})")
    receivable = model.employers.pending_receivables
    if (receivable < -REL_TOL * max(1.0, float(np.abs(receivable).max(initial=0)))).any():
        out.append(f"employers expect negative reimbursements (min {receivable.min():.6g})")
    unfunded = ~ledger.funded
    if (ledger.upfront_paid[unfunded] != 0).any() or (ledger.outcome_paid[unfunded] != 0).any():
        out.append("the funder paid for an unfunded enrolment")
    return out


def _budget_years(model) -> list[str]:
    budget = model.cfg.yearly_budget
    if budget is None:
        return []
    paid: dict[int, float] = {}
    for r in model.recorder.rows:
        year = (r["month"] - model.cfg.time.burn_in) // 12
        paid[year] = paid.get(year, 0.0) + r["flow_public_upfront"] + r["flow_public_outcome"]
    return [
        f"policy year {year} paid {amount:.6g} over the budget of {budget:.6g}"
        for year, amount in paid.items()
        if amount > budget * (1 + REL_TOL) + 1e-6
    ]


def _participant_limits(model) -> list[str]:
    ledger, policy, out = model.funder.enrolments, model.cfg.funding, []
    total = ledger.upfront_paid + ledger.outcome_paid
    tol = 1e-6 * np.maximum(ledger.tuition, 1.0)
    cap = policy.cap_per_participant
    if cap is not None and (total > cap + tol).any():
        out.append(f"{int((total > cap + tol).sum())} participants got more than the cap {cap:g}")
    over_share = total > policy.max_payment_share * ledger.tuition + tol
    if over_share.any():
        out.append(
            f"{int(over_share.sum())} participants got more than max_payment_share"
            f" {policy.max_payment_share:g} of their tuition"
        )
    if (ledger.upfront_paid > policy.upfront_share * ledger.tuition + tol).any():
        out.append("an upfront payment exceeds upfront_share x tuition")
    if (ledger.outcome_paid > ledger.outcome_max + tol).any():
        out.append("outcome payments exceed a participant's outcome pot")
    return out


def _bounds(model) -> list[str]:
    e, p, out = model.employers, model.providers, []
    checks = {
        "employer recognition": e.recognition,
        "provider pass standard": p.standard,
        "employer belief_retention": e.belief_retention,
        "employer belief_payment": e.belief_payment,
        "provider expected_payment_rate": p.expected_payment_rate,
    }
    for name, values in checks.items():
        if not np.all((values >= 0) & (values <= 1)):
            out.append(
                f"{name} outside [0, 1] (min {np.nanmin(values):.6g}, max {np.nanmax(values):.6g})"
            )
    if not np.all(np.isfinite(e.belief_gain) & (e.belief_gain >= 0)):
        out.append("employer belief_gain is negative or not finite")
    if (p.standard < model.cfg.credentials.quality_floor - 1e-6).any():
        out.append("a pass standard is below the quality floor")
    return out


def _credentials(model) -> list[str]:
    w, ledger, out = model.workers, model.funder.enrolments, []
    held = int(np.bitwise_count(w.credentials).sum())
    if held != w.credentials_awarded - w.credentials_retired:
        out.append(
            f"{held} credentials held but {w.credentials_awarded} awarded - {w.credentials_retired} retired"
        )
    rows = model.recorder.rows
    recorded = sum(
        r["flow_certifications"] + r["flow_rpl_certifications"] + r["flow_jobseeker_certifications"]
        for r in rows
    )
    if rows and w.credentials_awarded + w.credentials_renewed != recorded:
        out.append(
            f"{w.credentials_awarded} credentials awarded and {w.credentials_renewed} renewed"
            f" but {recorded:g} certifications recorded"
        )
    certified = int(ledger.certified.sum())
    trained = sum(r["flow_certifications"] for r in rows)
    if rows and certified != trained:
        out.append(f"{certified} certified enrolments but {trained:g} certifications recorded")
    n_programs = len(model.cfg.credentials.programs)
    if (w.credentials >> n_programs).any():
        out.append("a worker holds a credential outside the catalogue")
    if not model.cfg.credentials.enabled and w.credentials.any():
        out.append("credentials exist although credentials.enabled=false")
    bits = (w.credentials[:, None] >> np.arange(n_programs, dtype=np.uint16)) & 1
    expected = bits @ model.providers.program_gain.astype(np.float64)
    if not np.allclose(w.credential_gain, expected, rtol=1e-4, atol=1e-5):
        out.append("a worker's certified gain differs from the gains of the credentials they hold")
    if not np.all(np.isfinite(w.credential_true_gain) & (w.credential_true_gain >= 0)):
        out.append("realised credential gains are negative or not finite")
    return out


def _money(model) -> list[str]:
    w, e, out = model.workers, model.employers, []
    if not np.all(np.isfinite(w.wage) & (w.wage >= 0)):
        out.append(f"wages not finite or negative (min {np.nanmin(w.wage):.6g})")
    if (w.wage[~w.employed] != 0).any():
        out.append("an unemployed worker earns a wage")
    if (w.wage[w.employed] <= 0).any():
        out.append("an employed worker earns nothing")
    if not np.all(np.isfinite(e.payroll) & (e.payroll >= 0)):
        out.append("employer payroll not finite or negative")
    cash = e.cash_limit()
    if np.isnan(cash).any() or (cash < 0).any():
        out.append("an employer's cash limit is negative or NaN")
    if not np.all(np.isfinite(e.pending_receivables)):
        out.append("employers' pending receivables are not finite")
    for name in ("general", "specific", "entry_skill", "ability", "perceived_ability"):
        values = getattr(w, name)
        if not np.all(np.isfinite(values) & (values >= 0)):
            out.append(f"worker {name} not finite or negative (min {np.nanmin(values):.6g})")
    if (w.tenure < 0).any():
        out.append("negative tenure")
    return out + _sector_skills(model)


def _sector_skills(model) -> list[str]:
    """With sectors or domains, general skill is the entry skill plus each domain's trained
    skill weighted by the worker's sector, plus the sector-specific part; employers' sectors
    are those declared, and each employed worker's sector is its employer's."""
    w, e, sectors, out = model.workers, model.employers, model.sectors, []
    if ((e.sector < 0) | (e.sector >= sectors.n)).any():
        out.append("an employer's sector is not one of economy.sectors")
    employed = w.employed
    if (w.sector[employed] != e.sector[w.employer[employed]]).any():
        out.append("an employed worker's sector is not its employer's")
    if not sectors.tracked:
        return out
    known = w.sector >= 0
    weights = sectors.weights[w.sector[known]]
    expected = w.entry_skill[known] + np.einsum("ij,ij->i", w.domain_gain[known], weights)
    expected = expected + w.sector_skill[known]
    if not np.allclose(w.general[known], expected, rtol=1e-4, atol=1e-4):
        gap = float(np.max(np.abs(w.general[known] - expected)))
        out.append(f"general skill is not entry + weighted domain skill + sector skill ({gap:.3g})")
    if (w.domain_gain < -1e-6).any() or (w.sector_skill < -1e-6).any():
        out.append("a domain's or the sector's trained skill is negative")
    return out
