"""`--eventually`: a read-back that failed is read again, with jittered backoff, until it holds
or the time is up, for an API whose writes show only after a while (a search index, a replica,
Synapse's room purge). The chain's own read-backs and the end-of-run read of a delete's record
wait alike: the end-of-run read did not, and a purge still under way failed a correct delete's
case, was deleted again and reported NOT deleted."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from tenacity import AsyncRetrying, retry_if_result, stop_after_delay, wait_exponential_jitter

from apitest.engine.effects import Outcome
from apitest.results import CaseResult


async def poll(
    attempt: Callable[[], Awaitable[Outcome]], case: CaseResult | None, eventually_s: float
) -> Outcome:
    """`attempt` once; if it failed and `eventually_s` allows, again with jittered backoff
    until it holds or the time is up (`case`, where given, says how long it took to hold)."""
    first = await attempt()
    if first.status != "failed" or eventually_s <= 0:
        return first
    started = time.monotonic()
    last = first
    retrying = AsyncRetrying(
        stop=stop_after_delay(eventually_s),
        wait=wait_exponential_jitter(multiplier=0.05, max=2.0, jitter=0.05),
        retry=retry_if_result(lambda outcome: outcome.status == "failed"),
        retry_error_callback=lambda state: state.outcome.result() if state.outcome else last,
    )
    outcome: Outcome = await retrying(attempt)
    if outcome.status == "passed" and case is not None:
        case.eventually_ms = (time.monotonic() - started) * 1000
        outcome.notes.append(
            f"eventually consistent: held after {case.eventually_ms:.0f} ms of polling "
            f"(first check: {first.message})"
        )
    return outcome
