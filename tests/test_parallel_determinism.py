"""Determinism across numbers of parallel workers: the same sweep run by Hydra's joblib
launcher and by the default one (local: joblib with warm workers), each with one worker
(every job in one process, one after another) and with two workers (jobs split between
processes, in another order), gives every job the same KPIs and monthly series, bit for bit,
as the session's reference sweep (default launcher, every core).

``tests/test_sweeps.py::test_launchers_give_identical_results`` compares the basic
(in-process), joblib and submitit_local launchers with the same reference, so all launchers
agree.
"""

from __future__ import annotations

import pandas as pd
import pytest

from tests.sweep_helpers import paired_sweep, run_sweep


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    return paired_sweep(tmp_path_factory)


@pytest.mark.parametrize(
    ("launcher", "n_jobs"), [("joblib", 1), ("joblib", 2), ("local", 1), ("local", 2)]
)
def test_same_results_whatever_the_number_of_workers(reference, tmp_path, launcher, n_jobs):
    sweep_dir = tmp_path / f"{launcher}{n_jobs}"
    run_sweep(
        sweep_dir,
        "scenario=baseline,pay_for_performance",
        "seed=1,2,3",
        f"hydra/launcher={launcher}",
        f"hydra.launcher.n_jobs={n_jobs}",
    )
    ours = pd.read_parquet(sweep_dir / "sweep.parquet").set_index("job")
    theirs = pd.read_parquet(reference / "sweep.parquet").set_index("job")
    assert sorted(ours.index) == sorted(theirs.index) and len(ours) == 6
    assert (ours["status"] == "completed").all()
    kpis = [c for c in theirs.columns if theirs[c].dtype == float and c != "run_seconds"]
    pd.testing.assert_frame_equal(ours.loc[theirs.index, kpis], theirs[kpis])
    for job in ours.index:
        pd.testing.assert_frame_equal(
            pd.read_parquet(sweep_dir / job / "timeseries.parquet"),
            pd.read_parquet(reference / job / "timeseries.parquet"),
        )
