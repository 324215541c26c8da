"""Every declared status of every /trips operation in specs/trips.xml (429: test_throttle)."""

from __future__ import annotations

from typing import Any

import pytest

from apitest.demo import DemoServer

from ._api import Api, error_of, only_record, refused_create, success, trip

DATETIME_ERRORS = [
    "2026-03-01T09:30:00",  # no offset
    "2026-03-01",  # no time
    "2026-02-30T09:30:00Z",  # no such day
    "01/03/2026 09:30 +05:30",  # not ISO-8601
    "2026-03-01 09:30:00+05:30",  # space instead of T
]


def test_list_answers_every_trip_and_filters_by_destination(api: Api) -> None:
    to_bali = api.create_trip(trip_name="list-bali", destination="Bali")
    to_kyoto = api.create_trip(trip_name="list-kyoto", destination="Kyoto")

    everything = api.get("/trips")
    assert everything.status_code == 200
    ids = [record["trip_id"] for record in everything.json()["trips"]]
    assert to_bali in ids and to_kyoto in ids

    kyoto = api.get("/trips", params={"destination": "Kyoto"}).json()["trips"]
    assert to_kyoto in [r["trip_id"] for r in kyoto]
    assert {r["destination"] for r in kyoto} == {"Kyoto"}
    assert api.get("/trips", params={"destination": "Atlantis"}).json() == {"trips": []}


def test_create_answers_201_with_details_and_stores_the_record(
    api: Api, server: DemoServer
) -> None:
    answer = api.post("/trips", json={"trips": [trip(trip_name="created")]})
    assert answer.status_code == 201
    body = answer.json()
    trip_id = body["details"]["trip_id"]
    assert body == success("Trip Created", trip_id=trip_id)
    assert trip_id.isdigit() and len(trip_id) <= 19
    stored = server.state.store.trips.snapshot()[trip_id]
    assert stored["trip_name"] == "created"
    assert stored["trip_type"] == "leisure"  # the declared default-value


def test_read_one_answers_the_record_in_the_wrapper(api: Api) -> None:
    trip_id = api.create_trip(trip_name="read-one", trip_type="business", destination="London")
    assert only_record(api.get(f"/trips/{trip_id}"), "trips") == {
        "trip_id": trip_id,
        "trip_name": "read-one",
        "destination": "London",
        "start_time": "2026-03-01T09:30:00+05:30",
        "end_time": "2026-03-05T18:00:00+05:30",
        "no_of_days": 4,
        "trip_type": "business",
    }


@pytest.mark.parametrize("trip_id", ["5545974000000000001", "not-a-number"])
def test_read_one_of_an_unknown_id_is_404(api: Api, trip_id: str) -> None:
    answer = api.get(f"/trips/{trip_id}")
    assert answer.status_code == 404
    assert error_of(answer) == "NOT_FOUND"


@pytest.mark.parametrize(
    "fields",
    [
        {"trip_name": "x" * 100},
        {"trip_name": "y"},
        {"no_of_days": 1},
        {"no_of_days": 365},
        {"no_of_days": None},  # optional
        {"start_time": "2026-03-01T09:30Z", "end_time": "2026-03-05T18:00:00.5-04:00"},
        {"destination": "Reykjavik", "trip_type": "business"},
    ],
    ids=repr,
)
def test_create_accepts_the_edges_of_every_rule(api: Api, fields: dict[str, Any]) -> None:
    assert api.post("/trips", json={"trips": [trip(**fields)]}).status_code == 201


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"trips": [trip(trip_name=None)]}, "MANDATORY_NOT_FOUND"),
        ({"trips": [trip(destination=None)]}, "MANDATORY_NOT_FOUND"),
        ({"trips": [trip(start_time=None)]}, "MANDATORY_NOT_FOUND"),
        ({"trips": [trip(end_time=None)]}, "MANDATORY_NOT_FOUND"),
        ({}, "MANDATORY_NOT_FOUND"),
        ({"trips": [trip(trip_name=42)]}, "INVALID_DATA"),
        ({"trips": [trip(no_of_days="4")]}, "INVALID_DATA"),
        ({"trips": [trip(no_of_days=4.5)]}, "INVALID_DATA"),
        ({"trips": [trip(no_of_days=True)]}, "INVALID_DATA"),
        ({"trips": [trip(no_of_days=0)]}, "INVALID_DATA"),
        ({"trips": [trip(no_of_days=366)]}, "INVALID_DATA"),
        ({"trips": [trip(trip_name="")]}, "INVALID_DATA"),
        ({"trips": [trip(trip_name="x" * 101)]}, "INVALID_DATA"),
        ({"trips": [trip(destination="x" * 61)]}, "INVALID_DATA"),
        ({"trips": [trip(trip_type="cruise")]}, "INVALID_DATA"),
        ({"trips": [{**trip(), "trip_type": None}]}, "INVALID_DATA"),
        ({"trips": [trip(destination="Atlantis")]}, "INVALID_DATA"),
        ({"trips": [trip(end_time="2026-03-01T09:29:00+05:30")]}, "INVALID_DATA"),  # ends first
        ({"trips": [trip(), trip()]}, "INVALID_DATA"),
        ({"trips": []}, "INVALID_DATA"),
        ({"trips": trip()}, "INVALID_DATA"),
        ({"trips": ["a trip"]}, "INVALID_DATA"),
        ([trip()], "INVALID_DATA"),
        *[({"trips": [trip(start_time=text)]}, "INVALID_DATA") for text in DATETIME_ERRORS],
    ],
)
def test_create_refuses_invalid_input_with_400(
    api: Api, server: DemoServer, body: Any, code: str
) -> None:
    assert refused_create(api, server.state.store.trips, body) == code


@pytest.mark.parametrize("raw", [b"{not json", b"", b'{"trips": NaN}', b"\xff\xfe"])
def test_create_refuses_a_body_that_is_not_json(api: Api, raw: bytes) -> None:
    answer = api.post("/trips", content=raw, headers={"Content-Type": "application/json"})
    assert answer.status_code == 400
    assert error_of(answer) == "INVALID_DATA"


def test_update_answers_200_and_changes_only_the_fields_sent(api: Api, server: DemoServer) -> None:
    trip_id = api.create_trip(trip_name="before", no_of_days=4)
    changes = {"trip_id": trip_id, "trip_name": "after", "destination": "Kyoto"}
    answer = api.put("/trips", json={"trips": [changes]})
    assert answer.status_code == 200
    assert answer.json() == success("Trip Updated")
    record = api.get(f"/trips/{trip_id}").json()["trips"][0]
    assert (record["trip_name"], record["destination"], record["no_of_days"]) == (
        "after",
        "Kyoto",
        4,
    )
    assert server.state.store.trips.snapshot()[trip_id]["trip_name"] == "after"


@pytest.mark.parametrize(
    ("record", "code"),
    [
        ({"trip_name": "no id"}, "MANDATORY_NOT_FOUND"),
        ({"trip_id": 5545974000000087515}, "INVALID_DATA"),
        ({"trip_id": "12ab"}, "INVALID_DATA"),
        ({"trip_id": "1" * 20}, "INVALID_DATA"),
        ({"trip_id": "<id>", "no_of_days": 0}, "INVALID_DATA"),
        ({"trip_id": "<id>", "trip_type": "cruise"}, "INVALID_DATA"),
        ({"trip_id": "<id>", "destination": "Atlantis"}, "INVALID_DATA"),
        ({"trip_id": "<id>", "end_time": "tomorrow"}, "INVALID_DATA"),
        ({"trip_id": "<id>", "end_time": "2026-02-28T09:30:00+05:30"}, "INVALID_DATA"),  # first
        ({"trip_id": "<id>", "start_time": "2026-04-01T09:30:00Z"}, "INVALID_DATA"),  # after it
        ({"trip_id": "<id>", "trip_name": None}, "INVALID_DATA"),
    ],
)
def test_update_refuses_invalid_input_with_400(
    api: Api, server: DemoServer, record: dict[str, Any], code: str
) -> None:
    trip_id = api.create_trip(trip_name="unchanged")
    body = {"trips": [{k: trip_id if v == "<id>" else v for k, v in record.items()}]}
    answer = api.put("/trips", json=body)
    assert answer.status_code == 400, answer.text
    assert error_of(answer) == code
    assert server.state.store.trips.snapshot()[trip_id]["trip_name"] == "unchanged"


@pytest.mark.parametrize("body", [{}, {"trips": []}, {"trips": "x"}])
def test_update_refuses_a_body_without_records(api: Api, body: Any) -> None:
    answer = api.put("/trips", json=body)
    assert answer.status_code == 400
    assert error_of(answer) in {"MANDATORY_NOT_FOUND", "INVALID_DATA"}


def test_update_of_an_unknown_id_is_404_and_changes_nothing(api: Api, server: DemoServer) -> None:
    trip_id = api.create_trip(trip_name="kept")
    body = {"trips": [{"trip_id": trip_id, "trip_name": "lost"}, {"trip_id": "1", "no_of_days": 2}]}
    answer = api.put("/trips", json=body)
    assert answer.status_code == 404
    assert error_of(answer) == "NOT_FOUND"
    assert server.state.store.trips.snapshot()[trip_id]["trip_name"] == "kept"


def test_delete_answers_200_and_removes_every_id(api: Api, server: DemoServer) -> None:
    first, second = api.create_trip(), api.create_trip()
    answer = api.delete("/trips", params={"ids": f"{first},{second}"})
    assert answer.status_code == 200
    assert answer.json() == success("Trip Deleted")
    assert first not in server.state.store.trips.snapshot()
    assert api.get(f"/trips/{second}").status_code == 404


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({}, "MANDATORY_NOT_FOUND"),
        ({"ids": ""}, "MANDATORY_NOT_FOUND"),
        ({"ids": "1,x"}, "INVALID_DATA"),
    ],
)
def test_delete_refuses_missing_or_malformed_ids(
    api: Api, params: dict[str, str], code: str
) -> None:
    answer = api.delete("/trips", params=params)
    assert answer.status_code == 400
    assert error_of(answer) == code


def test_delete_of_an_unknown_id_is_404_and_deletes_nothing(api: Api, server: DemoServer) -> None:
    trip_id = api.create_trip()
    answer = api.delete("/trips", params={"ids": f"{trip_id},42"})
    assert answer.status_code == 404
    assert error_of(answer) == "NOT_FOUND"
    assert trip_id in server.state.store.trips.snapshot()


def test_a_created_destination_can_be_a_trips_destination(api: Api) -> None:
    created = api.post(
        "/destinations", json={"destinations": [{"destination_name": "Cusco", "country": "Peru"}]}
    )
    assert created.status_code == 201
    trip_id = api.create_trip(destination="Cusco")
    assert api.get(f"/trips/{trip_id}").json()["trips"][0]["destination"] == "Cusco"


def test_unknown_paths_and_methods_answer_in_the_error_format(api: Api) -> None:
    missing = api.get("/nowhere")
    assert missing.status_code == 404
    assert error_of(missing) == "INVALID_URL_PATTERN"
    wrong = api.call("PATCH", "/trips")
    assert wrong.status_code == 405
    assert error_of(wrong) == "METHOD_NOT_ALLOWED"
