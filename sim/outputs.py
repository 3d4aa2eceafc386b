"""Run outputs: summary.json, timeseries.parquet, optional employer_panel.parquet.

Every file is written to a temporary name in the same directory and renamed into place, so a
run killed at any moment leaves either the complete file or none at all.
"""
from __future__ import annotations

import json
import os
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

SUMMARY = "summary.json"
TIMESERIES = "timeseries.parquet"
EMPLOYER_PANEL = "employer_panel.parquet"
FAILURE = "failure.json"
TIMING = "timing.json"


def atomic_write_bytes(path: Path, data: bytes) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_json(path: Path, payload: Any) -> None:
    text = json.dumps(payload, indent=2, sort_keys=False, allow_nan=False) + "\n"
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_parquet(path: Path, frame: pd.DataFrame) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        frame.to_parquet(tmp, index=False)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def git_commit() -> str | None:
    """Commit of the source tree the package runs from, with '-dirty' if it has changes."""
    here = Path(__file__).resolve().parent
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=5
        )
        if commit.returncode != 0:
            return None
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=here, capture_output=True, text=True, timeout=5,
        )
        return commit.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return None


def provenance(config: dict, seed: int) -> dict:
    from . import __version__

    return {
        "seed": seed,
        "package_version": __version__,
        "git_commit": git_commit(),
        "config": config,
    }


def write_run(out_dir: Path, results, config: dict, seed: int, scenario: str, timing: dict) -> None:
    """Write a completed run. The summary goes last: its presence means the run is complete."""
    out_dir = Path(out_dir)
    (out_dir / FAILURE).unlink(missing_ok=True)
    if config.get("output", {}).get("timeseries", True):
        atomic_write_parquet(out_dir / TIMESERIES, results.timeseries)
    if results.employer_panel is not None:
        atomic_write_parquet(out_dir / EMPLOYER_PANEL, results.employer_panel)
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
    """Record why a job failed (never a summary.json), so sweeps can list it."""
    atomic_write_json(
        Path(out_dir) / FAILURE,
        {"status": "failed", "error_type": kind, "error": error, "overrides": overrides or []},
    )


def load_summary(run_dir: Path) -> dict:
    with open(Path(run_dir) / SUMMARY, encoding="utf-8") as handle:
        return json.load(handle)
