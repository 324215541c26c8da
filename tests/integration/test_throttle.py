"""PUT /trips throttling (<throttling threshold duration lock-period>) with small numbers."""

from __future__ import annotations

import time
from collections.abc import Callable

from ._api import Api, error_of

MakeApi = Callable[..., Api]
KNOBS = {"throttle_threshold": 3, "throttle_window_ms": 1000, "throttle_lock_ms": 1500}


def test_the_call_past_the_threshold_and_calls_during_the_lock_get_429(make_api: MakeApi) -> None:
    api = make_api(**KNOBS)
    trip_id = api.create_trip()
    body = {"trips": [{"trip_id": trip_id, "no_of_days": 5}]}
    for _ in range(3):
        assert api.put("/trips", json=body).status_code == 200

    refused = api.put("/trips", json=body)
    locked_at = time.monotonic()
    assert refused.status_code == 429
    assert error_of(refused) == "TOO_MANY_REQUESTS"
    assert refused.headers["Retry-After"] == "2"  # 1.5 s lock, in whole seconds rounded up

    during = api.put("/trips", json=body)
    assert during.status_code == 429
    assert 1 <= int(during.headers["Retry-After"]) <= 2
    assert api.get("/trips").status_code == 200  # only PUT is throttled

    time.sleep(max(0.0, locked_at + 1.6 - time.monotonic()))
    assert api.put("/trips", json=body).status_code == 200


def test_calls_spread_over_more_than_the_window_all_pass(make_api: MakeApi) -> None:
    api = make_api(**KNOBS)
    trip_id = api.create_trip()
    body = {"trips": [{"trip_id": trip_id}]}
    for _ in range(3):
        assert api.put("/trips", json=body).status_code == 200
    time.sleep(1.05)
    for _ in range(3):
        assert api.put("/trips", json=body).status_code == 200


def test_refused_tokens_are_not_counted(make_api: MakeApi) -> None:
    api = make_api(**KNOBS)
    trip_id = api.create_trip()
    anonymous = Api(api.http, api.server, None)
    for _ in range(5):
        assert anonymous.put("/trips", json={"trips": []}).status_code == 401
    for _ in range(3):
        assert api.put("/trips", json={"trips": [{"trip_id": trip_id}]}).status_code == 200


def test_the_spec_numbers_are_the_defaults(make_api: MakeApi) -> None:
    throttle = make_api().server.state.put_throttle
    assert (throttle.threshold, throttle.window_s, throttle.lock_s) == (100, 60.0, 120.0)
