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

import functools
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
    before the task runs. Their text is ``OmegaConf.to_yaml``'s of the job's config without
    its ``hydra`` node, of Hydra's config and of the task overrides, taken from one plain copy
    of the job's config (at ``on_job_start`` Hydra's config is that config's ``hydra`` node)
    and emitted by libyaml (:func:`omegaconf_yaml`). Public Hydra API only: no private
    function is replaced.
    """

    def on_job_start(self, config: DictConfig, **kwargs: Any) -> None:
        from sim.run.outputs import atomic_write_bytes

        folder = Path(config.hydra.runtime.output_dir) / HYDRA_SUBDIR
        plain = OmegaConf.to_container(config, resolve=False, enum_to_str=True)
        hydra = plain.pop("hydra")
        files = {
            "config.yaml": plain,
            "hydra.yaml": {"hydra": hydra},
            "overrides.yaml": hydra["overrides"]["task"],
        }
        for name, node in files.items():
            atomic_write_bytes(folder / name, omegaconf_yaml(node).encode("utf-8"))


def omegaconf_yaml(plain: Any) -> str:
    """``OmegaConf.to_yaml``'s text for a config given as ``OmegaConf.to_container(config,
    resolve=False, enum_to_str=True)``: OmegaConf's representer (which quotes the strings
    that YAML would read as booleans or numbers), emitted by libyaml when PyYAML has it
    (about 4x faster than PyYAML's own emitter, from the same YAML nodes) and by OmegaConf's
    dumper otherwise."""
    import yaml
    from omegaconf._utils import get_omega_conf_dumper

    dumper = get_omega_conf_dumper()
    if getattr(yaml, "__with_libyaml__", False):
        dumper = _libyaml_dumper(dumper)
    return yaml.dump(
        plain, default_flow_style=False, allow_unicode=True, sort_keys=False, Dumper=dumper
    )


@functools.cache
def _libyaml_dumper(omegaconf_dumper: type) -> type:
    """PyYAML's ``CDumper`` with the representers of OmegaConf's dumper (a ``yaml.Dumper``)."""
    import yaml

    class OmegaConfCDumper(yaml.CDumper):
        yaml_representers = dict(omegaconf_dumper.yaml_representers)
        yaml_multi_representers = dict(omegaconf_dumper.yaml_multi_representers)

    return OmegaConfCDumper


class SweepCallbacks(Callback):
    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        """Under a sweeper other than the resumable ones (Optuna's, Hydra's basic one), let
        Ctrl-C stop ``p4p-sim`` at once from here: the resumable sweeper lets it once its
        compositions are done, as it launches the jobs (:func:`sim.run.api.hold_interrupts`)."""
        from hydra.utils import get_class

        from hydra_plugins.p4p_sim_sweeper.resumable_sweeper import ResumableSweeper
        from sim.run.api import release_interrupts

        try:
            resumable = issubclass(get_class(config.hydra.sweeper._target_), ResumableSweeper)
        except Exception:  # noqa: BLE001 - not a class found here: Hydra reports it
            resumable = False
        if not resumable:
            release_interrupts()

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
