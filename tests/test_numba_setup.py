"""Numba starts without importing scipy.linalg for its BLAS probe; other threads are unaffected."""

import subprocess
import sys
import threading

import pytest

from sim.model.arrays.numba_setup import hidden_from_this_thread
from tests.sweep_helpers import subprocess_env

PROBE = """
import sys
from sim.model.arrays.groups import load_compiled
from sim.run.api import run_model
load_compiled()
run_model("pay_for_performance", 1, {"population": "tiny", "time.months": 14})
import numba.np.arraymath
print("scipy.linalg" in sys.modules, numba.np.arraymath._HAVE_BLAS)
import scipy.linalg.cython_blas  # imports as ever afterwards
print("scipy.linalg" in sys.modules)
"""


def test_a_process_that_runs_the_compiled_loops_never_imports_scipy_linalg():
    """Loading and running the compiled loops imports no scipy.linalg (about 0.12 s); it
    imports as ever afterwards."""
    out = subprocess.run(
        [sys.executable, "-c", PROBE], env=subprocess_env(), capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["False", "False", "True"]


def test_a_package_is_hidden_from_this_thread_only_and_only_inside_the_block(monkeypatch):
    monkeypatch.delitem(sys.modules, "json.tool", raising=False)
    finders = list(sys.meta_path)
    other_thread = {}

    def import_in_other_thread():
        import json.tool

        other_thread["module"] = json.tool.__name__

    with hidden_from_this_thread("json.tool"):
        with pytest.raises(ModuleNotFoundError, match="json.tool is hidden"):
            import json.tool  # noqa: F401
        import json.decoder  # another module of the same package  # noqa: F401

        thread = threading.Thread(target=import_in_other_thread)
        thread.start()
        thread.join()
    assert other_thread["module"] == "json.tool"
    assert sys.meta_path == finders
