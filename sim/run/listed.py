"""Launch a list of ``p4p-sim`` jobs (not a Cartesian grid) as one Hydra multirun.

Explorations and trial experiments write ``{job directory: overrides}`` to a jobs file in their
output directory and run ``p4p-sim -m hydra/sweeper=listed`` on it, so they run on any Hydra
launcher (``hydra/launcher=submitit_slurm``, ``ray``, the local cores) and resume like every
sweep: launching the same list again skips the jobs that completed.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Mapping, Sequence

import yaml

from sim.config.validation import ConfigError
from sim.run.api import hydra_literal
from sim.run.outputs import atomic_write_json

log = logging.getLogger("p4p_sim")


def split_overrides(items: Sequence[str]) -> tuple[dict, list[str]]:
    """``key=value`` model overrides (YAML-typed) and ``hydra...`` arguments, from the
    command line of ``p4p-explore`` or ``p4p-trial``."""
    model, hydra_args = {}, []
    for item in items:
        if item.startswith("hydra"):
            hydra_args.append(item)
            continue
        key, sep, text = item.partition("=")
        if not sep or not key:
            raise ConfigError(
                f"override {item!r} is not KEY=VALUE; allowed: e.g. population.workers=2000"
            )
        model[key] = yaml.safe_load(text)
    return model, hydra_args


def launch_listed(
    out: Path,
    jobs: Mapping[str, Sequence[str]],
    jobs_file: str,
    name_keys: Sequence[str],
    label: str,
    overrides: Mapping | None = None,
    hydra_args: Sequence[str] = (),
) -> None:
    """Run ``jobs`` (job directory -> its own overrides) into ``out`` as a ``p4p-sim`` multirun;
    ``overrides`` apply to every job. Raises when the multirun exits non-zero (a failed job)."""
    out = Path(out)
    atomic_write_json(out / jobs_file, {name: list(o) for name, o in jobs.items()})
    command = [
        sys.executable,
        "-m",
        "sim.run.cli",
        "-m",
        "hydra/sweeper=listed",
        f"hydra.sweeper.jobs_file={(out / jobs_file).resolve()}",
        f"hydra.sweeper.name_keys=[{','.join(name_keys)}]",
        f"hydra.sweeper.label={label}",
        f"hydra.sweep.dir={out.resolve()}",
        *[f"{k}={hydra_literal(v)}" for k, v in (overrides or {}).items()],
        *hydra_args,
    ]
    log.info("launching %d runs: %s", len(jobs), " ".join(command))
    child = subprocess.Popen(command, env=child_env())
    try:
        returncode = child.wait()
    except KeyboardInterrupt:  # the multirun got Ctrl-C too and says how to resume
        child.wait()
        raise SystemExit(130) from None
    if returncode != 0:
        raise RuntimeError(
            f"the {label.lower()} multirun exited with status {returncode};"
            f" rerun the same command to resume ({out})"
        )


def child_env() -> dict:
    """This process's environment, with this checkout first on ``PYTHONPATH``, so that a
    ``python -m`` child imports the same code (and finds its Hydra plugins) however the
    project is installed."""
    root = str(Path(__file__).resolve().parents[2])
    current = os.environ.get("PYTHONPATH", "")
    return {**os.environ, "PYTHONPATH": root if not current else f"{root}{os.pathsep}{current}"}
