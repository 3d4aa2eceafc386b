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
from omegaconf import DictConfig, OmegaConf

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


def make_hydra_config_writes_atomic() -> None:
    """Route Hydra's writes of ``.hydra/config.yaml``, ``hydra.yaml`` and ``overrides.yaml``
    through :func:`sim.run.outputs.atomic_write_bytes`, so a job killed at any moment leaves
    each file complete or absent.

    The one private Hydra API p4p-sim touches: ``hydra.core.utils._save_config``, which
    ``run_job`` calls in place before the task starts (checked against hydra-core 1.3.2; the
    project pins hydra-core < 1.4). No public hook runs before those writes.
    """
    from hydra.core import utils as hydra_utils

    from sim.run.outputs import atomic_write_bytes

    def save_config(cfg, filename: str, output_dir: Path) -> None:
        atomic_write_bytes(Path(output_dir) / filename, OmegaConf.to_yaml(cfg).encode("utf-8"))

    hydra_utils._save_config = save_config
