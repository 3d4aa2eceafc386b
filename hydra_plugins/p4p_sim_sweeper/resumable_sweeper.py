"""``hydra/sweeper=resumable``: Hydra's basic sweeper that names job directories after their
overrides and skips jobs that already completed.

Each job runs in ``<sweep dir>/<swept overrides>`` (see :func:`sim.run.sweep_jobs.job_name`), set
through a per-job ``hydra.sweep.subdir`` override, so whichever launcher runs it (basic,
joblib, submitit, ray) the job lands in the same place. Before launching, jobs whose directory
already holds a completed ``summary.json`` with the same overrides are dropped: Hydra rewrites
``.hydra/`` of every job it launches, so skipping has to happen here, not in the job.

A sweep directory records the settings all its jobs share (fixed overrides, config hash; see
:func:`sim.run.sweep_jobs.sweep_settings`). A rerun into it with other settings, or one that
would relaunch a job directory holding a run with other overrides, stops before launching
anything: jobs are only skipped or rerun, never replaced by a differently configured run.
Ctrl-C stops the sweep with one line saying what finished and the command that resumes it,
and so does a local worker process that dies (exit 1).

Each kind of job (the same overrides but for plain values such as the seed) is composed by
Hydra once, here when the sweep is validated, and reused for the others on any launcher
(:class:`sim.run.compositions.ReusedCompositions`): the launcher receives the compositions kept.
"""

import dataclasses
import importlib
import logging
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional

from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra.core.config_store import ConfigStore
from hydra.core.override_parser.overrides_parser import OverridesParser
from omegaconf import OmegaConf

from sim.run.api import check_overrides, composes_as_first_value, release_interrupts
from sim.run.compositions import ReusedCompositions
from sim.run.outputs import atomic_write_bytes
from sim.run.sweep_jobs import (
    SweepProgress,
    is_completed,
    job_name,
    read_manifest,
    read_overrides,
    resume_command,
    same_overrides,
    settings_differences,
    sweep_settings,
    write_manifest,
)
from sim.run.workers import WorkerDied

log = logging.getLogger(__name__)


@dataclass
class ResumableSweeperConf:
    _target_: str = "hydra_plugins.p4p_sim_sweeper.resumable_sweeper.ResumableSweeper"
    max_batch_size: Optional[int] = None
    params: Optional[Dict[str, str]] = None
    # skip jobs whose directory already holds a completed run with the same overrides
    resume: bool = True


ConfigStore.instance().store(
    group="hydra/sweeper", name="resumable", node=ResumableSweeperConf, provider="p4p-sim"
)


class ResumableSweeper(BasicSweeper):
    """Cartesian sweeps like BasicSweeper; deterministic job dirs; completed jobs skipped."""

    def __init__(
        self,
        max_batch_size: Optional[int],
        params: Optional[Dict[str, str]] = None,
        resume: bool = True,
    ) -> None:
        super().__init__(max_batch_size=max_batch_size, params=params)
        self.resume = resume

    def setup(self, *, hydra_context: Any, task_function: Any, config: Any) -> None:
        """BasicSweeper's, with a config loader that reuses compositions, for the launcher too."""
        loader = ReusedCompositions(hydra_context.config_loader)
        hydra_context = dataclasses.replace(hydra_context, config_loader=loader)
        super().setup(hydra_context=hydra_context, task_function=task_function, config=config)

    def sweep(self, arguments: List[str]) -> Any:
        assert (
            self.config is not None and self.launcher is not None and self.hydra_context is not None
        )
        parser = OverridesParser.create(config_loader=self.hydra_context.config_loader)
        parsed = parser.parse_overrides(self._parse_config() + list(arguments))
        swept = [o.get_key_element() for o in parsed if o.is_sweep_override()]
        all_jobs = self.split_arguments(parsed, None)[0]

        alike = [o for o in parsed if composes_as_first_value(o)]
        check_overrides([o.input_line for o in alike])  # each value's key and type
        names = self.job_names(all_jobs, swept)
        # before anything is written
        self.validate_batch_is_legal(all_jobs, {o.get_key_element() for o in alike}, names)
        sweep_dir = Path(self.config.hydra.sweep.dir)
        task_config = OmegaConf.to_container(self.config, resolve=False)
        task_config.pop("hydra", None)
        settings = sweep_settings(all_jobs[0] if all_jobs else [], swept, task_config)
        self.refuse_mixing(sweep_dir, settings, names, all_jobs)
        sweep_dir.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(
            sweep_dir / "multirun.yaml", OmegaConf.to_yaml(self.config).encode("utf-8")
        )
        write_manifest(sweep_dir, dict(zip(names, all_jobs)), swept, settings)

        todo = [
            (name, job)
            for name, job in zip(names, all_jobs)
            if not (self.resume and is_completed(sweep_dir / name, job))
        ]
        log.info(
            "Sweep %s: %d jobs, %d already completed, launching %d",
            sweep_dir,
            len(all_jobs),
            len(all_jobs) - len(todo),
            len(todo),
        )
        return self.launch_jobs(sweep_dir, todo, len(all_jobs), resume_command(sweep_dir))

    def launch_jobs(
        self, sweep_dir: Path, todo: List[tuple], total: int, resume_with: str
    ) -> List[Any]:
        """Launch the ``(job directory, overrides)`` still to run, with one progress bar; on
        Ctrl-C print one line (what finished, how to resume) and exit 130, and when a local
        worker dies the same line, exit 1."""
        launch = [as_launched(name, job) for name, job in todo]
        self.overrides = (
            [list(b) for b in self.split_overrides_to_chunks(launch, self.max_batch_size)]
            if launch
            else []
        )
        returns, initial_job_idx = [], 0
        progress = SweepProgress(sweep_dir, [name for name, _ in todo])
        # the sweep's tables need pandas at the end: imported while the jobs run, not after
        threading.Thread(
            target=importlib.import_module, args=("sim.run.sweep",), daemon=True
        ).start()
        try:
            release_interrupts()  # a Ctrl-C pressed while p4p-sim composed stops it here
            with progress:
                while not self.is_done():
                    batch = self.get_job_batch()
                    results = self.launcher.launch(batch, initial_job_idx=initial_job_idx)
                    for r in results:
                        _ = r.return_value  # re-raise a job's exception, as BasicSweeper does
                    initial_job_idx += len(batch)
                    returns.append(results)
            release = getattr(self.launcher, "release_workers", None)  # the local launcher's
            if release is not None:
                release()
        except (KeyboardInterrupt, WorkerDied) as stopped:
            done = total - len(todo) + progress.finished()
            why = "interrupted" if isinstance(stopped, KeyboardInterrupt) else str(stopped)
            print(
                f"p4p-sim: {why}: {done} of {total} jobs finished in {sweep_dir}; "
                f"resume with: {resume_with}",
                file=sys.stderr,
                flush=True,
            )
            raise SystemExit(130 if isinstance(stopped, KeyboardInterrupt) else 1) from None
        return returns

    @staticmethod
    def refuse_mixing(
        sweep_dir: Path, settings: dict, names: List[str], jobs: List[List[str]]
    ) -> None:
        """Stop (one line, exit 2, nothing written) if this sweep would mix with a different one
        already in ``sweep_dir``: other fixed settings, or a job directory run with other overrides."""
        if not sweep_dir.is_dir():
            return
        new_dir = _free_name(sweep_dir)
        advice = f"rerun with the same settings to resume it, or start a new sweep with hydra.sweep.dir={new_dir}"
        recorded = read_manifest(sweep_dir).get("settings")
        differences = settings_differences(recorded, settings) if recorded else []
        if differences:
            _refuse(
                f"{sweep_dir} holds a sweep with other fixed settings ({'; '.join(differences)}); {advice}"
            )
        clashes = [
            name
            for name, job in zip(names, jobs)
            if (recorded_job := read_overrides(sweep_dir / name)) is not None
            and not same_overrides(recorded_job, job)
        ]
        if clashes:
            _refuse(
                f"{sweep_dir} holds {len(clashes)} job(s) run with other overrides "
                f"(e.g. {clashes[0]}: {' '.join(read_overrides(sweep_dir / clashes[0]) or [])}); {advice}"
            )

    def validate_batch_is_legal(
        self, batch, alike: frozenset = frozenset(), names: Optional[List[str]] = None
    ) -> None:
        """Compose one job per distinct override value, not every job of the grid, and only
        the first job's value of the overrides in ``alike`` (keys whose values all compose
        once one does: :func:`sim.run.api.composes_as_first_value`, checked by
        :func:`sim.run.api.check_overrides`), such as the seed. With the jobs' directory
        ``names``, each is composed as it is launched (:func:`as_launched`), so the launcher
        reuses these compositions.

        Composition errors come from single overrides (an unknown key, a bad group option, a
        wrong type), so checking each value once catches them, in time linear in the number
        of values instead of the number of jobs (140 compositions for scenario_comparison
        took ~20 s before any job started; a composition is ~0.1 s). Range errors are caught
        in each job.
        """
        seen: set = set()
        sample = []
        for i, job in enumerate(batch):
            new = {o for o in job if o.split("=", 1)[0] not in alike} - seen
            if new or not sample:
                sample.append(job if names is None else as_launched(names[i], job))
                seen |= new
        super().validate_batch_is_legal(sample)

    def job_names(self, jobs: List[List[str]], swept: List[str]) -> List[str]:
        sep = self.config.hydra.job.config.override_dirname
        names = [job_name(job, swept, sep.kv_sep, sep.item_sep) for job in jobs]
        if len(set(names)) != len(names):
            names = [f"{i}-{n}" for i, n in enumerate(names)]  # only for duplicated jobs
        return names


def as_launched(name: str, job: List[str]) -> List[str]:
    """A job's overrides as the sweeper launches it: with its directory (``name``)."""
    return [*job, f"hydra.sweep.subdir='{name}'"]


def _refuse(message: str) -> None:
    print(f"p4p-sim: error: {message}", file=sys.stderr, flush=True)
    raise SystemExit(2)


def _free_name(path: Path) -> Path:
    for k in range(2, 1000):
        candidate = path.with_name(f"{path.name}-{k}")
        if not candidate.exists():
            return candidate
    return path.with_name(f"{path.name}-new")
