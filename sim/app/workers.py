"""The page's worker processes: started with the page, each imports the model once.

A design's runs go to one pool of spawned processes that lives as long as the page
(:func:`pool`): its workers import Mesa, pandas and the model when the page starts
(:func:`start`), not when the user presses Run. Spawned rather than forked, because the
page's server is a threaded process. Each worker is prepared by
:func:`sim.run.workers.warm_worker`, as a sweep's are. This module imports little itself, since
every worker imports it to find :func:`run_job`.
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from sim.run.workers import warm_worker

_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None
_size = 0


def default_processes() -> int:
    return os.cpu_count() or 1


def _ready(pause: float = 0.0) -> int:
    time.sleep(pause)
    return os.getpid()


def pool(processes: int | None = None) -> ProcessPoolExecutor:
    """The page's pool of ``processes`` workers (default: one per core), made on first use and
    kept; asking for another size replaces it. Every worker is started at once."""
    global _pool, _size
    processes = processes or default_processes()
    with _lock:
        if _pool is None or _size != processes:
            if _pool is not None:
                _pool.shutdown(wait=False, cancel_futures=True)
            _pool = ProcessPoolExecutor(
                max_workers=processes,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=warm_worker,
            )
            _size = processes
            for _ in range(processes):  # one submission per worker starts them all now
                _pool.submit(_ready)
        return _pool


def start(processes: int | None = None) -> None:
    """Start the workers now; they import the model in the background."""
    pool(processes)


def wait_ready(processes: int | None = None) -> float:
    """Block until every worker has imported the model; the seconds waited."""
    started = time.perf_counter()
    processes = processes or default_processes()
    seen: set[int] = set()
    while len(seen) < processes:  # short tasks held long enough that each worker takes one
        executor = pool(processes)
        seen |= {f.result() for f in [executor.submit(_ready, 0.05) for _ in range(processes)]}
    return time.perf_counter() - started


def discard(broken: ProcessPoolExecutor) -> None:
    """Forget a pool whose worker died, so that the next run starts a new one."""
    global _pool
    with _lock:
        if _pool is broken:
            _pool = None
    broken.shutdown(wait=False, cancel_futures=True)


@atexit.register
def _stop() -> None:
    if _pool is not None:
        _pool.shutdown(wait=False, cancel_futures=True)


def run_job(cfg, job_dir: Path, overrides: list[str]) -> str:
    """One run in a worker process, written as a sweep job ``p4p-report`` can read."""
    import yaml

    from sim.run.api import run_to_dir
    from sim.run.sweep_jobs import OVERRIDES

    (job_dir / OVERRIDES).parent.mkdir(parents=True, exist_ok=True)
    (job_dir / OVERRIDES).write_text(yaml.safe_dump(overrides), encoding="utf-8")
    run_to_dir(cfg, job_dir)
    return job_dir.name
