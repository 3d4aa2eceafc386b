"""Keep freed memory for reuse instead of handing it back to the operating system.

Each month the vector rules create many short-lived arrays; at full scale (1.7M workers)
they are megabytes each. By default glibc serves large blocks with ``mmap`` and unmaps them on
free, so every month re-faults and zero-fills the same memory: about a quarter of a full-scale
run went to the kernel. Raising the mmap and trim thresholds makes glibc keep freed blocks in
the heap and reuse them. Results are unaffected; peak memory barely moves. A no-op where glibc
is absent (macOS, Windows, musl).
"""

from __future__ import annotations

import ctypes
import ctypes.util

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD_MAX = 32 * 1024 * 1024  # glibc's largest allowed value on 64-bit systems
TRIM_THRESHOLD = 2**31 - 1

_tuned = False


def keep_freed_memory() -> bool:
    """Tune glibc's allocator once per process; True if it was tuned."""
    global _tuned
    if _tuned:
        return True
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    _tuned = bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_MAX)) and bool(
        mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD)
    )
    return _tuned
