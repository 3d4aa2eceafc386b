"""Hydra callbacks of ``p4p-sim`` sweeps (registered under ``hydra.callbacks`` in config.yaml).

When the multirun ends (on the submitting machine) build ``sweep.parquet`` and the stacked
``timeseries.parquet`` (:func:`sim.run.sweep.collect_sweep`), print the job counts and the next
command, and remember whether every job completed: ``p4p-sim`` then exits non-zero if not.
Progress while the sweep runs is the sweeper's (one bar, not per-job log lines).
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

log = logging.getLogger("p4p_sim")

# outcome of the last multirun in this process: {"directory", "counts", "complete"}
LAST_SWEEP: dict = {}


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
            log.info("next: %s (retries the unfinished jobs), or p4p-report %s", resume_command(sweep_dir), sweep_dir)
