"""``hydra/launcher=ray`` against a local Ray cluster (``ray start --head``): every job runs in
a worker of that cluster and the results equal the joblib launcher's.

Ray's Hydra plugin needs its own environment (it pins cloudpickle<3), so run this module with
that environment's Python, as ``.ci/run`` does::

    python -m venv --system-site-packages .venv-ray && .venv-ray/bin/pip install -e ".[ray]"
    .venv-ray/bin/python -m pytest -m cluster tests/cluster/test_ray.py

Elsewhere it skips (under ``CI=true`` it fails instead).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.cluster.sweeps import JOB_NAMES, cannot_run, run_cluster_sweep
from tests.sweep_helpers import assert_same_results

pytestmark = pytest.mark.cluster

# hydra-ray-launcher 1.2.2 sets init.object_store_memory, which ray.init refuses when it
# connects to a running cluster; null leaves the cluster's own setting
RAY = ["hydra/launcher=ray", "+hydra.launcher.ray.init.object_store_memory=null"]


@pytest.fixture(scope="session")  # session: set up before the joblib reference, so a skip is quick
def ray_head(tmp_path_factory):
    """(address, temp dir) of a one-node Ray cluster started here (2 CPUs), stopped afterwards."""
    ray = Path(sys.executable).with_name("ray")
    if not ray.exists():
        cannot_run(
            f"no Ray next to {sys.executable}: run this module with .venv-ray/bin/python (README, Sweeps)"
        )
    try:
        import hydra_plugins.hydra_ray_launcher  # noqa: F401
    except ImportError:
        cannot_run(
            "hydra-ray-launcher is not installed: pip install -e '.[ray]' in a separate venv"
        )
    temp_dir = tmp_path_factory.mktemp("ray")
    log = open(temp_dir / "ray-start.log", "w")
    head = subprocess.Popen(
        [
            str(ray),
            "start",
            "--head",
            "--block",
            "--port=0",
            "--num-cpus=2",
            "--include-dashboard=false",
            "--disable-usage-stats",
            f"--temp-dir={temp_dir}",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        yield _wait_for_address(temp_dir, head), temp_dir
    finally:
        head.send_signal(signal.SIGTERM)  # --block: ray stops the processes it started
        try:
            head.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(head.pid, signal.SIGKILL)
            head.wait()
        log.close()


def _wait_for_address(temp_dir: Path, head: subprocess.Popen, timeout: float = 120) -> str:
    """The head's GCS address, which ``ray start`` records in its temp dir once the cluster is up."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = (temp_dir / "ray-start.log").read_text(errors="replace")
        if "Ray runtime started" in text and (temp_dir / "ray_current_cluster").exists():
            return (temp_dir / "ray_current_cluster").read_text().strip()
        if head.poll() is not None:
            raise AssertionError(f"ray start exited with {head.returncode}:\n{text[-3000:]}")
        time.sleep(0.5)
    raise AssertionError(f"the Ray head did not start within {timeout:.0f} s")


def test_sweep_runs_on_the_ray_cluster_with_joblib_results(ray_head, joblib_reference, tmp_path):
    sweep_dir = tmp_path / "ray"
    address, temp_dir = ray_head
    run_cluster_sweep(sweep_dir, *RAY, env={"RAY_ADDRESS": address})
    worker_logs = "".join(
        log.read_text(errors="replace")
        for log in (temp_dir / "session_latest" / "logs").glob("worker-*.out")
    )
    # The cluster is this test's own (its own temp dir), so every task it ran is this sweep's.
    # Sweep jobs keep their log lines in their own p4p-sim.log, not the console.
    tasks = {
        log.name
        for log in (temp_dir / "session_latest" / "logs").glob("worker-*.out")
        if ":task_name:_run_job" in log.read_text(errors="replace")
    }
    assert worker_logs.count(":task_name:_run_job") >= len(JOB_NAMES) and tasks, (
        "the sweep's jobs did not run as tasks of the Ray cluster"
    )
    for job in JOB_NAMES:
        assert f"wrote {sweep_dir / job}" in (sweep_dir / job / "p4p-sim.log").read_text()
    assert_same_results(sweep_dir, joblib_reference)
