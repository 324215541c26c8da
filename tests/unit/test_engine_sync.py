"""The resource locks (engine/sync.py) that keep an auto-sync call, or a negative case's write,
alone with its resource: shared holders go together, an exclusive one waits for them and holds
new calls back, and giving up the wait lets them go."""

from __future__ import annotations

import asyncio

from apitest.engine.sync import ResourceLock, ResourceLocks


def test_sync_lock_runs_an_exclusive_holder_alone() -> None:
    async def scenario() -> list[str]:
        lock = ResourceLock()
        events: list[str] = []

        async def shared(name: str) -> None:
            async with lock.hold(exclusive=False):
                events.append(f"+{name}")
                await asyncio.sleep(0.02)
                events.append(f"-{name}")

        async def exclusive() -> None:
            async with lock.hold(exclusive=True):
                events.append("+sync")
                await asyncio.sleep(0.02)
                events.append("-sync")

        first = asyncio.ensure_future(shared("a"))
        await asyncio.sleep(0)
        await asyncio.gather(first, exclusive(), shared("b"))
        return events

    events = asyncio.run(scenario())
    start, end = events.index("+sync"), events.index("-sync")
    assert end == start + 1  # nothing of the resource ran while the sync call held it
    assert events.index("-a") < start  # it waited for the call in flight


def test_sync_lock_a_cancelled_sync_asker_lets_the_calls_it_held_back_go() -> None:
    async def scenario() -> bool:
        lock = ResourceLock()
        await lock.acquire(False)  # a call in flight
        sync = asyncio.ensure_future(lock.acquire(True))  # waits for it, holding new calls back
        await asyncio.sleep(0)
        later = asyncio.ensure_future(lock.acquire(False))
        await asyncio.sleep(0.01)
        assert not later.done()  # writer preference: held back behind the waiting sync call
        sync.cancel()
        await asyncio.wait_for(later, 1.0)  # the sync call gave up: the held-back call goes
        return later.done()

    assert asyncio.run(scenario())


def test_sync_lock_shared_holders_do_not_wait_for_each_other_and_a_sync_call_waits_for_all() -> (
    None
):
    async def scenario() -> bool:
        lock = ResourceLock()
        for _ in range(3):
            await asyncio.wait_for(lock.acquire(False), 1.0)
        sync = asyncio.ensure_future(lock.acquire(True))
        await asyncio.sleep(0.01)
        waited = not sync.done()
        for _ in range(3):
            await lock.release(False)
        await asyncio.wait_for(sync, 1.0)  # the last one out lets it in
        return waited

    assert asyncio.run(scenario())


def test_a_negative_write_holds_its_resources_alone_from_every_other_call() -> None:
    """A negative case's write holds its resource and those its records refer to alone (issue 18,
    item 4): it waits for their calls in flight, and nothing of them starts until it is done."""

    async def scenario() -> list[str]:
        locks = ResourceLocks()
        events: list[str] = []

        async def call(resource: str, name: str) -> None:
            async with locks.of(resource).hold(exclusive=False):
                events.append(f"+{name}")
                await asyncio.sleep(0.02)
                events.append(f"-{name}")

        async def negative(name: str) -> None:
            async with locks.alone({"comments", "posts"}):
                events.append(f"+{name}")
                await asyncio.sleep(0.02)
                events.append(f"-{name}")

        in_flight = asyncio.ensure_future(call("posts", "read posts"))
        await asyncio.sleep(0)
        negatives = [asyncio.ensure_future(negative(name)) for name in ("n1", "n2")]
        await asyncio.sleep(0)
        later = asyncio.ensure_future(call("comments", "read comments"))
        await asyncio.gather(in_flight, *negatives, later)
        return events

    events = asyncio.run(scenario())
    assert events.index("-read posts") < events.index("+n1")  # waited for the call in flight
    assert events.index("-n1") + 1 == events.index("+n2")  # one negative write at a time
    assert events.index("-n2") < events.index("+read comments")  # held new calls back
