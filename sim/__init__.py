"""p4p-sim: pay-for-performance funding and microcredentials in an agent-based economy.

Notebook API::

    import sim
    results = sim.run_model(scenario="pay_for_performance", seed=3, **{"population.workers": 2000})
    results.kpis["training_incidence"]
"""
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("p4p-sim")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"

from .config import SimConfig
from .kpis import KPI_NAMES, KPIS
from .model import Results, TrainingMarketModel
from .validation import ConfigError, validate

__all__ = [
    "ConfigError",
    "KPIS",
    "KPI_NAMES",
    "Results",
    "SimConfig",
    "TrainingMarketModel",
    "validate",
    "__version__",
]
