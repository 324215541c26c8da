"""The throttle's own parts (engine/http/throttle.py): the sliding window admits its threshold of
calls and counts a call still in flight, and Retry-After is read in both of its forms. (Windows
shared between processes: tests/integration/test_shared_throttle.py.)"""

from __future__ import annotations

import asyncio
import email.utils

import pytest

from apitest.engine.http.throttle import SlidingWindow, retry_after_s


def test_window_admits_threshold_calls_then_waits_for_the_oldest_answer() -> None:
    async def scenario() -> list[float]:
        window = SlidingWindow(2, 0.2)
        starts: list[float] = []
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        for _ in range(4):
            slot, _waited = await window.acquire()
            starts.append(loop.time() - t0)
            await window.release(slot)
        return starts

    starts = asyncio.run(scenario())
    assert starts[1] < 0.1  # the first two go at once
    assert starts[2] >= 0.2 - 0.01  # the third waits a whole window after the first answer
    assert starts[3] >= 0.2 - 0.01


def test_window_counts_a_call_in_flight() -> None:
    async def scenario() -> bool:
        window = SlidingWindow(1, 0.05)
        slot, _ = await window.acquire()
        blocked = asyncio.ensure_future(window.acquire())
        await asyncio.sleep(0.1)  # longer than the window: still blocked, the call is unanswered
        still_blocked = not blocked.done()
        await window.release(slot)
        await asyncio.wait_for(blocked, 1)
        return still_blocked

    assert asyncio.run(scenario())


def test_retry_after_reads_seconds_and_http_dates() -> None:
    assert retry_after_s({"Retry-After": "7"}) == 7.0
    assert retry_after_s({"retry-after": "soon"}) is None
    assert retry_after_s({}) is None
    date = email.utils.formatdate(1_000_030, usegmt=True)
    assert retry_after_s({"Retry-After": date}, now=1_000_000) == pytest.approx(30.0)
