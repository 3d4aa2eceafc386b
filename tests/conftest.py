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


# Markers of tests that run in this process even under ``-n auto`` (pyproject's addopts):
# cluster tests start one scheduler per session, which a second process would start again,
# and the slow ones run parallel sweeps and threads themselves (in two processes they took 252 s
# against 227 s in one).
IN_ONE_PROCESS = ("cluster", "slow")


def pytest_xdist_auto_num_workers(config):
    """Processes for ``-n auto``: none besides this one when the selection (``-m``) takes
    cluster or slow tests, or when tests are named by node id (``file::test``: a few tests
    run sooner than processes start); else None, which leaves the count to xdist's own rule
    (``PYTEST_XDIST_AUTO_NUM_WORKERS``, or one per core), up to ``--maxprocesses``."""
    from _pytest.mark.expression import Expression

    if not config.option.markexpr:  # every test
        return 0
    selection = Expression.compile(config.option.markexpr)
    if any(selection.evaluate(lambda name, marker=marker, **_: name == marker)
           for marker in IN_ONE_PROCESS):  # fmt: skip
        return 0
    if any("::" in str(arg) for arg in config.args):
        return 0
    return None


@pytest.fixture(autouse=True)
def cold_process(monkeypatch):
    """Each test starts as a new process does: without the compiled loops loaded, so that
    small economies run NumPy's passes unless a test loads the compiled ones itself (a large
    economy, or ``groups.load_compiled``); whichever test ran before does not matter."""
    from sim.model.arrays import groups

    monkeypatch.setattr(groups, "_loaded", False)
