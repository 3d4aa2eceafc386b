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

from sim.config.outcomes import KPI_NAMES, KPIS
from sim.config.schema import SimConfig
from sim.config.validation import ConfigError, validate
from sim.model.employers import Employer
from sim.model.invariants import InvariantError, check_invariants
from sim.model.model import Results, TrainingMarketModel
from sim.model.providers import Provider
from sim.run.api import compose, load_run, run_model, run_to_dir

# Sweep analysis, imported on first use so that simulation jobs stay light (no scipy.stats,
# no matplotlib): sim.load_sweep(dir), sim.paired_comparison(...), sim.plots.forest_plot(...).
_LAZY = {
    "Sweep": "run.sweep",
    "collect_sweep": "run.sweep",
    "load_sweep": "run.sweep",
    "latest_sweep": "run.sweep",
    "paired_comparison": "analysis.paired",
    "condition_means": "analysis.paired",
    "se_ratio_summary": "analysis.paired",
    "build_report": "analysis.report",
    "plots": "analysis.plots",
}


def __getattr__(name: str):
    if name not in _LAZY:
        raise AttributeError(f"module 'sim' has no attribute {name!r}")
    import importlib

    module = importlib.import_module(f"{__name__}.{_LAZY[name]}")
    return module if _LAZY[name].endswith(f".{name}") else getattr(module, name)


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
