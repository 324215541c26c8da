"""Eventual consistency: writes show in reads only after the lag; deletes are immediate."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx

from apitest.demo import DemoConfig

from ._api import Api, destination

MakeApi = Callable[..., Api]
LAG_MS = 500  # long enough that a read straight after a write is surely inside it


def wait_for(read: Callable[[], httpx.Response], ready: Callable[[httpx.Response], bool]) -> Any:
    """Poll `read` until `ready` (bounded by 5 s), returning the last answer."""
    deadline = time.monotonic() + 5.0
    answer = read()
    while not ready(answer) and time.monotonic() < deadline:
        time.sleep(0.05)
        answer = read()
    return answer


def test_the_default_lag_is_300_ms() -> None:
    assert DemoConfig().lag_ms == 300


def test_a_created_trip_is_invisible_until_the_lag_has_passed(make_api: MakeApi) -> None:
    api = make_api(lag_ms=LAG_MS)
    trip_id = api.create_trip(trip_name="lagged")
    assert api.get(f"/trips/{trip_id}").status_code == 404
    assert trip_id not in [r["trip_id"] for r in api.get("/trips").json()["trips"]]
    assert trip_id in api.server.state.store.trips.snapshot()  # it does exist

    seen = wait_for(lambda: api.get(f"/trips/{trip_id}"), lambda a: a.status_code == 200)
    assert seen.json()["trips"][0]["trip_name"] == "lagged"
    assert trip_id in [r["trip_id"] for r in api.get("/trips").json()["trips"]]


def test_an_update_shows_the_old_version_then_the_new(make_api: MakeApi) -> None:
    api = make_api(lag_ms=LAG_MS)
    trip_id = api.create_trip(no_of_days=4)
    # Writes go to the primary, so an update right after the create finds the trip.
    assert (
        api.put("/trips", json={"trips": [{"trip_id": trip_id, "no_of_days": 9}]}).status_code
        == 200
    )

    def days(answer: httpx.Response) -> int | None:
        if answer.status_code != 200:
            return None
        value: int = answer.json()["trips"][0]["no_of_days"]
        return value

    def read() -> httpx.Response:
        return api.get(f"/trips/{trip_id}")

    # The create becomes visible first (old version), then the update.
    assert days(wait_for(read, lambda a: a.status_code == 200)) in (4, 9)
    assert days(wait_for(read, lambda a: days(a) == 9)) == 9

    assert (
        api.put("/trips", json={"trips": [{"trip_id": trip_id, "no_of_days": 12}]}).status_code
        == 200
    )
    assert days(read()) == 9
    assert days(wait_for(read, lambda a: days(a) == 12)) == 12


def test_deletes_are_immediate(make_api: MakeApi) -> None:
    api = make_api(lag_ms=LAG_MS)
    trip_id = api.create_trip()
    assert api.delete("/trips", params={"ids": trip_id}).status_code == 200
    assert api.get(f"/trips/{trip_id}").status_code == 404
    assert trip_id not in api.server.state.store.trips.snapshot()

    created = api.post("/destinations", json={"destinations": [destination()]})
    new_id = created.json()["details"]["destination_id"]
    assert api.get(f"/destinations/{new_id}").status_code == 404
    assert (
        wait_for(
            lambda: api.get(f"/destinations/{new_id}"), lambda a: a.status_code == 200
        ).status_code
        == 200
    )
    assert api.delete("/destinations", params={"ids": new_id}).status_code == 200
    assert api.get(f"/destinations/{new_id}").status_code == 404
