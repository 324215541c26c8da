"""Pausing the cyclic garbage collector while a big structure is built.

Loading a 10,000-operation catalog or planning its 200,000 steps allocates hundreds of thousands
of small objects that form no cycles; meanwhile the collector would scan the growing heap again
and again, a third or more of the time spent. Reference counting still frees what is dropped.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def no_gc_pauses() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
