"""``hydra/launcher=submitit_slurm`` against a real SLURM scheduler (a one-node cluster started
by :mod:`tests.cluster.local_slurm`): every job runs as a SLURM job, the results equal the
joblib launcher's, and a job the scheduler kills (``scancel``) is listed and reruns on resume.

Run with ``python -m pytest -m cluster tests/cluster/test_slurm.py`` as root; elsewhere the
tests skip (under ``CI=true`` they fail instead).
"""

from __future__ import annotations

import re
import subprocess
import sys
import time

import pandas as pd
import pytest
import yaml

from sim.run.sweep_jobs import job_state
from tests.cluster import local_slurm
from tests.cluster.sweeps import JOB_NAMES, cannot_run, run_cluster_sweep, sweep_args
from tests.sweep_helpers import assert_same_results, file_mtimes, subprocess_env

pytestmark = pytest.mark.cluster

SLURM = [
    "hydra/launcher=submitit_slurm",
    f"hydra.launcher.partition={local_slurm.PARTITION}",
    "hydra.launcher.timeout_min=10",
    "hydra.launcher.cpus_per_task=1",
]
ARRAY_TASK = re.compile(r"^\d+_\d+$")  # SLURM_ARRAY_JOB_ID _ SLURM_ARRAY_TASK_ID
# two jobs, both running at once; a one-value sweep keeps the seed in the job names
SEED_1 = ["scenario=baseline,pay_for_performance", "seed=choice(1)"]
SEED_1_NAMES = [name for name in JOB_NAMES if name.endswith("seed=1")]


@pytest.fixture(scope="session")  # session: set up before the joblib reference, so a skip is quick
def slurm(tmp_path_factory):
    """The throw-away cluster, stopped (all its daemons gone) when the tests end."""
    try:
        cluster = local_slurm.start(tmp_path_factory.mktemp("slurm"))
    except local_slurm.ClusterUnavailable as exc:
        cannot_run(f"no throw-away SLURM cluster: {exc}")
    pids = dict(cluster.pids)
    yield cluster
    cluster.stop()
    alive = [name for name, pid in pids.items() if _alive(pid)] + cluster.leftover_processes()
    assert not alive, f"still running after stop: {alive}"


def _alive(pid: int) -> bool:
    try:
        state = open(f"/proc/{pid}/stat").read().split(")")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"


def slurm_job(cluster, job_id: str) -> dict[str, str]:
    """``scontrol show job`` of one job as a dict (the controller keeps finished jobs a while)."""
    text = cluster.run(local_slurm.find("scontrol"), "-o", "show", "job", job_id).stdout
    return dict(item.split("=", 1) for item in text.split() if "=" in item)


def ended_slurm_job(cluster, job_id: str) -> dict[str, str]:
    """``slurm_job`` once the controller has recorded how the job ended. submitit reads a
    job's result as soon as the job has written it, while its process may still be exiting."""
    _wait_until(
        lambda: slurm_job(cluster, job_id)["JobState"] not in ("RUNNING", "COMPLETING"),
        60,
        f"SLURM job {job_id} did not end",
    )
    return slurm_job(cluster, job_id)


def hydra_job_id(job_dir) -> str | None:
    """``hydra.job.id`` recorded for a job (None until Hydra has written its hydra.yaml)."""
    try:
        config = yaml.safe_load((job_dir / ".hydra" / "hydra.yaml").read_text())
    except (OSError, yaml.YAMLError):
        return None
    return str(config["hydra"]["job"]["id"]) if isinstance(config, dict) else None


def test_an_existing_cluster_is_left_alone(slurm):
    """While a slurmctld runs on the machine, the script refuses to start another."""
    reason = local_slurm.why_unavailable()
    assert (
        reason
        == "slurmctld, slurmd already running: this machine has a SLURM cluster, which is left alone"
    )
    with pytest.raises(local_slurm.ClusterUnavailable, match="left alone"):
        local_slurm.start(slurm.directory / "second")
    assert not (slurm.directory / "second" / "slurm.conf").exists()


def test_sweep_runs_as_slurm_array_jobs_with_joblib_results(slurm, joblib_reference, tmp_path):
    sweep_dir = tmp_path / "slurm"
    run_cluster_sweep(sweep_dir, *SLURM, env={"SLURM_CONF": str(slurm.conf)})
    table = pd.read_parquet(sweep_dir / "sweep.parquet")
    assert sorted(table["job"]) == sorted(JOB_NAMES)
    for job in JOB_NAMES:
        job_id = hydra_job_id(sweep_dir / job)
        assert ARRAY_TASK.match(job_id), f"{job}: hydra.job.id {job_id!r} is not a SLURM array task"
        record = ended_slurm_job(slurm, job_id)
        assert (record["JobState"], record["BatchFlag"], record["Partition"]) == (
            "COMPLETED",
            "1",
            "cpu",
        )
        assert (
            f"job_id={job_id},"
            in next((sweep_dir / ".submitit" / job_id).glob("*_log.out")).read_text()
        )
    assert len({hydra_job_id(sweep_dir / job).split("_")[0] for job in JOB_NAMES}) == 1  # one array
    assert_same_results(sweep_dir, joblib_reference)


def test_a_job_cancelled_by_the_scheduler_is_listed_and_reruns_on_resume(
    slurm, joblib_reference, tmp_path
):
    """``scancel`` one job mid-run; the sweep table lists it as failed (killed by the
    scheduler, from slurmstepd's line in the job's log), and the same
    command run again launches only that job. Every job pauses 8 s while writing its summary
    (a test hook), longer than the KillWait of 5 s after which the scheduler kills it."""
    sweep_dir = tmp_path / "cancelled"
    slurm_env = {"SLURM_CONF": str(slurm.conf)}
    submitter_log = open(tmp_path / "submitter.log", "w")
    submitter = subprocess.Popen(
        [sys.executable, "-m", "sim.run.cli", *sweep_args(sweep_dir, *SLURM, jobs=SEED_1)],
        cwd=tmp_path,
        stdout=submitter_log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        env={
            **subprocess_env(),
            **slurm_env,
            "P4P_SIM_TEST_FAULT": "slow_write=8,slow_file=summary.json",
        },
    )
    try:
        cancelled, victim = _wait_for_started_job(sweep_dir, submitter)
        slurm.run(local_slurm.find("scancel"), victim)
        _wait_until(lambda: not _queue(slurm), 120, "the other jobs did not finish")
        # Without an accounting database (sacct) submitit cannot learn that the job was
        # cancelled and keeps waiting for it, as it would on such a cluster: stop it, like a user.
        if submitter.poll() is None:
            submitter.terminate()
        submitter.wait(timeout=30)
    finally:
        if submitter.poll() is None:
            submitter.kill()
            submitter.wait()
        submitter_log.close()
    assert slurm_job(slurm, victim)["JobState"] == "CANCELLED"

    collected = subprocess.run(
        [sys.executable, "-m", "sim.run.sweep", str(sweep_dir)],
        cwd=tmp_path,
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert collected.returncode == 0, collected.stderr
    status = pd.read_parquet(sweep_dir / "sweep.parquet").set_index("job")["status"].to_dict()
    assert status == {job: ("failed" if job == cancelled else "completed") for job in SEED_1_NAMES}
    error = job_state(sweep_dir, cancelled).error
    assert error.startswith(f"killed by the scheduler: SLURM job {victim}") and "cancelled" in error

    finished = {k: v for k, v in file_mtimes(sweep_dir).items() if not k.startswith(cancelled)}
    resumed = run_cluster_sweep(sweep_dir, *SLURM, jobs=SEED_1, env=slurm_env)
    assert "1 already completed, launching 1" in resumed.stdout + resumed.stderr
    assert {k: v for k, v in file_mtimes(sweep_dir).items() if k in finished} == finished
    rerun_id = hydra_job_id(sweep_dir / cancelled)
    assert rerun_id.isdigit()  # a lone job, not an array task
    assert ended_slurm_job(slurm, rerun_id)["JobState"] == "COMPLETED"
    assert_same_results(sweep_dir, joblib_reference)


def _queue(cluster) -> dict[str, str]:
    """Jobs in the SLURM queue: array task id -> state."""
    text = cluster.run(local_slurm.find("squeue"), "-h", "-r", "-o", "%i %T").stdout
    return dict(line.split() for line in text.splitlines() if line.strip())


def _wait_for_started_job(sweep_dir, submitter) -> tuple[str, str]:
    """(job, SLURM array task id) of the first job that started its run and has no summary yet."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        for job in SEED_1_NAMES:
            job_id = hydra_job_id(sweep_dir / job)
            if job_id is not None and not (sweep_dir / job / "summary.json").exists():
                return job, job_id
        if submitter.poll() is not None:
            raise AssertionError(
                f"the sweep ended before any job ran (exit {submitter.returncode})"
            )
        time.sleep(0.2)
    raise AssertionError("no job of the sweep started within 120 s")


def _wait_until(condition, timeout: float, message: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{message} within {timeout:.0f} s")
        time.sleep(0.5)
