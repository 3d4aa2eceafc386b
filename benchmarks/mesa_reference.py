"""The usual Mesa way, as a yardstick: one ``mesa.Agent`` per worker, stepped by ``shuffle_do``.

Each worker's monthly step is the least a labour-market model does: one quit draw and one wage
update. Our model does far more per worker-month, with columns instead of objects; the scaling
benchmark prints how many times more worker-months per second it simulates than this loop.
"""

from __future__ import annotations

import time

import mesa

from sim.model.model import release_agent_ids

QUIT_RATE = 0.02
WAGE_GROWTH = 0.002


class ReferenceWorker(mesa.Agent):
    def __init__(self, model: mesa.Model):
        super().__init__(model)
        self.employed = True
        self.wage = 4000.0

    def step(self) -> None:
        if self.random.random() < QUIT_RATE:
            self.employed = not self.employed
        if self.employed:
            self.wage *= 1.0 + WAGE_GROWTH


class ReferenceModel(mesa.Model):
    def __init__(self, workers: int, seed: int = 0):
        super().__init__(rng=seed)
        for _ in range(workers):
            ReferenceWorker(self)

    def step(self) -> None:
        self.agents.shuffle_do("step")


def time_reference(workers: int, months: int, seed: int = 0) -> dict:
    """Wall time of ``months`` steps of the reference model (construction timed apart)."""
    started = time.perf_counter()
    model = ReferenceModel(workers, seed)
    built = time.perf_counter()
    for _ in range(months):
        model.step()
    finished = time.perf_counter()
    release_agent_ids(model)
    return {
        "workers": workers,
        "months": months,
        "build_seconds": built - started,
        "run_seconds": finished - built,
        "worker_months_per_second": workers * months / (finished - built),
    }
