"""Named random streams for common random numbers.

Every random decision draws from its own stream, seeded by (base seed, stream name, month).
Draws are made for *every* agent of a kind and then indexed, so one worker's draw does not
depend on which other workers were selected that month. Two scenarios with the same seed
therefore share the initial economy and every exogenous shock, which is what makes paired
scenario comparisons low-variance (Starsim's design; see Law & Kelton, *Simulation
Modeling and Analysis*, on common random numbers).
"""
from __future__ import annotations

import zlib

import numpy as np


def _name_key(name: str) -> int:
    return zlib.crc32(name.encode("utf-8"))


class RandomStreams:
    """Factory of reproducible generators keyed by purpose and month."""

    def __init__(self, seed: int):
        self.seed = int(seed)

    def stream(self, name: str, month: int = -1) -> np.random.Generator:
        """The generator for ``name`` in ``month`` (``-1``: initialisation)."""
        seq = np.random.SeedSequence([self.seed, _name_key(name), month + 1])
        return np.random.Generator(np.random.PCG64(seq))

    def uniform(self, name: str, month: int, size: int) -> np.ndarray:
        """``size`` uniforms, one per agent id, for decision ``name`` in ``month``."""
        return self.stream(name, month).random(size, dtype=np.float32)

    def normal(self, name: str, month: int, size: int) -> np.ndarray:
        return self.stream(name, month).standard_normal(size, dtype=np.float32)
