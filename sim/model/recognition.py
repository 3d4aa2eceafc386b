"""Diffusion of employers' awareness and recognition of microcredentials, and of the program.

Awareness spreads as a Bass (1969) process: outreach (the innovation coefficient, raised by a
recognition campaign) plus imitation of aware peers. Recognition then moves with peers, with
campaigns, and with experience: credentialed workers who perform as their credentials signal
raise it, those who do not (a credential issued under a lowered standard) lower it.
"""

from __future__ import annotations

import numpy as np

from sim.model.arrays.reductions import mean


class Recognition:
    def __init__(self, model):
        self.model = model
        self.cfg = model.cfg

    def diffuse(self, month: int) -> None:
        """Awareness of microcredentials spreads by outreach and imitation of aware peers
        (Bass 1969); aware employers' recognition moves toward their peers' mean and, under a
        recognition campaign, toward full recognition."""
        creds, e = self.cfg.credentials, self.model.employers
        u = self.model.streams.uniform("mc_awareness", month, e.n)
        outreach = creds.outreach_rate + creds.campaign_outreach * self.model.program_running
        adopt = outreach + creds.imitation_rate * mean(e.mc_aware)
        newly = ~e.mc_aware & (u < adopt)
        e.mc_aware |= newly
        e.recognition[newly] = np.maximum(e.recognition[newly], creds.aware_recognition)
        aware = e.mc_aware
        if aware.any():
            peer = float(mean(e.recognition[aware]))
            e.recognition[aware] += creds.imitation_rate * (peer - e.recognition[aware])
            if self.model.program_running and creds.campaign_recognition > 0:
                e.recognition[aware] += creds.campaign_recognition * (1 - e.recognition[aware])
        np.clip(e.recognition, 0.0, 1.0, out=e.recognition)

    def learn_from_experience(self, month: int) -> None:
        """Employers judge credentials by what their credentialed staff can actually do.

        The current employer observes true skill (Acemoglu & Pischke 1998), so it can tell
        whether a credential delivers what it claims. Each month, every credentialed worker
        either performs as the credential claims (a true gain of at least the published
        standard, ``credentials.initial_standard`` x the program's assessment rigor, of its
        nominal gain) or falls short.
        Confirmations raise an aware employer's recognition toward full trust; shortfalls
        lower it, with ``disappointment_weight`` times the pull (trust is lost faster than it
        is won; Slovic 1993).
        """
        creds, e, w = self.cfg.credentials, self.model.employers, self.model.workers
        if creds.experience_rate == 0:
            return
        staff, holding = w.credentials_holding_up(w.employer, e.n, True, self.model.compiled)
        if not staff.any():
            return
        n_confirm, n_short = holding, staff - holding
        rate = creds.experience_rate
        down_rate = min(1.0, rate * creds.disappointment_weight)
        up = 1.0 - (1.0 - rate) ** n_confirm
        down = 1.0 - (1.0 - down_rate) ** n_short
        rec = e.recognition
        change = e.mc_aware * (up * (1.0 - rec) - down * rec)
        e.recognition += change.astype(np.float32)
        np.clip(e.recognition, 0.0, 1.0, out=e.recognition)

    def spread_program_awareness(self, month: int) -> None:
        """Employers learn of the funding program at launch or through outreach."""
        funding, e = self.cfg.funding, self.model.employers
        if not self.model.program_running:
            return
        if month == self.cfg.time.burn_in:
            e.program_aware |= e.program_aware_draw < funding.initial_awareness
        u = self.model.streams.uniform("program_awareness", month, e.n)
        e.program_aware |= u < funding.awareness_outreach
