"""Workers: individuals stored as columns, with vectorised rules.

Each worker has a learning ability, a disadvantaged flag, general skill (portable) and
firm-specific skill (lost on leaving; Becker 1964), a set of microcredentials (a bitmask over
the catalogue), an employer (or -1 when unemployed), a wage, tenure and training status.
No Python object exists per worker: every rule below is a vector operation over ids.
"""

from __future__ import annotations

from functools import cached_property

import numpy as np

from sim.config.schema import SimConfig
from sim.model.arrays.columns import DRAWN, NEVER, Column, allocate
from sim.model.arrays.fastmath import COMPILED_TABLE, normal_cdf
from sim.model.arrays.groups import compiled_for
from sim.model.arrays.rng import RandomStreams
from sim.model.sectors import Sectors

UNEMPLOYED = -1
HOLD_UP_SLACK = 1 - 1e-6  # credentials hold up at their claim, give or take float32 rounding

# Every worker column: its dtype, the value a new labour-market entrant starts with (DRAWN:
# drawn for each entrant in draw_entrants, or for the job-related ones when hired) and meaning.
COLUMNS = {
    "disadvantaged": Column(bool, DRAWN, "In the disadvantaged group (lower ability and skill)."),
    "ability": Column(np.float32, DRAWN, "Learning ability: multiplies what a program teaches."),
    "entry_skill": Column(np.float32, DRAWN, "Skill on entering the labour market."),
    "general": Column(np.float32, DRAWN, "General skill, portable to any employer (Becker 1964)."),
    "specific": Column(np.float32, 0.0, "Firm-specific skill, lost on leaving the employer."),
    "perceived_ability": Column(
        np.float32, DRAWN, "The current employer's noisy view of the worker's ability."
    ),
    "training_fit": Column(
        np.float32, DRAWN, "How much the current job needs training (drawn when hired)."
    ),
    "employer": Column(np.int32, UNEMPLOYED, "Employer id (-1: unemployed)."),
    "wage": Column(np.float32, 0.0, "Monthly wage (0 while unemployed)."),
    "tenure": Column(np.int16, 0, "Months with the current employer."),
    "credentials": Column(np.uint16, 0, "Microcredentials held: a bitmask over the catalogue."),
    "credential_gain": Column(np.float32, 0.0, "Nominal skill gain the held credentials certify."),
    "credential_true_gain": Column(
        np.float32, 0.0, "Content actually mastered in the certified programs."
    ),
    "credential_provider": Column(np.int16, -1, "Provider of the latest credential (-1: none)."),
    "credential_reference": Column(
        np.float32, 0.0, "Skill gain the credentials' published standards claim."
    ),
    "enrolment": Column(np.int32, -1, "Enrolment ledger row while in training (-1: none)."),
    "program_started": Column(
        np.int32,
        "never, per program",
        "Month the worker last started each program, one column per program: a program opens"
        " again economy.retake_gap months later.",
    ),
    "planned_program": Column(
        np.int16, -1, "The program the employer plans for the worker next (-1: none)."
    ),
    "planned_month": Column(np.int32, NEVER, "Month that plan was made."),
    "last_training_end": Column(
        np.int32, NEVER, "Month the last program ended (or was abandoned)."
    ),
    "finish_employer": Column(np.int32, UNEMPLOYED, "Employer when the last program ended."),
    "sector": Column(np.int16, -1, "Sector of the current or last job (-1: never employed)."),
    "sector_skill": Column(
        np.float32, 0.0, "Trained skill specific to that sector, lost on moving sector."
    ),
    "domain_gain": Column(
        np.float32,
        "0, per domain",
        "Portable trained skill in each skill domain, one column per domain (kept only when"
        " the economy has several sectors or domains).",
    ),
    "unemployed_since": Column(
        np.int32, DRAWN, "Month the worker last became unemployed (entrants: the month of entry)."
    ),
    "displaced_month": Column(
        np.int32, NEVER, "Month the worker was last laid off because labour demand fell."
    ),
}


class Workers:
    """Columnar worker state. Arrays are indexed by worker id ``0..n-1``."""

    def __init__(self, cfg: SimConfig, streams: RandomStreams, sectors: Sectors | None = None):
        self.cfg = cfg
        self.n = n = cfg.population.workers
        self.streams = streams
        self.sectors = sectors = sectors or Sectors(cfg)
        allocate(self, COLUMNS, n)
        n_programs = len(cfg.credentials.programs)
        self.program_started = np.full((n, n_programs), NEVER, dtype=np.int32)
        n_domains = len(sectors.domains) if sectors.tracked else 0
        self.domain_gain = np.zeros((n, n_domains), dtype=np.float32)
        self.credentials_awarded = 0  # running totals: held = awarded - retired (an invariant)
        self.credentials_retired = 0
        self.credentials_renewed = 0  # certifications in a program whose credential was held
        self.draw_entrants(np.arange(n), month=-1)

    # --- state queries -------------------------------------------------------------------
    @property
    def employed(self) -> np.ndarray:
        return self.employer >= 0

    @property
    def in_training(self) -> np.ndarray:
        return self.enrolment >= 0

    def visible_skill(
        self, ids: np.ndarray, recognition: np.ndarray | float, sector: np.ndarray | None = None
    ) -> np.ndarray:
        """Skill an outside employer (of ``sector``) sees: entry skill plus recognised
        credentials in the domains its sector values.

        Outsiders cannot observe skill gained through uncertified training (asymmetric
        information; Acemoglu & Pischke 1998); a credential makes its nominal gain visible to
        the extent the employer recognises microcredentials.
        """
        creds = self.cfg.credentials
        if self.sectors.tracked and sector is not None:  # credentials in the valued domains
            held = self.credentials[ids]
            by_domain = self.credential_gain_by_domain_of_mask[held]
            signal = np.einsum("ij,ij->i", by_domain, self.sectors.weights[sector])
            signal = signal * creds.signal_value
            by_stack = self.complete_stack_of_mask[held]
            full_stacks = np.einsum("ij,ij->i", by_stack, self.stack_weights[:, sector].T)
        else:
            signal = self.credential_gain[ids] * creds.signal_value
            full_stacks = self.complete_stacks(ids)
        signal = signal + creds.stack_bonus * full_stacks
        return self.entry_skill[ids] + recognition * signal

    def complete_stacks(self, ids: np.ndarray) -> np.ndarray:
        """Number of complete stacks (full certificates) each worker holds."""
        return self.complete_stacks_of_mask[self.credentials[ids]]

    @cached_property
    def complete_stacks_of_mask(self) -> np.ndarray:
        """:meth:`complete_stacks` for every possible credential bitmask (a lookup table)."""
        held = np.arange(1 << 16, dtype=np.uint32)
        count = np.zeros(len(held), dtype=np.float32)
        for mask in self.stack_masks:
            count += (held & mask) == mask
        return count

    @cached_property
    def credential_gain_by_domain_of_mask(self) -> np.ndarray:
        """Nominal gain the held credentials certify in each domain, for every possible
        credential bitmask (a lookup table: masks x domains)."""
        held = np.arange(1 << 16, dtype=np.uint32)
        table = np.zeros((len(held), len(self.sectors.domains)), dtype=np.float32)
        for k, program in enumerate(self.cfg.credentials.programs):
            has = ((held >> k) & 1).astype(np.float32)
            table[:, self.sectors.program_domain[k]] += has * np.float32(program.gain)
        return table

    def domain_skill(self, ids: np.ndarray, domain: np.ndarray) -> np.ndarray:
        """Each worker's skill in ``domain``: entry skill plus the portable trained skill of
        the domain (the general skill when there is one sector and one domain)."""
        if not self.sectors.tracked or domain is None:
            return self.general[ids]
        return self.entry_skill[ids] + self.domain_gain[ids, domain]

    def credential_gain_in(self, ids: np.ndarray, domain: np.ndarray) -> np.ndarray:
        """Nominal gain the held credentials certify in ``domain``."""
        if not self.sectors.tracked:
            return self.credential_gain[ids]
        return self.credential_gain_by_domain_of_mask[self.credentials[ids], domain]

    def join_sector(self, ids: np.ndarray, sector: np.ndarray) -> np.ndarray:
        """Workers ``ids`` take a job in ``sector``: moving sector loses the sector-specific
        skill, and the trained skill of each domain counts with the new sector's weights.
        Returns which of them changed sector (first jobs do not count)."""
        old = self.sector[ids]
        other = old != sector
        if self.sectors.tracked:
            changed, new = ids[other], sector[other]
            self.sector_skill[changed] = 0.0
            weights = self.sectors.weights[new]
            self.general[changed] = self.entry_skill[changed] + np.einsum(
                "ij,ij->i", self.domain_gain[changed], weights
            )
        self.sector[ids] = sector
        return (old >= 0) & other

    @cached_property
    def complete_stack_of_mask(self) -> np.ndarray:
        """For every possible credential bitmask, which stacks it completes (masks x stacks)."""
        held = np.arange(1 << 16, dtype=np.uint32)
        return np.stack(
            [((held & mask) == mask).astype(np.float32) for mask in self.stack_masks], axis=1
        )

    @cached_property
    def stack_weights(self) -> np.ndarray:
        """How much each sector values each stack (stacks x sectors): the mean weight it puts
        on the domains of the stack's programs."""
        programs = self.cfg.credentials.programs
        weights = np.zeros((len(self.stack_masks), self.sectors.n), dtype=np.float32)
        for i, mask in enumerate(self.stack_masks):
            members = [k for k in range(len(programs)) if mask >> k & 1]
            domains = self.sectors.program_domain[members]
            weights[i] = self.sectors.weights[:, domains].mean(axis=1)
        return weights

    @property
    def stack_masks(self) -> list[int]:
        masks: dict[int, int] = {}
        for k, program in enumerate(self.cfg.credentials.programs):
            masks[program.stack] = masks.get(program.stack, 0) | (1 << k)
        return list(masks.values())

    def next_program(self, ids: np.ndarray) -> np.ndarray:
        """Lowest catalogue program each worker does not hold yet (-1 if all are held).

        Programs are taken in catalogue order, so credentials stack into certificates.
        """
        return self.next_program_of_mask[self.credentials[ids]]

    @cached_property
    def next_program_of_mask(self) -> np.ndarray:
        """:meth:`next_program` for every possible credential bitmask (a lookup table)."""
        n_programs = len(self.cfg.credentials.programs)
        held = np.arange(1 << 16, dtype=np.uint32)
        nxt = np.full(len(held), -1, dtype=np.int16)
        for k in range(n_programs - 1, -1, -1):
            nxt = np.where((held & (1 << k)) == 0, k, nxt).astype(np.int16)
        return nxt

    def completion_probability(
        self, ability: np.ndarray, mode_factor: np.ndarray, disadvantaged: np.ndarray
    ) -> np.ndarray:
        """Chance of finishing a program: ability, delivery mode, barriers, credential effort."""
        base, base_disadvantaged = self.completion_bases()
        if (
            compiled_for(len(ability))
            and ability.dtype == mode_factor.dtype == np.float32
            and ability.shape == mode_factor.shape == disadvantaged.shape
        ):  # the same float32 steps in one pass
            from sim.model.compiled_workers import completion_probabilities

            return completion_probabilities(
                ability, mode_factor, disadvantaged, base, base_disadvantaged
            )
        p = np.sqrt(np.maximum(ability, np.float32(1e-6)), dtype=np.float32)
        p *= mode_factor
        p *= np.where(disadvantaged, base_disadvantaged, base)
        return np.clip(p, 0.0, 0.99, out=p)

    def completion_bases(self) -> tuple[np.float32, np.float32]:
        """:meth:`completion_probability`'s chance at ability 1 in a mode of factor 1 (the
        credential's effort boost included), for others and for the disadvantaged (float32,
        as the rule multiplies by them)."""
        econ, creds = self.cfg.economy, self.cfg.credentials
        base = econ.base_completion * ((1.0 + creds.effort_boost) if creds.enabled else 1.0)
        return np.float32(base), np.float32(base * econ.disadvantaged_barrier)

    def learning_room(
        self, ids: np.ndarray, target: np.ndarray, domain: np.ndarray | None = None
    ) -> np.ndarray:
        """Share of a program's content that adds to each worker's productive skill:
        ``(target - skill in the program's domain) / (target - 1)``, at least 0 (diminishing
        returns: the lower-skilled gain more from the same program, as in UPSKILL; SRDC 2014)."""
        room = (target - self.domain_skill(ids, domain)) / (target - np.float32(1.0))
        return np.maximum(room, np.float32(0.0)).astype(np.float32)

    def pass_probability(self, learning: np.ndarray, standard: np.ndarray) -> np.ndarray:
        """P(realised gain >= standard x nominal gain) given expected learning multiplier."""
        noise = max(self.cfg.economy.gain_noise, 1e-6)
        z = (standard / np.maximum(learning, 1e-6) - 1.0) / noise
        return normal_cdf(-z)

    def completion_and_pass(
        self,
        ability: np.ndarray,
        mode_factor: np.ndarray,
        disadvantaged: np.ndarray,
        learning: np.ndarray,
        standard: np.ndarray,
    ) -> np.ndarray:
        """The chance of completing (:meth:`completion_probability`) and then passing
        (:meth:`pass_probability`), float32."""
        arrays = (ability, mode_factor, learning, standard)
        if (
            compiled_for(len(ability))
            and all(a.dtype == np.float32 and a.shape == ability.shape for a in arrays)
            and disadvantaged.shape == ability.shape
        ):  # the same float32 steps in one pass
            from sim.model.compiled_workers import completion_and_pass_chances

            noise = np.float32(max(self.cfg.economy.gain_noise, 1e-6))
            return completion_and_pass_chances(
                ability, mode_factor, disadvantaged, learning, standard,
                *self.completion_bases(), noise, COMPILED_TABLE,
            )  # fmt: skip
        completion = self.completion_probability(ability, mode_factor, disadvantaged)
        return completion * self.pass_probability(learning, standard)

    # --- rules ---------------------------------------------------------------------------
    def draw_entrants(self, ids: np.ndarray, month: int) -> None:
        """Give ``ids`` the traits of new labour-market entrants (unemployed, no credentials)."""
        if len(ids) == 0:
            return
        econ = self.cfg.economy
        u_dis = self.streams.uniform_at("entrant_disadvantaged", month, ids)
        z_ability = self.streams.normal_at("entrant_ability", month, ids)
        z_skill = self.streams.normal_at("entrant_skill", month, ids)
        self.credentials_retired += int(np.bitwise_count(self.credentials[ids]).sum())
        dis = u_dis < self.cfg.population.disadvantaged_share
        sd = econ.ability_sd
        ability = np.exp(sd * z_ability - sd * sd / 2) * np.where(
            dis, econ.disadvantaged_ability, 1
        )
        skill = np.exp(0.2 * z_skill - 0.02) * np.where(dis, econ.disadvantaged_skill, 1.0)
        self.program_started[ids] = NEVER
        self.domain_gain[ids] = 0.0
        self.unemployed_since[ids] = month
        self.disadvantaged[ids] = dis
        self.ability[ids] = ability
        self.entry_skill[ids] = skill
        self.general[ids] = skill
        self.perceived_ability[ids] = ability
        for name, column in COLUMNS.items():
            if column.shared_start:
                getattr(self, name)[ids] = column.start

    def award(
        self,
        ids: np.ndarray,
        program: np.ndarray,
        nominal: np.ndarray,
        true_gain: np.ndarray,
        provider: np.ndarray,
        reference: np.ndarray,
    ) -> None:
        """Add the credential of ``program``, issued by ``provider`` and claiming a gain of
        ``reference`` (its published standard x its nominal gain), to each worker
        (certification or prior learning). A worker certified again in a program whose
        credential they hold renews it: the credential and what it claims stay as they were."""
        self.credential_provider[ids] = provider
        bit = (1 << program.astype(np.uint16)).astype(np.uint16)
        new = (self.credentials[ids] & bit) == 0
        self.credentials_renewed += int(np.count_nonzero(~new))
        ids, bit = ids[new], bit[new]
        self.credential_reference[ids] += reference[new]
        self.credentials[ids] |= bit
        self.credential_gain[ids] += nominal[new]
        self.credential_true_gain[ids] += true_gain[new].astype(np.float32)
        self.credentials_awarded += len(ids)

    def perceive(self, ids: np.ndarray, month: int, stream: str) -> None:
        """A new job: the employer forms a noisy view of the worker's ability (bounded
        rationality) and the job has its own need for training (the worker-job fit)."""
        z = self.streams.normal_at(stream, month, ids)
        noise = self.cfg.economy.ability_noise
        self.perceived_ability[ids] = self.ability[ids] * np.exp(noise * z - noise * noise / 2)
        self.training_fit[ids] = self.streams.normal_at(stream + "_fit", month, ids)
        self.planned_program[ids] = -1  # the new employer plans afresh

    def depreciate(self, month: int) -> None:
        """Trained skill decays toward the entry level; specific skill decays toward zero."""
        d = self.cfg.economy.skill_depreciation
        if compiled_for(self.n):  # the same float32 steps in one pass, in threads
            from sim.model.arrays.compiled_groups import in_threads
            from sim.model.compiled_workers import depreciate, scale_rows

            rate, kept = np.float32(d), np.float32(1.0 - d)  # as NumPy casts them
            in_threads(
                depreciate, self.n, self.general, self.entry_skill, self.specific, rate, kept
            )
            if self.sectors.tracked:
                in_threads(scale_rows, self.n, self.sector_skill[:, None], kept)
                in_threads(scale_rows, self.domain_gain.size, self.domain_gain, kept)
            return
        self.general -= d * (self.general - self.entry_skill)
        self.specific *= 1.0 - d
        if self.sectors.tracked:
            self.sector_skill *= 1.0 - d
            self.domain_gain *= 1.0 - d

    def age(self, month: int) -> None:
        """Employed workers gain a month of tenure."""
        # in place, capped at 32,000 (int16): no array of the employed gathered and scattered
        self.tenure += self.employed & (self.tenure < 32_000)

    def credentials_hold_up(self, ids: np.ndarray) -> np.ndarray:
        """Whether each worker's credentials deliver the skill their published standards claim
        (the initial standard x the program's assessment rigor x its nominal gain)."""
        return self.credential_true_gain[ids] >= self.credential_reference[ids] * HOLD_UP_SLACK

    def credentials_holding_up(
        self, group: np.ndarray, n_groups: int, certified_gain: bool, compiled: bool = False
    ) -> tuple[np.ndarray, np.ndarray]:
        """Employed workers in each ``group`` (one per worker, -1: none; ``certified_gain``:
        only those whose credentials certify a gain) and how many of them (float64) have
        credentials that hold up (:meth:`credentials_hold_up`). ``compiled``: in one pass."""
        if compiled:
            from sim.model.arrays.compiled_groups import in_parts
            from sim.model.arrays.compiled_tallies import credentials_holding_up

            return in_parts(
                credentials_holding_up, self.n,
                group, self.employer, self.credential_gain if certified_gain else None,
                self.credential_true_gain, self.credential_reference,
                np.float32(HOLD_UP_SLACK), n_groups,
            )  # fmt: skip
        holders = (group >= 0) & self.employed
        if certified_gain:
            holders &= self.credential_gain > 0
        staff = np.flatnonzero(holders)
        held = self.credentials_hold_up(staff)
        seen = np.bincount(group[staff], minlength=n_groups)
        return seen, np.bincount(group[staff], weights=held, minlength=n_groups)
