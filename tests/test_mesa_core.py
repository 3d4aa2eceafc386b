"""The model imports Mesa without executing the subpackages it never uses; they work on use."""

import subprocess
import sys

from tests.sweep_helpers import subprocess_env

PROBE = """
import sys
from sim.model.model import TrainingMarketModel
unused = ("scipy.spatial", "scipy.special", "networkx", "mesa.space", "mesa.experimental",
          "mesa.discrete_space")
print(sorted(name for name in unused if type(sys.modules.get(name)).__name__ == "module"))
import mesa
grid = mesa.space.MultiGrid
print(type(mesa.space).__name__, grid.__module__, "networkx" in sys.modules)
from mesa.experimental.continuous_space import ContinuousSpace
from mesa.discrete_space import OrthogonalMooreGrid
print(ContinuousSpace.__module__, OrthogonalMooreGrid.__module__, "scipy.spatial" in sys.modules)
"""


def test_the_model_imports_none_of_mesas_unused_subpackages_until_they_are_used():
    """A fresh process that imports the model has not executed scipy.spatial, scipy.special,
    networkx or Mesa's spaces (~0.5 s of its start); the first use of any of them executes
    it, as its import would have."""
    out = subprocess.run(
        [sys.executable, "-c", PROBE],
        env=subprocess_env(),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert out[0] == "[]"
    assert out[1] == "module mesa.space True"
    assert out[2] == (
        "mesa.experimental.continuous_space.continuous_space mesa.discrete_space.grid True"
    )


def test_a_deferred_module_that_fails_is_not_left_half_imported(monkeypatch, tmp_path):
    """An error in the deferred code is the import's error, and leaves no module behind."""
    import importlib.machinery
    import importlib.util

    from sim.model.mesa_core import DeferredModule

    (tmp_path / "broken_pkg.py").write_text("x = 1\nraise RuntimeError('broken')\n")
    spec = importlib.machinery.PathFinder.find_spec("broken_pkg", [str(tmp_path)])
    module = importlib.util.module_from_spec(spec)
    module.__class__ = DeferredModule
    monkeypatch.setitem(sys.modules, "broken_pkg", module)
    try:
        module.x
    except RuntimeError as exc:
        assert str(exc) == "broken"
    else:
        raise AssertionError("the deferred module's error was not raised")
    assert "broken_pkg" not in sys.modules
