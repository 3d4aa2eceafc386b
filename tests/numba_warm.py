"""Fill Numba's cache of the model's compiled loops before the tests start.

``tests/conftest.py`` runs this in two processes at once when a distributed test run starts and
the cache holds no loop of this checkout (a fresh clone, or a change to a loop's sources, after
which :mod:`sim.model.arrays.compiled_cache` drops the old ones): ``serial`` compiles the loops
small economies run (each kernel's serial twin), ``threads`` their parallel builds. Otherwise
each test process, and each sweep or page worker a test starts, compiles whichever loops it
meets first, the same ones at the same time. On a fresh clone on 2 cores the default run took
345.6 s that way, and 304.4 s with this warm-up first (56.8 s of it).

Usage: ``python tests/numba_warm.py serial|threads``
"""

from __future__ import annotations

import sys
from pathlib import Path

# the economies whose loops the tests run in threads (tests/test_compiled_loaded.py), tiny
SCENARIOS = ("pay_for_performance", "norcat_blended_mining")
WAYS = ("serial", "threads")


def cold(model_dir: Path) -> bool:
    """Whether Numba's cache beside the model's sources lacks either build of the largest
    loop, the valuation (``cache=True`` keeps it in the source folder's ``__pycache__``)."""
    folder = model_dir / "__pycache__"
    return not all(
        any(folder.glob(f"compiled_value.{name}-*.nbi")) for name in ("appraise", "appraise_serial")
    )


def warm(way: str) -> None:
    """Run the tiny economies of ``SCENARIOS`` with the compiled loops loaded, each loop as its
    serial twin or, for ``threads``, in its parallel build (from the first row)."""
    from sim.model.arrays import compiled_groups, groups
    from sim.model.model import TrainingMarketModel
    from sim.run.api import compose

    groups.load_compiled()
    if way == "threads":
        compiled_groups.PARALLEL_ROWS = 0
    for scenario in SCENARIOS:
        TrainingMarketModel(compose(scenario, 1, {"population": "tiny"})).run()


if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in WAYS:
        sys.exit(f"usage: python {sys.argv[0]} {'|'.join(WAYS)}")
    warm(sys.argv[1])
