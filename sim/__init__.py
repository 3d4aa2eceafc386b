"""p4p-sim: pay-for-performance funding and microcredentials in an agent-based economy.

Notebook API::

    import sim
    results = sim.run_model(scenario="pay_for_performance", seed=3,
                            overrides={"population.workers": 2000, "population.employers": 100})
    results.kpis["training_incidence"]

Every public name is imported on first use (module ``__getattr__``), so that ``import sim``
and the commands stay light: ``p4p-sim`` loads Mesa and pandas only when a run starts, and a
mistyped override fails before either is loaded; sweep analysis (scipy.stats, matplotlib)
loads only for ``sim.load_sweep(dir)``, ``sim.paired_comparison(...)``, ``sim.plots``.
"""

from __future__ import annotations

# public name -> module under sim that defines it ("plots" is that module itself)
_LAZY = {
    "KPIS": "config.outcomes",
    "KPI_NAMES": "config.outcomes",
    "SimConfig": "config.schema",
    "ConfigError": "config.validation",
    "validate": "config.validation",
    "Employer": "model.employers",
    "InvariantError": "model.invariants",
    "check_invariants": "model.invariants",
    "Results": "model.model",
    "TrainingMarketModel": "model.model",
    "load_compiled": "model.arrays.groups",
    "Provider": "model.providers",
    "compose": "run.api",
    "load_run": "run.api",
    "run_model": "run.api",
    "run_to_dir": "run.api",
    "Sweep": "run.sweep",
    "collect_sweep": "run.sweep",
    "load_sweep": "run.sweep",
    "latest_sweep": "run.sweep",
    "paired_comparison": "analysis.paired",
    "condition_means": "analysis.paired",
    "se_ratio_summary": "analysis.paired",
    "cost_benefit": "analysis.paired",
    "build_report": "analysis.report",
    "plots": "analysis.plots",
}


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("p4p-sim")
    except PackageNotFoundError:  # running from a source tree without installation
        return "0.0.0+unknown"


def __getattr__(name: str):
    import importlib

    if name == "__version__":
        value = _version()
    elif name in _LAZY:
        module = importlib.import_module(f"{__name__}.{_LAZY[name]}")
        value = module if _LAZY[name].endswith(f".{name}") else getattr(module, name)
    else:
        raise AttributeError(f"module 'sim' has no attribute {name!r}")
    globals()[name] = value  # once loaded, a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


__all__ = [*_LAZY, "__version__"]
