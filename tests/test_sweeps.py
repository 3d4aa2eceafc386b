"""Sweeps: the sweep table, resume, launcher independence, failed and broken jobs."""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys

import numpy as np
import pandas as pd
import pytest

from sim.config.outcomes import KPI_NAMES
from sim.run.sweep import collect_sweep, load_sweep
from sim.run.sweep_jobs import MANIFEST, job_name
from tests.sweep_helpers import (
    PAIRED,
    PROJECT_ROOT,
    SERIAL,
    assert_same_results,
    file_mtimes,
    paired_sweep,
    rerun_paired_sweep,
    run_sweep,
    subprocess_env,
)

JOBS = [f"scenario={s},seed={k}" for s in ("baseline", "pay_for_performance") for k in (1, 2, 3)]


@pytest.fixture(scope="module")
def paired(tmp_path_factory):
    return paired_sweep(tmp_path_factory)


def test_sweep_table_has_one_row_per_job_with_every_kpi(paired):
    table = pd.read_parquet(paired / "sweep.parquet")
    assert sorted(table["job"]) == sorted(JOBS)
    assert set(KPI_NAMES) <= set(table.columns)
    assert {"scenario", "seed", "status", "error"} <= set(table.columns)
    assert (table["status"] == "completed").all()
    assert table["seed"].dtype == np.int64
    for row in table.itertuples():
        summary = json.loads((paired / row.job / "summary.json").read_text())
        assert (row.scenario, row.seed) == (summary["scenario"], summary["seed"])
        assert row.training_incidence == summary["kpis"]["training_incidence"]


def test_stacked_timeseries_is_keyed_by_job(paired):
    stacked = pd.read_parquet(paired / "timeseries.parquet")
    assert sorted(stacked["job"].unique()) == sorted(JOBS)
    own = pd.read_parquet(paired / "scenario=baseline,seed=2" / "timeseries.parquet")
    keys = [c for c in stacked.columns if c not in own.columns]  # the job and its overrides
    assert {"job", "scenario", "seed", "population"} <= set(keys)
    one = stacked[stacked["job"] == "scenario=baseline,seed=2"].drop(columns=keys)
    pd.testing.assert_frame_equal(one.reset_index(drop=True), own, check_dtype=False)


def test_rerunning_the_sweep_launches_nothing_and_touches_no_job_file(tmp_path_factory):
    copy, before, log = rerun_paired_sweep(tmp_path_factory)  # shared with test_daily_use.py
    assert "6 already completed, launching 0" in log
    assert file_mtimes(copy) == before
    assert len(pd.read_parquet(copy / "sweep.parquet")) == 6


def test_resume_reruns_only_missing_and_failed_jobs(paired, tmp_path):
    copy = tmp_path / "paired"
    shutil.copytree(paired, copy)
    shutil.rmtree(copy / "scenario=baseline,seed=3")
    (copy / "scenario=pay_for_performance,seed=1" / "summary.json").unlink()
    (copy / "scenario=pay_for_performance,seed=1" / "failure.json").write_text(
        '{"status": "failed"}'
    )
    before = file_mtimes(copy)
    result = run_sweep(copy, *PAIRED, SERIAL)
    assert "4 already completed, launching 2" in result.stdout + result.stderr
    after = file_mtimes(copy)
    rerun = ("scenario=baseline,seed=3", "scenario=pay_for_performance,seed=1")
    assert {k: v for k, v in after.items() if not k.startswith(rerun)} == {
        k: v for k, v in before.items() if not k.startswith(rerun)
    }
    table = pd.read_parquet(copy / "sweep.parquet")
    assert (table["status"] == "completed").all()
    original = pd.read_parquet(paired / "sweep.parquet")
    kpis = list(KPI_NAMES)
    pd.testing.assert_frame_equal(table[kpis], original[kpis])


RAY_MISSING = importlib.util.find_spec("ray") is None


@pytest.mark.parametrize(
    "launcher",
    [
        "basic",
        "joblib",  # Hydra's own; the default (local) runs its jobs in warm forked workers
        "submitit_local",
        pytest.param(
            "ray",
            marks=pytest.mark.skipif(RAY_MISSING, reason="optional extra: pip install -e '.[ray]'"),
        ),
    ],
)
def test_launchers_give_identical_results(paired, tmp_path, launcher):
    """The same jobs under another launcher: same KPIs and monthly series, bit for bit."""
    sweep_dir = tmp_path / launcher
    run_sweep(
        sweep_dir, "scenario=baseline,pay_for_performance", "seed=2,3", f"hydra/launcher={launcher}"
    )
    assert_same_results(sweep_dir, paired)


def test_warm_launcher_in_several_launches_gives_identical_results(paired, tmp_path):
    """The default launcher (local) over batches of jobs (one launch each, each with its own
    job context for the workers) gives the reference results."""
    sweep_dir = tmp_path / "batches"
    result = run_sweep(sweep_dir, *PAIRED, "hydra.sweeper.max_batch_size=4")
    assert (result.stdout + result.stderr).count("(warm workers)") == 2
    assert_same_results(sweep_dir, paired)


def test_local_launcher_forks_its_workers_from_a_warm_server(tmp_path):
    """On Linux the two workers are forked from a fork server that warmed up once, and their
    jobs give the reference results."""
    sweep_dir = tmp_path / "forked"
    result = run_sweep(sweep_dir, "scenario=baseline", "seed=1,2", "hydra.launcher.n_jobs=2")
    assert "2 forked workers are launching 2 jobs" in result.stdout + result.stderr
    table = pd.read_parquet(sweep_dir / "sweep.parquet")
    assert (table["status"] == "completed").all()


def how_warmed(pause: float = 0.0) -> tuple:
    import os
    import sys
    import time

    from sim.run.outputs import git_commit
    from sim.run.workers import WARMED_IN

    time.sleep(pause)
    # warm: the model imported, and git asked for the provenance's commit, before any job
    warm = "sim.model.model" in sys.modules and git_commit.cache_info().currsize == 1
    return os.getpid(), os.getppid(), list(WARMED_IN), warm


def env_value(name: str):
    import os

    return os.environ.get(name)


def test_workers_start_warm_from_the_server_whatever_threads_this_process_runs():
    """The pool's workers are forked from the fork server, which imported the model and ran
    it once (its pid is their parent's); they are, even when this process runs other threads
    and Numba's (which a worker forked from it could not: GNU OpenMP would end it). Its
    workers also see the environment this process has when the pool starts, as forked
    workers would: a new environment restarts the server."""
    import os
    import threading

    import numba

    from hydra_plugins.p4p_sim_sweeper.local_launcher import WorkerPool

    numba.get_num_threads()  # starts Numba's threads
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        pool = WorkerPool(2)
        try:
            got = list(pool.executor.map(how_warmed, [0.5] * 4, timeout=300))
            env = pool.executor.submit(env_value, "P4P_TEST_MARK").result(timeout=60)
        finally:
            pool.stop()
        os.environ["P4P_TEST_MARK"] = "new"
        try:
            pool = WorkerPool(2)
            try:
                new_env = pool.executor.submit(env_value, "P4P_TEST_MARK").result(timeout=300)
                again = pool.executor.submit(how_warmed).result(timeout=60)
            finally:
                pool.stop()
        finally:
            del os.environ["P4P_TEST_MARK"]
    finally:
        stop.set()
        other.join()
    expected_method = "forkserver" if sys.platform.startswith("linux") else "spawn"
    assert pool.start_method == expected_method
    for pid, parent, warmed_in, warm in [*got, again]:
        assert warm and len(warmed_in) == 1
        if expected_method == "forkserver":
            assert warmed_in == [parent] and pid != parent and parent != os.getpid()
    assert len({pid for pid, *_ in got}) == 2  # both workers ran jobs
    assert (env, new_env) == (None, "new")
    if expected_method == "forkserver":
        assert again[1] != got[0][1]  # another server, started for the new environment


FORKED_SERVER_PROBE = """
import os, sys
from pathlib import Path
from hydra_plugins.p4p_sim_sweeper.local_launcher import WorkerPool, _SERVER
from tests.test_sweeps import how_warmed
pool = WorkerPool(2)
got = list(pool.executor.map(how_warmed, [0.5] * 4, timeout=300))
server = _SERVER["pid"]
same_program = Path(f"/proc/{server}/cmdline").read_bytes() == Path("/proc/self/cmdline").read_bytes()
pool.stop()
print(server, same_program, got)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork server: Linux")
def test_a_process_without_threads_forks_the_fork_server_itself():
    """``p4p-sim`` runs no other thread when it sets up its sweep's pool: the fork server is
    forked from it (the same program, with its imports), not started as a new interpreter,
    and warms up once for both workers."""
    import ast
    import subprocess

    out = subprocess.run(
        [sys.executable, "-c", FORKED_SERVER_PROBE],
        cwd=PROJECT_ROOT,
        env=subprocess_env(),
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    ).stdout.split(" ", 2)
    server, same_program, got = int(out[0]), out[1] == "True", ast.literal_eval(out[2])
    assert same_program
    assert {parent for _, parent, _, _ in got} == {server}
    assert all(warmed_in == [server] and warm for _, _, warmed_in, warm in got)
    assert len({pid for pid, *_ in got}) == 2


def numba_threads_and_omp() -> tuple:
    import os

    import numba

    return numba.get_num_threads(), os.environ["OMP_NUM_THREADS"]


def test_local_workers_get_their_share_of_the_cores(monkeypatch):
    """Like joblib's workers, each of the local pool's has cores // workers threads for Numba
    (and OpenMP, BLAS), unless the user set the variable."""
    from joblib import cpu_count

    from hydra_plugins.p4p_sim_sweeper.local_launcher import WorkerPool

    monkeypatch.delenv("NUMBA_NUM_THREADS", raising=False)
    monkeypatch.setenv("OMP_NUM_THREADS", "7")
    pool = WorkerPool(2)
    try:
        got = pool.executor.submit(numba_threads_and_omp).result(timeout=300)
    finally:
        pool.stop()
    assert got == (max(cpu_count() // 2, 1), "7")


def test_job_config_files_are_the_ones_hydra_writes(tmp_path):
    """Each job's .hydra/ files, written atomically by p4p-sim's callback, are byte for byte
    those Hydra writes itself when asked to (hydra.output_subdir), under the default
    launcher's workers and in process."""
    for launcher in ("hydra/launcher=local", SERIAL):
        sweep_dir = tmp_path / launcher.split("=")[1]
        run_sweep(
            sweep_dir,
            "scenario=baseline,ccaa_aerospace_stackable",
            "seed=1",
            "hydra.output_subdir=.hydra_by_hydra",
            launcher,
        )
        jobs = sorted(p.parent for p in sweep_dir.glob("*/summary.json"))
        assert len(jobs) == 2
        for job in jobs:
            for name in ("config.yaml", "hydra.yaml", "overrides.yaml"):
                ours = (job / ".hydra" / name).read_bytes()
                assert ours == (job / ".hydra_by_hydra" / name).read_bytes(), (job, name)


def test_config_text_is_omegaconfs_also_for_strings_yaml_would_misread():
    """The .hydra/ files' emitter (libyaml) gives OmegaConf.to_yaml's text for values its
    representer quotes, multi-line and long strings, interpolations and empty ones."""
    from omegaconf import OmegaConf

    from sim.run.hydra_hooks import omegaconf_yaml

    config = OmegaConf.create(
        {
            "quoted": ["null", "yes", "off", "1e3", "0x1F", "12", "-0.5", ".inf", "'single'"],
            "text": ["line one\nline two\n", "é " * 60 + "end", "a: b", "- x", "", " lead", "#"],
            "interpolation": "${numbers.int}",
            "numbers": {"int": 3, "float": 1.5, "none": None, "bool": True},
            "nested": [{"k": "v"}, [1, "2"]],
        }
    )
    plain = OmegaConf.to_container(config, resolve=False, enum_to_str=True)
    assert omegaconf_yaml(plain) == OmegaConf.to_yaml(config)
    assert omegaconf_yaml(plain["quoted"]) == OmegaConf.to_yaml(config.quoted)


def test_failed_job_is_listed_with_its_error_and_rerun(tmp_path):
    """The table is written, then the sweep exits 1 with the command that retries the job."""
    sweep_dir = tmp_path / "failing"
    first = run_sweep(sweep_dir, "funding.outcome_share=0.3,1.5", "seed=1", SERIAL, check=False)
    assert first.returncode == 1, first.stderr
    assert "sweep progress: 2/2 jobs finished" in first.stdout + first.stderr
    assert f"hydra.sweep.dir={sweep_dir}" in first.stdout + first.stderr
    table = pd.read_parquet(sweep_dir / "sweep.parquet").set_index("funding.outcome_share")
    assert table.loc[0.3, "status"] == "completed"
    assert table.loc[1.5, "status"] == "failed"
    assert "funding.outcome_share=1.5 is out of range" in table.loc[1.5, "error"]
    assert np.isnan(table.loc[1.5, "training_incidence"])
    result = run_sweep(sweep_dir, "funding.outcome_share=0.3,1.5", "seed=1", SERIAL, check=False)
    assert "1 already completed, launching 1" in result.stdout + result.stderr


def _fake_job(root, name, overrides, summary=None, failure=None):
    job = root / name
    (job / ".hydra").mkdir(parents=True)
    (job / ".hydra" / "overrides.yaml").write_text("".join(f"- {o}\n" for o in overrides))
    if summary is not None:
        (job / "summary.json").write_text(summary)
    if failure is not None:
        (job / "failure.json").write_text(failure)
    return job


def test_collector_lists_every_kind_of_unfinished_job_and_survives_broken_files(tmp_path):
    """Completed, failed, incomplete, missing and unreadable jobs each get a row; junk is skipped."""
    kpis = {k: 1.0 for k in KPI_NAMES}
    ok = json.dumps({"status": "completed", "scenario": "baseline", "seed": 1, "kpis": kpis})
    done = _fake_job(tmp_path, "seed=1", ["seed=1"], summary=ok)
    (done / "timeseries.parquet").write_bytes(b"PAR1 truncated")
    _fake_job(
        tmp_path,
        "seed=2",
        ["seed=2"],
        failure=json.dumps({"status": "failed", "error": "boom", "error_type": "exception"}),
    )
    _fake_job(tmp_path, "seed=3", ["seed=3"])
    _fake_job(tmp_path, "seed=4", ["seed=4"], summary='{"status": "compl')
    (tmp_path / "notes.txt").write_text("not a job")
    (tmp_path / MANIFEST).write_text(
        json.dumps({"swept": ["seed"], "jobs": {"seed=5": ["seed=5"]}})
    )
    sweep = collect_sweep(tmp_path)
    status = dict(zip(sweep.table["seed"], sweep.table["status"]))
    assert status == {1: "completed", 2: "failed", 3: "incomplete", 4: "unreadable", 5: "missing"}
    assert sweep.table.set_index("seed").loc[2, "error"] == "boom"
    assert any("seed=1: timeseries.parquet unreadable" in p for p in sweep.problems)
    assert load_sweep(tmp_path).table.equals(sweep.table)


@pytest.mark.parametrize("one_schema", [True, False], ids=["one schema", "two schemas"])
def test_stacked_timeseries_is_each_jobs_series_led_by_its_keys(tmp_path, one_schema):
    """Stacking gives what inserting each job's keys (typed as its own values type them) into
    its series and concatenating the frames gives, whether or not the series share a schema."""
    kpis = {k: 1.0 for k in KPI_NAMES}
    labels = ["3", "abc", "7"]  # an int in two jobs, text in one: the column becomes text
    for seed, label in zip((1, 2, 3), labels):
        overrides = [f"seed={seed}", f"label={label}", f"share={seed / 4}"]
        overrides += ["flag=true"] if seed < 3 else []  # missing in one job: a mixed column
        summary = {"status": "completed", "scenario": "baseline", "seed": seed, "kpis": kpis}
        job = _fake_job(tmp_path, f"label={label},seed={seed}", overrides, json.dumps(summary))
        series = pd.DataFrame({"month": np.arange(seed + 1), "value": np.linspace(0, 1, seed + 1)})
        if not one_schema and seed == 2:
            series["extra"] = np.float32(seed)
        series.to_parquet(job / "timeseries.parquet", index=False)
    (tmp_path / MANIFEST).write_text(json.dumps({"swept": ["seed", "label"], "jobs": {}}))
    sweep = collect_sweep(tmp_path, write=False)
    keys = ["job", "scenario", "seed", "label", "share", "flag"]
    frames = []
    for record in sweep.table[keys].to_dict("records"):
        frame = pd.read_parquet(tmp_path / record["job"] / "timeseries.parquet")
        for position, key in enumerate(keys):
            frame.insert(position, key, record[key])
        frames.append(frame)
    expected = pd.concat(frames, ignore_index=True)
    pd.testing.assert_frame_equal(sweep.timeseries, expected, check_exact=True)
    jobs = ["label=3,seed=1"] * 2 + ["label=7,seed=3"] * 4 + ["label=abc,seed=2"] * 3
    assert sweep.timeseries["job"].tolist() == jobs
    assert sweep.timeseries["label"].tolist() == ["3"] * 2 + ["7"] * 4 + ["abc"] * 3


def test_job_names_use_swept_overrides_sorted_and_stay_short():
    job = ["seed=3", "scenario=baseline", "population.workers=2000"]
    assert job_name(job, ["seed", "scenario"]) == "scenario=baseline,seed=3"
    assert job_name(job, []) == "population.workers=2000,scenario=baseline,seed=3"
    long_job = [f"funding.milestones=[{'x' * 300}]"]
    name = job_name(long_job, ["funding.milestones"])
    assert len(name) <= 120 and name != job_name(
        [f"funding.milestones=[{'y' * 300}]"], ["funding.milestones"]
    )
    assert "/" not in job_name(["output.dir=a/b"], ["output.dir"])


def test_a_bad_value_in_the_sweeper_params_stops_the_sweep_before_any_job(tmp_path):
    """Values from hydra.sweeper.params (experiments) are composed before anything is written."""
    sweep_dir = tmp_path / "bad"
    result = run_sweep(
        sweep_dir,
        "+experiment=scenario_comparison",
        'hydra.sweeper.params.scenario="baseline,nope"',
        "seed=1",
        SERIAL,
        check=False,
    )
    assert result.returncode != 0
    assert "scenario/nope" in result.stdout + result.stderr
    assert not sweep_dir.exists()


def test_a_jobs_return_names_the_plugins_config_classes_and_loads_in_the_command():
    """A worker pickles a job's JobReturn with pickle, naming the config classes that Hydra's
    plugin scan defined again in the worker (which pickle alone refuses and cloudpickle
    would pickle whole, ~40 ms a job); the command loads them as its own classes. What
    pickle cannot do at all (a function defined in the task) goes to cloudpickle."""
    import pickle
    from dataclasses import make_dataclass

    from hydra.core.utils import JobReturn, JobStatus
    from omegaconf import OmegaConf

    from hydra_plugins.hydra_joblib_launcher.config import JobLibLauncherConf
    from hydra_plugins.p4p_sim_sweeper import local_launcher

    again = make_dataclass("LocalLauncherConf", [], bases=(JobLibLauncherConf,))
    again.__module__ = local_launcher.__name__  # as the plugin scan's new definition
    assert again is not local_launcher.LocalLauncherConf
    run = JobReturn(overrides=["seed=1"], hydra_cfg=OmegaConf.create({"launcher": again()}))
    run.status = JobStatus.COMPLETED
    run.return_value = {"kpi": 1.5}
    with pytest.raises(pickle.PicklingError):
        pickle.dumps(run)
    loaded = pickle.loads(local_launcher.returned(run))
    launcher = loaded.hydra_cfg.launcher
    assert OmegaConf.get_type(launcher) is local_launcher.LocalLauncherConf
    assert OmegaConf.to_container(launcher) == OmegaConf.to_container(run.hydra_cfg.launcher)
    assert loaded.return_value == {"kpi": 1.5} and loaded.overrides == ["seed=1"]

    def made_in_the_task():
        return 7

    run.return_value = made_in_the_task
    assert pickle.loads(local_launcher.returned(run)).return_value() == 7
