"""Worker processes that run many jobs: a sweep's (``hydra/launcher=local``) and the page's.

Each worker is prepared once by :func:`warm_worker`, given to
:class:`concurrent.futures.ProcessPoolExecutor` as its initializer, so that its jobs pay neither
the imports nor the first calls of the compiled loops. This module imports only the standard
library: a spawned worker imports it to find :func:`warm_worker`.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import signal
import sys
import threading

log = logging.getLogger(__name__)


class WorkerDied(RuntimeError):
    """A worker process ended while it ran a job, or before it returned one: killed by a
    signal (the system's out-of-memory killer, for one) or crashed. The jobs that finished
    keep their files."""


def exit_with_parent() -> None:
    """End this worker when the process that started it ends, however it ends: idle workers of
    a killed parent would otherwise stay (each holds its task queue open)."""
    parent = multiprocessing.parent_process()
    if parent is not None:
        parent.join()
        os._exit(0)


# the thread pools a worker's share of the cores limits, as joblib limits its workers'
THREAD_LIMITS = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "BLIS_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMBA_NUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)


def share_of_cores(threads: int) -> None:
    """Let this worker's thread pools (Numba's compiled loops, OpenMP, BLAS) use ``threads``
    threads, unless the user set their variables: workers side by side then do not
    oversubscribe the cores. Numba reads its variable when it is imported; if it was
    imported already (a worker forked from a warm process), the worker uses that many of its
    threads when it runs any (lowering the count starts Numba's threads, so it is done only
    when the count is higher)."""
    for name in THREAD_LIMITS:
        os.environ.setdefault(name, str(threads))
    os.environ.setdefault("ENABLE_IPC", "1")  # TBB's schedulers coordinate between processes
    numba = sys.modules.get("numba")
    wanted = int(os.environ["NUMBA_NUM_THREADS"])
    if numba is not None and numba.config.NUMBA_NUM_THREADS > wanted:
        numba.set_num_threads(wanted)


# the pid of the process that warmed this one up (itself, or the fork server it came from)
WARMED_IN: list[int] = []


def warm_process() -> None:
    """Import what a job and its outputs need (Hydra and OmegaConf through the command,
    pyarrow, YAML), ask git for the provenance's commit (:func:`sim.run.outputs.git_commit`,
    two git commands) and warm up the model (:func:`sim.run.api.warm_up`: Mesa, pandas, NumPy
    and the compiled loops), once per process: a worker forked from a warm fork server
    (:mod:`sim.run.fork_server`) is warm already. A failed warm-up is logged; the jobs then
    import what they need."""
    if WARMED_IN:
        return
    try:
        import pyarrow.parquet  # noqa: F401  (pandas imports it at the first to_parquet)
        import yaml  # noqa: F401

        import sim.run.cli  # noqa: F401  (the task)
        from sim.run.api import warm_up
        from sim.run.outputs import git_commit

        git_commit()
        warm_up()
    except Exception as exc:  # noqa: BLE001 - the jobs import on their own and report errors
        log.warning("warm-up of a worker failed (%s); its jobs start cold", exc)
    WARMED_IN.append(os.getpid())
    gc.freeze()  # what a worker keeps for all its jobs: out of every garbage collection


def warm_worker(threads: int | None = None) -> None:
    """Prepare a new worker to run many jobs: give it ``threads`` threads if set
    (:func:`share_of_cores`), end it with its parent, leave Ctrl-C to the parent (which ends
    its workers and says what finished; a worker would print a traceback), and warm it up
    (:func:`warm_process`)."""
    if threads:
        share_of_cores(threads)
    threading.Thread(target=exit_with_parent, name="p4p-exit-with-parent", daemon=True).start()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    warm_process()
