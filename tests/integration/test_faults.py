"""Fault knobs: each one observable from a real client; deterministic under a seed."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import httpx
import pytest

from ._support import Api, trip

MakeApi = Callable[..., Api]


def test_faults_are_off_by_default(api: Api) -> None:
    assert api.server.config.faults_enabled is False
    assert api.get("/destinations").json()["destinations"]


def test_latency_delays_every_api_answer(make_api: MakeApi) -> None:
    api = make_api(latency_ms=250)
    started = time.monotonic()
    assert api.get("/destinations").status_code == 200
    assert time.monotonic() - started >= 0.25


def test_error_rate_one_answers_500_and_changes_nothing(make_api: MakeApi) -> None:
    api = make_api(error_rate=1.0)  # the token came from /oauth, which faults leave alone
    answer = api.post("/trips", json={"trips": [trip()]})
    assert answer.status_code == 500
    assert answer.json()["status"] == "error"
    assert api.server.state.store.trips.snapshot() == {}
    assert api.get("/destinations").status_code == 500


def test_malformed_rate_one_answers_bodies_that_are_not_json(make_api: MakeApi) -> None:
    api = make_api(malformed_rate=1.0)
    answer = api.get("/destinations")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"
    with pytest.raises(json.JSONDecodeError):
        json.loads(answer.content)


def test_oversize_rate_one_answers_valid_json_over_n_megabytes(make_api: MakeApi) -> None:
    api = make_api(oversize_rate=1.0, oversize_mb=1.0)
    answer = api.get("/destinations")
    assert answer.status_code == 200
    assert len(answer.content) > 1024 * 1024
    assert len(answer.json()["destinations"]) == 4


def test_drop_rate_one_breaks_the_connection_mid_body(make_api: MakeApi) -> None:
    api = make_api(drop_rate=1.0)
    with pytest.raises(httpx.TransportError):
        api.get("/destinations")
    # The write behind a dropped answer did happen: the client cannot tell.
    with pytest.raises(httpx.TransportError):
        api.post("/trips", json={"trips": [trip()]})
    assert len(api.server.state.store.trips.snapshot()) == 1


def test_the_same_seed_gives_the_same_faults(make_api: MakeApi) -> None:
    def statuses(seed: int) -> list[int]:
        api = make_api(error_rate=0.5, seed=seed)
        return [api.get("/destinations").status_code for _ in range(24)]

    first = statuses(7)
    assert first == statuses(7)
    assert set(first) == {200, 500}
    assert first != statuses(8)
