"""Everyday slips lose no data: analysis commands refuse what is not a sweep, resumes cannot mix
sweeps, Ctrl-C stops a sweep cleanly and the same command resumes it; ``p4p-sim`` loads the model
only for a run and shows the corrected command for common slips; ``p4p-calibrate`` leaves the
tracked docs alone unless asked (issue 13)."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest

import sim
from sim.analysis.report import report_main
from sim.run.sweep import NotASweepError, check_sweep_dir, collect_main
from tests.sweep_helpers import (
    PAIRED,
    SERIAL,
    SWEEP_TABLES,
    TINY,
    file_mtimes,
    paired_sweep,
    reported_paired_sweep,
    rerun_paired_sweep,
    run_cli,
    subprocess_env,
    sweep_output,
)

COMMANDS = {"p4p-report": report_main, "p4p-collect": collect_main}


def tree(root):
    """Every file under ``root`` with its bytes: what 'nothing written' is checked against."""
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


@pytest.fixture(scope="module")
def one_run(tmp_path_factory):
    """One console run on the tiny economy: its directory and what it printed."""
    folder = tmp_path_factory.mktemp("runs")
    result = run_cli([*TINY, "seed=4", f"hydra.run.dir={folder / 'one'}"], cwd=folder)
    return folder / "one", result


@pytest.fixture(scope="module")
def run_dir(one_run):
    return one_run[0]


def refused(command: str, target, capsys, *options: str) -> str:
    """Run an analysis command on ``target``; it must fail with one line and return it."""
    assert COMMANDS[command](["--quiet", str(target), *options]) == 2
    captured = capsys.readouterr()
    assert captured.err.strip().count("\n") == 0 and not captured.out, captured
    assert captured.err.startswith(f"{command}: error: ")
    return captured.err


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_analysis_commands_refuse_a_run_directory_and_leave_it_untouched(command, run_dir, capsys):
    before = tree(run_dir)
    message = refused(command, run_dir, capsys)
    assert "single run's directory" in message and "p4p-sim -m" in message
    assert tree(run_dir) == before


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_analysis_commands_refuse_a_folder_of_sweeps_and_list_them(
    command, tmp_path_factory, tmp_path, capsys
):
    for name in ("first", "second"):
        shutil.copytree(paired_sweep(tmp_path_factory), tmp_path / name)
    before = tree(tmp_path)
    message = refused(command, tmp_path, capsys)
    assert "folder of 2 sweeps (first, second)" in message
    assert tree(tmp_path) == before


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_analysis_commands_refuse_an_empty_or_missing_folder(command, tmp_path, capsys):
    assert "is empty" in refused(command, tmp_path, capsys)
    assert list(tmp_path.iterdir()) == []
    assert "does not exist" in refused(command, tmp_path / "nope", capsys)
    assert not (tmp_path / "nope").exists()


def test_report_refuses_to_write_into_a_run_directory(tmp_path_factory, run_dir, capsys):
    before = tree(run_dir)
    assert "run's directory" in refused(
        "p4p-report", paired_sweep(tmp_path_factory), capsys, "--out", str(run_dir)
    )
    assert tree(run_dir) == before


def test_report_and_loading_leave_the_sweep_tables_alone(tmp_path_factory, tmp_path):
    """p4p-report and sim.load_sweep (what the notebooks call) read; only p4p-collect writes."""
    copy = tmp_path / "paired"
    shutil.copytree(paired_sweep(tmp_path_factory), copy)
    tables = {name: (copy / name).read_bytes() for name in SWEEP_TABLES}
    sim.load_sweep(copy, refresh=True)
    assert {name: (copy / name).read_bytes() for name in tables} == tables
    (copy / "sweep.parquet").unlink()
    sim.load_sweep(copy)
    assert not (copy / "sweep.parquet").exists()
    assert (copy / "timeseries.parquet").read_bytes() == tables["timeseries.parquet"]
    # p4p-report on a copy of the same sweep (its run is shared with test_report.py)
    reported, result, before = reported_paired_sweep(tmp_path_factory)
    assert before == tables and result.returncode == 0, result.stderr
    assert {name: (reported / name).read_bytes() for name in tables} == tables


def test_a_job_directory_inside_a_sweep_is_not_a_sweep(tmp_path_factory):
    with pytest.raises(NotASweepError, match="single run's directory"):
        check_sweep_dir(paired_sweep(tmp_path_factory) / "scenario=baseline,seed=1")


# --- resumes cannot mix sweeps -----------------------------------------------------------------
def test_resume_with_other_fixed_overrides_stops_before_launching_and_names_them(
    tmp_path_factory, tmp_path
):
    copy = tmp_path / "paired"
    shutil.copytree(paired_sweep(tmp_path_factory), copy)
    before = tree(copy)
    result = run_cli(
        ["-m", *PAIRED, *TINY, "population.workers=500", f"hydra.sweep.dir={copy}"],
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 2
    error = result.stderr.strip()
    assert error.count("\n") == 0, error
    assert "population.workers: not set -> 500" in error and f"hydra.sweep.dir={copy}-2" in error
    assert tree(copy) == before


def test_resume_without_a_fixed_override_is_refused_too(tmp_path_factory, tmp_path):
    copy = tmp_path / "paired"
    shutil.copytree(paired_sweep(tmp_path_factory), copy)
    before = tree(copy)
    other = [o for o in TINY if not o.startswith("population=")]
    result = run_cli(["-m", *PAIRED, *other, f"hydra.sweep.dir={copy}"], cwd=tmp_path, check=False)
    assert result.returncode == 2 and "population: tiny -> not set" in result.stderr
    assert tree(copy) == before


def test_a_job_directory_with_other_overrides_is_never_replaced(tmp_path_factory, tmp_path):
    """A sweep directory without recorded settings (older sweeps): the per-job check stops it."""
    copy = tmp_path / "paired"
    shutil.copytree(paired_sweep(tmp_path_factory), copy)
    (copy / "sweep_jobs.json").unlink()
    before = tree(copy)
    result = run_cli(
        ["-m", *PAIRED, *TINY, "population.employers=30", f"hydra.sweep.dir={copy}"],
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 2 and "run with other overrides" in result.stderr
    assert tree(copy) == before


def test_the_manifest_records_fixed_overrides_and_a_config_hash(tmp_path_factory):
    import json

    manifest = json.loads((paired_sweep(tmp_path_factory) / "sweep_jobs.json").read_text())
    assert manifest["fixed"] == {o.split("=")[0]: o.split("=")[1] for o in TINY}
    assert len(manifest["config_hash"]) == 16
    assert "seed" not in manifest["config"] and "population.providers" in manifest["config"]


# --- failed jobs, end-of-run messages, Ctrl-C -------------------------------------------------
def test_a_run_prints_its_headline_kpis_with_units_and_where_its_files_are(one_run):
    run_dir, result = one_run
    assert "training_incidence" in result.stdout and "starts/employee/year" in result.stdout
    assert f"files: {run_dir}" in result.stdout


def test_a_sweep_prints_its_job_counts_and_the_next_command(tmp_path_factory):
    copy, _, out = rerun_paired_sweep(tmp_path_factory)  # shared with test_sweeps.py
    assert "6 jobs (6 completed)" in out and f"next: p4p-report {copy}" in out


def test_a_sweep_keeps_each_jobs_progress_in_the_jobs_log(tmp_path_factory):
    sweep_dir = paired_sweep(tmp_path_factory)
    job_logs = sorted(sweep_dir.glob("*/p4p-sim.log"))
    assert len(job_logs) == 6
    assert all("month 12/48" in log.read_text() for log in job_logs)
    assert "month 12/48" not in sweep_output(sweep_dir)  # the console shows the sweep's progress


def started_command(args: list[str], cwd, fault: str | None = None) -> subprocess.Popen:
    """``p4p-sim <args>`` started in its own process group (so that a test can press Ctrl-C
    on it and its workers alike), its output captured; ``fault``: the test hooks set
    (:mod:`sim.run.faults`)."""
    return subprocess.Popen(
        [sys.executable, "-m", "sim.run.cli", *args],
        cwd=cwd,
        env=subprocess_env(fault),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


@pytest.mark.slow
@pytest.mark.parametrize("launcher", [SERIAL, "hydra.launcher.n_jobs=2"], ids=["basic", "local"])
def test_ctrl_c_stops_a_sweep_with_one_line_and_the_same_command_resumes_it(tmp_path, launcher):
    """In process, or on the local launcher's two workers (which leave Ctrl-C to p4p-sim).
    Each job pauses 0.5 s while it writes its timing file, so that the sweep is certain to
    be running when the key is pressed (jobs of tiny economies can all be done before the
    signal: the command then exits 0, as it should)."""
    sweep_dir = tmp_path / "interrupted"
    seeds = "seed=" + ",".join(str(k) for k in range(1, 9))
    args = ["-m", "scenario=baseline", seeds, *TINY, launcher, f"hydra.sweep.dir={sweep_dir}"]
    child = started_command(args, tmp_path, fault="slow_write=0.5,slow_file=timing.json")
    deadline = time.time() + 120
    while not list(sweep_dir.glob("*/summary.json")) and time.time() < deadline:
        time.sleep(0.1)
    os.killpg(child.pid, signal.SIGINT)
    out, err = child.communicate(timeout=60)
    assert child.returncode == 130, err
    assert "Traceback" not in err and err.strip().count("\n") == 0, err
    assert "interrupted:" in err and f"hydra.sweep.dir={sweep_dir}" in err
    command = err.split("resume with: ", 1)[1].strip().split()
    assert command[0] == "p4p-sim"
    finished = {p.parent.name for p in sweep_dir.glob("*/summary.json")}
    before = {k: v for k, v in file_mtimes(sweep_dir).items() if k.split("/")[0] in finished}
    resumed = run_cli(command[1:], cwd=tmp_path)
    assert (
        f"{len(finished)} already completed, launching {8 - len(finished)}"
        in resumed.stdout + resumed.stderr
    )
    after = file_mtimes(sweep_dir)
    assert {k: after[k] for k in before} == before
    assert (pd.read_parquet(sweep_dir / "sweep.parquet")["status"] == "completed").sum() == 8


@pytest.mark.slow
@pytest.mark.parametrize("delay", [0.6, 0.8, 0.9, 1.0, 1.2, 1.5, 1.8, 2.2, 2.6])
def test_ctrl_c_while_the_workers_start_ends_the_command_too(tmp_path, delay):
    """Ctrl-C while p4p-sim composes, while the local launcher forks its fork server, while
    the server warms up or forks the workers (the command waits there for each worker it
    submits to), while the jobs run or while the sweep's tables are written: p4p-sim still
    ends, exit 130 and one line (or 0, done before the signal), no process left holding its
    output (a worker forked for a cut-short request once kept the server, and so the
    command, waiting forever; a Ctrl-C inside the fork was once dropped, and one inside
    OmegaConf turned into an unrelated error)."""
    sweep_dir = tmp_path / "early"
    args = ["-m", "scenario=baseline", "seed=1,2,3,4", *TINY, "hydra.launcher.n_jobs=2"]
    child = started_command([*args, f"hydra.sweep.dir={sweep_dir}"], tmp_path)
    time.sleep(delay)
    os.killpg(child.pid, signal.SIGINT)
    try:
        _, err = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
    assert child.returncode in (0, 130), err  # 0: it finished before the signal
    if child.returncode == 130:
        assert "Traceback" not in err and err.strip().count("\n") == 0, err


def test_ctrl_c_inside_numbas_callbacks_is_put_off_to_the_next_month_not_dropped():
    """A KeyboardInterrupt raised in a ctypes callback (Numba compiling or loading a loop) is
    printed and dropped by ctypes: p4p-sim's handler raises it at the run's next month."""
    import types

    from sim.run.api import interrupt, raise_deferred_interrupt

    caller = types.SimpleNamespace(f_globals={"__name__": "sim.model.model"}, f_back=None)
    in_numba = types.SimpleNamespace(f_globals={"__name__": "llvmlite.binding.ffi"}, f_back=caller)
    with pytest.raises(KeyboardInterrupt):
        interrupt(signal.SIGINT, caller)
    raise_deferred_interrupt()  # nothing was put off
    interrupt(signal.SIGINT, in_numba)  # put off
    with pytest.raises(KeyboardInterrupt):
        raise_deferred_interrupt()
    raise_deferred_interrupt()  # raised once


def test_ctrl_c_while_p4p_sim_composes_is_raised_when_its_run_or_jobs_start():
    """While p4p-sim composes (Hydra, OmegaConf), its handler records Ctrl-C: a KeyboardInterrupt
    raised inside OmegaConf can surface as an unrelated error (exit 1). It is raised once the
    interrupts are released, and later ones at once."""
    import types

    from sim.run.api import hold_interrupts, interrupt, release_interrupts

    frame = types.SimpleNamespace(f_globals={"__name__": "omegaconf.basecontainer"}, f_back=None)
    hold_interrupts()
    try:
        interrupt(signal.SIGINT, frame)  # recorded, not raised
    finally:
        with pytest.raises(KeyboardInterrupt):
            release_interrupts()
    release_interrupts()  # raised once
    with pytest.raises(KeyboardInterrupt):
        interrupt(signal.SIGINT, frame)  # released: raised at once


@pytest.fixture
def python_ctrl_c():
    """Ctrl-C raises KeyboardInterrupt in this process, as in a Python started from a terminal:
    a shell without job control starts a background command (``pytest ... &``) with SIGINT
    ignored, and Python then installs no handler of its own."""
    handler = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, handler)


@pytest.mark.usefixtures("python_ctrl_c")
def test_a_ctrl_c_python_would_drop_is_signalled_again_and_other_errors_reported(
    monkeypatch, capsys
):
    """An exception raised where Python cannot propagate it (here ``__del__``; a weakref or an
    at-fork callback alike) is printed and dropped: for Ctrl-C's KeyboardInterrupt, p4p-sim's
    unraisable hook signals it again, so that it is raised at the main thread's next step;
    any other is reported as Python reports it."""
    from sim.run.api import keep_dropped_interrupts

    class Raises:
        def __init__(self, error: BaseException) -> None:
            self.error = error

        def __del__(self) -> None:
            raise self.error

    def step() -> None:  # a Python call: where pending signal handlers run
        pass

    monkeypatch.setattr(sys, "unraisablehook", keep_dropped_interrupts)
    with pytest.raises(KeyboardInterrupt):
        Raises(KeyboardInterrupt())  # dropped by Python, raised again below
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            step()
    Raises(ValueError("not a Ctrl-C"))
    for _ in range(100):
        step()  # no KeyboardInterrupt
    assert "ValueError: not a Ctrl-C" in capsys.readouterr().err


@pytest.mark.usefixtures("python_ctrl_c")
def test_ctrl_c_held_around_a_fork_arrives_after_it_in_the_parent_only():
    """The local launcher forks its fork server with Ctrl-C held: a SIGINT sent meanwhile is
    delivered once the fork is done, to the command; the child never receives it."""
    from hydra_plugins.p4p_sim_sweeper.local_launcher import held_interrupts

    read, write = os.pipe()
    reached = False
    with pytest.raises(KeyboardInterrupt):
        with held_interrupts():
            signal.raise_signal(signal.SIGINT)  # held: pending, not raised here
            pid = os.fork()
            if pid == 0:  # the child: it never gets the parent's pending Ctrl-C
                pending = signal.SIGINT in signal.sigpending()
                os.write(write, b"pending" if pending else b"clear")
                os._exit(0)
            reached = True
    os.waitpid(pid, 0)
    assert reached and os.read(read, 16) == b"clear"
    os.close(read)
    os.close(write)


# --- start-up: the command loads the model only for a run, never the analysis stack -----------
MODEL_STACK = ("mesa", "pandas", "numpy", "scipy", "pyarrow", "sim.model")
ANALYSIS_STACK = ("matplotlib", "statsmodels", "scipy.stats", "sim.analysis")
PROBE = """
import json, sys
sys.argv = ["p4p-sim", *json.loads(sys.argv[1])]
import sim, sim.run.cli
code = 0
if len(sys.argv) > 1:
    try:
        sim.run.cli.main()
    except SystemExit as exc:
        code = exc.code
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def probe(args: list[str], cwd) -> tuple[int, set[str], subprocess.CompletedProcess]:
    """Import ``sim`` and the command in a fresh interpreter, run it with ``args`` (if any):
    exit status and every module loaded by the end."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(args)],
        cwd=cwd,
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.stdout.strip(), result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    return report["code"], set(report["modules"]), result


def loaded(modules: set[str], packages: tuple[str, ...]) -> list[str]:
    return sorted({p for p in packages for m in modules if m == p or m.startswith(p + ".")})


def test_importing_sim_and_the_command_loads_neither_the_model_nor_the_analysis(tmp_path):
    code, modules, _ = probe([], tmp_path)
    assert code == 0 and "hydra" in modules
    assert loaded(modules, MODEL_STACK + ANALYSIS_STACK) == []


def test_every_public_name_of_sim_still_imports():
    names = {name: getattr(sim, name) for name in sim.__all__}
    assert names["TrainingMarketModel"].__name__ == "TrainingMarketModel"
    assert names["plots"].__name__ == "sim.analysis.plots" and names["__version__"]
    from sim import KPIS, SimConfig, run_model  # noqa: F401


def test_a_mistyped_override_fails_before_the_model_is_loaded(tmp_path):
    code, modules, result = probe(["population.workerz=5"], tmp_path)
    assert code == 2 and "did you mean population.workers?" in result.stderr
    assert loaded(modules, MODEL_STACK + ANALYSIS_STACK) == []
    assert list(tmp_path.iterdir()) == []


def test_a_run_loads_the_model_but_not_the_analysis_stack(tmp_path):
    code, modules, result = probe([*TINY, f"hydra.run.dir={tmp_path / 'run'}"], tmp_path)
    assert code == 0 and (tmp_path / "run" / "summary.json").exists(), result.stderr
    assert {"mesa", "pandas", "sim.model.model"} <= modules
    assert loaded(modules, ANALYSIS_STACK) == []


# --- common command-line slips get the corrected command ----------------------------------------
def one_line_error(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 2, result.stdout + result.stderr
    error = result.stderr.strip()
    assert error.count("\n") == 0 and error.startswith("p4p-sim: error: "), error
    return error


def test_an_out_of_range_value_stops_a_run_before_its_directory_exists(tmp_path):
    result = run_cli([*TINY, "time.burn_in=60"], cwd=tmp_path, check=False)
    error = one_line_error(result)
    assert "time.burn_in=60" in error and "allowed: " in error
    assert list(tmp_path.iterdir()) == []  # not even outputs/ (Hydra's run directory)


@pytest.mark.parametrize("mode", [["-m"], []], ids=["sweep", "run"])
def test_an_experiment_without_its_plus_shows_the_corrected_command(mode, tmp_path):
    result = run_cli([*mode, "experiment=scenario_comparison", *TINY], cwd=tmp_path, check=False)
    error = one_line_error(result)
    assert "allowed: +experiment=scenario_comparison" in error
    corrected = shlex.join(["p4p-sim", *mode, "+experiment=scenario_comparison", *TINY])
    assert error.endswith(f"as in: {corrected}")
    assert list(tmp_path.iterdir()) == []
    from sim.run.api import compose_config

    assert compose_config(shlex.split(corrected)[len(mode) + 1 :]).population.workers == 600


def test_the_python_api_names_the_plus_too():
    with pytest.raises(sim.ConfigError, match=r"allowed: \+experiment=outcome_share_sweep$"):
        sim.compose(overrides=["experiment=outcome_share_sweep"])


def bash_words(command: str) -> list[str]:
    """The arguments bash makes of ``command`` as typed (brace expansion, splitting, quotes)."""
    result = subprocess.run(
        ["bash", "-c", f"printf '%s\\0' {command}"], capture_output=True, text=True, check=True
    )
    return result.stdout.split("\0")[:-1]


MILESTONES = "funding.milestones="


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash to split the command line")
@pytest.mark.parametrize(
    "typed, meant",
    [
        ("[{event:certification,weight:1}]", None),
        ("[{event: certification, weight: 1}]", None),
        ("[{event:certification,weight:0.5},{event:completion,weight:0.5}]", None),
        ("{event:certification,weight:1}", "[{event:certification,weight:1}]"),
    ],
    ids=["braces", "spaces", "two_milestones", "no_list_brackets"],
)
def test_an_unquoted_milestone_list_shows_the_quoted_command(typed, meant, tmp_path):
    args = [*TINY, *bash_words(MILESTONES + typed)]
    assert len(args) > 2  # the shell did split the value
    error = one_line_error(run_cli(args, cwd=tmp_path, check=False))
    assert error.startswith("p4p-sim: error: funding.milestones: the shell split its value into")
    assert "allowed: the override in quotes" in error
    corrected = error.split("as in: ", 1)[1]
    intended = MILESTONES + (meant or typed)
    assert bash_words(corrected) == ["p4p-sim", *TINY, intended]  # what bash passes on now
    assert f"'{intended}'" in corrected
    assert list(tmp_path.iterdir()) == []


def test_the_quoted_command_runs(tmp_path):
    run_dir = tmp_path / "run"
    typed = f"{MILESTONES}[{{event:certification,weight:1}}] hydra.run.dir={run_dir}"
    error = one_line_error(run_cli([*TINY, *bash_words(typed)], cwd=tmp_path, check=False))
    corrected = bash_words(error.split("as in: ", 1)[1])
    run_cli(corrected[1:], cwd=tmp_path)
    config = (run_dir / ".hydra" / "config.yaml").read_text()
    assert "event: certification" in config and (run_dir / "summary.json").exists()


def test_a_wrong_type_that_the_shell_did_not_cause_keeps_its_own_message(tmp_path):
    error = one_line_error(run_cli([*TINY, MILESTONES + "3"], cwd=tmp_path, check=False))
    assert "funding.milestones=3 has the wrong type" in error and "shell" not in error


# --- p4p-calibrate writes into its output folder; only --write-docs touches docs/ ---------------
def test_calibrate_by_default_writes_its_own_folder_and_leaves_the_docs_alone(
    tmp_path, monkeypatch, capsys
):
    from sim.checks import calibration

    doc = calibration.DOC_PATH
    before = (doc.read_bytes(), doc.stat().st_mtime_ns)
    monkeypatch.chdir(tmp_path)
    code = calibration.main(["--economy", "tiny", "--seeds", "2", "--processes", "1"])
    assert code in (0, 1)  # 1: the tiny economy misses bands set for the default one
    (page,) = (tmp_path / "outputs" / "calibration").glob("*/calibration.md")
    assert page.read_text().startswith("# Calibration of the tiny economy")
    assert f"wrote {page.relative_to(tmp_path)}" in capsys.readouterr().out
    assert (doc.read_bytes(), doc.stat().st_mtime_ns) == before


def test_calibrate_write_docs_regenerates_the_page_for_the_default_economy_only(
    tmp_path, monkeypatch, capsys
):
    from sim.checks import calibration

    monkeypatch.setattr(calibration, "DOC_PATH", tmp_path / "docs" / "calibration.md")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as refused:
        calibration.main(["--write-docs", "--economy", "tiny"])
    assert refused.value.code == 2 and "allowed: --economy=default" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
    calibration.main(["--write-docs", "--seeds", "2", "--processes", "1"])
    assert "at the default scale" in calibration.DOC_PATH.read_text()
    assert not (tmp_path / "outputs").exists()
