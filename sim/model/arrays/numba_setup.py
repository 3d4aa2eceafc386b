"""Numba's start-up without its BLAS probe.

The first time a process compiles or loads a Numba loop, Numba imports its NumPy support,
and ``numba.np.arraymath`` checks at import whether SciPy's BLAS is there (``import
scipy.linalg.cython_blas``), for ``np.correlate`` and ``np.convolve`` only. Importing
``scipy.linalg`` costs about 0.12 s in every process that loads the compiled loops: the fork
server before a sweep's first job, the page's pool, every economy from 50,000 workers. No loop
of this model uses BLAS. :func:`import_numpy_support` imports that module first, with
``scipy.linalg`` hidden from this thread's imports for that moment. The probe then finds no
BLAS, and ``np.correlate``/``np.convolve`` in a Numba loop would use Numba's own loop.
Numba's linear algebra (``np.dot``, ``np.linalg``) imports SciPy's BLAS itself when a loop that
uses it compiles. Other threads, and any later import of ``scipy.linalg`` (statsmodels in a
report), are unaffected.
"""

from __future__ import annotations

import contextlib
import sys
import threading

HIDDEN = "scipy.linalg"


class _HiddenFromThread:
    """A meta path finder that makes ``package`` (and its submodules) unimportable for one
    thread: the others find it as before."""

    def __init__(self, package: str):
        self.package, self.thread = package, threading.get_ident()

    def find_spec(self, name, path=None, target=None):
        hidden = name == self.package or name.startswith(self.package + ".")
        if hidden and threading.get_ident() == self.thread:
            raise ModuleNotFoundError(f"{name} is hidden while Numba starts", name=name)
        return None


@contextlib.contextmanager
def hidden_from_this_thread(package: str):
    """While the block runs, ``import package`` (not imported yet) fails in this thread."""
    finder = _HiddenFromThread(package)
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)


def import_numpy_support() -> None:
    """Import ``numba.np.arraymath`` with ``scipy.linalg`` hidden (see the module), unless it
    is imported already. A Numba without that module starts as it would have."""
    if "numba.np.arraymath" in sys.modules:
        return
    # ImportError: another layout of Numba, which then starts as ever, probe and all
    with hidden_from_this_thread(HIDDEN), contextlib.suppress(ImportError):
        import numba.np.arraymath  # noqa: F401
