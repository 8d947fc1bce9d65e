"""Give the allocator's free memory back to the system after the big one-off steps of a serving process.

A route build of a million points allocates and frees a few hundred MB of numpy temporaries and Python
objects. glibc keeps freed blocks of up to 32 MB in its heaps (its mmap threshold rises after large frees),
so without a trim the process's resident size stays near the peak of every build and the next build adds
to it. ``malloc_trim(0)`` returns the free pages of every heap; it costs a few milliseconds. On a C library
without it (musl, macOS) this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
from functools import lru_cache
from typing import Any

log = logging.getLogger("reisroute.memory")


@lru_cache(maxsize=1)
def _malloc_trim() -> Any:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        return getattr(ctypes.CDLL(name), "malloc_trim", None)
    except OSError:
        return None


def release_freed_memory() -> bool:
    """Trim the C heaps; True when the C library has ``malloc_trim`` (glibc)."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True
