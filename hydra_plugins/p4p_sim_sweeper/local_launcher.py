"""``hydra/launcher=local``: Hydra's joblib launcher with warm workers (``p4p-sim``'s default).

Hydra's joblib launcher runs each job in a loky worker process through Hydra's ``run_job``
(the job's config composed there, callbacks, logging, output directory). It sends every job
its whole context along (the Hydra context, the primary config, the task function and Hydra's
global state: ~130 kB that each worker unpickles again for every job), and its workers start
only when the first job is sent, so that they import the model while the parent waits.

This launcher takes the same settings (``hydra.launcher.n_jobs``, ``batch_size``...) and runs
every job through the joblib launcher's own ``execute_job`` in the same pool of workers, so
jobs, directories and results are the joblib launcher's. It differs in two ways:

* its workers start when the launcher is set up, and import the model, pandas and pyarrow
  while the parent validates the sweep and writes its manifest;
* the context is pickled once per launch, and each worker unpickles it at its first job and
  keeps it for its later ones (as Hydra's basic launcher keeps one context for all its jobs in
  one process), instead of pickling and unpickling it for every job.

With one worker (``hydra.launcher.n_jobs=1``) it is the joblib launcher: jobs run one after
another in this process.
"""

import gc
import logging
import os
import pickle
import threading
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Dict, List, NamedTuple, Optional, Sequence

from hydra.core.config_store import ConfigStore
from hydra.core.singleton import Singleton
from hydra.core.utils import JobReturn, configure_log, filter_overrides, setup_globals
from hydra.types import HydraContext, TaskFunction
from omegaconf import DictConfig

from hydra_plugins.hydra_joblib_launcher.config import JobLibLauncherConf
from hydra_plugins.hydra_joblib_launcher.joblib_launcher import JoblibLauncher

log = logging.getLogger(__name__)


@dataclass
class LocalLauncherConf(JobLibLauncherConf):
    _target_: str = "hydra_plugins.p4p_sim_sweeper.local_launcher.LocalLauncher"


ConfigStore.instance().store(
    group="hydra/launcher", name="local", node=LocalLauncherConf, provider="p4p-sim"
)


class LocalLauncher(JoblibLauncher):
    """The joblib launcher, with workers started at set-up and the job context sent once."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._warm_up: Optional[threading.Thread] = None

    def setup(
        self, *, hydra_context: HydraContext, task_function: TaskFunction, config: DictConfig
    ) -> None:
        super().setup(hydra_context=hydra_context, task_function=task_function, config=config)
        settings = self.parallel_settings()
        if _EARLY.get("settings") == settings:
            self._warm_up = _EARLY["thread"]  # p4p-sim started these workers already
            return
        if _EARLY:
            _EARLY["thread"].join()  # other settings: one Parallel call at a time
        self._warm_up = start_workers(settings)

    def parallel_settings(self) -> Dict[str, Any]:
        """``joblib.Parallel``'s arguments, as the joblib launcher makes them."""
        return parallel_settings(self.joblib)

    def workers(self) -> int:
        from joblib import effective_n_jobs

        return effective_n_jobs(self.parallel_settings().get("n_jobs", -1))

    def launch(
        self, job_overrides: Sequence[Sequence[str]], initial_job_idx: int
    ) -> Sequence[JobReturn]:
        if self.workers() <= 1:
            return super().launch(job_overrides, initial_job_idx)
        from joblib import Parallel, delayed

        setup_globals()
        assert self.config is not None and self.task_function is not None
        assert self.hydra_context is not None
        configure_log(self.config.hydra.hydra_logging, self.config.hydra.verbose)
        sweep_dir = Path(str(self.config.hydra.sweep.dir))
        sweep_dir.mkdir(parents=True, exist_ok=True)
        settings = self.parallel_settings()
        log.info(
            "Joblib.Parallel(%s) is launching %d jobs (warm workers)",
            ",".join(f"{k}={v}" for k, v in settings.items()),
            len(job_overrides),
        )
        log.info("Launching jobs, sweep output dir : %s", sweep_dir)
        for idx, overrides in enumerate(job_overrides):
            log.info("\t#%d : %s", idx, " ".join(filter_overrides(overrides)))
        if self._warm_up is not None:
            self._warm_up.join()  # one Parallel call at a time on the shared pool
        import cloudpickle

        context = (self.hydra_context, self.config, self.task_function, Singleton.get_state())
        packed = Context(uuid.uuid4().hex, cloudpickle.dumps(context, pickle.HIGHEST_PROTOCOL))
        runs = Parallel(**settings)(
            delayed(execute_job)(initial_job_idx + idx, overrides, packed)
            for idx, overrides in enumerate(job_overrides)
        )
        assert all(isinstance(run, JobReturn) for run in runs)
        return runs

    def release_workers(self) -> None:
        """End the pool's idle workers once the sweep has launched its last job."""
        stop_workers()


def parallel_settings(launcher_settings: Dict[str, Any]) -> Dict[str, Any]:
    """``joblib.Parallel``'s arguments for the launcher's settings, as the joblib launcher makes
    them."""
    from hydra_plugins.hydra_joblib_launcher import _core  # imports joblib: not at start-up

    settings = dict(launcher_settings, backend="loky")
    _core.process_joblib_cfg(settings)
    return settings


def start_workers(settings: Dict[str, Any]) -> Optional[threading.Thread]:
    """Start, in a thread, the pool of workers that ``joblib.Parallel(**settings)`` uses (joblib
    keeps it between calls with the same arguments) and import the model in each worker; None
    if the settings run jobs in this process."""
    from joblib import effective_n_jobs

    workers = effective_n_jobs(settings.get("n_jobs", -1))
    if workers <= 1:
        return None
    thread = threading.Thread(
        target=_warm_up, args=(settings, workers), name="p4p-warm-up", daemon=True
    )
    thread.start()
    _THREADS.append(thread)
    return thread


def _warm_up(settings: Dict[str, Any], workers: int) -> None:
    from joblib import Parallel, delayed

    try:
        Parallel(**settings)(delayed(warm_worker)() for _ in range(workers))
    except Exception as exc:  # noqa: BLE001 - the jobs would start them cold instead
        log.debug("warm-up of the workers failed: %s", exc)


# Hydra's plugin scan executes each module of hydra_plugins again (in a worker, at each job's
# ``Singleton.set_state`` while the state has no ``Plugins``): this module's state outlives it.
_EARLY: Dict[str, Any] = globals().get("_EARLY", {})  # workers p4p-sim started early
_THREADS: List[threading.Thread] = globals().get("_THREADS", [])  # warm-up threads started here


def start_default_workers() -> None:
    """Start the workers of this launcher with its default settings now: ``p4p-sim -m`` calls
    this once the overrides' values have passed their checks, before it composes the configs
    and hands over to Hydra (~1 s), when the sweep will run on this launcher, so that the
    workers' imports overlap that work. The launcher adopts them if its settings are the
    defaults."""
    settings = {k: v for k, v in asdict(LocalLauncherConf()).items() if k != "_target_"}
    settings = parallel_settings(settings)
    thread = start_workers(settings)
    if thread is not None:
        _EARLY.update(settings=settings, thread=thread)


def stop_workers() -> None:
    """End joblib's pool of workers, idle or warming up: once a sweep has launched its last
    job (every job's files are written and synced by then), or when ``p4p-sim`` stops early.
    Left to joblib, this process would wait at its exit for each worker to finish its imports
    or its own interpreter shutdown (~0.5 s)."""
    from joblib.externals.loky import reusable_executor

    executor = getattr(reusable_executor, "_executor", None)  # joblib's shared pool
    if executor is not None:
        executor.shutdown(wait=True, kill_workers=True)
    for thread in _THREADS:  # a warm-up cut short ends here, with its own clean-up
        thread.join()
    _THREADS.clear()


class Context(NamedTuple):
    """The jobs' shared context, pickled once per launch; a worker unpickles it once."""

    key: str
    data: bytes


_CONTEXT: Dict[str, tuple] = globals().get("_CONTEXT", {})  # in a worker: the launch's context


def execute_job(idx: int, overrides: Sequence[str], context: Context) -> JobReturn:
    """In a worker: the joblib launcher's job, with the launch's context unpickled at the
    worker's first job of the launch and kept for its others."""
    from hydra_plugins.hydra_joblib_launcher import _core

    if context.key not in _CONTEXT:
        gc.unfreeze()  # an earlier launch's context may be garbage now
        _CONTEXT.clear()
        _CONTEXT[context.key] = pickle.loads(context.data)
        gc.freeze()
    hydra_context, config, task_function, singleton_state = _CONTEXT[context.key]
    return _core.execute_job(idx, overrides, hydra_context, config, task_function, singleton_state)


def warm_worker() -> int:
    """Import, in a new worker, what the jobs need: the model (Mesa, pandas, NumPy) and its
    compiled loops, run once (a worker runs many jobs: they pay back), pyarrow for their
    tables, and the task (Hydra, OmegaConf)."""
    import pyarrow.parquet  # noqa: F401  (pandas imports it at the first to_parquet)

    import sim.run.cli  # noqa: F401
    from sim.run.api import warm_up

    warm_up()

    gc.freeze()
    return os.getpid()
