"""Milestone events: what a funder can pay on, declared once (docs/model.md section 3).

Each event says how it is decided (its ``kind``), when it is checked, whether taking part meets
it, whether an audit can find a claim on it false, and whether the provider's assessment
produces it. The funder decides whether an event happened
(:meth:`sim.model.funder.Funder.event_happened`) and the employer estimates its chance
(:meth:`sim.model.training.Training.event_chance`) with one rule per kind, and the config
schema offers the events' names as the allowed values of ``milestones[].event``. Events of one
kind differ only in their flags (retention_6 and retention_12: the check offset).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Event:
    name: str
    kind: str  # the rule deciding it (one per kind, in funder and valuation)
    check_offset: int = 0  # months after the program ends (enrolment: starts) it is checked
    certain: bool = False  # met by taking part at all: the employer counts on it
    assessed: bool = False  # an audit can find a claim false (lenient standard, inflated report)
    of_assessment: bool = False  # produced by the provider's assessment of its trainee
    from_start: bool = False  # counted from the program's start, not its end
    employer_effort: bool = False  # the employer gives funding.support_hours of staff time
    description: str = ""


EVENTS = (
    Event(
        "enrolment",
        "took_part",
        certain=True,
        from_start=True,
        description="the worker starts the program",
    ),
    Event(
        "completion",
        "completed",
        of_assessment=True,
        description="the worker completes the program",
    ),
    Event(
        "certification",
        "certified",
        assessed=True,
        of_assessment=True,
        description="the worker passes the provider's assessment and earns the credential",
    ),
    Event(
        "skill_gain",
        "gained_skill",
        assessed=True,
        of_assessment=True,
        description="the worker's self-reported skill gain reaches funding.skill_gain_threshold"
        " of the program's nominal gain (the EMC pre/post self-assessment; a claimant can"
        " inflate it, and an audit can find it false)",
    ),
    Event(
        "employer_support",
        "supported",
        certain=True,
        employer_effort=True,
        description="the employer supports a workplace project (funding.support_hours)",
    ),
    Event(
        "retention_6",
        "stayed",
        check_offset=6,
        description="the worker completed and still works for the employer 6 months later",
    ),
    Event(
        "retention_12",
        "stayed",
        check_offset=12,
        description="the worker completed and still works for the employer 12 months later",
    ),
    Event(
        "wage_gain",
        "gained_wage",
        check_offset=12,
        description="the worker's wage 12 months later beats the pre-training wage by"
        " funding.wage_gain_threshold",
    ),
)
EVENT = {event.name: event for event in EVENTS}
MILESTONE_EVENTS = tuple(EVENT)

# What a funder can pay a provider on for a job seeker it trained (jobseekers.milestones): the
# participant is hired (placement) and still works for that employer some months later. They
# are facts the funder verifies from payroll, so audits find no false claims; check_offset
# counts months from the placement.
PLACEMENT_EVENTS = (
    Event(
        "placement",
        "placed",
        description="the job seeker is hired between starting the program and"
        " jobseekers.placement_window months after it ends",
    ),
    Event(
        "placement_retention_6",
        "stayed_placed",
        check_offset=6,
        description="the placed job seeker still works for the employer that hired them 6"
        " months after the placement",
    ),
    Event(
        "placement_retention_12",
        "stayed_placed",
        check_offset=12,
        description="the placed job seeker still works for the employer that hired them 12"
        " months after the placement",
    ),
)
PLACEMENT_EVENT = {event.name: event for event in PLACEMENT_EVENTS}
PLACEMENT_MILESTONE_EVENTS = tuple(PLACEMENT_EVENT)
