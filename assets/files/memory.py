"""Giving back to the system the memory a large file's parsing freed.

glibc's malloc keeps what is freed in its heap for the next allocation rather than return it:
after calamine drops a 100,000-row sheet, some 30-90 MiB stays in the process (more under
gunicorn's threads, each of which may have its own heap, an "arena"), and the next sheet read
is built on top of it. `malloc_trim(0)` returns every whole free page of every arena. Not glibc
(musl, macOS): nothing is done."""

import ctypes
import ctypes.util

_name = ctypes.util.find_library("c")
_trim = getattr(ctypes.CDLL(_name), "malloc_trim", None) if _name else None


def release_freed_memory() -> None:
    """Return to the system the memory freed but kept by glibc's malloc, if that is the
    allocator."""
    if _trim is not None:
        _trim(0)
