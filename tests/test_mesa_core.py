"""The model imports Mesa without executing the subpackages it never uses; they work on use."""

import importlib.util
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
    # mesa.space imports networkx where it is installed (Mesa's "network" extra), else not
    networkx = importlib.util.find_spec("networkx") is not None
    assert out[1] == f"module mesa.space {networkx}"
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


def test_while_mesa_imports_inspect_finds_this_threads_frames_without_their_source():
    """Inside inspect_without_source_lookups this thread's inspect.stack() and
    getouterframes() give the same frames, function names and lines as Python's, with no
    source context, and getmodule() the same module of a frame; another thread gets Python's
    own; afterwards the functions are Python's again. Mesa named its loggers from them as it
    would have."""
    import inspect
    import threading

    from sim.model.mesa_core import inspect_without_source_lookups, mesa

    python_own = inspect.stack, inspect.getouterframes, inspect.getmodule
    stack, outer_frames, module_of = python_own

    def listed(frames):
        return [(info.frame, info.function, info.lineno) for info in frames]

    other_thread = {}

    def in_other_thread():
        other_thread["context"] = inspect.stack()[0].code_context

    with inspect_without_source_lookups():
        frame = inspect.currentframe()
        modules = [(inspect.getmodule(info.frame), module_of(info.frame)) for info in stack()]
        python_stack, cheap_stack = outer_frames(inspect.currentframe()), inspect.stack()
        python_outer, cheap_outer = outer_frames(frame), inspect.getouterframes(frame)
        thread = threading.Thread(target=in_other_thread)
        thread.start()
        thread.join()
    assert listed(cheap_stack) == listed(python_stack)
    assert listed(cheap_outer) == listed(python_outer)
    assert cheap_stack[0].code_context is None and python_stack[0].code_context is not None
    assert all(cheap is python for cheap, python in modules)
    assert modules[0][0] is sys.modules[__name__]
    assert other_thread["context"] is not None
    assert (inspect.stack, inspect.getouterframes, inspect.getmodule) == python_own
    assert mesa.model._mesa_logger.name == "MESA.mesa.model"
