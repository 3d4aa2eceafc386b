"""``hydra/launcher=local``: sweeps on the local cores, in warm worker processes forked from
a fork server that warmed up once (``p4p-sim``'s default launcher).

Every job runs as under Hydra's joblib launcher, through its ``execute_job`` (the job's config
composed there, Hydra's ``run_job`` with the callbacks, logging and output directory), so jobs,
directories and results are the joblib launcher's. What differs is the workers:

* one pool of ``hydra.launcher.n_jobs`` workers (joblib's meaning: -1 every core, -2 all but
  one, ...), set up when ``p4p-sim`` has checked the overrides' values, before it composes the
  sweep's configs. On Linux that starts a fork server (:func:`warm_fork_server`), which
  imports the model, pandas and pyarrow and runs its compiled loops once
  (:mod:`sim.run.fork_server`) on one core while ``p4p-sim`` composes and writes the sweep's
  manifest on the others; each worker is forked from it, warm, when the launch submits its
  jobs. Elsewhere the workers are spawned and warm up themselves
  (:func:`sim.run.workers.warm_worker`). Each has its share of the cores for its thread pools
  (``NUMBA_NUM_THREADS`` and the like: cores // workers, unless set), as joblib's workers
  have, and returns each job's ``JobReturn`` pickled by :func:`returned`;
* the launch's context (the Hydra context, the primary config, the task function and Hydra's
  global state: ~130 kB) is pickled once per launch, and each worker unpickles it at its first
  job and keeps it for its later ones, as Hydra's basic launcher keeps one context for all its
  jobs in one process;
* a worker takes the next job as soon as it is free, and leaves Ctrl-C to ``p4p-sim``, which
  ends the workers (a job cut short leaves no partial file: every output is written
  atomically) and says what finished.

With ``n_jobs=1``, or any other setting of the joblib launcher (``batch_size``,
``pre_dispatch``, ``timeout``...) off its default, the sweep runs on Hydra's joblib launcher
itself, with those settings.
"""

import contextlib
import gc
import importlib
import logging
import multiprocessing
import os
import pickle
import signal
import sys
import threading
import uuid
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass
from itertools import repeat
from pathlib import Path
from typing import Any, Dict, NamedTuple, Sequence

from hydra.core.config_store import ConfigStore
from hydra.core.singleton import Singleton
from hydra.core.utils import JobReturn, configure_log, filter_overrides, setup_globals
from hydra.types import HydraContext, TaskFunction
from omegaconf import DictConfig

from hydra_plugins.hydra_joblib_launcher.config import JobLibLauncherConf
from hydra_plugins.hydra_joblib_launcher.joblib_launcher import JoblibLauncher
from sim.run.pickling import dumps
from sim.run.workers import WorkerDied, warm_worker

log = logging.getLogger(__name__)


@dataclass
class LocalLauncherConf(JobLibLauncherConf):
    _target_: str = "hydra_plugins.p4p_sim_sweeper.local_launcher.LocalLauncher"


ConfigStore.instance().store(
    group="hydra/launcher", name="local", node=LocalLauncherConf, provider="p4p-sim"
)

DEFAULT_SETTINGS = {k: v for k, v in asdict(LocalLauncherConf()).items() if k != "_target_"}


class LocalLauncher(JoblibLauncher):
    """The joblib launcher's jobs, run by one pool of warm workers started early."""

    def setup(
        self, *, hydra_context: HydraContext, task_function: TaskFunction, config: DictConfig
    ) -> None:
        super().setup(hydra_context=hydra_context, task_function=task_function, config=config)
        workers = pool_workers(self.joblib)
        if workers > 1:
            start_pool(workers)  # p4p-sim started it already for the default settings
        else:
            stop_workers()

    def launch(
        self, job_overrides: Sequence[Sequence[str]], initial_job_idx: int
    ) -> Sequence[JobReturn]:
        pool = _POOL.get("pool")  # set up for this launcher's settings, or none: joblib's
        if pool is None:
            return super().launch(job_overrides, initial_job_idx)
        setup_globals()
        assert self.config is not None and self.task_function is not None
        assert self.hydra_context is not None
        configure_log(self.config.hydra.hydra_logging, self.config.hydra.verbose)
        sweep_dir = Path(str(self.config.hydra.sweep.dir))
        sweep_dir.mkdir(parents=True, exist_ok=True)
        log.info(
            "%d %s workers are launching %d jobs (warm workers)",
            pool.workers,
            "forked" if pool.start_method == "forkserver" else "spawned",
            len(job_overrides),
        )
        log.info("Launching jobs, sweep output dir : %s", sweep_dir)
        for idx, overrides in enumerate(job_overrides):
            log.info("\t#%d : %s", idx, " ".join(filter_overrides(overrides)))
        import cloudpickle

        context = (self.hydra_context, self.config, self.task_function, Singleton.get_state())
        packed = Context(uuid.uuid4().hex, cloudpickle.dumps(context, pickle.HIGHEST_PROTOCOL))
        numbers = range(initial_job_idx, initial_job_idx + len(job_overrides))
        try:  # submitting starts the workers: a pool can break then too
            returned = pool.executor.map(execute_job, numbers, job_overrides, repeat(packed))
            runs = [pickle.loads(run) for run in returned]
        except BrokenProcessPool:
            stop_workers()
            raise WorkerDied(
                "a worker process ended abruptly (killed by a signal, perhaps for lack of"
                " memory, or crashed)"
            ) from None
        assert all(isinstance(run, JobReturn) for run in runs)
        return runs

    def release_workers(self) -> None:
        """End the pool's idle workers once the sweep has launched its last job."""
        stop_workers()


def pool_workers(settings: Dict[str, Any]) -> int:
    """Workers of the local pool for the launcher's ``settings``: joblib's count for
    ``n_jobs``, or 1 when the joblib launcher runs the jobs (another of its settings set)."""
    if any(
        settings.get(key, value) != value
        for key, value in DEFAULT_SETTINGS.items()
        if key != "n_jobs"
    ):
        return 1
    from joblib import effective_n_jobs

    return effective_n_jobs(settings.get("n_jobs", DEFAULT_SETTINGS["n_jobs"]))


FORK_SERVER_MODULE = "sim.run.fork_server"
# what the command needs for the sweep's tables and the server for its jobs (pandas, pyarrow:
# ~0.35 s): imported before the server is forked from the command, once for both
SHARED_IMPORTS = ("pyarrow.parquet", "sim.run.sweep")
_SERVER: Dict[str, Any] = globals().get("_SERVER", {})  # the fork server this process started


def warm_fork_server(threads: int) -> Any:
    """The multiprocessing context whose workers are forked from a fork server warmed up once
    (:mod:`sim.run.fork_server`) with ``threads`` threads for each worker's thread pools, on
    Linux; it starts the server now, in the background, or keeps the one running for the same
    share and environment (a worker has the environment of the server it comes from, as a
    forked one has its parent's). Elsewhere, spawned workers. The server is forked from this
    process while it runs no other thread (:func:`can_fork`: it then starts with Hydra and the
    command imported, ~0.25 s sooner, and with :data:`SHARED_IMPORTS`, imported first, which
    neither process imports again), else started as a new interpreter; either way it runs no
    other Python or Numba thread when it forks a worker (pyarrow's allocator, jemalloc, runs a
    background thread of its own once pandas is imported, in the command and the server
    alike; jemalloc registers fork handlers for it), and ends with this process. Call it only while no
    worker of an earlier pool runs (a server restarts once its workers have ended)."""
    if not sys.platform.startswith("linux"):
        return multiprocessing.get_context("spawn")
    from multiprocessing import forkserver

    context = multiprocessing.get_context("forkserver")
    server = forkserver._forkserver
    wanted = (threads, sorted(os.environ.items()))
    running = getattr(server, "_forkserver_pid", None)
    if running is not None and _SERVER.get("pid") == running and _SERVER["for"] != wanted:
        server._stop()  # started for another share or environment
    context.set_forkserver_preload([FORK_SERVER_MODULE])
    users = os.environ.get("P4P_SIM_WORKER_THREADS")
    os.environ["P4P_SIM_WORKER_THREADS"] = str(threads)  # for the server only
    try:
        if getattr(server, "_forkserver_pid", None) is None and can_fork():
            for module in SHARED_IMPORTS:
                importlib.import_module(module)
            fork_server(server)
        else:
            forkserver.ensure_running()
    finally:
        if users is None:
            del os.environ["P4P_SIM_WORKER_THREADS"]
        else:
            os.environ["P4P_SIM_WORKER_THREADS"] = users
    _SERVER.update({"pid": server._forkserver_pid, "for": wanted})
    return context


def can_fork() -> bool:
    """Whether the fork server may be forked from this process: Python 3.11 or 3.12 (whose
    ``multiprocessing.forkserver.main`` it calls), while this process runs no other thread,
    Python's or Numba's (a fork copies only the calling thread, so another thread's locks
    could stay held in the copy, and GNU OpenMP, a threading layer of Numba, ends a child
    forked after its threads started). ``p4p-sim`` sets its sweep's pool up before it imports
    Numba."""
    if not (3, 11) <= sys.version_info[:2] <= (3, 12) or threading.active_count() > 1:
        return False
    numba_threads = sys.modules.get("numba.np.ufunc.parallel")
    return not getattr(numba_threads, "_is_initialized", False)


def fork_server(server: Any) -> None:
    """``server.ensure_running()`` (multiprocessing's ``ForkServer``), except that the server
    is forked from this process rather than started as a new interpreter: the same listening
    socket, "alive" pipe and resource tracker, and the same ``forkserver.main`` loop, which
    first imports the preload modules (the warm-up)."""
    import socket
    from multiprocessing import connection, forkserver, resource_tracker, util

    resource_tracker.ensure_running()
    with socket.socket(socket.AF_UNIX) as listener:
        address = connection.arbitrary_address("AF_UNIX")
        listener.bind(address)
        if not util.is_abstract_socket_namespace(address):
            os.chmod(address, 0o600)
        listener.listen()
        alive_r, alive_w = os.pipe()
        for stream in (sys.stdout, sys.stderr):  # the server would write it out again
            stream.flush()
        with held_interrupts():
            pid = os.fork()
            if pid == 0:  # the server: until the last holder of the alive pipe ends
                try:
                    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the command's
                    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})  # for its forks
                    os.close(alive_w)
                    forkserver.main(listener.fileno(), alive_r, server._preload_modules)
                finally:
                    os._exit(0)  # none of this process's exit handlers: they are the command's
        os.close(alive_r)
    server._forkserver_address = address
    server._forkserver_alive_fd = alive_w
    server._forkserver_pid = pid


@contextlib.contextmanager
def held_interrupts():
    """Ctrl-C (SIGINT) held back from this thread inside, and delivered when it ends. Around
    ``os.fork``: a KeyboardInterrupt raised in its at-fork callbacks would be printed and
    dropped, and logging's would leave its lock held (a later log call from another thread
    would wait for ever); one raised in the child before it ignores Ctrl-C would run the
    command's code there. A Ctrl-C that arrived just before is raised first, here."""
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        _step()  # a pending handler runs at a Python call: now, not inside the fork
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def _step() -> None:
    """Nothing: calling a Python function is where CPython runs pending signal handlers."""


class WorkerPool:
    """``workers`` processes, each prepared by :func:`sim.run.workers.warm_worker`: forked from
    a warm fork server on Linux (:func:`warm_fork_server`), as soon as the launch submits its
    jobs; spawned, and started now, elsewhere."""

    def __init__(self, workers: int) -> None:
        from joblib import cpu_count

        self.workers = workers
        threads = max(cpu_count() // workers, 1)  # each worker's, as joblib's workers have
        context = warm_fork_server(threads)
        self.start_method = context.get_start_method()
        self.executor = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=context,
            initializer=warm_worker,
            initargs=(threads,),
        )
        if self.start_method == "spawn":
            for _ in range(workers):  # one submission each starts them all now
                self.executor.submit(os.getpid)

    def stop(self) -> None:
        """End every worker now, idle, warming up or running a job."""
        processes = list((getattr(self.executor, "_processes", None) or {}).values())
        self.executor.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            if process.is_alive():
                process.terminate()
        for process in processes:
            process.join()
        self.executor.shutdown(wait=True)


# Hydra's plugin scan executes each module of hydra_plugins again (in p4p-sim once, and in a
# worker at each job's ``Singleton.set_state`` while the state has no ``Plugins``): this
# module's state outlives it.
_POOL: Dict[str, WorkerPool] = globals().get("_POOL", {})  # this process's pool, if started


def start_pool(workers: int) -> WorkerPool:
    """The pool of ``workers`` warm workers: the one started already if it has that many, else
    a new one (ending the other)."""
    pool = _POOL.get("pool")
    if pool is not None and pool.workers == workers:
        return pool
    stop_workers()
    _POOL["pool"] = WorkerPool(workers)
    return _POOL["pool"]


def start_default_workers() -> None:
    """Start the pool for the default settings now: ``p4p-sim -m`` calls this once the
    overrides' values have passed their checks, before it composes the configs and hands over
    to Hydra (~1 s), when the sweep will run on this launcher, so that the workers' imports and
    warm-up overlap that work. The launcher adopts the pool if its settings ask for as many
    workers."""
    workers = pool_workers(DEFAULT_SETTINGS)
    if workers > 1:
        start_pool(workers)


def stop_workers() -> None:
    """End the pool's workers, idle or warming up: once a sweep has launched its last job
    (every job's files are written and synced by then), or when ``p4p-sim`` stops early."""
    pool = _POOL.pop("pool", None)
    if pool is not None:
        pool.stop()


def stop_fork_server() -> None:
    """End the fork server this process started, and wait for it: the command leaves no
    process behind, and the server's CPU time (with that of the workers it reaped) is the
    command's. Call it once the pool's workers have ended (:func:`stop_workers`)."""
    if "pid" not in _SERVER:
        return
    from multiprocessing import forkserver

    server = forkserver._forkserver
    pid = _SERVER["pid"]
    if getattr(server, "_forkserver_pid", None) == pid:
        # Ended, not asked to end: a request Ctrl-C cut short (while the server warmed up,
        # say) may still be queued, and a worker it forks holds the server open; the pool
        # does not know it. So the server is stopped (no fork after this), such workers end,
        # then the server; it holds nothing else.
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGSTOP)
            for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
                with contextlib.suppress(ProcessLookupError):
                    os.kill(int(child), signal.SIGKILL)
            os.kill(pid, signal.SIGKILL)
        server._stop()  # closes this process's end of the alive pipe and waits for it
    _SERVER.clear()


class Context(NamedTuple):
    """The jobs' shared context, pickled once per launch; a worker unpickles it once."""

    key: str
    data: bytes


_CONTEXT: Dict[str, tuple] = globals().get("_CONTEXT", {})  # in a worker: the launch's context


def returned(run: JobReturn) -> bytes:
    """A job's ``JobReturn``, pickled for the command: by :func:`sim.run.pickling.dumps`
    (~2 ms), or by cloudpickle, as joblib's workers return theirs, if it holds what pickle
    cannot (a function defined in the task, say). cloudpickle would also pickle the config
    classes of ``hydra_plugins`` by value: ~40 ms a job."""
    try:
        return dumps(run)
    except Exception:  # noqa: BLE001 - what pickle cannot do, cloudpickle can
        import cloudpickle

        return cloudpickle.dumps(run, pickle.HIGHEST_PROTOCOL)


def execute_job(idx: int, overrides: Sequence[str], context: Context) -> bytes:
    """In a worker: the joblib launcher's job, with the launch's context unpickled at the
    worker's first job of the launch and kept for its others; its ``JobReturn`` pickled by
    :func:`returned`."""
    from hydra_plugins.hydra_joblib_launcher import _core

    if context.key not in _CONTEXT:
        gc.unfreeze()  # an earlier launch's context may be garbage now
        _CONTEXT.clear()
        _CONTEXT[context.key] = pickle.loads(context.data)
        gc.freeze()
    hydra_context, config, task_function, singleton_state = _CONTEXT[context.key]
    run = _core.execute_job(idx, overrides, hydra_context, config, task_function, singleton_state)
    return returned(run)
