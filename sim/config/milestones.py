"""Milestone events: what a funder can pay on, declared once (docs/model.md section 3).

Each event says when it is checked, whether taking part meets it, whether an audit can find a
claim on it false, and whether the provider's assessment produces it. The funder decides
whether an event happened (:meth:`sim.model.funder.Funder.event_happened`), the employer
estimates its chance (:meth:`sim.model.training.Training.event_chance`); both dispatch on this
table, and the config schema offers its names as the allowed values of ``milestones[].event``.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Event:
    name: str
    check_offset: int = 0           # months after the program ends (enrolment: starts) it is checked
    certain: bool = False           # met by taking part at all: the employer counts on it
    assessed: bool = False          # an audit can find a claim false (a lowered pass standard)
    of_assessment: bool = False     # produced by the provider's assessment of its trainee
    needs_stay: bool = False        # the trainee must still work for the employer
    from_start: bool = False        # counted from the program's start, not its end
    employer_effort: bool = False   # the employer gives funding.support_hours of staff time
    description: str = ""


EVENTS = (
    Event("enrolment", certain=True, from_start=True, description="the worker starts the program"),
    Event("completion", of_assessment=True, description="the worker completes the program"),
    Event("certification", assessed=True, of_assessment=True,
          description="the worker passes the provider's assessment and earns the credential"),
    Event("skill_gain", of_assessment=True,
          description="the worker's skill gain reaches funding.skill_gain_threshold of the"
                      " program's nominal gain (the EMC pre/post self-assessment)"),
    Event("employer_support", certain=True, employer_effort=True,
          description="the employer supports a workplace project (funding.support_hours)"),
    Event("retention_6", check_offset=6, needs_stay=True,
          description="the worker completed and still works for the employer 6 months later"),
    Event("retention_12", check_offset=12, needs_stay=True,
          description="the worker completed and still works for the employer 12 months later"),
    Event("wage_gain", check_offset=12,
          description="the worker's wage 12 months later beats the pre-training wage by"
                      " funding.wage_gain_threshold"),
)
EVENT = {event.name: event for event in EVENTS}
MILESTONE_EVENTS = tuple(EVENT)
