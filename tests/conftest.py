"""Shared fixtures: tiny economies that run in a fraction of a second."""

from __future__ import annotations

import pytest

from sim.run.api import compose

TINY = {"population": "tiny"}  # configs/population/tiny.yaml: 600 workers, 48 months


def tiny_config(scenario: str = "pay_for_performance", seed: int = 1, **overrides):
    """A validated config for a tiny economy; keyword overrides use ``__`` for dots."""
    params = dict(TINY)
    params.update({k.replace("__", "."): v for k, v in overrides.items()})
    return compose(scenario=scenario, seed=seed, overrides=params)


@pytest.fixture
def tiny():
    return tiny_config


@pytest.fixture(autouse=True)
def cold_process(monkeypatch):
    """Each test starts as a new process does: without the compiled loops loaded, so that
    small economies run NumPy's passes unless a test loads the compiled ones itself (a large
    economy, or ``groups.load_compiled``); whichever test ran before does not matter."""
    from sim.model.arrays import groups

    monkeypatch.setattr(groups, "_loaded", False)
