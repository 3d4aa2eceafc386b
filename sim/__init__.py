"""p4p-sim: pay-for-performance funding and microcredentials in an agent-based economy.

Notebook API::

    import sim
    results = sim.run_model(scenario="pay_for_performance", seed=3,
                            overrides={"population.workers": 2000, "population.employers": 100})
    results.kpis["training_incidence"]
"""
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("p4p-sim")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"

from .api import compose, load_run, run_model, run_to_dir
from .config import SimConfig
from .employers import Employer
from .invariants import InvariantError, check_invariants
from .kpis import KPI_NAMES, KPIS
from .model import Results, TrainingMarketModel
from .providers import Provider
from .validation import ConfigError, validate

# Sweep analysis, imported on first use so that simulation jobs stay light (no scipy.stats,
# no matplotlib): sim.load_sweep(dir), sim.paired_comparison(...), sim.plots.forest_plot(...).
_LAZY = {
    "Sweep": "sweep",
    "collect_sweep": "sweep",
    "load_sweep": "sweep",
    "latest_sweep": "sweep",
    "paired_comparison": "paired",
    "condition_means": "paired",
    "se_ratio_summary": "paired",
    "build_report": "report",
    "plots": "plots",
}


def __getattr__(name: str):
    if name not in _LAZY:
        raise AttributeError(f"module 'sim' has no attribute {name!r}")
    import importlib

    module = importlib.import_module(f".{_LAZY[name]}", __name__)
    return module if name == _LAZY[name] else getattr(module, name)


__all__ = [
    *_LAZY,
    "ConfigError",
    "Employer",
    "InvariantError",
    "check_invariants",
    "Provider",
    "compose",
    "load_run",
    "run_model",
    "run_to_dir",
    "KPIS",
    "KPI_NAMES",
    "Results",
    "SimConfig",
    "TrainingMarketModel",
    "validate",
    "__version__",
]
