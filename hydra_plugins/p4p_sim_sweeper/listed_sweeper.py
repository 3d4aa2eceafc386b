"""``hydra/sweeper=listed``: launch a list of jobs that is not a Cartesian grid.

The runs of a ``p4p-explore`` exploration (future x policy x seed) and of a ``p4p-trial``
experiment (the trial at each size, and its two counterfactual worlds once per seed) come from
a jobs file written by :func:`sim.run.listed.launch_listed` (``{job directory: overrides}``).
Everything else is the resumable sweeper's: job directories named by their overrides
(``future=00003,scenario=...,seed=...``), the job manifest, and completed jobs skipped when the
same list is launched again, on any launcher. ``hydra/sweeper=explore`` is the same sweeper
under the name it had when only explorations used it.
"""

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, List, Optional

from hydra.core.config_store import ConfigStore
from omegaconf import OmegaConf

from hydra_plugins.p4p_sim_sweeper.resumable_sweeper import ResumableSweeper, as_launched
from sim.run.outputs import atomic_write_bytes
from sim.run.sweep_jobs import is_completed, write_manifest

log = logging.getLogger(__name__)


@dataclass
class ListedSweeperConf:
    _target_: str = "hydra_plugins.p4p_sim_sweeper.listed_sweeper.ListedSweeper"
    jobs_file: str = "???"
    # the override keys that name a job (recorded as the sweep's swept keys)
    name_keys: List[str] = field(default_factory=lambda: ["future", "scenario", "seed"])
    label: str = "Exploration"
    max_batch_size: Optional[int] = None
    resume: bool = True


for _name in ("listed", "explore"):
    ConfigStore.instance().store(
        group="hydra/sweeper", name=_name, node=ListedSweeperConf, provider="p4p-sim"
    )


class ListedSweeper(ResumableSweeper):
    """Runs the jobs listed in ``jobs_file``, each with the command line's common overrides."""

    def __init__(
        self,
        jobs_file: str,
        name_keys: List[str],
        label: str = "Exploration",
        max_batch_size: Optional[int] = None,
        resume: bool = True,
    ) -> None:
        super().__init__(max_batch_size=max_batch_size, params=None, resume=resume)
        self.jobs_file, self.name_keys, self.label = jobs_file, list(name_keys), label

    def sweep(self, arguments: List[str]) -> Any:
        assert self.config is not None and self.launcher is not None
        listed = json.loads(Path(self.jobs_file).read_text())
        common = [a for a in arguments if not a.startswith("hydra.sweeper.")]
        jobs = {name: [*common, *overrides] for name, overrides in listed.items()}
        sweep_dir = Path(self.config.hydra.sweep.dir)
        sweep_dir.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(
            sweep_dir / "multirun.yaml", OmegaConf.to_yaml(self.config).encode("utf-8")
        )
        write_manifest(sweep_dir, jobs, self.name_keys)
        todo = [
            (n, j) for n, j in jobs.items() if not (self.resume and is_completed(sweep_dir / n, j))
        ]
        log.info(
            "%s %s: %d runs, %d already completed, launching %d",
            self.label,
            sweep_dir,
            len(jobs),
            len(jobs) - len(todo),
            len(todo),
        )
        # one composition per scenario catches bad keys before any run; the listed values
        # were checked by the caller
        firsts = {}
        for name, job in todo:  # composed as launched: the launcher reuses the compositions
            scenario = next((o for o in job if o.startswith("scenario=")), "")
            firsts.setdefault(scenario, as_launched(name, job))
        if firsts:
            super(ResumableSweeper, self).validate_batch_is_legal(list(firsts.values()))
        return self.launch_jobs(
            sweep_dir, todo, len(jobs), "the same command (completed runs are kept)"
        )
