"""The demo API as the integration tests call it: a thin client, tokens, valid request bodies.
(What every suite shares, the CLI as a subprocess among it, is in tests/support.py.)"""

from __future__ import annotations

import json
from typing import Any

import httpx

from apitest.demo import DemoServer
from apitest.demo.credentials import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET
from apitest.demo.store import Collection

from ..support import loopback_client


def token_request(http: httpx.Client, server: DemoServer, **params: str) -> httpx.Response:
    """The demo client's call to the token endpoint with `params` (grant type and the rest), its
    answer unjudged: the tests of refusals read it themselves."""
    form = {"client_id": DEMO_CLIENT_ID, "client_secret": DEMO_CLIENT_SECRET, **params}
    return http.post(f"{server.root_url}/oauth/v2/token", data=form)


def client_token(http: httpx.Client, server: DemoServer, scope: str = "") -> str:
    """An access token from grant_type=client_credentials (every scope when scope is empty)."""
    params = {"grant_type": "client_credentials"}
    if scope:
        params["scope"] = scope
    answer = token_request(http, server, **params)
    assert answer.status_code == 200, answer.text
    token: str = answer.json()["access_token"]
    return token


def trip(**fields: Any) -> dict[str, Any]:
    """A valid trip record for a create, with `fields` overriding (None removes a field)."""
    record: dict[str, Any] = {
        "trip_name": "Spring Break - John Doe",
        "destination": "Bali",
        "start_time": "2026-03-01T09:30:00+05:30",
        "end_time": "2026-03-05T18:00:00+05:30",
        "no_of_days": 4,
    }
    record.update(fields)
    return {key: value for key, value in record.items() if value is not None}


def destination(**fields: Any) -> dict[str, Any]:
    record: dict[str, Any] = {"destination_name": "Lisbon", "country": "Portugal"}
    record.update(fields)
    return {key: value for key, value in record.items() if value is not None}


class Api:
    """Calls the API of one server with one token; paths are relative to the base URL."""

    def __init__(self, http: httpx.Client, server: DemoServer, token: str | None) -> None:
        self.http = http
        self.server = server
        self.headers = {"Authorization": f"Zoho-oauthtoken {token}"} if token else {}

    def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return self.http.request(method, self.server.base_url + path, headers=headers, **kwargs)

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.call("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.call("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.call("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.call("DELETE", path, **kwargs)

    def create_trip(self, **fields: Any) -> str:
        answer = self.post("/trips", json={"trips": [trip(**fields)]})
        assert answer.status_code == 201, answer.text
        trip_id: str = answer.json()["details"]["trip_id"]
        return trip_id


def success(message: str, **details: str) -> dict[str, Any]:
    """The API's success body; `details` (the new id) only where the call created something."""
    body: dict[str, Any] = {"code": "SUCCESS", "message": message, "status": "success"}
    if details:
        body["details"] = details
    return body


def only_record(answer: httpx.Response, wrapper: str) -> Any:
    """The one record of a 200 read answer, checking the `{wrapper: [record]}` shape on the way."""
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert set(body) == {wrapper} and len(body[wrapper]) == 1, body
    return body[wrapper][0]


def refused_create(api: Api, records: Collection, body: Any) -> str:
    """POSTs `body` to the collection's URL, which must refuse it with a 400 and store nothing;
    the error's code."""
    before = len(records.snapshot())
    answer = api.post(f"/{records.name}", json=body)
    assert answer.status_code == 400, answer.text
    assert len(records.snapshot()) == before
    return error_of(answer)


def live_ids(server: DemoServer) -> tuple[set[str], set[str]]:
    """The ids of the trips, and of the destinations, the demo server holds now."""
    store = server.state.store
    return set(store.trips.snapshot()), set(store.destinations.snapshot())


def created_since(server: DemoServer, before: tuple[set[str], set[str]]) -> set[str]:
    """The ids the server holds now that it did not hold at `before` (a `live_ids`)."""
    trips, destinations = live_ids(server)
    return (trips - before[0]) | (destinations - before[1])


def error_of(answer: httpx.Response) -> str:
    """The `code` of an API error body, checking the declared error shape on the way."""
    body = answer.json()
    assert set(body) == {"code", "message", "status"}, body
    assert body["status"] == "error"
    assert body["message"]
    code: str = body["code"]
    return code


def create_trips(server: DemoServer, count: int) -> list[str]:
    """Trips made directly through the API, with a client_credentials token."""
    with loopback_client() as http:
        token = client_token(http, server)
        ids = []
        for number in range(count):
            answer = http.post(
                f"{server.base_url}/trips",
                json={"trips": [trip(trip_name=f"ledger trip {number}")]},
                headers={"Authorization": f"Zoho-oauthtoken {token}"},
            )
            assert answer.status_code == 201, answer.text
            ids.append(str(answer.json()["details"]["trip_id"]))
    return ids


def ledger_line(entry_id: int, trip_id: str, spec: str, base_url: str) -> str:
    event = {
        "event": "created", "id": entry_id, "resource": "trips", "spec": spec,
        "base_url": base_url, "keys": {"trip_id": trip_id}, "data": {},
    }  # fmt: skip
    return json.dumps(event) + "\n"
