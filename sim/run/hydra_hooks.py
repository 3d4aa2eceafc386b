"""Hydra callbacks of ``p4p-sim`` (registered under ``hydra.callbacks`` in config.yaml).

* Before a single run starts, type- and range-check the config Hydra composed for it, before
  Hydra creates the run directory (:class:`CheckRunConfig`): a bad value writes nothing.
* Before each job starts (in the job's own process) write its ``.hydra/*.yaml`` files
  atomically (:class:`AtomicConfigFiles`).
* After each job (in the job's own process, whichever launcher ran it) log how many jobs of
  the sweep have finished, counted from the files in the sweep directory.
* When the multirun ends (on the submitting machine) build ``sweep.parquet`` and the stacked
  ``timeseries.parquet`` (:func:`sim.run.sweep.collect_sweep`), print the job counts and the
  next command, and remember whether every job completed: ``p4p-sim`` then exits non-zero if
  not.
Progress while the sweep runs is the sweeper's (one bar, not per-job log lines).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf

log = logging.getLogger("p4p_sim")

# outcome of the last multirun in this process: {"directory", "counts", "complete"}
LAST_SWEEP: dict = {}


HYDRA_SUBDIR = ".hydra"


class CheckRunConfig(Callback):
    """Stop a single run whose config is out of range before Hydra creates its directory.

    ``p4p-sim`` checks the overrides' keys and types before Hydra starts (``precheck``); the
    ranges and cross-field rules need the composed config, and this is the first place that
    has it: ``on_run_start`` comes after Hydra's composition and before ``run_job`` makes the
    run directory. Hydra turns a callback's exceptions into warnings, so a bad config exits
    here (SystemExit, status 2) with the command's one-line error. A sweep's jobs check their
    own config instead (a bad value fails only its job, with ``failure.json``).
    """

    def on_run_start(self, config: DictConfig, **kwargs: Any) -> None:
        from sim.config.validation import ConfigError
        from sim.run.api import check_run_config

        try:
            check_run_config(config)
        except ConfigError as exc:
            from sim.run.cli import fail

            fail(str(exc))


class AtomicConfigFiles(Callback):
    """Write the job's ``.hydra/config.yaml``, ``hydra.yaml`` and ``overrides.yaml`` so that
    each is complete or absent, whichever launcher runs the job.

    Hydra itself would write them in place (``hydra.output_subdir``), and a job killed
    mid-write would leave a truncated file; config.yaml sets ``hydra.output_subdir: null``
    and this callback writes the same three files through
    :func:`sim.run.outputs.atomic_write_bytes` at ``on_job_start``, in the job's own process,
    before the task runs. Public Hydra API only: no private function is replaced.
    """

    def on_job_start(self, config: DictConfig, **kwargs: Any) -> None:
        from hydra.core.hydra_config import HydraConfig

        from sim.run.outputs import atomic_write_bytes

        folder = Path(config.hydra.runtime.output_dir) / HYDRA_SUBDIR
        files = {
            "config.yaml": OmegaConf.masked_copy(config, [k for k in config if k != "hydra"]),
            "hydra.yaml": HydraConfig.instance().cfg,
            "overrides.yaml": config.hydra.overrides.task,
        }
        for name, node in files.items():
            atomic_write_bytes(folder / name, OmegaConf.to_yaml(node).encode("utf-8"))


class SweepCallbacks(Callback):
    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        from sim.run.sweep import collect_sweep, describe
        from sim.run.sweep_jobs import COMPLETED, resume_command

        sweep_dir = Path(config.hydra.sweep.dir)
        LAST_SWEEP.clear()
        LAST_SWEEP.update(directory=sweep_dir, counts={}, complete=False)
        try:
            sweep = collect_sweep(sweep_dir)
        except Exception as exc:  # noqa: BLE001 - the jobs' own files are safe; say how to retry
            log.error("could not build the sweep table (%s); rerun: p4p-collect %s", exc, sweep_dir)
            return
        counts = sweep.status_counts()
        LAST_SWEEP.update(counts=counts, complete=set(counts) <= {COMPLETED})
        log.info("%s", describe(sweep))
        if LAST_SWEEP["complete"]:
            log.info("next: p4p-report %s", sweep_dir)
        else:
            log.info(
                "next: %s (retries the unfinished jobs), or p4p-report %s",
                resume_command(sweep_dir),
                sweep_dir,
            )
