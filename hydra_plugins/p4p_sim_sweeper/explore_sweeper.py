"""``hydra/sweeper=explore``: launch the runs of a ``p4p-explore`` exploration.

The runs of an exploration (future x policy x seed, each future a point of a Latin hypercube,
Morris or Sobol design) are not a Cartesian grid, so they come from a jobs file written by
:mod:`sim.explore.runner` (``{job directory: overrides}``). Everything else is the resumable
sweeper's: job directories named ``future=00003,scenario=...,seed=...``, the job manifest, and
completed jobs skipped when the same exploration is launched again, on any launcher.
"""

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, List, Optional

from hydra.core.config_store import ConfigStore
from omegaconf import OmegaConf

from hydra_plugins.p4p_sim_sweeper.resumable_sweeper import ResumableSweeper
from sim.run.outputs import atomic_write_bytes
from sim.run.sweep_jobs import is_completed, write_manifest

log = logging.getLogger(__name__)


@dataclass
class ExploreSweeperConf:
    _target_: str = "hydra_plugins.p4p_sim_sweeper.explore_sweeper.ExploreSweeper"
    jobs_file: str = "???"
    max_batch_size: Optional[int] = None
    resume: bool = True


ConfigStore.instance().store(
    group="hydra/sweeper", name="explore", node=ExploreSweeperConf, provider="p4p-sim"
)


class ExploreSweeper(ResumableSweeper):
    """Runs the jobs listed in ``jobs_file``, each with the command line's common overrides."""

    def __init__(
        self, jobs_file: str, max_batch_size: Optional[int] = None, resume: bool = True
    ) -> None:
        super().__init__(max_batch_size=max_batch_size, params=None, resume=resume)
        self.jobs_file = jobs_file

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
        write_manifest(sweep_dir, jobs, ["future", "scenario", "seed"])
        todo = [
            (n, j) for n, j in jobs.items() if not (self.resume and is_completed(sweep_dir / n, j))
        ]
        log.info(
            "Exploration %s: %d runs, %d already completed, launching %d",
            sweep_dir,
            len(jobs),
            len(jobs) - len(todo),
            len(todo),
        )
        # one composition per policy catches bad keys; sampled values are in declared ranges
        firsts = {}
        for _, job in todo:
            firsts.setdefault(next((o for o in job if o.startswith("scenario=")), ""), job)
        if firsts:
            super(ResumableSweeper, self).validate_batch_is_legal(list(firsts.values()))
        launch = [[*job, f"hydra.sweep.subdir='{name}'"] for name, job in todo]
        self.overrides = (
            [list(b) for b in self.split_overrides_to_chunks(launch, self.max_batch_size)]
            if launch
            else []
        )
        returns, initial_job_idx = [], 0
        while not self.is_done():
            batch = self.get_job_batch()
            results = self.launcher.launch(batch, initial_job_idx=initial_job_idx)
            initial_job_idx += len(batch)
            returns.append(results)
        return returns
