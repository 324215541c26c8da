"""Running engine-side work (a token fetch, a Data Manager write) from a hook's thread.

The engine's token sources and Data Manager belong to its event loop: they are not
thread-safe and their HTTP client is bound to that loop. A hook runs in a worker thread while
the loop awaits it, so the loop is free to do the work; the hook's thread blocks on the answer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


class LoopBridge:
    """The engine's loop, once known: given at construction or taken by the runner the first
    time it is awaited. Without one (a context used outside a run), work runs in place."""

    def __init__(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        self.loop = loop

    def adopt(self, loop: asyncio.AbstractEventLoop) -> None:
        if self.loop is None or self.loop.is_closed():
            self.loop = loop

    def run(self, coro: Coroutine[Any, Any, T], timeout_s: float) -> T:
        """Await `coro` on the engine's loop and return its result to this thread."""
        loop = self.loop
        if loop is None or not loop.is_running():
            if _running_loop() is not None:
                coro.close()
                raise RuntimeError("cannot wait for the engine from inside an event loop")
            return asyncio.run(coro)
        if _running_loop() is loop:
            coro.close()
            raise RuntimeError(
                "a blocking context call was made on the engine's event loop; hooks run in "
                "worker threads, call it from there"
            )
        return asyncio.run_coroutine_threadsafe(coro, loop).result(timeout_s)

    def call(self, fn: Callable[[], T], timeout_s: float) -> T:
        """Call `fn` on the engine's loop thread (in place when there is no running loop, or
        when this already is the loop's thread)."""
        loop = self.loop
        if loop is None or not loop.is_running() or _running_loop() is loop:
            return fn()

        async def wrapped() -> T:
            return fn()

        return asyncio.run_coroutine_threadsafe(wrapped(), loop).result(timeout_s)


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None
