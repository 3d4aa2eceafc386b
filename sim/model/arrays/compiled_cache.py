"""Keep Numba's on-disk cache of the compiled loops in step with their sources.

Numba (``cache=True``) keys each function's cached machine code by its own source file only,
but our kernels inline helpers from other modules (``slice_bounds``, ``priority_key_of``,
``prefetch``): after a change to a helper's file alone, a kernel elsewhere would keep running
the old helper from its cache. So the first compiled module a process imports fingerprints
the sources of all of them together, and drops their cache files (``__pycache__/*.nbi``,
``*.nbc``) when the fingerprint is not the one they were compiled from. Only a checkout whose
files change (an editable install) ever sees a change; a missing or read-only ``__pycache__``
is left alone (Numba then caches elsewhere, or not at all).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from sim.model.arrays.numba_setup import import_numpy_support

MODEL = Path(__file__).resolve().parent.parent
COMPILED_SOURCES = (  # every module with Numba loops, and the helpers they inline
    MODEL / "arrays" / "compiled_cache.py",
    MODEL / "arrays" / "compiled_fastmath.py",
    MODEL / "arrays" / "compiled_groups.py",
    MODEL / "arrays" / "compiled_numpy.py",
    MODEL / "arrays" / "compiled_prefetch.py",
    MODEL / "arrays" / "compiled_rng.py",
    MODEL / "arrays" / "compiled_tallies.py",
    MODEL / "compiled_funder.py",
    MODEL / "compiled_market.py",
    MODEL / "compiled_plans.py",
    MODEL / "compiled_value.py",
    MODEL / "compiled_workers.py",
)
FINGERPRINT = MODEL / "arrays" / "__pycache__" / "compiled-sources.sha256"


def fingerprint(sources=COMPILED_SOURCES) -> str:
    digest = hashlib.sha256()
    for path in sources:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def drop_stale_caches(sources=COMPILED_SOURCES, stamp: Path = FINGERPRINT) -> bool:
    """Remove the Numba cache files of the modules ``sources`` if they may come from other
    versions of them (``stamp``: where the fingerprint of their sources is kept); True if any
    were removed."""
    now = fingerprint(sources)
    try:
        if stamp.read_text() == now:
            return False
    except OSError:  # no fingerprint yet: caches of unknown sources, if any
        pass
    stems = {path.stem for path in sources}
    removed = False
    for folder in {path.parent / "__pycache__" for path in sources}:
        for cached in [*folder.glob("*.nbi"), *folder.glob("*.nbc")]:
            if cached.name.split(".", 1)[0] in stems:
                cached.unlink(missing_ok=True)
                removed = True
    try:
        stamp.parent.mkdir(exist_ok=True)
        written = stamp.with_name(f"{stamp.name}.{os.getpid()}")
        written.write_text(now)
        written.replace(stamp)  # whole, for a process that reads it meanwhile
    except OSError:
        pass
    return removed


drop_stale_caches()
import_numpy_support()  # before Numba loads any loop: its NumPy support without the BLAS probe
