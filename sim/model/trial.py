"""A randomised trial of the funding program inside one economy: who is enrolled, who is treated.

At the policy start the evaluator samples ``trial.enrolled`` units (employers, or employed
workers) from the economy and assigns a ``trial.treatment_share`` of them to the program.
Sampling and assignment are systematic over a random order within strata (proportional
allocation, and balance within strata to one unit), drawn from their own random streams, so a
run without a trial keeps every other draw. Only units with access can use the program; the
labour market, the providers' seats and prices and the diffusion of recognition stay shared,
so a trial measures treated-versus-control differences *with* their spillovers (Duflo,
Glennerster & Kremer 2007, "Using randomization in development economics research"; Crépon
et al. 2013 on displacement in a labour-market trial).
"""

from __future__ import annotations

import numpy as np

from sim.config.schema import SimConfig
from sim.model.arrays.rng import RandomStreams

SIZE_GROUPS = 4  # size strata: quartiles of employer size


class TrialAssignment:
    """Enrolment and assignment of one trial, and which units may use the program when."""

    def __init__(self, cfg: SimConfig, streams: RandomStreams):
        self.cfg = cfg
        self.settings = cfg.trial
        self.streams = streams
        self.enabled = cfg.trial.enabled
        self.units = np.zeros(0, dtype=np.int64)  # ids of enrolled units (employer or worker)
        self.treated = np.zeros(0, dtype=bool)  # per enrolled unit
        self.cluster = np.zeros(0, dtype=np.int64)  # employer of each unit at enrolment
        self.stratum = np.zeros(0, dtype=np.int64)
        self.baseline_size = np.zeros(0, dtype=np.int32)  # every employer's staff at enrolment
        self.baseline_employer = np.zeros(0, dtype=np.int32)  # every worker's employer then
        self.baseline_credentialed = np.zeros(0, dtype=bool)  # whether each worker held one
        self.pool = np.zeros(0, dtype=np.int64)  # units that could have been enrolled
        self.access_employer: np.ndarray | None = None
        self.access_worker: np.ndarray | None = None

    @property
    def start(self) -> int:
        return self.cfg.time.burn_in

    # --- enrolment -----------------------------------------------------------------------
    def enrol(self, model) -> None:
        """Sample the enrolled units and assign treatment (at the start of the policy)."""
        e, w = model.employers, model.workers
        self.baseline_size = e.size.copy()
        self.baseline_employer = w.employer.copy()
        self.baseline_credentialed = w.credentials != 0
        if self.settings.unit == "employer":
            self.pool = np.arange(e.n)
            employer_of_unit = self.pool
        else:
            self.pool = np.flatnonzero(w.employed)
            employer_of_unit = w.employer[self.pool].astype(np.int64)
        strata = self.employer_strata(e)[employer_of_unit]
        month = self.start
        u_enrol = self.streams.uniform("trial_enrolment", month, len(self.pool))
        chosen = systematic_pick(strata, u_enrol, self.settings.enrolled / len(self.pool))
        self.units = self.pool[chosen]
        self.cluster = employer_of_unit[chosen]
        self.stratum = strata[chosen]
        u_treat = self.streams.uniform("trial_treatment", month, len(self.units))
        share = 1.0 if self.settings.design == "prepost" else self.settings.treatment_share
        self.treated = np.zeros(len(self.units), dtype=bool)
        self.treated[systematic_pick(self.stratum, u_treat, share)] = True
        self.access_employer = np.zeros(e.n, dtype=bool)
        self.access_worker = np.zeros(w.n, dtype=bool) if self.settings.unit == "worker" else None
        self.open_access(self.treated)

    def employer_strata(self, e) -> np.ndarray:
        """Stratum of every employer: its sector, size quartile and SME status, as many of
        them as ``trial.stratify`` names (one stratum for ``none``)."""
        how = set(self.settings.stratify.split("_"))
        stratum = np.zeros(e.n, dtype=np.int64)
        if "sector" in how:
            stratum = e.sector.astype(np.int64)
        if "size" in how:
            # rank-based quartiles (sizes tie a lot); ties broken by a stream of their own
            tie = self.streams.uniform("trial_strata", self.start, e.n)
            rank = np.lexsort((tie, e.size)).argsort()
            stratum = stratum * SIZE_GROUPS + rank * SIZE_GROUPS // e.n
        if "sme" in how:
            stratum = stratum * 2 + e.sme
        return stratum

    def open_access(self, which: np.ndarray) -> None:
        """Give the program to the enrolled units selected by the boolean mask ``which``."""
        if self.settings.unit == "employer":
            self.access_employer[self.units[which]] = True
        else:
            self.access_worker[self.units[which]] = True
            self.access_employer[self.cluster[which]] = True

    def open_month(self, model) -> None:
        """Enrol at the policy start; open the wait-list when its months are up."""
        month = model.month
        if month == self.start:
            self.enrol(model)
        if (
            self.settings.design == "waitlist"
            and month == self.start + self.settings.waitlist_months
        ):
            self.open_access(np.ones(len(self.units), dtype=bool))

    # --- access ----------------------------------------------------------------------------
    def has_access(self, employer: np.ndarray, worker: np.ndarray) -> np.ndarray:
        """Whether training ``worker`` at ``employer`` may use the program now.

        ``everyone`` and ``no_one`` are the counterfactual worlds of a full roll-out and of no
        program, on the same seed and with the same units enrolled.
        """
        world = self.settings.world
        if world == "everyone":
            return np.ones(len(worker), dtype=bool)
        if world == "no_one" or self.access_employer is None:
            return np.zeros(len(worker), dtype=bool)
        if self.settings.unit == "employer":
            return self.access_employer[employer]
        return self.access_worker[worker]

    def employer_has_access(self) -> np.ndarray | None:
        """Per employer, whether it can use the program for anyone (None: every employer)."""
        if self.settings.world == "everyone":
            return None
        if self.settings.world == "no_one" or self.access_employer is None:
            return np.zeros(self.cfg.population.employers, dtype=bool)
        return self.access_employer


def systematic_pick(strata: np.ndarray, u: np.ndarray, share: float) -> np.ndarray:
    """Indices of a systematic sample of ``share`` of the units, ordered by stratum, then at
    random (by ``u``) within it: proportional allocation to strata, to within one unit
    (Cochran 1977, *Sampling Techniques*, ch. 8). Returns sorted indices."""
    order = np.lexsort((u, strata))
    k = np.arange(len(order) + 1)
    picks = np.diff(np.floor(k * share + 1e-9)) > 0
    return np.sort(order[picks])
