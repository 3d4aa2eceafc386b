"""Run outputs: summary.json, timeseries.parquet, optional employer_panel.parquet and (for a
trial) units.parquet.

Every file is written to a temporary name in the same directory (``.<name>.<random>.tmp``),
flushed to disk and renamed into place, so a run killed at any moment leaves either the
complete file or none at all. ``summary.json`` is written last and ``failure.json`` only for
failed jobs: a directory holds at most one of the two, and a directory with neither is an
incomplete run. Hydra's own ``.hydra/*.yaml`` files are made atomic the same way
(:class:`sim.run.hydra_hooks.AtomicConfigFiles`).
"""

from __future__ import annotations

import functools
import io
import json
import os
import subprocess
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.run import faults

if TYPE_CHECKING:
    import pandas as pd

SUMMARY = "summary.json"
TIMESERIES = "timeseries.parquet"
EMPLOYER_PANEL = "employer_panel.parquet"
TRIAL_UNITS = "units.parquet"  # a trial run's units: enrolment, assignment, outcomes
FAILURE = "failure.json"
TIMING = "timing.json"


TEMP_SUFFIX = ".tmp"
DATA_FILES = (TIMESERIES, EMPLOYER_PANEL, TRIAL_UNITS, TIMING)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


FILE_MODE = 0o666 & ~_umask()  # what open() would give; mkstemp alone gives 0600


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that ``path`` is never seen partly written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMP_SUFFIX, dir=path.parent)
    try:
        os.fchmod(fd, FILE_MODE)
        with os.fdopen(fd, "wb") as handle:
            half = len(data) // 2
            handle.write(data[:half])
            handle.flush()
            faults.pause_mid_write(path.name)
            handle.write(data[half:])
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
        _fsync_dir(path.parent)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable (a power cut cannot undo it)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def remove_stale_temp_files(folder: Path) -> None:
    """Delete temporary files left by a writer that was killed mid-write."""
    for tmp in Path(folder).glob(f".*{TEMP_SUFFIX}"):
        tmp.unlink(missing_ok=True)


def atomic_write_json(path: Path, payload: Any) -> None:
    text = json.dumps(payload, indent=2, sort_keys=False, allow_nan=False) + "\n"
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_parquet(path: Path, frame: pd.DataFrame) -> None:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    atomic_write_bytes(path, buffer.getvalue())


@functools.lru_cache(maxsize=1)
def git_commit() -> str | None:
    """Commit of the source tree the package runs from, with '-dirty' if it has changes; asked
    of git once per process (the code a process runs is the code it imported). Its status is
    asked without git's optional index lock: a git killed while it held that lock (a sweep's
    fork server ended mid-warm-up) would leave the checkout's next git command refused."""
    here = Path(__file__).resolve().parent
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=5
        )
        if commit.returncode != 0:
            return None
        dirty = subprocess.run(
            ["git", "--no-optional-locks", "status", "--porcelain", "--untracked-files=no"],
            cwd=here,
            capture_output=True,
            text=True,
            timeout=5,
        )
        return commit.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return None


def provenance(config: dict, seed: int) -> dict:
    from sim import __version__

    return {
        "seed": seed,
        "package_version": __version__,
        "git_commit": git_commit(),
        "config": config,
    }


def write_run(out_dir: Path, results, config: dict, seed: int, scenario: str, timing: dict) -> None:
    """Write a completed run. The summary goes last: its presence means the run is complete.

    Markers of an earlier attempt in the same directory go first, so a kill part-way leaves
    a directory that reads as incomplete, never a new data file next to an old summary.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    remove_stale_temp_files(out_dir)
    (out_dir / SUMMARY).unlink(missing_ok=True)
    (out_dir / FAILURE).unlink(missing_ok=True)
    if not config.get("output", {}).get("timeseries", True):
        (out_dir / TIMESERIES).unlink(missing_ok=True)
    if results.employer_panel is None:
        (out_dir / EMPLOYER_PANEL).unlink(missing_ok=True)
    if results.trial_units is None:
        (out_dir / TRIAL_UNITS).unlink(missing_ok=True)
    if config.get("output", {}).get("timeseries", True):
        atomic_write_parquet(out_dir / TIMESERIES, results.timeseries)
    if results.employer_panel is not None:
        atomic_write_parquet(out_dir / EMPLOYER_PANEL, results.employer_panel)
    if results.trial_units is not None:
        atomic_write_parquet(out_dir / TRIAL_UNITS, results.trial_units)
    atomic_write_json(out_dir / TIMING, timing)
    summary = {
        "status": "completed",
        "scenario": scenario,
        "seed": seed,
        "kpis": results.kpis,
        "provenance": provenance(config, seed),
    }
    atomic_write_json(out_dir / SUMMARY, summary)


def write_failure(out_dir: Path, error: str, kind: str, overrides: list[str] | None = None) -> None:
    """Record why a job failed, so sweeps can list it. Outputs of an earlier attempt in the
    same directory are removed first: a failed job has failure.json and no summary or data."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    remove_stale_temp_files(out_dir)
    for name in (SUMMARY, *DATA_FILES):
        (out_dir / name).unlink(missing_ok=True)
    atomic_write_json(
        Path(out_dir) / FAILURE,
        {"status": "failed", "error_type": kind, "error": error, "overrides": overrides or []},
    )


def load_summary(run_dir: Path) -> dict:
    with open(Path(run_dir) / SUMMARY, encoding="utf-8") as handle:
        return json.load(handle)
