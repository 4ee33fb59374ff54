"""Give freed heap memory back to the system between lines of a long render.

glibc keeps what the decoder frees for later use; the heap then holds a line's worth
of spare pages at its high-water mark, and where they lie shifts from run to run, so
a dub's resident memory wandered between 0.95 and 1.06 GB. Trimming after each line
keeps it at about 0.82 GB between lines and 0.92-0.95 GB while one renders
(demo line, 1 thread; docs/benchmarks.md, long videos).
"""
from __future__ import annotations

import ctypes
import ctypes.util
import sys

_trim = None


def release_free_memory() -> None:
    """malloc_trim(0) where the C library is glibc; nothing elsewhere."""
    global _trim
    if _trim is None:
        _trim = False
        if sys.platform.startswith("linux"):
            try:
                _trim = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
                _trim.argtypes, _trim.restype = [ctypes.c_size_t], ctypes.c_int
            except (OSError, AttributeError):       # musl and others: no malloc_trim
                _trim = False
    if _trim:
        _trim(0)
