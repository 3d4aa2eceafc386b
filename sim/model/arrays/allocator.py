"""How the model's arrays get their memory: freed memory kept for reuse, and a growing
table's next rows mapped in the background.

**Freed memory is kept.**

Each month the vector rules create many short-lived arrays; at full scale (1.7M workers)
they are megabytes each. By default glibc serves large blocks with ``mmap`` and unmaps them on
free, so every month re-faults and zero-fills the same memory: about a quarter of a full-scale
run went to the kernel. Raising the mmap and trim thresholds makes glibc keep freed blocks in
the heap and reuse them. Results are unaffected; peak memory barely moves. A no-op where glibc
is absent (macOS, Windows, musl).

**The next rows of a large table are mapped ahead** (:func:`map_ahead`). The enrolment ledger
reserves room for every start of a run, and its rows are first written month by month: at
full scale about 1 GiB over a run, which the kernel maps page by page as each is first written
(a second of a full-scale run on these virtual machines, where memory touched for the first
time is slow). A background thread asks the kernel to map the pages of the rows the next
month will write (``MADV_POPULATE_WRITE``, Linux 5.14+), on the core that the month's serial
NumPy passes leave idle. It maps pages without writing to them, so the rows' zeros and the
results are the same; elsewhere it is a no-op.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import mmap
import sys
import threading

import numpy as np

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD_MAX = 32 * 1024 * 1024  # glibc's largest allowed value on 64-bit systems
TRIM_THRESHOLD = 2**31 - 1

_tuned = False


def libc_function(name: str):
    """The C library's function ``name``, or None where there is no such library or function
    (macOS has no ``mallopt``; Windows, no libc)."""
    try:
        return getattr(ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6"), name)
    except (OSError, AttributeError):
        return None


def keep_freed_memory() -> bool:
    """Tune glibc's allocator once per process; True if it was tuned."""
    global _tuned
    if _tuned:
        return True
    mallopt = libc_function("mallopt")
    if mallopt is None:
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    _tuned = bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_MAX)) and bool(
        mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD)
    )
    return _tuned


MADV_POPULATE_WRITE = 23  # linux/mman.h (Python's mmap module names it from 3.12)
_madvise = None  # libc's madvise, once found; False where it or the advice is unsupported


def _libc_madvise():
    global _madvise
    if _madvise is None:
        madvise = libc_function("madvise") if sys.platform.startswith("linux") else None
        if madvise is not None:
            madvise.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int)
            madvise.restype = ctypes.c_int
        _madvise = madvise or False
    return _madvise


def map_ahead(columns: list[np.ndarray], start: int, stop: int) -> threading.Thread | None:
    """Map the pages of rows ``start:stop`` of each (contiguous) column in a background
    thread, which holds the columns until it is done; returns it, or None where the kernel
    cannot (ctypes releases the GIL around each call)."""
    madvise = _libc_madvise()
    if not madvise or stop <= start:
        return None
    ranges = []
    for column in columns:
        first = column.ctypes.data + start * column.itemsize
        page = first - first % mmap.PAGESIZE
        ranges.append((page, column.ctypes.data + stop * column.itemsize - page))

    def populate(held: list[np.ndarray]) -> None:  # ``held``: alive until their pages are mapped
        global _madvise
        for address, length in ranges:
            if madvise(address, length, MADV_POPULATE_WRITE) != 0:
                _madvise = False  # a kernel before 5.14 (EINVAL): never asked again
                return

    thread = threading.Thread(target=populate, args=(columns,), name="p4p-map-ahead", daemon=True)
    thread.start()
    return thread
