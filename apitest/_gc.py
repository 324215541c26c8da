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
    """The collector off while the structure is built; what was built is then moved straight
    into the oldest generation (a catalog and a plan live as long as the run), since leaving
    it young had the next allocation scan all of it at once: a tenth of the time of a load.
    Where something else holds a freeze, the objects stay young (unfreezing would undo it)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            if gc.get_freeze_count() == 0:
                gc.freeze()
                gc.unfreeze()  # a splice of lists, not a scan: all of it now in the oldest
            gc.enable()


RUN_YOUNG_THRESHOLD = 20_000
"""Allocations between two collections of the youngest generation during a run (Python's
default is 700)."""


@contextmanager
def fewer_gc_pauses(young: int = RUN_YOUNG_THRESHOLD) -> Iterator[None]:
    """For the length of a run: what exists when it starts (the catalog, the plan, every
    module) is frozen out of the collector's scans, and the youngest generation is collected
    a thirtieth as often. A run's calls make little cyclic garbage, but at Python's defaults
    the collector ran every few dozen calls and rescanned the whole plan every couple of
    thousand: some 7% of the runner's CPU per call, measured in alternating runs.
    Cycles are still collected, only in bigger batches. Another freeze already in place (a
    pre-forking host, say) is left as it is."""
    before = gc.get_threshold()
    freezing = gc.get_freeze_count() == 0
    if freezing:
        gc.freeze()
    gc.set_threshold(max(young, before[0]), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)
        if freezing:
            gc.unfreeze()
