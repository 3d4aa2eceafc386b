"""Python API for notebooks and scripts: compose configs exactly as the CLI does, run, load.

    >>> import sim
    >>> cfg = sim.compose(scenario="baseline", overrides={"population.workers": 2000})
    >>> results = sim.run_model(scenario="pay_for_performance", seed=3)
    >>> results.kpis["training_incidence"], results.timeseries.head()
"""
from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from typing import Iterable, Mapping

import pandas as pd
from hydra import compose as hydra_compose
from hydra import initialize_config_dir
from hydra.core.config_store import ConfigStore
from hydra.core.global_hydra import GlobalHydra
from omegaconf import DictConfig, OmegaConf

from .config import SimConfig
from .model import Results, TrainingMarketModel
from .outputs import SUMMARY, TIMESERIES, load_summary, write_run
from .validation import ConfigError, composition_error_message, to_sim_config, validate

log = logging.getLogger("p4p_sim")


def config_dir() -> Path:
    """The Hydra config tree (``configs/`` at the project root, or $P4P_SIM_CONFIG_DIR)."""
    env = os.environ.get("P4P_SIM_CONFIG_DIR")
    return Path(env).resolve() if env else Path(__file__).resolve().parent.parent / "configs"


def register_schema() -> None:
    """Register the typed schema and make the project's Hydra plugins importable."""
    ConfigStore.instance().store(name="sim_schema", node=SimConfig)
    ensure_project_plugins()


def ensure_project_plugins() -> None:
    """Put ``hydra_plugins/`` of the source tree on the path if no installed copy is found.

    The primary config selects ``hydra/sweeper=resumable`` (hydra_plugins/p4p_sim_sweeper); an
    editable install maps only ``sim``, so the plugin is found through the project root.
    """
    import importlib.util
    import sys

    try:
        found = importlib.util.find_spec("hydra_plugins.p4p_sim_sweeper") is not None
    except ModuleNotFoundError:
        found = False
    root = Path(__file__).resolve().parent.parent
    if not found and (root / "hydra_plugins" / "p4p_sim_sweeper").is_dir():
        sys.path.append(str(root))


def group_options(group: str) -> list[str]:
    """Names of the configs available in a config group, e.g. the scenarios."""
    folder = config_dir() / group
    return sorted(p.stem for p in folder.glob("*.yaml")) if folder.is_dir() else []


def _override_list(
    scenario: str | None, seed: int | None, overrides: Mapping | Iterable[str] | None
) -> list[str]:
    items: list[str] = []
    if scenario is not None:
        items.append(f"scenario={scenario}")
    if seed is not None:
        items.append(f"seed={seed}")
    if isinstance(overrides, Mapping):
        items += [f"{k}={_hydra_value(v)}" for k, v in overrides.items() if not _structured(v)]
    elif overrides:
        items += list(overrides)
    return items


def _structured(value) -> bool:
    return isinstance(value, (list, tuple, dict))


def _hydra_value(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def compose_dictconfig(overrides: list[str]) -> DictConfig:
    """Compose the primary config with Hydra overrides, as ``p4p-sim`` would."""
    register_schema()
    if GlobalHydra.instance().is_initialized():
        GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(config_dir()), version_base="1.3"):
        return hydra_compose(config_name="config", overrides=overrides)


def compose(
    scenario: str | None = None,
    seed: int | None = None,
    overrides: Mapping | Iterable[str] | None = None,
) -> SimConfig:
    """A validated :class:`SimConfig` for a scenario, seed and overrides."""
    unknown = scenario is not None and scenario not in group_options("scenario")
    if unknown:
        raise ConfigError(
            f"scenario={scenario!r} is not a known scenario; allowed: {', '.join(group_options('scenario'))}"
        )
    try:
        cfg = compose_dictconfig(_override_list(scenario, seed, overrides))
    except ConfigError:
        raise
    except Exception as exc:  # noqa: BLE001 - Hydra composition errors come in many types
        raise ConfigError(composition_error_message(exc)) from None
    structured = (
        {k: v for k, v in overrides.items() if _structured(v)} if isinstance(overrides, Mapping) else {}
    )
    return validate(to_sim_config(cfg, structured))


def run_model(
    scenario: str | None = None,
    seed: int | None = None,
    overrides: Mapping | Iterable[str] | None = None,
    config: SimConfig | None = None,
) -> Results:
    """Run one simulation in memory and return its :class:`Results`."""
    cfg = config if config is not None else compose(scenario, seed, overrides)
    return TrainingMarketModel(cfg).run()


def run_to_dir(cfg: SimConfig | DictConfig, out_dir: Path, progress_every: int = 12) -> Results:
    """Run one simulation and write its outputs into ``out_dir`` (the CLI's job)."""
    sim_cfg = validate(to_sim_config(cfg))
    started = time.perf_counter()
    model = TrainingMarketModel(sim_cfg)
    built = time.perf_counter()

    def progress(month: int, months: int) -> None:
        if month % progress_every == 0 or month == months:
            log.info("month %d/%d", month, months)

    results = model.run(progress=progress)
    finished = time.perf_counter()
    timing = {
        "setup_seconds": built - started,
        "simulate_seconds": finished - built,
        "phase_seconds": results.phase_seconds,
    }
    config = OmegaConf.to_container(OmegaConf.structured(sim_cfg), resolve=True)
    write_run(out_dir, results, config, sim_cfg.seed, sim_cfg.scenario.name, timing)
    return results


def load_run(run_dir: str | Path) -> tuple[dict, pd.DataFrame]:
    """The summary (dict) and monthly time series (DataFrame) of a finished run directory."""
    run_dir = Path(run_dir)
    if not (run_dir / SUMMARY).exists():
        raise FileNotFoundError(f"{run_dir} has no {SUMMARY}: the run did not complete")
    return load_summary(run_dir), pd.read_parquet(run_dir / TIMESERIES)
