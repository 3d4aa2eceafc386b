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
from .kpis import KPI_NAMES, KPIS
from .model import Results, TrainingMarketModel
from .providers import Provider
from .validation import ConfigError, validate

__all__ = [
    "ConfigError",
    "Employer",
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
