"""The monthly recorder: flows, states and the KPIs declared in :mod:`sim.config.outcomes`.

Each month the recorder collects flows (spending, starts, certifications, payments,
separations) through cheap hooks and a handful of aggregates of the state, giving one row per
month. Scalars summarise the policy window (months ``burn_in .. months-1``). A KPI's formula
is declared once and evaluated here on one month's flows and on the window's sums.
"""

from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd

from sim.config.outcomes import (
    ALL_KPIS,
    BY_NAME,
    KPI_NAMES,
    KPIS,
    PRESENT_VALUE,
    PRESENT_VALUES,
    RECORDED,
)
from sim.config.outcomes import ratio as _ratio
from sim.model.arrays.reductions import mean
from sim.model.labour_market import Separation

SHORT_PROGRAM_MONTHS = 2  # "short" programs, as in UPSKILL's short training
RECENT = 12  # months since training ended within which staff count as recently trained

FLOW_COLUMNS = (
    "starts",
    "starts_disadvantaged",
    "starts_funded",
    "starts_deadweight",
    "starts_sme",
    "starts_short",
    "selected_n",
    "selected_pass_sum",
    "pool_n",
    "pool_pass_sum",
    "tuition_spend",
    "release_spend",
    "employer_paid",
    "completions",
    "certifications",
    "funded_certifications",
    "rpl_certifications",
    "poached",
    "separations",
    "retirements",
    "hires",
    "poached_trained",
    "trained_at_risk",
    "public_upfront",
    "public_outcome",
    "public_recovered",
    "employer_received",
    "claim_costs",
    "outcome_potential",
    "tuition_spend_large",
    "starts_constrained",
    "gain_value",
    "gain_raise",
    "certified_raise",
    "chosen",
    "rationed",
    "claims",
    "false_claims",
    "provider_expansion_spend",
    "funder_admin_costs",
    "audits",
    "audit_costs",
    "provider_received",
    "value_added",
    "wages",
    "certifications_meeting_standard",
    "layoffs",
    "cross_sector_moves",
    "reemployments",
    "reemployment_months",
    "displaced_due",
    "displaced_reemployed_due",
    "provider_design_spend",
    "programs_designed",
    "jobseekers_referred",
    "jobseekers_referred_disadvantaged",
    "jobseekers_admitted",
    "jobseekers_admitted_disadvantaged",
    "jobseeker_starts",
    "program_delivery_spend",
    "jobseeker_completions",
    "jobseeker_certifications",
    "jobseeker_placements",
    "jobseekers_followed",
    "jobseekers_placed_in_window",
    "jobseekers_assisted",
    "jobseekers_assisted_disadvantaged",
)
FLOW_SERIES_COLUMNS = tuple(f"flow_{name}" for name in FLOW_COLUMNS)  # in the time series


class Recorder:
    """Collects one row of KPIs per month."""

    def __init__(self, model):
        self.model = model
        self.rows: list[dict] = []
        self.panel_rows: list[pd.DataFrame] = []
        self.flow: dict[str, float] = {}
        self.started_in_year: dict[int, np.ndarray] = {}
        self.last_enrolment = np.full(model.workers.n, -1, dtype=np.int32)
        self.layoffs_so_far = 0
        employers = model.employers
        self.initial = {
            "microcredential_awareness_start": float(employers.mc_aware.mean()),
            "microcredential_understanding_start": float(employers.mc_understanding.mean()),
        }

    def start_month(self, month: int) -> None:
        """Open the month's record: every flow at zero, each employer's staff and its
        recently trained staff at the start (the risk sets of the month's departures)."""
        self.month = month
        self.staff_at_start = self.model.employers.size.copy()
        self.flow = dict.fromkeys(FLOW_COLUMNS, 0.0)
        w, n_employers = self.model.workers, self.model.employers.n
        self.left = np.zeros(n_employers)
        self.left_trained = np.zeros(n_employers)
        if self.model.compiled:  # the same count in one pass
            from sim.model.arrays.compiled_groups import in_parts
            from sim.model.arrays.compiled_tallies import recently_trained_staff

            self.trained_staff = in_parts(
                recently_trained_staff, w.n,
                w.employer, w.last_training_end, w.finish_employer, month, RECENT, n_employers,
            )  # fmt: skip
        else:
            trained = self.recently_trained_at_employer(month)
            self.trained_staff = np.bincount(w.employer[trained], minlength=n_employers)

    def recently_trained_at_employer(self, month: int, ids=slice(None)) -> np.ndarray:
        """Workers (all, or ``ids``) who finished training within ``RECENT`` months and still
        work for that employer."""
        w = self.model.workers
        employer = w.employer[ids]
        return (
            (employer >= 0)
            & (month - w.last_training_end[ids] <= RECENT)
            & (w.finish_employer[ids] == employer)
        )

    # --- hooks called by the mechanisms --------------------------------------------------
    def selection(self, selected: np.ndarray, pool: np.ndarray) -> None:
        """Predicted pass chances of the funded trainees and of the eligible pool."""
        f = self.flow
        f["selected_n"] += len(selected)
        f["selected_pass_sum"] += float(selected.sum())
        f["pool_n"] += len(pool)
        f["pool_pass_sum"] += float(pool.sum())

    def enrolments(self, rows: np.ndarray) -> None:
        m, f = self.model, self.flow
        ledger = m.funder.enrolments
        econ = m.cfg.economy
        wage = m.workers.wage[ledger.worker[rows]]
        months = ledger.end[rows] - ledger.start[rows]
        release = months * econ.release_hours_per_month * wage / econ.hours_per_month
        support = ledger.support[rows] * m.cfg.funding.support_hours * wage / econ.hours_per_month
        f["starts"] += len(rows)
        f["starts_disadvantaged"] += np.count_nonzero(ledger.disadvantaged[rows])
        f["starts_funded"] += np.count_nonzero(ledger.funded[rows])
        f["starts_deadweight"] += np.count_nonzero(ledger.deadweight[rows])
        f["starts_sme"] += np.count_nonzero(m.employers.sme[ledger.employer[rows]])
        f["starts_short"] += int(np.count_nonzero(months <= SHORT_PROGRAM_MONTHS))
        f["tuition_spend"] += float(ledger.tuition[rows].sum())
        f["release_spend"] += float((release + support).sum())
        f["employer_paid"] += float((ledger.price[rows] + release + support).sum())
        employer = ledger.employer[rows]
        f["tuition_spend_large"] += float(ledger.tuition[rows][~m.employers.sme[employer]].sum())
        f["starts_constrained"] += np.count_nonzero(m.employers.constrained[employer])
        ledger.employer_cost[rows] = ledger.price[rows] + release + support
        year = self.policy_year(self.month)
        if year is not None:
            started = self.started_in_year.setdefault(year, np.zeros(m.employers.n, dtype=bool))
            started[ledger.employer[rows]] = True
        self.last_enrolment[ledger.worker[rows]] = rows

    def completions(self, rows, completed, certified, value_gain=None, wage_raise=None) -> None:
        """Programs ending: outcomes, and the productivity and wage gains they brought."""
        ledger = self.model.funder.enrolments
        if value_gain is not None:
            self.flow["gain_value"] += float(value_gain.sum())
            self.flow["gain_raise"] += float(wage_raise.sum())
            self.flow["certified_raise"] += float(wage_raise[certified].sum())
        self.flow["completions"] += np.count_nonzero(completed)
        self.flow["certifications"] += np.count_nonzero(certified)
        self.flow["funded_certifications"] += np.count_nonzero(certified & ledger.funded[rows])
        published = self.model.providers.published_standard(ledger.program[rows])
        honest = certified & (ledger.mastered[rows] >= published * ledger.nominal[rows])
        self.flow["certifications_meeting_standard"] += np.count_nonzero(honest)

    def prior_learning(
        self, employers: np.ndarray, assessed: int, passed: int, meeting_standard: int
    ) -> None:
        """Assessments of prior learning: ``passed`` earned a credential, of whom
        ``meeting_standard`` hold the skill its published standard claims."""
        self.flow["rpl_certifications"] += passed
        self.flow["certifications_meeting_standard"] += meeting_standard
        if self.model.cfg.credentials.rpl_funded:  # the funder paid the fees
            self.flow["program_delivery_spend"] += self.model.cfg.credentials.rpl_fee * assessed
            return
        fee = self.model.cfg.credentials.rpl_fee * assessed
        self.flow["tuition_spend"] += fee
        large = ~self.model.employers.sme[employers]
        self.flow["tuition_spend_large"] += self.model.cfg.credentials.rpl_fee * int(large.sum())
        self.flow["employer_paid"] += fee

    def separations(self, ids: np.ndarray, kind: Separation) -> None:
        m = self.model
        w = m.workers
        if m.compiled:  # the same counts in one pass
            from sim.model.arrays.compiled_tallies import count_leavers

            employed = count_leavers(
                np.asarray(ids), w.employer, w.last_training_end, w.finish_employer,
                self.month, RECENT, self.left, self.left_trained,
            )  # fmt: skip
        else:
            employed = ids[w.employer[ids] >= 0]
            n_employers = m.employers.n
            self.left += np.bincount(w.employer[employed], minlength=n_employers)
            trained = employed[self.recently_trained_at_employer(self.month, employed)]
            self.left_trained += np.bincount(w.employer[trained], minlength=n_employers)
        self.flow[kind.value] += len(employed)
        if kind is Separation.LAYOFF:
            self.layoffs_so_far += len(employed)
        if kind is not Separation.POACHED or len(employed) == 0:
            return
        rows = self.last_enrolment[employed]
        has = rows >= 0
        rows, movers = rows[has], employed[has]
        ledger = m.funder.enrolments
        recent = (
            ledger.completed[rows]
            & (self.month - ledger.end[rows] <= 12)
            & (ledger.employer[rows] == w.employer[movers])
        )
        ledger.poached_within_year[rows[recent]] = True
        self.flow["poached_trained"] += np.count_nonzero(recent)

    def rationing(self, chosen: int, admitted: int) -> None:
        """Trainees employers chose this month, and those no provider seat was left for."""
        self.flow["chosen"] += chosen
        self.flow["rationed"] += chosen - admitted

    def hires(self, ids: np.ndarray, month: int) -> None:
        """Hires from unemployment (before the hire is booked): those who had a job before
        are re-employed after ``month - unemployed_since`` months."""
        w = self.model.workers
        self.flow["hires"] += len(ids)
        again = ids[w.sector[ids] >= 0]
        self.flow["reemployments"] += len(again)
        self.flow["reemployment_months"] += float((month - w.unemployed_since[again]).sum())

    def sector_moves(self, moved: np.ndarray) -> None:
        """Hires (from unemployment or another employer) into another sector than the last job."""
        self.flow["cross_sector_moves"] += int(np.count_nonzero(moved))

    DISPLACED_FOLLOW_UP = 12  # months within which a displaced worker counts as re-employed

    def displaced_follow_up(self, month: int) -> None:
        """Workers displaced ``DISPLACED_FOLLOW_UP`` months ago (and not displaced again or
        retired since): how many have had a job since. A worker who found one is employed now
        or became unemployed after the displacement."""
        f, w = self.flow, self.model.workers
        if self.layoffs_so_far == 0:
            return
        due = np.flatnonzero(w.displaced_month == month - self.DISPLACED_FOLLOW_UP)
        found = (w.employer[due] >= 0) | (w.unemployed_since[due] > w.displaced_month[due])
        f["displaced_due"] += len(due)
        f["displaced_reemployed_due"] += int(np.count_nonzero(found))

    def accrue_training_rents(self, month: int) -> None:
        """Employer's rent from each recent completer who stays: the value of the skill gain
        still held (depreciated) minus the wage rise since enrolment (the UPSKILL measure of
        the employer's first-year return; SRDC 2014), for the short programs of the policy
        window that :meth:`first_year_return` reads."""
        m = self.model
        w, ledger = m.workers, m.funder.enrolments
        # Short programs (the only ones the measure reads) of the policy window that ended 1-12
        # months ago, found in the ledger (sorted by start month).
        first = ledger.first_from("start", month - RECENT - SHORT_PROGRAM_MONTHS)
        first = max(first, self.first_policy_row)
        econ = m.cfg.economy
        if m.compiled:  # the same sums in one pass over the rows
            from sim.model.arrays.compiled_groups import in_threads
            from sim.model.arrays.compiled_tallies import accrue_rents

            productivity = m.employers.productivity
            in_threads(
                accrue_rents, len(ledger) - first,
                first, ledger.start, ledger.end, ledger.completed, ledger.worker,
                self.last_enrolment, w.last_training_end, w.employer, w.finish_employer,
                month, SHORT_PROGRAM_MONTHS, RECENT, ledger.gain,
                (1 - econ.skill_depreciation) ** np.arange(RECENT + 1),
                productivity.dtype.type(econ.output_per_skill), productivity, w.wage,
                ledger.pre_wage, ledger.first_year_rent,
            )  # fmt: skip
            return
        end = ledger.end[first:]  # slices: views, not copies
        since = month - end
        short = end - ledger.start[first:] <= SHORT_PROGRAM_MONTHS
        rows = first + np.flatnonzero(
            (since >= 1) & (since <= RECENT) & short & ledger.completed[first:]
        )
        # ... whose trainee's latest training it was, still working where they trained.
        ids = ledger.worker[rows]
        employer = w.employer[ids]
        keep = (
            (self.last_enrolment[ids] == rows)
            & (w.last_training_end[ids] == ledger.end[rows])
            & (employer >= 0)
            & (w.finish_employer[ids] == employer)
        )
        ids, rows, employer = ids[keep], rows[keep], employer[keep]
        held = ledger.gain[rows] * (1 - econ.skill_depreciation) ** (month - ledger.end[rows])
        value = econ.output_per_skill * m.employers.productivity[employer] * held
        ledger.first_year_rent[rows] += value - (w.wage[ids] - ledger.pre_wage[rows])

    def policy_year(self, month: int) -> int | None:
        burn_in = self.model.cfg.time.burn_in
        return None if month < burn_in else (month - burn_in) // 12

    # --- end of month ----------------------------------------------------------------------
    def workforce_totals(self) -> dict:
        """Headcounts, payroll and output of the employed, in a few passes over the workers.

        Workers are binned or looked up by ``employer + 1``, with a leading entry for the
        unemployed (employer -1), so no array of employed ids is built.
        """
        m = self.model
        w, e = m.workers, m.employers
        productivity = np.concatenate([[0.0], e.productivity]).astype(np.float32)
        if m.compiled:  # the same totals in one pass
            from sim.model.arrays.compiled_tallies import workforce

            headcount, payroll, disadvantaged, output = workforce(
                w.employer, w.wage, w.disadvantaged, w.general, w.specific, productivity, e.n
            )
        else:
            slot = (w.employer + 1).astype(np.intp)
            headcount = np.bincount(slot, minlength=e.n + 1)[1:]
            payroll = np.bincount(slot, weights=w.wage, minlength=e.n + 1)[1:]
            output = productivity.take(slot) * (w.general + w.specific)
            disadvantaged = np.count_nonzero(w.disadvantaged & (slot > 0))
        return {
            "employees": int(headcount.sum()),
            "sme_employees": int(headcount[e.sme].sum()),
            "constrained_employees": int(headcount[e.constrained].sum()),
            "disadvantaged": int(disadvantaged),
            "payroll": float(payroll.sum()),
            "large_payroll": float(payroll[~e.sme].sum()),
            "output": m.cfg.economy.output_per_skill * float(output.sum(dtype=np.float64)),
        }

    def end_month(self, month: int) -> None:
        """Close the month's record: the funder's flows, the workforce's totals and every
        monthly KPI, as one row of the time series."""
        m, f = self.model, self.flow
        w, e, p, funder = m.workers, m.employers, m.providers, m.funder
        flows = funder.month_flows
        f["public_upfront"] = flows["upfront"]
        f["public_outcome"] = flows["outcome"]
        f["public_recovered"] = flows["recovered"]
        f["outcome_potential"] = flows["outcome_potential"]
        f["claim_costs"] = flows["admin"]
        f["funder_admin_costs"] = flows["funder_admin"]
        f["audits"] = flows["audits"]
        f["audit_costs"] = flows["audit_costs"]
        f["claims"] = flows["claims"]
        f["false_claims"] = flows["false_claims"]
        f["provider_expansion_spend"] = p.expansion_spend
        f["provider_design_spend"] = p.design_spend
        f["programs_designed"] = p.programs_designed
        to_employers = m.cfg.funding.pays_employers
        pathway = flows["to_providers_outside_ledger"]  # job-seeker pathway, to providers
        received = flows["upfront"] + flows["outcome"] - flows["recovered"] - pathway
        f["employer_received"] = received if to_employers else 0.0
        f["provider_received"] = (0.0 if to_employers else received) + pathway
        workforce = self.workforce_totals()
        f["value_added"] = workforce["output"]
        f["wages"] = workforce["payroll"]
        n_emp = workforce["employees"]
        f["trained_at_risk"] = float(self.trained_staff.sum())
        per_year = 12.0 / max(n_emp, 1)
        self.accrue_training_rents(month)
        self.displaced_follow_up(month)
        recent_start = e.last_training_month >= month - 11
        flow_of = _FlowView(f.__getitem__, to_employers)
        state = {
            "share_employers_training": float(mean(recent_start)),
            "disadvantaged_trainee_ratio": _ratio(
                _ratio(f["starts_disadvantaged"], f["starts"]),
                workforce["disadvantaged"] / n_emp if n_emp else np.nan,
            ),
            "poaching_rate_trained": 12 * _ratio(f["poached_trained"], f["trained_at_risk"]),
            "mean_wage": workforce["payroll"] / n_emp if n_emp else np.nan,
            "employment_rate": n_emp / w.n,
            "mean_general_skill": float(mean(w.general)),
            "output_per_worker": workforce["output"] / n_emp if n_emp else np.nan,
            "microcredential_recognition": float(mean(e.recognition)),
            "assessment_standard": float(mean(p.standard)),
        }
        row = {"month": month, "policy_active": bool(m.policy_active), "employees": n_emp}
        for kpi in KPIS:
            row[kpi.name] = kpi.value(flow_of, per_year) if kpi.is_formula else state[kpi.name]
        row.update(
            {
                "quit_rate": (f["poached"] + f["separations"]) / max(n_emp, 1),
                "separation_rate": (f["poached"] + f["separations"] + f["retirements"])
                / max(n_emp, 1),
                "sme_employees": workforce["sme_employees"],
                "large_employees": n_emp - workforce["sme_employees"],
                "constrained_employees": workforce["constrained_employees"],
                "payroll": workforce["payroll"],
                "large_payroll": workforce["large_payroll"],
                "microcredential_awareness": float(mean(e.mc_aware)),
            }
        )
        row.update(zip(FLOW_SERIES_COLUMNS, f.values(), strict=True))  # f: FLOW_COLUMNS' keys
        self.rows.append(row)
        if m.cfg.output.employer_panel:
            self.panel_rows.append(self.employer_snapshot(month))

    def employer_snapshot(self, month: int) -> pd.DataFrame:
        e = self.model.employers
        return pd.DataFrame(
            {
                "month": np.full(e.n, month, dtype=np.int32),
                "employer": np.arange(e.n, dtype=np.int32),
                "size": e.size,
                "sme": e.sme,
                "constrained": e.constrained,
                "recognition": e.recognition,
                "program_aware": e.program_aware,
                "belief_retention": e.belief_retention,
                "trained_this_month": e.last_training_month == month,
            }
        )

    def employer_panel(self) -> pd.DataFrame | None:
        return pd.concat(self.panel_rows, ignore_index=True) if self.panel_rows else None

    # --- results -------------------------------------------------------------------------
    def timeseries(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows)

    def scalars(self, ts: pd.DataFrame | None = None) -> dict[str, float | None]:
        """KPI scalars over the policy window (``ts``: :meth:`timeseries`, if built already)."""
        m = self.model
        ts = self.timeseries() if ts is None else ts
        window = ts[ts["month"] >= m.cfg.time.burn_in]
        # every column's sum and mean over the window, each as pandas gives it for one column
        # (NaN skipped), in two passes rather than two pandas calls per lookup
        totals, means = window.sum().to_dict(), window.mean().to_dict()
        flows = lambda name: float(totals[f"flow_{name}"])  # noqa: E731
        n_months = len(window)
        years = n_months / 12.0
        employees = float(means["employees"]) if n_months else np.nan
        per_employee_year = 1.0 / (employees * years) if n_months and employees > 0 else np.nan
        policy_rows = np.flatnonzero(m.funder.enrolments.in_policy)
        flow_of = _FlowView(flows, m.cfg.funding.pays_employers)
        out: dict[str, float | None] = {}
        for kpi in (*KPIS, BY_NAME["quit_rate"]):
            if kpi.is_formula:
                out[kpi.name] = kpi.value(flow_of, per_employee_year)
            elif kpi.kind == RECORDED:
                out[kpi.name] = getattr(self, kpi.recorded_by)(window, policy_rows)
            else:
                out[kpi.name] = float(means[kpi.name]) if n_months else None
        for kpi in ALL_KPIS:  # the other formula KPIs (not headline, not present values)
            if not kpi.headline and kpi.is_formula and kpi.kind != PRESENT_VALUE:
                out[kpi.name] = kpi.value(flow_of, per_employee_year)
        discounted = self.discount_factors(window["month"].to_numpy())
        present = lambda name: float((window[f"flow_{name}"].to_numpy() * discounted).sum())  # noqa: E731
        present_of = _FlowView(present, m.cfg.funding.pays_employers)
        for kpi in PRESENT_VALUES:
            out[kpi.name] = kpi.value(present_of)
        out.update(self.provider_effort_measures(window, policy_rows))
        out["gain_ratio_low_vs_high_skill"] = self.skill_gradient(window, policy_rows)
        sme_employees = float(means["sme_employees"]) if n_months else 0.0
        out.update(
            sme_training_incidence=_ratio(flows("starts_sme"), sme_employees * years),
            microcredential_recognition_final=float(ts["microcredential_recognition"].iloc[-1]),
            assessment_standard_final=float(ts["assessment_standard"].iloc[-1]),
            policy_months=n_months,
        )
        out.update(self.calibration_measures(n_months, totals, means, years))
        out["months_to_first_program"] = self.months_to_first_program(window)
        return {k: _clean(v) for k, v in out.items()}

    def months_to_first_program(self, window: pd.DataFrame) -> float:
        """Months from the policy start until a program that had to be designed is first
        offered (undefined if none needs designing or none is offered in the run)."""
        offered = window["month"].to_numpy()[window["flow_programs_designed"].to_numpy() > 0]
        return float(offered[0] - self.model.cfg.time.burn_in) if len(offered) else np.nan

    def calibration_measures(self, n_months: int, totals: dict, means: dict, years: float) -> dict:
        """Measures compared with the calibration targets (docs/model.md section 7), from the
        sums and means of the window's columns (``n_months`` of them)."""
        m = self.model
        window_mean = lambda name: float(means[name]) if n_months else np.nan  # noqa: E731
        total = lambda name: float(totals[name])  # noqa: E731
        flows = lambda name: total(f"flow_{name}")  # noqa: E731
        burn_in = m.cfg.time.burn_in
        ts_recognition = [r["microcredential_recognition"] for r in self.rows]
        start = (
            ts_recognition[min(burn_in, len(ts_recognition)) - 1]
            if burn_in > 0
            else ts_recognition[0]
        )
        return {
            "direct_training_spend_per_employee": _ratio(
                flows("tuition_spend"), window_mean("employees") * years
            ),
            "large_employer_spend_per_employee": _ratio(
                flows("tuition_spend_large"), window_mean("large_employees") * years
            ),
            "large_employer_spend_share_of_payroll": _ratio(
                flows("tuition_spend_large"), total("large_payroll")
            ),
            "training_spend_share_of_payroll": _ratio(flows("tuition_spend"), total("payroll")),
            "effective_pass_through": _ratio(flows("gain_raise"), flows("gain_value")),
            "certification_wage_gain": 12
            * _ratio(flows("certified_raise"), flows("certifications")),
            "first_year_return_short_training": self.first_year_return(),
            "constrained_training_incidence": _ratio(
                flows("starts_constrained"), window_mean("constrained_employees") * years
            ),
            "unconstrained_sme_training_incidence": _ratio(
                flows("starts_sme") - flows("starts_constrained"),
                (window_mean("sme_employees") - window_mean("constrained_employees")) * years,
            ),
            "microcredential_recognition_start": float(start),
            **self.initial,
        }

    @property
    def first_policy_row(self) -> int:
        """First ledger row started in the policy window (rows are sorted by start month)."""
        ledger = self.model.funder.enrolments
        return ledger.first_from("start", self.model.cfg.time.burn_in)

    def discount_factors(self, months: np.ndarray) -> np.ndarray:
        """Discount factors of ``months`` to the policy start at the yearly
        ``evaluation.social_discount_rate`` (month ``burn_in`` has factor 1)."""
        rate = self.model.cfg.evaluation.social_discount_rate
        elapsed = (np.asarray(months, dtype=np.float64) - self.model.cfg.time.burn_in) / 12.0
        return (1.0 + rate) ** -elapsed

    def first_year_return(self) -> float:
        """Employers' first-year return on short programs (at most SHORT_PROGRAM_MONTHS) that
        started in the policy window and were followed for 12 months, on the full cost of
        the training as UPSKILL computed it (SRDC 2014), not the cost net of funding:
        (rent in year one - full cost) / full cost. The full cost is the tuition (also where
        a provider paid on outcomes charged the employer less), release and support time."""
        m = self.model
        ledger = m.funder.enrolments
        short = ledger.end - ledger.start <= SHORT_PROGRAM_MONTHS
        rows = np.flatnonzero(ledger.in_policy & short & (ledger.end + 12 < m.cfg.time.months))
        if len(rows) == 0:
            return np.nan
        cost = ledger.employer_cost[rows] - ledger.price[rows] + ledger.tuition[rows]
        return _ratio(
            float(ledger.first_year_rent[rows].sum()) - float(cost.sum()), float(cost.sum())
        )

    def provider_effort_measures(self, window: pd.DataFrame, rows: np.ndarray) -> dict:
        """Parking: effort and gain of the hardest quartile of trainees (lowest estimated pass
        chance) against the easiest, over programs started in the window that have ended; and
        the inflation of self-reported gains on skill-gain claims."""
        m = self.model
        ledger = m.funder.enrolments
        claimed = rows[ledger.reported_gain[rows] > 0]
        inflation = _ratio(
            float(ledger.reported_gain[claimed].sum()), float(ledger.gain[claimed].sum())
        )
        done = rows[(ledger.end[rows] < m.cfg.time.months) & ~ledger.dropped[rows]]
        if len(done) < 8:
            return {
                "parking_index": np.nan,
                "hard_case_gain_ratio": np.nan,
                "reported_gain_inflation": inflation,
            }
        estimate = ledger.estimated_pass[done]
        low, high = np.quantile(estimate, [0.25, 0.75])
        hard, easy = done[estimate <= low], done[estimate >= high]
        effort, gain = ledger.effort, ledger.gain / np.maximum(ledger.nominal, 1e-9)
        return {
            "parking_index": _ratio(float(effort[hard].mean()), float(effort[easy].mean())),
            "hard_case_gain_ratio": _ratio(float(gain[hard].mean()), float(gain[easy].mean())),
            "reported_gain_inflation": inflation,
        }

    def skill_gradient(self, window: pd.DataFrame, rows: np.ndarray) -> float:
        """Gain per start of the lowest entry-skill quartile of trainees / the highest, over
        programs started in the window that have ended or been dropped (UPSKILL's gradient;
        SRDC 2014)."""
        ledger = self.model.funder.enrolments
        resolved = rows[(ledger.end[rows] < self.model.cfg.time.months) | ledger.dropped[rows]]
        if len(resolved) < 8:
            return np.nan
        skill = ledger.entry_skill[resolved]
        low, high = np.quantile(skill, [0.25, 0.75])
        gain = ledger.gain[resolved]
        return _ratio(float(gain[skill <= low].mean()), float(gain[skill >= high].mean()))

    def share_employers_training(self, window: pd.DataFrame, rows: np.ndarray) -> float:
        """Mean over full policy years of the share of employers with a start that year."""
        years = [y for y in self.started_in_year]
        m = self.model
        n_years = (m.cfg.time.months - m.cfg.time.burn_in) / 12.0
        full_years = int(n_years)
        if full_years == 0:
            return (
                float(np.mean([s.mean() for s in self.started_in_year.values()])) if years else 0.0
            )
        shares = [
            self.started_in_year[y].mean() if y in self.started_in_year else 0.0
            for y in range(full_years)
        ]
        return float(np.mean(shares))

    def poaching_rate(self, window: pd.DataFrame, rows: np.ndarray) -> float:
        """Share of completers followed for 12 months who were poached in that year."""
        ledger = self.model.funder.enrolments
        done = rows[ledger.completed[rows] & (ledger.end[rows] + 12 < self.model.cfg.time.months)]
        if len(done) == 0:
            return np.nan
        return float(ledger.poached_within_year[done].mean())

    def disadvantaged_ratio(self, window: pd.DataFrame, rows: np.ndarray) -> float:
        """Disadvantaged share of starts / their share of the employed."""
        starts = float(window["flow_starts"].sum())
        if starts == 0:
            return np.nan
        trainee_share = float(window["flow_starts_disadvantaged"].sum()) / starts
        w = self.model.workers
        employed = w.disadvantaged[w.employed]
        if len(employed) == 0:  # nobody employed at the end: their share is undefined
            return np.nan
        return _ratio(trainee_share, float(employed.mean()))


def latest_kpi(model, name: str) -> float:
    """A headline KPI's value in the month just simulated."""
    return model.recorder.rows[-1][name]


def kpi_reporters() -> dict[str, partial]:
    """Mesa ``DataCollector`` model reporters for every headline KPI (``sim.KPI_NAMES``):
    partials of a named module function, not lambdas, so they pickle for ``batch_run``."""
    return {name: partial(latest_kpi, name=name) for name in KPI_NAMES}


class _FlowView:
    """Flows by name for the KPI formulas: one month's, or sums over the window."""

    def __init__(self, get, pays_employers: bool):
        self.get, self.pays_employers = get, pays_employers

    def __call__(self, name: str) -> float:
        return self.get(name)


def _clean(value) -> float | None:
    """JSON-safe scalar: floats stay floats, undefined (nan) becomes None."""
    if value is None:
        return None
    value = float(value)
    return None if not np.isfinite(value) else value
