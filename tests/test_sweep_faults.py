"""Sweep fault tolerance: failing jobs, a killed sweep and junk files never cost the other jobs.

Exceptions inside the model are injected with the ``P4P_SIM_TEST_FAULT`` test hook
(:mod:`sim.run.faults`), which reaches every launcher's worker processes through the environment.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from sim.run.sweep import collect_main, collect_sweep, load_sweep
from tests.sweep_helpers import TINY, file_mtimes, subprocess_env


def sweep_command(sweep_dir: Path, overrides: list[str], economy: list[str] = TINY) -> list[str]:
    return [
        sys.executable,
        "-m",
        "sim.run.cli",
        "-m",
        *overrides,
        *economy,
        f"hydra.sweep.dir={sweep_dir}",
    ]


def run_sweep(
    sweep_dir: Path, *overrides: str, fault: str | None = None, exit_code: int = 0
) -> str:
    """Run a sweep (with an injected fault, optionally); it must exit ``exit_code`` (1 when a
    job fails). Returns its log."""
    result = subprocess.run(
        sweep_command(sweep_dir, list(overrides)),
        cwd=sweep_dir.parent,
        env=subprocess_env(fault),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == exit_code, result.stdout + result.stderr
    return result.stdout + result.stderr


def table_of(sweep_dir: Path) -> pd.DataFrame:
    return pd.read_parquet(sweep_dir / "sweep.parquet").set_index("job")


def test_bad_cells_and_model_exceptions_fail_only_their_jobs_and_resume_reruns_only_them(tmp_path):
    """A 2 x 2 sweep: one out-of-range value (two jobs) and one model exception (one job)."""
    sweep_dir = tmp_path / "sweep"
    cells = ("funding.outcome_share=0.3,1.5", "seed=1,2")
    run_sweep(sweep_dir, *cells, fault="raise_at_month=3,seed=2", exit_code=1)
    ok, crashed = "funding.outcome_share=0.3,seed=1", "funding.outcome_share=0.3,seed=2"
    bad = ["funding.outcome_share=1.5,seed=1", "funding.outcome_share=1.5,seed=2"]
    table = table_of(sweep_dir)
    assert table["status"].to_dict() == {
        ok: "completed",
        crashed: "failed",
        bad[0]: "failed",
        bad[1]: "failed",
    }
    assert table.loc[crashed, "error_type"] == "exception"
    assert "InjectedFault: injected fault in month 3" in table.loc[crashed, "error"]
    for job in bad:
        assert table.loc[job, "error_type"] == "config"
        assert (
            table.loc[job, "error"] == "funding.outcome_share=1.5 is out of range; allowed: [0, 1]"
        )
    assert table.loc[[crashed, *bad], "training_incidence"].isna().all()
    assert table.loc[ok, "training_incidence"] > 0
    for job in (crashed, *bad):  # a failed job has failure.json and no summary or data
        assert (sweep_dir / job / "failure.json").exists()
        assert not (sweep_dir / job / "summary.json").exists()
        assert not (sweep_dir / job / "timeseries.parquet").exists()

    before = file_mtimes(sweep_dir)
    log = run_sweep(
        sweep_dir, *cells, exit_code=1
    )  # the fault is gone: resume (bad values still fail)
    assert "1 already completed, launching 3" in log
    after = file_mtimes(sweep_dir)
    kept = {k: v for k, v in before.items() if k.startswith(ok + "/")}
    assert kept and {k: after[k] for k in kept} == kept
    status = table_of(sweep_dir)["status"].to_dict()
    assert status[crashed] == "completed" and not (sweep_dir / crashed / "failure.json").exists()
    assert status[bad[0]] == status[bad[1]] == "failed"  # still a bad value


def test_issue_command_completes_the_valid_job_and_lists_the_other_as_failed(tmp_path):
    """``p4p-sim -m funding.outcome_share=0.5,1.5 population.workers=2000 population.employers=100``"""
    command = [
        sys.executable,
        "-m",
        "sim.run.cli",
        "-m",
        "funding.outcome_share=0.5,1.5",
        "population.workers=2000",
        "population.employers=100",
    ]
    env = subprocess_env()
    result = subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 1, result.stderr  # the table is written, then exit 1: a job failed
    (sweep_dir,) = (tmp_path / "outputs" / "sweeps").iterdir()
    table = pd.read_parquet(sweep_dir / "sweep.parquet").set_index("funding.outcome_share")
    assert table.loc[0.5, "status"] == "completed" and table.loc[0.5, "training_incidence"] > 0
    assert table.loc[1.5, "status"] == "failed"
    assert table.loc[1.5, "error"] == "funding.outcome_share=1.5 is out of range; allowed: [0, 1]"
    assert "funding.outcome_share=1.5: failed: funding.outcome_share=1.5 is out of range" in (
        result.stdout + result.stderr
    )


def children(pid: int) -> list[int]:
    """The processes ``pid`` started (Linux)."""
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in path.read_text().split()] if path.exists() else []


def local_workers(pid: int) -> list[int]:
    """The local launcher's workers of the command ``pid``: the processes its fork server
    forked (the command's other child, the resource tracker, starts none) (Linux)."""
    return [worker for child in children(pid) for worker in children(child)]


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads /proc (Linux)")
def test_a_worker_killed_mid_sweep_stops_it_with_one_line_and_the_command_resumes_it(tmp_path):
    """SIGKILL one of the local launcher's two workers while it writes a job's summary: the
    sweep says in one line what finished and how to resume, exits 1, and the same command
    completes it without touching the jobs that finished."""
    sweep_dir = tmp_path / "sweep"
    env = subprocess_env("slow_write=2,slow_file=summary.json")
    command = sweep_command(sweep_dir, ["seed=1,2,3,4", "hydra.launcher.n_jobs=2"])
    process = subprocess.Popen(
        command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 240
        while not list(sweep_dir.glob("*/timing.json")):  # a job is pausing in its summary
            assert process.poll() is None and time.monotonic() < deadline, "no job ran"
            time.sleep(0.02)
        workers = local_workers(process.pid)
        assert len(workers) == 2, workers
        os.kill(workers[0], signal.SIGKILL)
        _, err = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 1, err
    assert "Traceback" not in err and err.strip().count("\n") == 0, err
    assert "a worker process ended abruptly" in err and "resume with: p4p-sim -m" in err
    finished = {p.parent.name for p in sweep_dir.glob("*/summary.json")}
    assert len(finished) < 4
    before = {k: v for k, v in file_mtimes(sweep_dir).items() if k.split("/")[0] in finished}
    env.pop("P4P_SIM_TEST_FAULT")
    resumed = subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )
    assert resumed.returncode == 0, resumed.stderr
    assert f"{len(finished)} already completed" in resumed.stdout + resumed.stderr
    after = file_mtimes(sweep_dir)
    assert {k: after[k] for k in before} == before
    assert (table_of(sweep_dir)["status"] == "completed").all()


def test_killed_sweep_is_collected_and_resumed(tmp_path):
    """SIGKILL the whole sweep (parent and joblib workers) once the first job has finished."""
    sweep_dir = tmp_path / "sweep"
    economy = [
        "population.workers=1500",
        "population.employers=60",
        "time.months=48",
        "time.burn_in=12",
    ]
    env = subprocess_env()
    process = subprocess.Popen(
        sweep_command(sweep_dir, ["seed=1,2,3,4,5"], economy),
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 240
        while not list(sweep_dir.glob("*/summary.json")) and process.poll() is None:
            assert time.monotonic() < deadline, "no job finished"
            time.sleep(0.02)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode == -signal.SIGKILL
    assert not (sweep_dir / "sweep.parquet").exists()

    sweep = collect_sweep(sweep_dir)
    assert len(sweep.table) == 5  # the manifest lists jobs that never started
    done = sweep.table[sweep.table["status"] == "completed"]["job"].tolist()
    assert 1 <= len(done) < 5
    assert set(sweep.table["status"]) <= {"completed", "incomplete", "missing"}
    for path in sweep_dir.glob("*/summary.json"):
        assert json.loads(path.read_text())["status"] == "completed"  # complete, or absent

    before = {k: v for k, v in file_mtimes(sweep_dir).items() if k.split("/")[0] in done}
    result = subprocess.run(
        sweep_command(sweep_dir, ["seed=1,2,3,4,5"], economy),
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert (
        f"{len(done)} already completed, launching {5 - len(done)}" in result.stdout + result.stderr
    )
    after = file_mtimes(sweep_dir)
    assert {k: after[k] for k in before} == before
    assert (table_of(sweep_dir)["status"] == "completed").all()


@pytest.fixture(scope="module")
def small_sweep(tmp_path_factory):
    sweep_dir = tmp_path_factory.mktemp("junk") / "sweep"
    run_sweep(sweep_dir, "seed=1,2,3")
    return sweep_dir


def test_foreign_and_truncated_files_are_reported_and_skipped(small_sweep, tmp_path, capsys):
    sweep_dir = tmp_path / "sweep"
    shutil.copytree(small_sweep, sweep_dir)
    reference = table_of(small_sweep)
    # truncated files of real jobs
    (sweep_dir / "seed=2" / "timeseries.parquet").write_bytes(
        (small_sweep / "seed=2" / "timeseries.parquet").read_bytes()[:300]
    )
    (sweep_dir / "seed=3" / ".hydra" / "overrides.yaml").write_text("- seed=3\n- [unclosed")
    # foreign files and directories
    (sweep_dir / "README.md").write_text("notes about this sweep")
    (sweep_dir / "other.parquet").write_bytes(b"not parquet at all")
    (sweep_dir / "sweep.parquet").write_bytes(b"PAR1\x00\x00")  # a table cut short
    foreign = sweep_dir / "copied_from_elsewhere"
    foreign.mkdir()
    (foreign / "summary.json").write_text(json.dumps(["a", "list", "not", "a", "summary"]))
    half = sweep_dir / "half_written_failure"
    half.mkdir()
    (half / "failure.json").write_text('{"status": "fail')
    (sweep_dir / ".ipynb_checkpoints" / "x").mkdir(parents=True)
    (sweep_dir / ".ipynb_checkpoints" / "x" / "summary.json").write_text("{}")
    (sweep_dir / "sweep_jobs.json").write_text("{truncated")

    sweep = load_sweep(sweep_dir)  # the cut-short sweep.parquet is rebuilt in memory, not fatal
    status = sweep.table.set_index("job")["status"].to_dict()
    assert status["seed=1"] == status["seed=2"] == status["seed=3"] == "completed"
    assert status["copied_from_elsewhere"] == "unreadable"
    assert status["half_written_failure"] == "unreadable"
    assert not any(job.startswith(".") for job in status)
    table = sweep.table.set_index("job")
    for job in ("seed=1", "seed=2", "seed=3"):
        assert table.loc[job, "training_incidence"] == reference.loc[job, "training_incidence"]
    assert any("seed=2: timeseries.parquet unreadable" in p for p in sweep.problems)
    assert any(p.startswith("copied_from_elsewhere: unreadable") for p in sweep.problems)
    assert set(sweep.timeseries["job"]) == {"seed=1", "seed=3"}
    assert (sweep_dir / "sweep.parquet").read_bytes() == b"PAR1\x00\x00"  # loading never writes

    assert collect_main([str(sweep_dir), "--quiet"]) == 0  # p4p-collect repairs the table
    assert pd.read_parquet(sweep_dir / "sweep.parquet").shape[0] == 5
    printed = capsys.readouterr().out
    assert (
        "copied_from_elsewhere: unreadable" in printed
        and "half_written_failure: unreadable" in printed
    )
    assert "seed=2: timeseries.parquet unreadable" in printed


def test_resume_over_junk_reruns_only_the_damaged_job(small_sweep, tmp_path):
    sweep_dir = tmp_path / "sweep"
    shutil.copytree(small_sweep, sweep_dir)
    (sweep_dir / "seed=2" / "summary.json").write_text('{"status": "completed", "kp')  # cut short
    (sweep_dir / "stray.txt").write_text("junk")
    before = file_mtimes(sweep_dir)
    log = run_sweep(sweep_dir, "seed=1,2,3")
    assert "2 already completed, launching 1" in log
    after = file_mtimes(sweep_dir)
    kept = {k: v for k, v in before.items() if not k.startswith("seed=2")}
    assert {k: after[k] for k in kept} == kept
    assert json.loads((sweep_dir / "seed=2" / "summary.json").read_text())["status"] == "completed"


@pytest.mark.parametrize(
    "log, status",
    [
        (
            "slurmstepd: error: *** JOB 41_1 ON node CANCELLED AT 2026-12-02T05:01:02 ***\n",
            "failed",
        ),
        (
            "slurmstepd: error: *** JOB 41_1 ON node CANCELLED AT 2026-12-02T05:01:02 DUE TO TIME"
            " LIMIT ***\n",
            "failed",
        ),
        ("a traceback, but no word from the scheduler\n", "incomplete"),
    ],
)
def test_a_job_the_scheduler_killed_is_failed_with_the_schedulers_words(tmp_path, log, status):
    from sim.run.sweep_jobs import job_state

    job = tmp_path / "seed=1"
    (job / ".hydra").mkdir(parents=True)
    (job / ".hydra" / "hydra.yaml").write_text("hydra:\n  job:\n    id: '41_1'\n")
    (job / ".hydra" / "overrides.yaml").write_text("- seed=1\n")
    logs = tmp_path / ".submitit" / "41_1"
    logs.mkdir(parents=True)
    (logs / "41_1_0_log.err").write_text(log)
    state = job_state(tmp_path, "seed=1")
    assert state.status == status
    if status == "failed":
        assert state.error.startswith("killed by the scheduler: SLURM job 41_1 cancelled at")
    (logs / "41_1_0_log.err").unlink()  # no scheduler record: the job is only incomplete
    assert job_state(tmp_path, "seed=1").status == "incomplete"
