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

from sim.model.arrays.groups import among_first
from sim.model.arrays.reductions import mean
from sim.model.workers import UNEMPLOYED


class Separation(Enum):
    """Why a worker leaves an employer; the value names the recorder's flow."""

    RETIREMENT = "retirements"
    SEPARATION = "separations"  # exogenous, into unemployment
    POACHED = "poached"  # hired away by an outside offer
    LAYOFF = "layoffs"  # laid off as the employer's labour demand fell (displacement)


class LabourMarket:
    def __init__(self, model):
        self.model = model
        self.cfg = model.cfg

    def offer_wage(self, ids: np.ndarray, employer: np.ndarray) -> np.ndarray:
        """Wage an employer offers for the skill it can see."""
        econ, e, w = self.cfg.economy, self.model.employers, self.model.workers
        visible = w.visible_skill(ids, e.recognition[employer], e.sector[employer])
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
        self.model.jobseekers.retire(ids)
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
        self.dismiss(ids, month, Separation.SEPARATION)

    def dismiss(self, ids: np.ndarray, month: int, kind: Separation) -> None:
        """Employed workers ``ids`` become unemployed."""
        w = self.model.workers
        self.model.recorder.separations(ids, kind)
        self.leave(ids, month)
        self.model.employers.staff_moved(w.employer[ids])
        w.employer[ids] = UNEMPLOYED
        w.wage[ids] = 0.0
        w.unemployed_since[ids] = month

    def lay_off(self, month: int) -> None:
        """Employers above their target headcount (labour demand fell) shed
        ``economy.layoff_speed`` of the excess each month, at least one worker, last in first
        out (seniority rules; ties in random order). The laid-off are displaced workers
        (Jacobson, LaLonde & Sullivan 1993)."""
        model, w, e = self.model, self.model.workers, self.model.employers
        excess = e.excess_staff
        if not excess.any() or self.cfg.economy.layoff_speed == 0:
            return
        cuts = np.ceil(self.cfg.economy.layoff_speed * excess).astype(np.int64)
        staff = np.flatnonzero(w.employer >= 0)
        staff = staff[cuts[w.employer[staff]] > 0]
        employer = w.employer[staff]
        seniority = w.tenure[staff] + model.streams.uniform_at("layoff_order", month, staff)
        laid_off = staff[among_first(employer, seniority, cuts)]
        self.dismiss(laid_off, month, Separation.LAYOFF)
        w.displaced_month[laid_off] = month

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
        vacancies = e.vacancies  # headcounts are current: leavers were counted out as they left
        tempting = self.offers(month, vacancies)
        if tempting is None:
            return
        ids, bidder, offer, matched = tempting
        w.wage[ids[matched]] = offer[matched] / (1 + econ.switching_cost)
        movers, bidder, offer = ids[~matched], bidder[~matched], offer[~matched]
        fits = among_first(bidder, -offer, vacancies)
        movers, bidder, offer = movers[fits], bidder[fits], offer[fits]
        model.recorder.separations(movers, Separation.POACHED)
        self.leave(movers, month)
        e.staff_moved(w.employer[movers], bidder)
        w.employer[movers] = bidder
        model.recorder.sector_moves(w.join_sector(movers, e.sector[bidder]))
        w.wage[movers] = offer
        w.perceive(movers, month, "perception_poached")

    def offers(self, month: int, vacancies: np.ndarray) -> tuple | None:
        """This month's tempting outside offers: the workers whose offer beats their wage by
        the switching cost, the bidders, the wages offered and whether the incumbent matches
        each; None when no vacancy is open or no employed worker got an offer. Each offer
        comes from an open slot drawn at random (employers with more vacancies bid more
        often)."""
        model, w, e, econ = self.model, self.model.workers, self.model.employers, self.cfg.economy
        streams = model.streams
        if vacancies.sum() == 0:
            return None
        ids = streams.chance_ids("offer_arrival", month, w.n, econ.offer_arrival_rate)
        open_slots = np.repeat(np.arange(e.n, dtype=np.int32), vacancies)  # one per vacancy
        if model.compiled and not w.sectors.tracked:  # the same offers in one pass
            from sim.model.arrays.compiled_groups import in_threads
            from sim.model.compiled_market import weigh_offers

            f32, creds = np.float32, self.cfg.credentials
            worker_columns = (w.employer, w.wage, w.credential_gain, w.credentials,
                              w.entry_skill, w.general, w.specific)  # fmt: skip
            tempting, employed = in_threads(
                weigh_offers,
                len(ids) * len(worker_columns),  # the work: each offer reads them all
                ids, streams.key("offer_employer", month), open_slots, worker_columns,
                (e.recognition, e.productivity), w.complete_stacks_of_mask,
                (f32(creds.signal_value), f32(creds.stack_bonus),
                 f32(econ.labour_share * econ.output_per_skill), f32(1 + econ.switching_cost),
                 f32(econ.output_per_skill), f32(econ.counteroffer_max_share)),
                bool(econ.counteroffers),
            )  # fmt: skip
            return tempting if employed else None
        ids = ids[w.employer[ids] >= 0]
        if len(ids) == 0:
            return None
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
        return ids, bidder, offer, matched

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
        rate = econ.job_finding_rate * model.jobseekers.search_share(unemployed, month)
        seekers = unemployed[streams.uniform_at("job_search", month, unemployed) < rate]
        if len(seekers) == 0:
            return
        slots = np.repeat(np.arange(e.n, dtype=np.int32), vacancies)
        slots = slots[
            np.argsort(streams.uniform("vacancy_order", month, len(slots)), kind="stable")
        ]
        mean_recognition = float(mean(e.recognition))
        noise = np.exp(0.1 * streams.normal_at("screening", month, seekers))
        if w.sectors.n > 1:
            hired, employer = self.match_by_sector(seekers, slots, noise, mean_recognition, month)
        else:
            screen = w.visible_skill(seekers, mean_recognition) * noise
            seekers = seekers[np.argsort(-screen, kind="stable")]
            n = min(len(seekers), len(slots))
            hired, employer = seekers[:n], slots[:n]
        model.recorder.hires(hired, month)
        w.employer[hired] = employer
        model.recorder.sector_moves(w.join_sector(hired, e.sector[employer]))
        w.wage[hired] = self.offer_wage(hired, employer)
        w.tenure[hired] = 0
        w.perceive(hired, month, "perception_hire")

    def match_by_sector(self, seekers, slots, noise, recognition, month):
        """Each sector's vacancies (sectors in random order each month) take the best of the
        seekers left by visible skill in the domains that sector values: job seekers search
        across sectors, and a sector screens on what it can use."""
        w, e = self.model.workers, self.model.employers
        slot_sector = e.sector[slots]
        order = self.model.streams.stream("sector_hiring_order", month).permutation(w.sectors.n)
        free = np.ones(len(seekers), dtype=bool)
        hired, employer = [], []
        for sector in order:
            open_here = slots[slot_sector == sector]
            pool = np.flatnonzero(free)
            if len(open_here) == 0 or len(pool) == 0:
                continue
            sector_of = np.full(len(pool), sector, dtype=np.intp)
            screen = w.visible_skill(seekers[pool], recognition, sector_of) * noise[pool]
            best = pool[np.argsort(-screen, kind="stable")[: len(open_here)]]
            free[best] = False
            hired.append(seekers[best])
            employer.append(open_here[: len(best)])
        if not hired:
            return np.zeros(0, dtype=seekers.dtype), np.zeros(0, dtype=np.int32)
        return np.concatenate(hired), np.concatenate(employer)
