"""Python API for notebooks and scripts: compose configs exactly as the CLI does, run, load.

>>> import sim
>>> cfg = sim.compose(scenario="baseline", overrides={"population.workers": 2000})
>>> results = sim.run_model(scenario="pay_for_performance", seed=3)
>>> results.kpis["training_incidence"], results.timeseries.head()
"""

from __future__ import annotations

import _thread
import contextlib
import functools
import hashlib
import logging
import os
import pickle
import signal
import sys
import threading
import time
from collections import OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Mapping

from hydra import compose as hydra_compose
from hydra import initialize_config_dir
from hydra.core.config_store import ConfigStore
from hydra.core.global_hydra import GlobalHydra
from hydra.core.override_parser.overrides_parser import OverridesParser
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from sim.config.schema import SimConfig
from sim.config.validation import (
    ConfigError,
    check_override,
    composition_error_message,
    plain_config,
    settings,
    to_sim_config,
    validate,
)
from sim.run import faults
from sim.run.outputs import SUMMARY, TIMESERIES, load_summary, write_run

if TYPE_CHECKING:  # the model (Mesa, pandas) is imported when a run starts, not with the API
    import pandas as pd

    from sim.model.model import Results

log = logging.getLogger("p4p_sim")

CONFIG_GROUPS = ("scenario", "population", "funding", "credentials", "trial", "experiment")


def config_dir() -> Path:
    """The Hydra config tree (``configs/`` at the project root, or $P4P_SIM_CONFIG_DIR)."""
    env = os.environ.get("P4P_SIM_CONFIG_DIR")
    return Path(env).resolve() if env else Path(__file__).resolve().parents[2] / "configs"


def register_schema() -> None:
    """Register the typed schema (once per process) and make the project's Hydra plugins
    importable."""
    store = ConfigStore.instance()
    if "sim_schema.yaml" not in store.repo:
        store.store(name="sim_schema", node=SimConfig)
    ensure_project_plugins()


def ensure_project_plugins() -> None:
    """Put the source tree on the path if Hydra's plugin scan cannot see our sweeper.

    The primary config selects ``hydra/sweeper=resumable`` (hydra_plugins/p4p_sim_sweeper).
    Hydra discovers plugins by listing the directories of the ``hydra_plugins`` namespace
    package; a PEP 660 editable install exposes the plugin only through an import hook, which
    that listing does not see, so the project root is added as a real directory.
    """
    import sys

    try:
        import hydra_plugins

        entries = list(hydra_plugins.__path__)
    except ImportError:
        entries = []
    visible = any((Path(entry) / "p4p_sim_sweeper").is_dir() for entry in entries)
    root = Path(__file__).resolve().parents[2]
    if not visible and (root / "hydra_plugins" / "p4p_sim_sweeper").is_dir():
        sys.path.append(str(root))


def group_options(group: str) -> list[str]:
    """Names of the configs available in a config group, e.g. the scenarios."""
    folder = config_dir() / group
    return sorted(p.stem for p in folder.glob("*.yaml")) if folder.is_dir() else []


def _split_overrides(
    scenario: str | None, seed: int | None, overrides: Mapping | Iterable[str] | None
) -> tuple[list[str], dict]:
    """(Hydra override texts, dotted settings). Config-group choices (``scenario``,
    ``population=tiny``) and command-line texts need Hydra's composition; dotted settings
    given as a mapping are applied afterwards by :func:`sim.config.validation.settings`, the
    one path that every in-process override takes."""
    texts: list[str] = []
    if scenario is not None:
        texts.append(f"scenario={scenario}")
    dotted: dict = {} if seed is None else {"seed": seed}
    if isinstance(overrides, Mapping):
        for key, value in overrides.items():
            if str(key).split("@")[0].lstrip("+~") in CONFIG_GROUPS:
                texts.append(f"{key}={value}")
            else:
                dotted[str(key)] = value
    elif isinstance(overrides, str):
        texts.append(overrides)
    elif overrides:
        texts += list(overrides)
    return texts, dotted


def hydra_literal(value) -> str:
    """A Python value written in Hydra's override grammar (quoted text stays text), for
    commands that hand settings to a Hydra multirun."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {hydra_literal(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(hydra_literal(v) for v in value) + "]"
    text = str(value).replace("\\", "\\\\").replace("'", "\\'")
    return f"'{text}'"


class CommandSlip(ConfigError):
    """A slip with a known correction: the override texts ``args`` should have been ``fixed``
    (``p4p-sim`` shows the whole corrected command)."""

    def __init__(self, message: str, args: Iterable[str], fixed: str):
        super().__init__(message)
        self.args_to_replace, self.fixed = tuple(args), fixed


def default_groups() -> frozenset[str]:
    """Config groups of the primary config's defaults list (``population``, ``scenario``, ...).
    An override changes one of these; any other group (``experiment``) is added with ``+``."""
    return _default_groups(config_dir() / "config.yaml")


def default_choice(group: str) -> str | None:
    """The option the primary config's defaults list chooses for a group, its own or one of
    Hydra's (``hydra/launcher`` -> ``local``); None if it names none or cannot be read."""
    for key, value in _defaults_entries(config_dir() / "config.yaml") or ():
        if key.removeprefix("override ").removeprefix("optional ").strip() == group:
            return str(value)
    return None


@functools.lru_cache(maxsize=None)
def _defaults_entries(primary: Path) -> tuple | None:
    """``(key, value)`` of each entry of the primary config's defaults list that is a
    mapping (``population: default``, ``override hydra/launcher: local``); None if the file
    cannot be read."""
    import yaml

    try:
        defaults = (yaml.safe_load(primary.read_text()) or {}).get("defaults") or []
    except (OSError, yaml.YAMLError, AttributeError):
        return None
    return tuple(
        (str(key), value)
        for entry in defaults
        if isinstance(entry, dict)
        for key, value in entry.items()
    )


def _default_groups(primary: Path) -> frozenset[str]:
    entries = _defaults_entries(primary)
    if entries is None:
        return frozenset(CONFIG_GROUPS)  # cannot tell: leave it to Hydra's composition
    return frozenset(
        key.removeprefix("optional ").split("@")[0].strip()
        for key, _ in entries
        if not key.startswith("override ")
    )


def parse_overrides(texts: list[str]) -> list:
    """Hydra's parse of override texts; one line naming the first that cannot parse."""
    parser = OverridesParser.create()
    parsed = []
    for text in texts:
        try:
            parsed += parser.parse_overrides([text])
        except Exception as exc:  # noqa: BLE001 - Hydra's parse errors come in many types
            raise ConfigError(
                f"cannot parse override {text}: {str(exc).splitlines()[0]}; allowed: key=value"
                " in Hydra's override grammar (quote values with spaces, braces or brackets)"
            ) from None
    return parsed


def check_overrides(overrides: Iterable[str]) -> None:
    """Refuse, before composing anything, overrides that cannot parse, unknown config-group
    options, groups missing their ``+``, unknown keys and values of the wrong type (every value
    of a sweep)."""
    texts = [o for o in overrides if not o.lstrip("+~").startswith("hydra")]
    for text, override in zip(texts, parse_overrides(texts)):
        if override.is_delete():
            continue
        key = override.key_or_group
        group = key.split("@")[0]
        values = (
            list(override.sweep_iterator()) if override.is_sweep_override() else [override.value()]
        )
        for value in values:
            if group in CONFIG_GROUPS:
                check_group_option(group, value)
            else:
                check_override(key, value)
        adds = override.is_add() or override.is_force_add()
        if group in CONFIG_GROUPS and not adds and group not in default_groups():
            raise CommandSlip(
                f"{text}: {group} is not in the defaults list, so it needs a leading +;"
                f" allowed: +{text}",
                [text],
                f"+{text}",
            )


def structural(text: str) -> bool:
    """Whether an override text adds (``+``) or deletes (``~``) a node, sets a package (``@``)
    or indexes a list entry (``credentials.programs.3.name``): it may fail Hydra's composition
    after passing :func:`check_overrides`."""
    key = text.split("=", 1)[0]
    return key.startswith(("+", "~")) or "@" in key or any(p.isdigit() for p in key.split("."))


SCALARS = (bool, int, float, str, type(None))


def composes_as_first_value(override) -> bool:
    """Whether every value of a parsed (sweep) override composes once its first value does:
    a plain ``key=value`` of a model setting (not a config group, not ``hydra.*``, not
    :func:`structural`) whose values are all scalars. :func:`check_overrides` checks each
    such value's key and type, which is all that Hydra's composition could refuse, so a
    sweep composes one of them, not one per value; group options (whose files may fail to
    compose), lists and mappings are composed value by value."""
    key = override.key_or_group
    if structural(override.input_line or key) or key.startswith("hydra"):
        return False
    if key.split("@")[0] in CONFIG_GROUPS:
        return False
    values = list(override.sweep_iterator()) if override.is_sweep_override() else [override.value()]
    return all(isinstance(v, SCALARS) for v in values)


def check_group_option(group: str, option) -> None:
    options = group_options(group)
    if option is not None and str(option) not in options:
        allowed = ", ".join(options) if options else "none defined"
        raise ConfigError(f"{group}={option} is not a known {group}; allowed: {allowed}")


def compose_dictconfig(overrides: list[str]) -> DictConfig:
    """Compose the primary config with Hydra overrides, as ``p4p-sim`` would."""
    register_schema()
    if GlobalHydra.instance().is_initialized():
        GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(config_dir()), version_base="1.3"):
        return hydra_compose(config_name="config", overrides=overrides)


def plain_dictconfig(cfg: DictConfig | SimConfig | Mapping) -> SimConfig | Mapping:
    """A composed DictConfig as nested dicts and lists (interpolations resolved), ready for
    :func:`sim.config.validation.settings`; anything else is returned unchanged. The one
    place a Hydra config leaves OmegaConf."""
    if not isinstance(cfg, DictConfig):
        return cfg
    try:
        return OmegaConf.to_container(cfg, resolve=True)
    except OmegaConfBaseException as exc:
        raise ConfigError(composition_error_message(exc)) from None


COMPOSED_KEPT = 64  # compositions compose_config keeps (override lists), oldest dropped first
_COMPOSED: OrderedDict[tuple, bytes] = OrderedDict()
_COMPOSED_LOCK = threading.Lock()


def config_files_stamp(root: Path, pattern: str = "*") -> str:
    """A digest of the names and contents of every file under the config tree ``root`` (or of
    those whose name matches ``pattern``): an edited, added or removed file changes it (about
    2 ms for this project's tree)."""
    digest = hashlib.sha256()
    for path in sorted(root.rglob(pattern)):
        if path.is_file():
            digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def compose_config(overrides: list[str], check_ranges: bool = True) -> SimConfig:
    """Check the overrides, compose them as ``p4p-sim`` would, and type (and range) check.

    The same overrides over the same config files compose the same config, so a process keeps
    its last ``COMPOSED_KEPT`` compositions (pickled) and gives a new copy of one for the
    same overrides (a few milliseconds, against about 0.2 s for Hydra's composition) while no file of
    the config tree has changed (:func:`config_files_stamp`)."""
    check_overrides(overrides)
    root = config_dir()
    key = (str(root), config_files_stamp(root), tuple(overrides), check_ranges)
    with _COMPOSED_LOCK:
        kept = _COMPOSED.get(key)
        if kept is not None:
            _COMPOSED.move_to_end(key)
    if kept is not None:
        return pickle.loads(kept)
    try:
        cfg = compose_dictconfig(overrides)
    except Exception as exc:  # noqa: BLE001 - Hydra composition errors come in many types
        raise ConfigError(composition_error_message(exc)) from None
    sim_cfg = to_sim_config(plain_dictconfig(cfg))
    composed = validate(sim_cfg) if check_ranges else sim_cfg
    with _COMPOSED_LOCK:
        _COMPOSED[key] = pickle.dumps(composed, pickle.HIGHEST_PROTOCOL)
        while len(_COMPOSED) > COMPOSED_KEPT:
            _COMPOSED.popitem(last=False)
    return composed


def check_run_config(cfg: DictConfig) -> SimConfig:
    """Type- and range-check the config Hydra composed for a run (its ``hydra`` node aside);
    the run then uses it without checking it again (:func:`sim.config.validation.settings`)."""
    model_part = OmegaConf.masked_copy(cfg, [key for key in cfg if key != "hydra"])
    return validate(to_sim_config(plain_dictconfig(model_part)))


def compose(
    scenario: str | None = None,
    seed: int | None = None,
    overrides: Mapping | Iterable[str] | None = None,
) -> SimConfig:
    """A validated :class:`SimConfig` for a scenario, seed and overrides.

    Raises :class:`ConfigError` (one line naming the parameter, its value and what is
    allowed) for unknown scenarios or keys, wrong types, and out-of-range values.
    """
    texts, dotted = _split_overrides(scenario, seed, overrides)
    if not dotted:
        return compose_config(texts)
    return settings(compose_config(texts, check_ranges=False), dotted)


def compose_seeds(
    scenario: str | None, seeds: Iterable[int], overrides: Mapping | None = None
) -> list[SimConfig]:
    """``compose(scenario, seed, overrides)`` for each of ``seeds``, with one Hydra
    composition: the seed is a dotted setting, applied after composition as in
    :func:`compose`."""
    texts, dotted = _split_overrides(scenario, None, overrides)
    composed = compose_config(texts, check_ranges=False)
    return [settings(composed, {"seed": seed, **dotted}) for seed in seeds]


def run_model(
    scenario: str | None = None,
    seed: int | None = None,
    overrides: Mapping | Iterable[str] | None = None,
    config: SimConfig | None = None,
) -> Results:
    """Run one simulation in memory and return its :class:`Results`."""
    from sim.model.model import TrainingMarketModel

    cfg = config if config is not None else compose(scenario, seed, overrides)
    return TrainingMarketModel(cfg).run()


# The tiny economy a warm-up runs: 14 months (two after the burn-in) load the compiled loops
# that its 48 would, so default-economy runs after it load none.
WARM_UP = ("pay_for_performance", 1, {"population": "tiny", "time.months": 14})
WARM_UP_KEPT = Path(__file__).resolve().parent / "__pycache__"  # where its config is kept
CONFIG_CODE = Path(sys.modules[SimConfig.__module__].__file__).parent  # sim/config: types it


def warm_up() -> None:
    """Prepare this process to run many models (a sweep's worker, the page's pool): load the
    compiled loops (:func:`sim.load_compiled`, the same results) and run a tiny economy once
    (:data:`WARM_UP`), so that the first real run pays neither Numba's loading nor its
    loops' first calls (about 0.5 s together)."""
    from sim.model.arrays.groups import load_compiled

    load_compiled()
    run_model(config=warm_up_config())


def warm_up_config(folder: Path | None = None) -> SimConfig:
    """:data:`WARM_UP`'s config, kept in ``folder`` (default :data:`WARM_UP_KEPT`, beside
    Python's and Numba's caches) once Hydra has composed it: a process that warms up then
    skips Hydra's composition (about 0.14 s of a fork server's warm-up, which every sweep
    waits for). The file is named by a digest of the config files and of the code that
    composes and types them, so an edit composes it again; it is written once under its
    name (never over another) and the names of earlier versions are removed. The folder is
    made if it is missing, as Python's bytecode cache makes it (where
    ``PYTHONDONTWRITEBYTECODE`` is set, Python never does). A file that cannot be read or
    written is composed instead: only the warm-up reads it, and a run's results never depend
    on the warm-up."""
    folder = WARM_UP_KEPT if folder is None else folder
    digest = hashlib.sha256(repr(WARM_UP).encode() + Path(__file__).read_bytes())
    digest.update(config_files_stamp(config_dir()).encode())
    digest.update(config_files_stamp(CONFIG_CODE, "*.py").encode())
    kept = folder / f"warm-up-config-{digest.hexdigest()[:16]}.pickle"
    try:
        cfg = pickle.loads(kept.read_bytes())
        if isinstance(cfg, SimConfig):
            return cfg
    except Exception:  # noqa: BLE001 - absent, truncated or unreadable: composed below
        pass
    cfg = compose(*WARM_UP)
    with contextlib.suppress(OSError):
        folder.mkdir(exist_ok=True)  # the folder only: its parent is the package's
        written = kept.with_name(f"{kept.name}.{os.getpid()}.{threading.get_ident()}")
        written.write_bytes(pickle.dumps(cfg, pickle.HIGHEST_PROTOCOL))
        try:
            with contextlib.suppress(FileExistsError):  # another process kept it first
                os.link(written, kept)  # the whole file, and only under a free name
        finally:
            written.unlink()
        for earlier in folder.glob("warm-up-config-*.pickle"):
            if earlier != kept:
                earlier.unlink(missing_ok=True)
    return cfg


_DEFERRED_INTERRUPT = threading.Event()
_HOLDING = threading.Event()  # set while p4p-sim composes: Ctrl-C waits for its next step


def hold_interrupts() -> None:
    """From now until :func:`release_interrupts`, :func:`interrupt` records Ctrl-C instead of
    raising it: while ``p4p-sim`` composes and sets up, inside Hydra and OmegaConf, whose code
    does not always survive a KeyboardInterrupt raised in it (a ``finally`` of OmegaConf's then
    raises an unrelated error, and the command would exit 1 with that error)."""
    _HOLDING.set()


def release_interrupts(raise_held: bool = True) -> None:
    """Raise a Ctrl-C recorded while interrupts were held (or, with ``raise_held`` false,
    forget it), and raise later ones at once."""
    _HOLDING.clear()
    if raise_held:
        raise_deferred_interrupt()
    else:
        _DEFERRED_INTERRUPT.clear()


def interrupt(signum: int, frame) -> None:
    """``p4p-sim``'s Ctrl-C handler: KeyboardInterrupt, as Python's own, except while Numba or
    llvmlite compile or load a compiled loop (they call back into Python through ctypes,
    which would print the exception and drop it, so that the sweep ran on); then it is
    raised at the run's next month (:func:`raise_deferred_interrupt`). While interrupts are
    held (:func:`hold_interrupts`) it is raised when they are released."""
    if _HOLDING.is_set():
        _DEFERRED_INTERRUPT.set()
        return
    while frame is not None:
        if frame.f_globals.get("__name__", "").startswith(("numba.", "llvmlite.")):
            _DEFERRED_INTERRUPT.set()
            return
        frame = frame.f_back
    raise KeyboardInterrupt


def raise_deferred_interrupt() -> None:
    """Raise the KeyboardInterrupt that :func:`interrupt` put off, if any."""
    if _DEFERRED_INTERRUPT.is_set():
        _DEFERRED_INTERRUPT.clear()
        raise KeyboardInterrupt


REPEAT_DELAY = 0.05  # seconds before a dropped Ctrl-C is signalled again


def keep_dropped_interrupts(unraisable) -> None:
    """``p4p-sim``'s ``sys.unraisablehook``: Python prints and drops an exception raised where
    it cannot propagate (a weakref callback such as importlib's, ``__del__``, an at-fork
    callback), and Ctrl-C's KeyboardInterrupt can be raised there, so that the command ran on
    as if no key had been pressed. Such a KeyboardInterrupt is signalled again to the main
    thread ``REPEAT_DELAY`` seconds later, from a timer thread, so that the handler runs once
    this hook and the code that called it have returned (one raised in them would be dropped
    again), and it is raised at the main thread's next step; other exceptions are reported as
    Python reports them."""
    if unraisable.exc_type is not None and issubclass(unraisable.exc_type, KeyboardInterrupt):
        threading.Timer(REPEAT_DELAY, _thread.interrupt_main, args=(signal.SIGINT,)).start()
        return
    sys.__unraisablehook__(unraisable)


def run_to_dir(
    cfg: SimConfig | DictConfig | Mapping, out_dir: Path, progress_every: int = 12
) -> Results:
    """Run one simulation and write its outputs into ``out_dir`` (the CLI's job)."""
    from sim.model.model import TrainingMarketModel

    sim_cfg = settings(plain_dictconfig(cfg))
    started = time.perf_counter()
    model = TrainingMarketModel(sim_cfg)
    faults.arm(model)  # test hook; does nothing unless P4P_SIM_TEST_FAULT is set
    built = time.perf_counter()

    def progress(month: int, months: int) -> None:
        raise_deferred_interrupt()
        # the first month too: the first line says the simulation is under way
        if month == 1 or month % progress_every == 0 or month == months:
            log.info("month %d/%d", month, months)

    results = model.run(progress=progress)
    raise_deferred_interrupt()
    finished = time.perf_counter()
    timing = {
        "setup_seconds": built - started,
        "simulate_seconds": finished - built,
        "phase_seconds": results.phase_seconds,
    }
    # the resolved config as nested dicts and lists: what OmegaConf.to_container of
    # OmegaConf.structured(sim_cfg) gives (tests/test_sweeps.py checks), at 1/100 of its cost
    config = plain_config(sim_cfg)
    write_run(out_dir, results, config, sim_cfg.seed, sim_cfg.scenario.name, timing)
    return results


def load_run(run_dir: str | Path) -> tuple[dict, pd.DataFrame]:
    """The summary (dict) and monthly time series (DataFrame) of a finished run directory."""
    import pandas as pd

    run_dir = Path(run_dir)
    if not (run_dir / SUMMARY).exists():
        raise FileNotFoundError(f"{run_dir} has no {SUMMARY}: the run did not complete")
    return load_summary(run_dir), pd.read_parquet(run_dir / TIMESERIES)
