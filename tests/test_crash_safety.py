"""Crash safety: a real ``p4p-sim`` process is killed (SIGKILL) at several moments, including
while each output file is being written. No partial summary.json or parquet file may be
left behind (each is either complete and readable, or absent) and rerunning into the same
directory succeeds, giving the same results as an uninterrupted run.

Writes are slowed down with the ``P4P_SIM_TEST_FAULT=slow_write=...`` test hook
(:mod:`sim.run.faults`), so the kill lands while a file is half written.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from tests.sweep_helpers import subprocess_env

MONTHS = 60
ECONOMY = [
    "population.workers=2000",
    "population.employers=100",
    f"time.months={MONTHS}",
    "time.burn_in=12",
    "seed=5",
]
OUTPUTS = ("summary.json", "timeseries.parquet", "timing.json")


def command() -> list[str]:
    exe = shutil.which("p4p-sim")
    return [exe] if exe else [sys.executable, "-m", "sim.run.cli"]


def run(run_dir: Path, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        command() + [*ECONOMY, f"hydra.run.dir={run_dir}"],
        cwd=cwd,
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )


def wait_for(condition, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the moment to kill never came")
        time.sleep(0.02)


def temp_files(run_dir: Path, name: str) -> list[Path]:
    return list(run_dir.glob(f".{name}.*.tmp")) if run_dir.exists() else []


def log_says(run_dir: Path, text: str) -> bool:
    log = run_dir / "p4p-sim.log"
    return log.exists() and text in log.read_text(errors="replace")


# The moments to kill at: (name, fault hook, condition on the run dir that says "now").
MOMENTS = [
    ("during_startup", None, lambda d: True),
    ("mid_simulation", None, lambda d: log_says(d, "month 24/")),
    (
        "writing_hydra_config",
        "slow_write=30,slow_file=config.yaml",
        lambda d: bool(temp_files(d / ".hydra", "config.yaml")),
    ),
    (
        "writing_timeseries",
        "slow_write=30,slow_file=timeseries.parquet",
        lambda d: bool(temp_files(d, "timeseries.parquet")),
    ),
    (
        "writing_summary",
        "slow_write=30,slow_file=summary.json",
        lambda d: bool(temp_files(d, "summary.json")),
    ),
]


def assert_complete_or_absent(run_dir: Path) -> set[str]:
    """Every output file is absent or complete and readable; returns the ones present."""
    present = set()
    if (run_dir / "summary.json").exists():
        summary = json.loads((run_dir / "summary.json").read_text())
        assert summary["status"] == "completed" and summary["kpis"]
        present.add("summary.json")
    if (run_dir / "timeseries.parquet").exists():
        assert list(pd.read_parquet(run_dir / "timeseries.parquet")["month"]) == list(range(MONTHS))
        present.add("timeseries.parquet")
    if (run_dir / "timing.json").exists():
        assert "phase_seconds" in json.loads((run_dir / "timing.json").read_text())
        present.add("timing.json")
    for name in ("config.yaml", "hydra.yaml", "overrides.yaml"):
        path = run_dir / ".hydra" / name
        if path.exists():
            assert yaml.safe_load(path.read_text()) is not None
    return present


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """KPIs of an uninterrupted run of the same economy."""
    tmp = tmp_path_factory.mktemp("reference")
    result = run(tmp / "run", tmp)
    assert result.returncode == 0, result.stderr
    return json.loads((tmp / "run" / "summary.json").read_text())["kpis"]


@pytest.mark.parametrize("moment,fault,ready", MOMENTS, ids=[m[0] for m in MOMENTS])
def test_killed_run_leaves_no_partial_output_and_reruns(moment, fault, ready, reference, tmp_path):
    run_dir = tmp_path / "run"
    process = subprocess.Popen(
        command() + [*ECONOMY, f"hydra.run.dir={run_dir}"],
        cwd=tmp_path,
        env=subprocess_env(fault),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(lambda: ready(run_dir) or process.poll() is not None)
        assert process.poll() is None, f"the run ended before the kill ({moment})"
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == -signal.SIGKILL

    present = assert_complete_or_absent(run_dir)
    assert "summary.json" not in present  # the summary is the last thing written
    if moment == "writing_timeseries":
        assert "timeseries.parquet" not in present and temp_files(run_dir, "timeseries.parquet")
    if moment == "writing_summary":
        assert {"timeseries.parquet", "timing.json"} <= present and temp_files(
            run_dir, "summary.json"
        )

    result = run(run_dir, tmp_path)
    assert result.returncode == 0, result.stderr
    assert assert_complete_or_absent(run_dir) == set(OUTPUTS)
    assert not list(run_dir.glob(".*.tmp"))  # leftovers of the killed writer are cleaned up
    assert json.loads((run_dir / "summary.json").read_text())["kpis"] == reference
