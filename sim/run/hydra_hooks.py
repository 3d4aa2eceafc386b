"""Hydra callbacks of ``p4p-sim`` sweeps (registered under ``hydra.callbacks`` in config.yaml).

* After each job (in the job's own process, whichever launcher ran it) log how many jobs of
  the sweep have finished, counted from the files in the sweep directory.
* When the multirun ends (on the submitting machine) build ``sweep.parquet`` and the stacked
  ``timeseries.parquet`` (:func:`sim.sweep.collect_sweep`).
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf

log = logging.getLogger("p4p_sim")


class SweepCallbacks(Callback):
    def on_job_end(self, config: DictConfig, job_return: Any = None, **kwargs: Any) -> None:
        if OmegaConf.select(config, "hydra.mode") != RunMode.MULTIRUN:
            return
        from sim.run.sweep_jobs import count_finished

        done, total = count_finished(Path(config.hydra.sweep.dir))
        log.info("sweep progress: %d/%d jobs finished", done, total)

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        from sim.run.sweep import collect_sweep, describe

        sweep_dir = Path(config.hydra.sweep.dir)
        try:
            sweep = collect_sweep(sweep_dir)
        except Exception as exc:  # noqa: BLE001 - the jobs' own files are safe; say how to retry
            log.error("could not build the sweep table (%s); rerun: p4p-collect %s", exc, sweep_dir)
            return
        log.info("%s", describe(sweep))


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
