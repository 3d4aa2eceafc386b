"""Sectors and skill domains: which skills each sector values and how its labour demand moves.

A sector has a share of the employers, a productivity, a path of labour demand (trend growth
from the policy start, and a one-off shock with a linear recovery) and weights over skill
domains (e.g. soft, digital, trade). Programs train one domain; a worker's productive general
skill at an employer is the entry skill plus the trained skill of each domain weighted by
the employer's sector (docs/model.md section 3, Sectors). With one sector valuing one domain
(the default) none of this changes anything.
"""

from __future__ import annotations

import numpy as np

from sim.config.schema import SimConfig


class Sectors:
    """The sector and domain tables of a run, built once from the config."""

    def __init__(self, cfg: SimConfig):
        self.cfg = cfg
        sectors = cfg.economy.sectors
        self.names = [s.name for s in sectors]
        domains: list[str] = []
        for name in [p.domain for p in cfg.credentials.programs] + [
            d for s in sectors for d in s.domains
        ]:
            if name not in domains:
                domains.append(name)
        self.domains = domains
        self.weights = np.zeros((len(sectors), len(domains)), dtype=np.float32)
        for i, s in enumerate(sectors):
            for d, w in zip(s.domains, s.domain_weights):
                self.weights[i, domains.index(d)] = w
        self.program_domain = np.array(
            [domains.index(p.domain) for p in cfg.credentials.programs], dtype=np.intp
        )
        self.productivity = np.array([s.productivity for s in sectors], dtype=np.float32)
        self.employer_share = np.array([s.employer_share for s in sectors])
        # One sector valuing one domain: skill needs no domain bookkeeping (the default).
        self.tracked = len(sectors) > 1 or len(domains) > 1

    @property
    def n(self) -> int:
        return len(self.names)

    def program_weight(self, sector: np.ndarray, program: np.ndarray) -> np.ndarray:
        """Weight the sector of each row puts on the domain of its program."""
        return self.weights[sector, self.program_domain[program]]

    def demand(self, month: int) -> np.ndarray:
        """Each sector's labour demand this month relative to the start (1: unchanged).

        Trend growth compounds from the policy start (the burn-in settles the economy first);
        a shock multiplies demand by ``1 + shock_size`` from its month (counted from the
        policy start) and, with ``recovery_months``, fades linearly back to the trend."""
        policy_month = month - self.cfg.time.burn_in
        years = max(policy_month, 0) / 12.0
        index = np.ones(self.n)
        for i, s in enumerate(self.cfg.economy.sectors):
            level = (1.0 + s.demand_growth) ** years
            if s.shock_month is not None and policy_month >= s.shock_month:
                since = policy_month - s.shock_month
                left = 1.0 if s.recovery_months == 0 else max(1 - since / s.recovery_months, 0.0)
                level *= 1.0 + s.shock_size * left
            index[i] = level
        return index

    @property
    def demand_moves(self) -> bool:
        return any(
            s.demand_growth != 0 or (s.shock_month is not None and s.shock_size != 0)
            for s in self.cfg.economy.sectors
        )

    def assign(self, n_employers: int, rng: np.random.Generator) -> np.ndarray:
        """Each employer's sector: the configured shares of employers, in random order."""
        if self.n == 1:
            return np.zeros(n_employers, dtype=np.int16)
        counts = np.floor(self.employer_share * n_employers).astype(int)
        counts[
            np.argsort(-(self.employer_share * n_employers - counts))[: n_employers - counts.sum()]
        ] += 1
        sector = np.repeat(np.arange(self.n, dtype=np.int16), counts)
        return sector[rng.permutation(n_employers)]
