"""Determinism across numbers of parallel workers: the same sweep run by Hydra's joblib
launcher and by the default one (local: warm forked workers), each with one worker
(every job in one process, one after another) and with two workers (jobs split between
processes, in another order), gives every job the same KPIs and monthly series, bit for bit,
as the session's reference sweep (default launcher, every core).

``tests/test_sweeps.py::test_launchers_give_identical_results`` compares the basic
(in-process), joblib and submitit_local launchers with the same reference, so all launchers
agree.

With two workers, the default launcher and Hydra's joblib launcher run the reference sweep's own
settings on a 2-core machine (both default to every core), and the joblib launcher on every core
is compared in ``test_sweeps.py`` too; so the two-worker cases run in the slow step (``-m slow``),
and the default run keeps the one-worker cases, which differ from the reference.
"""

from __future__ import annotations

import pandas as pd
import pytest

from tests.sweep_helpers import paired_sweep, run_sweep


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    return paired_sweep(tmp_path_factory)


@pytest.mark.parametrize(
    ("launcher", "n_jobs"),
    [
        ("joblib", 1),
        pytest.param("joblib", 2, marks=pytest.mark.slow),
        ("local", 1),
        pytest.param("local", 2, marks=pytest.mark.slow),
    ],
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
