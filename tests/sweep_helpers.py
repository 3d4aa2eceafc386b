"""Run small ``p4p-sim -m`` sweeps in subprocesses for the sweep, report and notebook tests.

Sweeps run once per test session and are cached under pytest's base temp directory, so
several test modules share them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import sim

PROJECT_ROOT = Path(sim.__file__).resolve().parent.parent
TINY = ["population=tiny"]  # configs/population/tiny.yaml
PAIRED = ["scenario=baseline,pay_for_performance", "seed=1,2,3"]
SERIAL = "hydra/launcher=basic"  # in-process: no worker start-up for sweeps of a few tiny jobs


def subprocess_env(fault: str | None = None) -> dict:
    """Environment in which a child Python imports this source tree, with the test hooks
    ``fault`` set (:mod:`sim.run.faults`) and none inherited."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(PROJECT_ROOT), env.get("PYTHONPATH", "")]).rstrip(
        os.pathsep
    )
    env.pop("P4P_SIM_CONFIG_DIR", None)
    env.pop("P4P_SIM_TEST_FAULT", None)
    if fault:
        env["P4P_SIM_TEST_FAULT"] = fault
    return env


def run_cli(
    args: list[str], cwd: Path, check: bool = True, timeout: float = 300, env: dict | None = None
) -> subprocess.CompletedProcess:
    """``python -m sim.run.cli <args>`` (what the ``p4p-sim`` console script runs); ``env``
    adds variables (e.g. ``SLURM_CONF``) to :func:`subprocess_env`."""
    result = subprocess.run(
        [sys.executable, "-m", "sim.run.cli", *args],
        cwd=cwd,
        env={**subprocess_env(), **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"p4p-sim {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def run_sweep(sweep_dir: Path, *overrides: str, check: bool = True) -> subprocess.CompletedProcess:
    """A multirun into ``sweep_dir`` on a tiny economy."""
    sweep_dir.parent.mkdir(parents=True, exist_ok=True)
    return run_cli(
        ["-m", *overrides, *TINY, f"hydra.sweep.dir={sweep_dir}"], cwd=sweep_dir.parent, check=check
    )


_SWEEP_OUTPUT: dict[Path, str] = {}


def cached_sweep(tmp_path_factory, name: str, *overrides: str) -> Path:
    """Run a sweep once per session (shared by test modules) and return its directory."""
    sweep_dir = tmp_path_factory.getbasetemp() / "shared_sweeps" / name
    if not (sweep_dir / "sweep.parquet").exists():
        result = run_sweep(sweep_dir, *overrides)
        _SWEEP_OUTPUT[sweep_dir] = result.stdout + result.stderr
    return sweep_dir


def sweep_output(sweep_dir: Path) -> str:
    """What the command that ran :func:`cached_sweep`'s sweep printed."""
    return _SWEEP_OUTPUT[sweep_dir]


def paired_sweep(tmp_path_factory) -> Path:
    """baseline and pay_for_performance x seeds 1-3 with the default (joblib) launcher."""
    return cached_sweep(tmp_path_factory, "paired", *PAIRED)


_RERUNS: dict[Path, tuple[Path, dict[str, int], str]] = {}


def rerun_paired_sweep(tmp_path_factory) -> tuple[Path, dict[str, int], str]:
    """The paired sweep copied and run again with its own command (every job completed), once
    per session: the copy, its job files' mtimes before the rerun, and the rerun's log."""
    copy = tmp_path_factory.getbasetemp() / "shared_sweeps" / "paired_rerun"
    if copy not in _RERUNS:
        import shutil

        shutil.copytree(paired_sweep(tmp_path_factory), copy)
        before = file_mtimes(copy)
        result = run_sweep(copy, *PAIRED)
        _RERUNS[copy] = (copy, before, result.stdout + result.stderr)
    return _RERUNS[copy]


_REPORTS: dict[Path, tuple[Path, subprocess.CompletedProcess, dict[str, bytes]]] = {}
SWEEP_TABLES = ("sweep.parquet", "timeseries.parquet")


def reported_paired_sweep(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess, dict]:
    """The paired sweep copied and ``p4p-report --quiet`` run on it, once per session: the copy,
    the report's result, and the bytes of the sweep tables before the report."""
    copy = tmp_path_factory.getbasetemp() / "shared_sweeps" / "paired_report"
    if copy not in _REPORTS:
        import shutil

        shutil.copytree(paired_sweep(tmp_path_factory), copy)
        tables = {name: (copy / name).read_bytes() for name in SWEEP_TABLES}
        result = run_module("sim.analysis.report", [str(copy), "--quiet"], cwd=copy.parent)
        _REPORTS[copy] = (copy, result, tables)
    return _REPORTS[copy]


def assert_same_results(sweep_dir: Path, reference: Path) -> None:
    """Every job of ``sweep_dir`` has the KPIs and monthly series of the same job in ``reference``."""
    import pandas as pd

    other = pd.read_parquet(sweep_dir / "sweep.parquet").set_index("job")
    assert (other["status"] == "completed").all(), other["status"].to_dict()
    expected = pd.read_parquet(reference / "sweep.parquet").set_index("job").loc[other.index]
    kpis = [
        c
        for c in expected.columns
        if c in other.columns and expected[c].dtype == float and c != "run_seconds"
    ]
    pd.testing.assert_frame_equal(other[kpis], expected[kpis])
    for job in other.index:
        pd.testing.assert_frame_equal(
            pd.read_parquet(sweep_dir / job / "timeseries.parquet"),
            pd.read_parquet(reference / job / "timeseries.parquet"),
        )


def file_mtimes(root: Path) -> dict[str, int]:
    """mtime (ns) of every file under the job directories of a sweep."""
    return {
        str(p.relative_to(root)): p.stat().st_mtime_ns
        for p in root.rglob("*")
        if p.is_file()
        and len(p.relative_to(root).parts) > 1
        and not p.relative_to(root).parts[0].startswith(".")
    }


def outcome_share_sweep(tmp_path_factory) -> Path:
    """1-D: the outcome_share_sweep experiment cut to two values and two seeds."""
    return cached_sweep(
        tmp_path_factory,
        "outcome_share",
        "+experiment=outcome_share_sweep",
        "funding.outcome_share=0,0.7",
        "seed=1,2",
        SERIAL,
    )


def grid_sweep(tmp_path_factory) -> Path:
    """2-D: the recognition_x_funding experiment cut to a 2x2 grid and two seeds."""
    return cached_sweep(
        tmp_path_factory,
        "grid",
        "+experiment=recognition_x_funding",
        "credentials.recognition_shift=0,0.3",
        "funding.outcome_share=0,0.7",
        "seed=1,2",
        SERIAL,
    )


def run_module(module: str, args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    """``python -m <module> <args>`` (e.g. sim.analysis.report, what ``p4p-report`` runs)."""
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=cwd,
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
