"""Memory allocator settings for the command-line process.

The batched fits (`scaling_core.fit.newton_batch`) make many temporary arrays of 0.1-30 MB.
glibc hands each block over its mmap threshold (128 KB at start, raised only as such blocks
are freed) to a fresh mapping and returns it on free, so every temporary costs page faults for
its first touch: a fresh ``fit --bootstrap 10000`` process took 6.2-7.1 s where the same work
in a warmed process took 5.2-5.7 s (Gadre et al.'s 34 C4 runs, `benchmarks/bench_fit.py`).
Fixing the thresholds keeps such blocks in the heap for reuse.  Only the command line's own
process is tuned (``python -m scaling_core``), not a program that imports the package.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

#: glibc's mallopt parameters (malloc.h): M_TRIM_THRESHOLD and M_MMAP_THRESHOLD.
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
#: Blocks up to this size come from the heap (glibc's largest allowed: 32 MiB on 64-bit).
MMAP_THRESHOLD = 32 << 20
#: Free heap memory above this is given back to the system.
TRIM_THRESHOLD = 64 << 20


def keep_temporaries_in_heap() -> bool:
    """Set glibc's mmap and trim thresholds; True when they were set (Linux with glibc),
    False anywhere else, where nothing changes."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # musl and others: no mallopt
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(
        mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD)
    )
