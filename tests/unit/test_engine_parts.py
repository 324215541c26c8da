"""The engine's small parts: throttle window, auto-sync lock, record comparison, Data Manager,
Retry-After, token URL resolution and credential placement."""

from __future__ import annotations

import asyncio
import email.utils
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apitest.auth.credentials import Credentials
from apitest.auth.memory import MemoryStore
from apitest.auth.placement import Authenticator, _place
from apitest.auth.profiles import AuthConfig, Profile
from apitest.engine.compare import compare_record, same_value
from apitest.engine.ledger import Ledger, read_ledger
from apitest.engine.records import DataManager, _identities, extract, sent_records
from apitest.engine.sync import ResourceLock, ResourceLocks
from apitest.engine.throttle import SlidingWindow, retry_after_s
from apitest.errors import UsageError
from apitest.spec.conditions import parse_data_path
from apitest.spec.loader import load_catalog
from apitest.spec.model import Authentication, Location

from ..support import SPECS

LOC = Location("t.xml", 1)
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-2, 2),
    st.sampled_from([0.0, -0.0, 1.0, 1e16, float("nan"), float("inf")]),
    st.sampled_from(["", "1", "a"]),
)
"""JSON scalars, with the values Python holds equal and JSON does not."""


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


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


def test_compare_record_reports_changed_and_missing_values() -> None:
    catalog = load_catalog([SPECS / "trips.xml"])
    trips = catalog.resource("trips")
    assert trips is not None
    structure = trips.components.structures["trips"]
    sent = {"trip_name": "a", "no_of_days": 4, "start_time": "2027-01-01T10:00:00+05:30"}
    read = {"no_of_days": 5, "start_time": "2027-01-01T04:30:00Z"}
    assert compare_record(sent, read, structure) == [
        "$.trip_name: sent 'a', the read answer lacks it",
        "$.no_of_days: sent 4, read 5",
    ]


def test_same_value_compares_by_declared_type() -> None:
    assert same_value("123", 123, "long_string")
    assert same_value("2027-01-01T10:00:00+05:30", "2027-01-01T04:30:00+00:00", "datetime")
    assert not same_value("2027-01-01T10:00:00+05:30", "2027-01-01T10:00:00+00:00", "datetime")
    assert not same_value(True, 1, "any")
    assert same_value(4, 4.0, "double")


def test_data_manager_prefers_the_chain_then_unowned_and_forgets_deleted() -> None:
    data = DataManager()
    pre = data.add("d", {"name": "Bali"}, {"id": "1"}, chain="c2", created=False)
    other = data.add("d", {"name": "Other"}, {"id": "2"}, chain="c2", created=True)
    mine = data.add("d", {"name": "Mine"}, {"id": "3"}, chain="c1", created=True)
    assert data.pick("d", "c1") is mine
    data.remove(mine)
    assert data.pick("d", "c1") is pre  # unowned before another chain's own record
    assert data.pick("d", "c2") is other
    path = parse_data_path("d:$.name")
    assert data.lookup("c1")(path) == ["Bali"]
    assert data.pick("nothing", "c1") is None
    ghost = data.add("d", {"name": "Mine"}, {"id": "3"}, chain="c1", created=False)
    assert not ghost.live and data.pick("d", "c1") is pre  # a lagging list cannot revive it


def test_a_filtered_path_takes_the_newest_record_that_passes_its_condition() -> None:
    data = DataManager()
    data.add("t", {"id": "1", "kind": "business"}, {"id": "1"}, chain="c2", created=False)
    data.add("t", {"id": "2", "kind": "business"}, {"id": "2"}, chain="c2", created=False)
    data.add("t", {"id": "3", "kind": "leisure"}, {"id": "3"}, chain="c1", created=True)
    lookup = data.lookup("c1")
    assert lookup(parse_data_path("t:$.id")) == ["3"]  # the record the chain is handed
    assert lookup(parse_data_path("t:${kind == 'business'}.id")) == ["2"]
    assert lookup(parse_data_path("t:${kind == 'leisure'}.id")) == ["3"]
    assert lookup(parse_data_path("t:${kind == 'cruise'}.id")) == []


def test_unkeyed_records_are_the_same_when_their_json_is() -> None:
    """With no primary key a record is known by all of its data: reading it again refreshes
    it (whatever its key order), and values Python holds equal but JSON does not (true and
    1, 1 and 1.0, 0.0 and -0.0) are other records; nested data is compared as well."""
    data = DataManager()
    first = data.add("d", {"name": "Bali", "rank": 1}, {}, chain="c1", created=False)
    again = data.add("d", {"rank": 1, "name": "Bali"}, {}, chain="c2", created=False)
    assert again is first and len(data.live("d")) == 1
    for twin in ({"name": "Bali", "rank": True}, {"name": "Bali", "rank": 1.0}):
        assert data.add("d", twin, {}, chain="c1", created=False) is not first
    zero = data.add("d", {"x": 0.0}, {}, chain="c1", created=False)
    assert data.add("d", {"x": -0.0}, {}, chain="c1", created=False) is not zero
    nested = data.add("d", {"tags": ["a"], "n": 1}, {}, chain="c1", created=False)
    assert data.add("d", {"n": 1, "tags": ["a"]}, {}, chain="c1", created=False) is nested
    assert data.add("d", {"n": 1, "tags": ["b"]}, {}, chain="c1", created=False) is not nested
    assert len(data.live("d")) == 7


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from("abc"), _SCALARS, max_size=3), st.data())
def test_flat_identity_agrees_with_canonical_json(a: dict[str, Any], data: st.DataObject) -> None:
    """`b` is `a` with some values swapped (and its keys reordered), so near misses abound."""
    swapped = {key: data.draw(st.one_of(st.just(value), _SCALARS)) for key, value in a.items()}
    b = dict(reversed(swapped.items()))
    canonical = json.JSONEncoder(sort_keys=True).encode
    same = _identities({}, a, False) == _identities({}, b, False)
    assert same == (canonical(a) == canonical(b))


def test_extract_and_sent_records_follow_the_path_configs() -> None:
    catalog = load_catalog([SPECS / "trips.xml"])
    trips = catalog.resource("trips")
    assert trips is not None and trips.resource_config is not None
    config = trips.resource_config.path_config
    body = {"trips": [{"trip_id": "9", "trip_name": "x"}, {"trip_id": 10}]}
    assert extract(body, config) == [
        ({"trip_id": "9", "trip_name": "x"}, {"trip_id": "9"}),
        ({"trip_id": 10}, {"trip_id": 10}),
    ]
    post = trips.operation("POST trips")
    assert sent_records({"trips": [{"trip_name": "x"}]}, trips, post) == [{"trip_name": "x"}]


def test_ledger_replays_live_records_and_tolerates_a_cut_last_line(tmp_path: Path) -> None:
    path = tmp_path / "ledger.jsonl"
    ledger = Ledger(path, "http://127.0.0.1:1/api")
    first = ledger.created("trips", "specs/trips.xml", {"trip_id": "1"}, {"trip_name": "a"})
    ledger.created("trips", "specs/trips.xml", {"trip_id": "2"}, {})
    ledger.deleted(first)
    ledger.close()
    with path.open("a") as out:
        out.write('{"event": "created", "id": 3, "reso')  # a crash mid-write
    live = read_ledger(path)
    assert [(entry.id, entry.keys) for entry in live] == [(2, {"trip_id": "2"})]
    path.write_text("garbage\n{}\n")
    with pytest.raises(UsageError, match=r"ledger.jsonl:1: not a ledger line"):
        read_ledger(path)


def _config(creds: Credentials) -> AuthConfig:
    return AuthConfig({"default": Profile("default", creds)})


def test_relative_token_url_resolves_against_the_host_root() -> None:
    catalog = load_catalog([SPECS / "trips.xml"])
    creds = Credentials(client_id="id", client_secret="secret")

    async def scenario() -> str:
        async with httpx.AsyncClient() as client:
            auth = Authenticator(
                client, catalog, "http://127.0.0.1:9/api/v1", _config(creds), MemoryStore()
            )
            trips = catalog.resource("trips")
            assert trips is not None and trips.authentication is not None
            return auth._token_url(trips, trips.authentication)

    assert asyncio.run(scenario()) == "http://127.0.0.1:9/oauth/v2/token"


def test_missing_credentials_name_the_spec_line_and_the_variables() -> None:
    catalog = load_catalog([SPECS / "trips.xml"])

    async def scenario() -> None:
        async with httpx.AsyncClient() as client:
            config = _config(Credentials())
            Authenticator(client, catalog, "http://127.0.0.1:9/api", config, MemoryStore()).check()

    with pytest.raises(UsageError, match=r"specs/\w+\.xml:\d+: .*APITEST_CLIENT_ID"):
        asyncio.run(scenario())


def test_placement_uses_the_prefix_or_the_query() -> None:
    headers: dict[str, str] = {}
    params: dict[str, str] = {}
    auth = Authentication(LOC, "oauth2", "Authorization", "header", prefix="Zoho-oauthtoken")
    _place(auth, "tok", headers, params)
    assert headers == {"Authorization": "Zoho-oauthtoken tok"}
    _place(Authentication(LOC, "oauth2", "Authorization"), "tok", headers, params)
    assert headers["Authorization"] == "Bearer tok"
    _place(Authentication(LOC, "token", "X-Key"), "tok", headers, params)
    assert headers["X-Key"] == "tok"
    _place(Authentication(LOC, "token", "api_key", "param"), "tok", headers, params)
    assert params == {"api_key": "tok"}


def test_credentials_never_show_secrets_in_repr() -> None:
    creds = Credentials(client_id="id", client_secret="s3cret", refresh_token="r3fresh")
    assert "s3cret" not in repr(creds) and "r3fresh" not in repr(creds)
    assert set(creds.secrets()) == {"s3cret", "r3fresh"}
    env = {"APITEST_CLIENT_ID": "a", "APITEST_CLIENT_SECRET": "b", "APITEST_TOKEN": ""}
    loaded = Credentials.from_env(env)
    assert loaded.client_id == "a" and loaded.client_secret == "b" and loaded.token is None
    assert loaded.has_oauth2


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
