"""End to end: the console command on a small economy, for every scenario."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sim import KPI_NAMES
from sim.run.api import group_options

SMALL = ["population=tiny"]  # configs/population/tiny.yaml
SCENARIOS = group_options("scenario")


def p4p_sim(args, cwd):
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parent.parent))
    command = [sys.executable, "-c", "from sim.run.cli import main; main()", *args]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def test_all_scenarios_exist():
    """The seven scenarios of the default economy and the five other portfolio projects."""
    assert set(SCENARIOS) == {
        "baseline",
        "upfront_subsidy",
        "pay_for_performance",
        "microcredential_push",
        "p4p_microcredential",
        "provider_outcomes",
        "tiered_p4p",
        "mohawk_material_handling",
        "humber_digital_rpl",
        "edge_up_displaced",
        "ccaa_aerospace_stackable",
        "norcat_blended_mining",
    }


def run_args(scenario: str, run_dir: Path) -> list[str]:
    return [f"scenario={scenario}", "seed=2", *SMALL, f"hydra.run.dir={run_dir}"]


@pytest.fixture(scope="module")
def console_run(tmp_path_factory):
    """The console command for a scenario, run once for the module: its directory and result."""
    runs = {}

    def run(scenario: str):
        if scenario not in runs:
            cwd = tmp_path_factory.mktemp(scenario)
            runs[scenario] = (cwd / "run", p4p_sim(run_args(scenario, cwd / "run"), cwd))
        return runs[scenario]

    return run


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_console_command_writes_complete_outputs(scenario, console_run):
    run_dir, result = console_run(scenario)
    assert result.returncode == 0, result.stderr
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["status"] == "completed"
    assert summary["scenario"] == scenario
    assert set(KPI_NAMES) <= set(summary["kpis"])
    for name in (
        "training_incidence",
        "mean_wage",
        "employment_rate",
        "microcredential_recognition",
    ):
        assert isinstance(summary["kpis"][name], float)
    provenance = summary["provenance"]
    assert provenance["seed"] == 2 and provenance["package_version"]
    assert provenance["config"]["scenario"]["name"] == scenario
    assert "git_commit" in provenance
    ts = pd.read_parquet(run_dir / "timeseries.parquet")
    assert list(ts["month"]) == list(range(48))  # the tiny preset runs 48 months
    assert set(KPI_NAMES) <= set(ts.columns)
    assert (run_dir / ".hydra" / "config.yaml").exists()


def test_summary_config_is_omegaconfs_conversion_of_the_run_config():
    """run_to_dir records the config as plain dicts (sim.config.validation.plain_config), the
    same JSON as OmegaConf.to_container(OmegaConf.structured(config)) it used to write."""
    from omegaconf import OmegaConf

    from sim.config.validation import plain_config
    from sim.run.api import compose

    cases = [{"scenario": s} for s in group_options("scenario")]
    for group in ("population", "funding", "credentials", "trial"):
        cases += [{"scenario": "baseline", "overrides": {group: o}} for o in group_options(group)]
    for case in cases:
        cfg = compose(**case)
        expected = OmegaConf.to_container(OmegaConf.structured(cfg), resolve=True)
        assert json.dumps(plain_config(cfg), allow_nan=False) == json.dumps(
            expected, allow_nan=False
        ), case


def test_a_seed_sweep_composes_once_per_config_group_value(monkeypatch):
    """Before a sweep starts, its first job is composed, then each other value of a config
    group; the seeds' values are checked for type, not composed one by one."""
    from sim.run import cli

    composed = []
    monkeypatch.setattr(cli, "compose_config", lambda o, **kw: composed.append(sorted(o)))
    cli.precheck(["scenario=baseline,pay_for_performance", "seed=1,2,3,4,5"], multirun=True)
    assert composed == [
        ["scenario=baseline", "seed=1"],
        ["scenario=pay_for_performance", "seed=1"],
    ]
    with pytest.raises(SystemExit):  # a wrong type among the seeds still stops the sweep
        cli.precheck(["seed=1,2,abc"], multirun=True)


def test_a_bad_value_stops_a_sweep_before_its_workers_start(monkeypatch, capsys):
    """The workers start once every value has passed its checks, not before the error."""
    from sim.run import cli

    started = []
    monkeypatch.setattr(cli, "start_local_workers", lambda *args: started.append(args) or False)
    monkeypatch.setattr(sys, "argv", ["p4p-sim", "-m", "scenario=baseline", "seed=1,abc"])
    with pytest.raises(SystemExit) as stopped:
        cli.main()
    assert stopped.value.code == 2 and started == []
    assert capsys.readouterr().err.startswith("p4p-sim: error: seed='abc'")


def test_same_seed_twice_gives_identical_files(console_run, tmp_path):
    """A second run of a scenario and seed writes the same bytes as the module's first one."""
    first, result = console_run("pay_for_performance")
    assert result.returncode == 0, result.stderr
    again = p4p_sim(run_args("pay_for_performance", tmp_path / "again"), tmp_path)
    assert again.returncode == 0, again.stderr
    outputs = [
        ((d / "summary.json").read_bytes(), (d / "timeseries.parquet").read_bytes())
        for d in (first, tmp_path / "again")
    ]
    assert outputs[0] == outputs[1]


def test_out_of_range_share_fails_before_running_and_writes_nothing(tmp_path):
    run_dir = tmp_path / "bad"
    result = p4p_sim(["funding.outcome_share=1.5", *SMALL, f"hydra.run.dir={run_dir}"], tmp_path)
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "outcome_share" in lines[0] and "[0, 1]" in lines[0]
    assert not run_dir.exists()


@pytest.mark.skipif(shutil.which("p4p-sim") is None, reason="console script not installed")
def test_installed_console_script_runs_a_sweep_from_any_directory(tmp_path):
    """The installed entry point, as a user runs it: no PYTHONPATH, outside the source tree."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    sweep_dir = tmp_path / "sweep"
    result = subprocess.run(
        [
            shutil.which("p4p-sim"),
            "-m",
            "seed=1,2",
            *SMALL,
            "time.months=24",
            f"hydra.sweep.dir={sweep_dir}",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert len(pd.read_parquet(sweep_dir / "sweep.parquet")) == 2


def test_importing_the_command_leaves_hydra_unpatched():
    """.hydra/*.yaml are made atomic by a public callback, not by replacing Hydra internals."""
    from hydra.core import utils as hydra_utils

    import sim.run.cli  # noqa: F401

    assert hydra_utils._save_config.__module__ == "hydra.core.utils"
