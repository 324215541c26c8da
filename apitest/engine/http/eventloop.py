"""The event loop a run goes on: uvloop where it is installed, else asyncio's own.

A runner's cost per call is mostly event-loop and socket plumbing (aiohttp's reads and
writes, futures, wake-ups), and uvloop does that plumbing in C: about a sixth less CPU per
call for the whole engine (the throughput benchmark, run on both loops). It is a dependency
wherever it builds (not on Windows, not on PyPy); where it is missing, runs go on asyncio's
loop, which behaves the same, only slower.

`APITEST_EVENT_LOOP` chooses: `auto` (the default: uvloop when installed), `uvloop` (an
error when it is not installed) or `asyncio` (the standard loop, e.g. to rule the loop out
when chasing a problem).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from apitest.errors import UsageError

T = TypeVar("T")
ENV = "APITEST_EVENT_LOOP"
CHOICES = ("auto", "uvloop", "asyncio")

LoopFactory = Callable[[], asyncio.AbstractEventLoop]


def loop_factory() -> LoopFactory | None:
    """The factory of the chosen loop; None means asyncio's own."""
    choice = os.environ.get(ENV, "auto").strip().lower() or "auto"
    if choice not in CHOICES:
        raise UsageError(
            f"{ENV}={os.environ[ENV]!r} is not a known event loop "
            f"(use one of: {', '.join(CHOICES)}; or leave it unset)"
        )
    if choice == "asyncio":
        return None
    try:
        import uvloop
    except ImportError:
        if choice == "uvloop":
            raise UsageError(
                f"{ENV}=uvloop, but uvloop is not installed "
                "(pip install uvloop, or set it to auto or asyncio)"
            ) from None
        return None
    new_loop: LoopFactory = uvloop.new_event_loop
    return new_loop


def run(main: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run(main)` on the chosen loop (the same runner, signal handling included)."""
    try:
        factory = loop_factory()
    except UsageError:
        main.close()  # never awaited: say so quietly, not with a RuntimeWarning
        raise
    with asyncio.Runner(loop_factory=factory) as runner:
        return runner.run(main)
