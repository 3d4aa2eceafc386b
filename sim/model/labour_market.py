"""The labour market: retirement, separations, outside offers (poaching) and hiring.

Outside employers bid for a worker on what they can see: entry skill plus credentials weighted
by *their own* recognition of microcredentials (Acemoglu & Pischke 1998). A worker moves when
an offer beats the current wage by more than the switching cost, unless the incumbent, who
sees true productivity, matches it (Postel-Vinay & Robin 2002). Moving loses firm-specific
skill (Becker 1964). Hiring trained workers this way, without paying for their training, is
the poaching externality (Stevens 1994).
"""

from __future__ import annotations

from enum import Enum

import numpy as np

from sim.model.arrays.groups import rank_within_groups
from sim.model.workers import UNEMPLOYED


class Separation(Enum):
    """Why a worker leaves an employer; the value names the recorder's flow."""

    RETIREMENT = "retirements"
    SEPARATION = "separations"  # exogenous, into unemployment
    POACHED = "poached"  # hired away by an outside offer


class LabourMarket:
    def __init__(self, model):
        self.model = model
        self.cfg = model.cfg

    def offer_wage(self, ids: np.ndarray, employer: np.ndarray) -> np.ndarray:
        """Wage an employer offers for the skill it can see."""
        econ, e, w = self.cfg.economy, self.model.employers, self.model.workers
        visible = w.visible_skill(ids, e.recognition[employer])
        return (
            econ.labour_share * econ.output_per_skill * e.productivity[employer] * visible
        ).astype(np.float32)

    def retire(self, month: int) -> None:
        """Retirees leave; new entrants take their place in the workforce, unemployed."""
        w = self.model.workers
        rate = self.cfg.economy.retirement_rate
        ids = self.model.streams.chance_ids("retirement", month, w.n, rate)
        self.model.recorder.separations(ids, Separation.RETIREMENT)
        self.model.training.abandon(ids, month)
        employer = w.employer[ids]
        self.model.employers.staff_moved(employer[employer >= 0])
        w.draw_entrants(ids, month)

    def separate(self, month: int) -> None:
        """Exogenous separations into unemployment (layoffs, personal reasons)."""
        w = self.model.workers
        ids = self.model.streams.chance_ids(
            "separation", month, w.n, self.cfg.economy.separation_rate
        )
        ids = ids[w.employer[ids] >= 0]
        self.model.recorder.separations(ids, Separation.SEPARATION)
        self.leave(ids, month)
        self.model.employers.staff_moved(w.employer[ids])
        w.employer[ids] = UNEMPLOYED
        w.wage[ids] = 0.0

    def leave(self, ids: np.ndarray, month: int) -> None:
        w = self.model.workers
        self.model.training.abandon(ids, month)
        w.specific[ids] = 0.0
        w.tenure[ids] = 0

    def outside_offers(self, month: int) -> None:
        """On-the-job offers: poaching when the offer wins, a matched raise when it does not.

        Offers come from employers with open vacancies (drawn in proportion to them), and an
        employer hires at most as many movers as it has vacancies.
        """
        model, w, e, econ = self.model, self.model.workers, self.model.employers, self.cfg.economy
        streams = model.streams
        vacancies = e.vacancies  # headcounts are current: leavers were counted out as they left
        if vacancies.sum() == 0:
            return
        ids = streams.chance_ids("offer_arrival", month, w.n, econ.offer_arrival_rate)
        ids = ids[w.employer[ids] >= 0]
        if len(ids) == 0:
            return
        open_slots = np.repeat(np.arange(e.n, dtype=np.int32), vacancies)  # one per vacancy
        u = streams.uniform_at("offer_employer", month, ids).astype(np.float64)
        bidder = open_slots[(u * len(open_slots)).astype(np.int64)]
        incumbent = w.employer[ids]
        offer = self.offer_wage(ids, bidder)
        tempted = (bidder != incumbent) & (offer > w.wage[ids] * (1 + econ.switching_cost))
        ids, bidder, incumbent, offer = (
            ids[tempted],
            bidder[tempted],
            incumbent[tempted],
            offer[tempted],
        )
        productivity = (
            econ.output_per_skill * e.productivity[incumbent] * (w.general[ids] + w.specific[ids])
        )
        if econ.counteroffers:
            matched = offer <= econ.counteroffer_max_share * productivity
        else:
            matched = np.zeros(len(ids), dtype=bool)
        w.wage[ids[matched]] = offer[matched] / (1 + econ.switching_cost)
        movers, bidder, offer = ids[~matched], bidder[~matched], offer[~matched]
        fits = rank_within_groups(bidder, -offer) < vacancies[bidder]
        movers, bidder, offer = movers[fits], bidder[fits], offer[fits]
        model.recorder.separations(movers, Separation.POACHED)
        self.leave(movers, month)
        e.staff_moved(w.employer[movers], bidder)
        w.employer[movers] = bidder
        w.wage[movers] = offer
        w.perceive(movers, month, "perception_poached")

    def hire(self, month: int) -> None:
        """Fill vacancies, then bring every employer's staff count and payroll up to date."""
        self.fill_vacancies(month)
        self.model.employers.count_staff(self.model.workers.employer, self.model.workers.wage)

    def fill_vacancies(self, month: int) -> None:
        """Unemployed job seekers fill vacancies; employers take the best visible skill first."""
        model, w, e, econ = self.model, self.model.workers, self.model.employers, self.cfg.economy
        vacancies = e.vacancies
        if vacancies.sum() == 0:
            return
        streams = model.streams
        unemployed = np.flatnonzero(w.employer < 0)
        seekers = unemployed[
            streams.uniform_at("job_search", month, unemployed) < econ.job_finding_rate
        ]
        if len(seekers) == 0:
            return
        slots = np.repeat(np.arange(e.n, dtype=np.int32), vacancies)
        slots = slots[
            np.argsort(streams.uniform("vacancy_order", month, len(slots)), kind="stable")
        ]
        mean_recognition = float(e.recognition.mean())
        screen = w.visible_skill(seekers, mean_recognition)
        screen = screen * np.exp(0.1 * streams.normal_at("screening", month, seekers))
        seekers = seekers[np.argsort(-screen, kind="stable")]
        n = min(len(seekers), len(slots))
        hired, employer = seekers[:n], slots[:n]
        w.employer[hired] = employer
        w.wage[hired] = self.offer_wage(hired, employer)
        w.tenure[hired] = 0
        w.perceive(hired, month, "perception_hire")
        model.recorder.hires(hired)
