"""Mesa, imported without executing the subpackages this model never uses until something does.

``import mesa`` imports all of Mesa's subpackages, among them the experimental continuous
space (which imports ``scipy.spatial``), the discrete spaces and ``mesa.space`` (which imports
networkx): about 0.4 s of a process's start, paid by every run and every sweep worker, for a
model that uses only ``mesa.Model``, ``mesa.Agent`` and ``mesa.DataCollector``. Before Mesa is
first imported, :func:`defer_unused_subpackages` puts those subpackages in ``sys.modules`` as
:class:`DeferredModule` objects: ``import mesa.space`` finds the module there, and the first
use of any attribute it does not hold yet (``mesa.space.MultiGrid``, ``from mesa.space import
...``, Mesa's own visualisation) executes it, whole, as its import would have. Once Mesa is
imported it changes nothing. (:class:`importlib.util.LazyLoader` cannot do this on Python
3.11: the import statement itself reads the module's ``__spec__``, which executes it.)

Mesa also names two of its loggers at import from ``inspect.stack()`` and
``inspect.getmodule()`` (``mesa.mesa_logging``), which look up the source file and line of
every frame of the importing stack and, at a process's first call, the file of every module
imported: 0.08 to 0.13 s in a process with Hydra, pandas and Numba imported. While Mesa
imports, that thread's ``inspect.stack`` and ``inspect.getouterframes`` give the frames
without their source, and ``inspect.getmodule`` of a frame is the module its code runs in
(:func:`inspect_without_source_lookups`); Mesa reads only the caller's frame, its module and
its function name.
"""

from __future__ import annotations

import contextlib
import importlib.machinery
import importlib.util
import inspect
import sys
import threading
import types

UNUSED = ("mesa.experimental", "mesa.discrete_space", "mesa.space")


class DeferredModule(types.ModuleType):
    """A module with its import attributes (``__spec__``, ``__path__``...) whose code runs at
    the first look-up of any other attribute; then it is a plain module."""

    _lock = threading.RLock()

    def __getattr__(self, name: str):
        with DeferredModule._lock:
            if type(self) is DeferredModule:  # not executed yet (by another thread, say)
                self.__class__ = types.ModuleType  # plain while and after its code runs
                try:
                    self.__spec__.loader.exec_module(self)
                except BaseException:
                    sys.modules.pop(self.__name__, None)  # as a failed import leaves it
                    raise
        return object.__getattribute__(self, name)


def defer_unused_subpackages() -> None:
    """Make :data:`UNUSED` deferred modules, if Mesa has not been imported yet (see the
    module)."""
    if "mesa" in sys.modules:
        return
    package = importlib.util.find_spec("mesa")  # found, not imported
    if package is None or not package.submodule_search_locations:
        return
    for name in UNUSED:
        spec = importlib.machinery.PathFinder.find_spec(name, package.submodule_search_locations)
        if spec is None or spec.loader is None or name in sys.modules:
            continue
        module = importlib.util.module_from_spec(spec)
        module.__class__ = DeferredModule
        sys.modules[name] = module


@contextlib.contextmanager
def inspect_without_source_lookups():
    """While the block runs, in this thread (other threads: unchanged): ``inspect.stack()`` and
    ``inspect.getouterframes()`` list the frames with no source context and their file name
    as compiled, and ``inspect.getmodule(frame)`` is the module named in the frame's globals
    when its code is from that module's file (what a search of every module's file finds)."""
    stack, outer_frames, module_of = inspect.stack, inspect.getouterframes, inspect.getmodule
    thread = threading.get_ident()

    def getouterframes(frame, context=1):
        if threading.get_ident() != thread:
            return outer_frames(frame, context)
        frames = []
        while frame is not None:
            code = frame.f_code
            frames.append(
                inspect.FrameInfo(frame, code.co_filename, frame.f_lineno, code.co_name, None, None)
            )
            frame = frame.f_back
        return frames

    def this_stack(context=1):
        if threading.get_ident() != thread:
            return stack(context)
        return getouterframes(sys._getframe(1), context)

    def getmodule(object, _filename=None):
        if threading.get_ident() == thread and inspect.isframe(object):
            module = sys.modules.get(object.f_globals.get("__name__"))
            if getattr(module, "__file__", None) == object.f_code.co_filename:
                return module  # the module whose file the frame's code is from
        return module_of(object, _filename)

    inspect.stack, inspect.getouterframes, inspect.getmodule = this_stack, getouterframes, getmodule
    try:
        yield
    finally:
        inspect.stack, inspect.getouterframes, inspect.getmodule = stack, outer_frames, module_of


defer_unused_subpackages()
with inspect_without_source_lookups():
    import mesa  # noqa: E402

__all__ = ["mesa"]
