"""Simulated randomised trials of the funding program: run them, estimate, compare with truth.

>>> from sim.trials import run_replication
>>> rep = run_replication("upskill", seed=1, overrides={"population.workers": 2000,
...                                                     "population.employers": 100,
...                                                     "trial.enrolled": 40})
>>> rep.estimates, rep.bias
"""

from sim.trials.experiment import (
    PRESETS,
    Replication,
    run_experiment,
    run_replication,
    trial_config,
    unit_table,
)

__all__ = [
    "PRESETS",
    "Replication",
    "run_experiment",
    "run_replication",
    "trial_config",
    "unit_table",
]
