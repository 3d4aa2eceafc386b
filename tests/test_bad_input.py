"""Bad input, table-driven: every case is refused with one line naming the parameter, nothing
is written, and an earlier run directory is left byte-for-byte as it was.

Every case goes through the Python API (``sim.run.api.compose`` with Hydra override strings and,
where the case is a plain value rather than a config-group choice, ``TrainingMarketModel`` and
``run_to_dir`` with a nested dict aimed at an existing run directory). A representative subset
also goes through the real console command ``p4p-sim`` in a subprocess.
"""

from __future__ import annotations

import copy
import dataclasses
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hydra.core.override_parser.overrides_parser import OverridesParser

from sim import ConfigError
from sim.model.model import TrainingMarketModel
from sim.run.api import compose, run_to_dir
from tests.sweep_helpers import subprocess_env

TINY = ["population=tiny"]
M = "funding.milestones="
P = "credentials.programs="

# (case id, overrides, parameter the message must name, text of the value it must show)
CASES = [
    # wrong types
    ("text_for_int", ["population.workers=abc"], "population.workers", "'abc'"),
    ("fraction_for_int", ["population.workers=2.5"], "population.workers", "2.5"),
    ("bool_for_int", ["population.workers=true"], "population.workers", "true"),
    ("null_for_int", ["population.workers=null"], "population.workers", "null"),
    ("list_for_int", ["population.workers=[1,2]"], "population.workers", "[1, 2]"),
    ("int_for_bool", ["economy.counteroffers=2"], "economy.counteroffers", "2"),
    ("text_for_bool", ["economy.counteroffers=yes"], "economy.counteroffers", "'yes'"),
    ("quoted_text_for_float", ["economy.labour_share='0.5'"], "economy.labour_share", "'0.5'"),
    ("nan_months", ["time.months=nan"], "time.months", "nan"),
    ("infinite_share", ["funding.outcome_share=inf"], "funding.outcome_share", "inf"),
    ("scalar_for_list", [M + "3"], "funding.milestones", "3"),
    (
        "nested_text_for_float",
        [M + "[{event:certification,weight:abc,lag:0}]"],
        "funding.milestones[0].weight",
        "'abc'",
    ),
    ("scalar_for_group", ["funding.eligibility=3"], "funding.eligibility", "3"),
    (
        "nested_fraction_for_int",
        [P + "[{name:a,months:2.5}]"],
        "credentials.programs[0].months",
        "2.5",
    ),
    # unknown keys and options
    ("typo_key", ["population.workerz=5"], "population.workerz", "population.workers"),
    ("new_top_level_key", ["+foo=1"], "foo", None),
    ("unknown_nested_key", ["funding.eligibility.foo=true"], "funding.eligibility.foo", None),
    (
        "unknown_key_in_list_entry",
        [M + "[{event:certification,weight:0.5,lag:0,foo:1}]"],
        "funding.milestones[0].foo",
        None,
    ),
    ("unknown_scenario", ["scenario=nope"], "scenario", "nope"),
    ("unknown_funding_design", ["funding=nope"], "funding", "nope"),
    # declared ranges and choices
    ("share_above_one", ["funding.outcome_share=1.5"], "funding.outcome_share", "1.5"),
    ("negative_share", ["funding.upfront_share=-0.1"], "funding.upfront_share", "-0.1"),
    ("negative_seed", ["seed=-1"], "seed", "-1"),
    ("no_workers", ["population.workers=0"], "population.workers", "0"),
    ("no_employers", ["population.employers=0"], "population.employers", "0"),
    (
        "negative_capacity",
        ["population.seats_per_provider=-1"],
        "population.seats_per_provider",
        "-1",
    ),
    ("negative_budget", ["funding.budget_per_year=-5"], "funding.budget_per_year", "-5"),
    ("negative_cap", ["funding.cap_per_participant=-1"], "funding.cap_per_participant", "-1"),
    ("rate_above_one", ["economy.separation_rate=1.5"], "economy.separation_rate", "1.5"),
    ("one_month", ["time.months=1"], "time.months", "1"),
    ("unknown_recipient", ["funding.recipient=bank"], "funding.recipient", "'bank'"),
    ("program_of_zero_months", [P + "[{name:a,months:0}]"], "credentials.programs[0].months", "0"),
    ("free_program", [P + "[{name:a,tuition:0}]"], "credentials.programs[0].tuition", "0"),
    ("unknown_delivery_mode", [P + "[{name:a,mode:vr}]"], "credentials.programs[0].mode", "'vr'"),
    (
        "unknown_milestone_event",
        [M + "[{event:party,weight:1.0,lag:0}]"],
        "funding.milestones[0].event",
        "'party'",
    ),
    (
        "zero_milestone_weight",
        [M + "[{event:certification,weight:0,lag:0}]"],
        "funding.milestones[0].weight",
        "0",
    ),
    (
        "negative_milestone_lag",
        [M + "[{event:certification,weight:1.0,lag:-1}]"],
        "funding.milestones[0].lag",
        "-1",
    ),
    ("scenario_name_with_slash", ["scenario.name='a/b'"], "scenario.name", "'a/b'"),
    (
        "unemployment_above_cap",
        ["population.initial_unemployment=0.95"],
        "population.initial_unemployment",
        "0.95",
    ),
    # rules joining several fields
    (
        "shares_above_one",
        ["funding.upfront_share=0.5", "funding.outcome_share=0.7"],
        "funding.upfront_share + funding.outcome_share",
        "1.2",
    ),
    ("burn_in_not_before_end", ["time.burn_in=48"], "time.burn_in", "48"),
    (
        "milestone_weights_above_one",
        [M + "[{event:certification,weight:0.7,lag:0},{event:completion,weight:0.5,lag:0}]"],
        "funding.milestones",
        "1.2",
    ),
    (
        "milestone_event_twice",
        [M + "[{event:certification,weight:0.5,lag:0},{event:certification,weight:0.5,lag:3}]"],
        "funding.milestones[1].event",
        "'certification'",
    ),
    (
        "outcome_pay_without_milestones",
        ["funding.outcome_share=0.5", M + "[]"],
        "funding.outcome_share",
        "0.5",
    ),
    ("more_employers_than_jobs", ["population.employers=700"], "population.employers", "700"),
    (
        "no_disadvantaged_to_fund",
        ["population.disadvantaged_share=0", "funding.eligibility.disadvantaged_only=true"],
        "funding.eligibility.disadvantaged_only",
        "true",
    ),
    (
        "no_sme_to_fund",
        ["economy.sme_size=1", "funding.eligibility.sme_only=true"],
        "funding.eligibility.sme_only",
        "1",
    ),
    (
        "understanding_above_awareness",
        ["credentials.initial_awareness=0.3", "credentials.initial_understanding=0.5"],
        "credentials.initial_understanding",
        "0.5",
    ),
    ("empty_catalogue", [P + "[]"], "credentials.programs", "0"),
    (
        "program_name_twice",
        [P + "[{name:a},{name:a,months:2}]"],
        "credentials.programs[1].name",
        "'a'",
    ),
    (
        "release_longer_than_month",
        ["economy.release_hours_per_month=200"],
        "economy.release_hours_per_month",
        "200",
    ),
]
GROUP_CASES = {"unknown_scenario", "unknown_funding_design"}
CLI_SUBSET = [
    "text_for_int",
    "int_for_bool",
    "typo_key",
    "unknown_key_in_list_entry",
    "unknown_scenario",
    "share_above_one",
    "negative_budget",
    "shares_above_one",
    "burn_in_not_before_end",
    "program_of_zero_months",
]
BY_ID = {case[0]: case for case in CASES}


def test_the_table_covers_at_least_thirty_distinct_bad_inputs():
    assert len(CASES) >= 30
    assert len({case[0] for case in CASES}) == len(CASES)
    assert len({tuple(case[1]) for case in CASES}) == len(CASES)


# --- helpers ---------------------------------------------------------------------------------
def snapshot(folder: Path) -> dict:
    """Every file under ``folder`` with its bytes and modification time."""
    return {
        str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def outputs_under(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.name == "summary.json" or p.suffix == ".parquet"]


def assert_one_line_naming(message: str, name: str, shows: str | None) -> None:
    lines = [line for line in message.splitlines() if line.strip()]
    assert len(lines) == 1, message
    assert name in lines[0], lines[0]
    assert "allowed" in lines[0], lines[0]
    if shows is not None:
        assert shows in lines[0], lines[0]


def as_nested_dict(base: dict, overrides: list[str]) -> dict:
    """Apply Hydra override strings to a plain config dict, as plain Python values."""
    data = copy.deepcopy(base)
    for override in OverridesParser.create().parse_overrides(overrides):
        *path, last = override.key_or_group.split(".")
        node = data
        for part in path:
            node = node.setdefault(part, {})
        node[last] = override.value()
    return data


@pytest.fixture(scope="module")
def earlier_run(tmp_path_factory):
    """A completed run directory (written by the API) that bad input must leave untouched."""
    cfg = compose(seed=3, overrides=TINY)
    run_dir = tmp_path_factory.mktemp("earlier") / "run"
    run_to_dir(cfg, run_dir)
    assert (run_dir / "summary.json").exists() and (run_dir / "timeseries.parquet").exists()
    return run_dir, dataclasses.asdict(cfg)


# --- the Python API, every case --------------------------------------------------------------
@pytest.mark.parametrize("case_id,overrides,name,shows", CASES, ids=[c[0] for c in CASES])
def test_api_compose_refuses(case_id, overrides, name, shows):
    with pytest.raises(ConfigError) as info:
        compose(overrides=TINY + overrides)
    assert_one_line_naming(str(info.value), name, shows)


@pytest.mark.parametrize(
    "case_id,overrides,name,shows",
    [c for c in CASES if c[0] not in GROUP_CASES],
    ids=[c[0] for c in CASES if c[0] not in GROUP_CASES],
)
def test_api_model_and_run_to_dir_refuse_and_write_nothing(
    case_id, overrides, name, shows, earlier_run
):
    run_dir, base = earlier_run
    bad = as_nested_dict(base, overrides)
    before = snapshot(run_dir)
    with pytest.raises(ConfigError) as info:
        TrainingMarketModel(bad)
    assert_one_line_naming(str(info.value), name, shows)
    with pytest.raises(ConfigError) as info:
        run_to_dir(bad, run_dir)
    assert_one_line_naming(str(info.value), name, shows)
    assert snapshot(run_dir) == before


# --- the console command, a representative subset -------------------------------------------
def p4p_sim(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    """Run the installed ``p4p-sim`` console script against this source tree."""
    env = subprocess_env()
    exe = shutil.which("p4p-sim")
    command = [exe] if exe else [sys.executable, "-m", "sim.run.cli"]
    return subprocess.run(
        command + args, cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize("case_id", CLI_SUBSET)
def test_console_command_refuses_and_leaves_outputs_alone(case_id, earlier_run, tmp_path):
    _, overrides, name, shows = BY_ID[case_id]
    run_dir, _ = earlier_run
    before = snapshot(run_dir)
    result = p4p_sim([*TINY, *overrides, f"hydra.run.dir={run_dir}"], tmp_path)
    assert result.returncode != 0
    assert_one_line_naming(result.stderr, name, shows)
    assert result.stderr.startswith("p4p-sim: error: ")
    assert snapshot(run_dir) == before
    assert outputs_under(tmp_path) == []


def test_console_sweep_with_a_mistyped_cell_is_refused_before_any_job(earlier_run, tmp_path):
    sweep_dir = tmp_path / "sweep"
    result = p4p_sim(["-m", *TINY, "seed=1,abc", f"hydra.sweep.dir={sweep_dir}"], tmp_path)
    assert result.returncode != 0
    assert_one_line_naming(result.stderr, "seed", "'abc'")
    assert not sweep_dir.exists()
    assert outputs_under(tmp_path) == []
