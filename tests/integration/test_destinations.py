"""Every declared status of every /destinations operation in specs/destinations.xml."""

from __future__ import annotations

from typing import Any

import pytest

from apitest.demo import DemoServer
from apitest.demo.store import SEED_DESTINATIONS

from ._api import Api, destination, error_of, only_record, refused_create, success


def test_list_answers_the_seeded_destinations(api: Api) -> None:
    answer = api.get("/destinations")
    assert answer.status_code == 200
    records = answer.json()["destinations"]
    seeded = {(r["destination_name"], r["country"], r["climate"]) for r in records}
    assert set(SEED_DESTINATIONS) <= seeded
    for record in records:
        assert set(record) == {"destination_id", "destination_name", "country", "climate"}
        assert record["destination_id"].isdigit()


def test_create_answers_201_with_the_new_id(api: Api, server: DemoServer) -> None:
    answer = api.post("/destinations", json={"destinations": [destination()]})
    assert answer.status_code == 201
    new_id = answer.json()["details"]["destination_id"]
    assert answer.json() == success("Destination Created", destination_id=new_id)
    assert server.state.store.destinations.snapshot()[new_id]["climate"] == "temperate"
    assert only_record(api.get(f"/destinations/{new_id}"), "destinations") == {
        "destination_id": new_id,
        "destination_name": "Lisbon",
        "country": "Portugal",
        "climate": "temperate",
    }


@pytest.mark.parametrize("fields", [{"country": "UK"}, {"country": "c" * 56}, {"climate": "arid"}])
def test_create_accepts_the_edges_of_every_rule(api: Api, fields: dict[str, Any]) -> None:
    answer = api.post("/destinations", json={"destinations": [destination(**fields)]})
    assert answer.status_code == 201


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"destinations": [destination(country=None)]}, "MANDATORY_NOT_FOUND"),
        ({"destinations": [destination(destination_name=None)]}, "MANDATORY_NOT_FOUND"),
        ({"places": [destination()]}, "MANDATORY_NOT_FOUND"),
        ({"destinations": [destination(country="P")]}, "INVALID_DATA"),
        ({"destinations": [destination(country="c" * 57)]}, "INVALID_DATA"),
        ({"destinations": [destination(destination_name="")]}, "INVALID_DATA"),
        ({"destinations": [destination(destination_name="d" * 61)]}, "INVALID_DATA"),
        ({"destinations": [destination(climate="hot")]}, "INVALID_DATA"),
        ({"destinations": [destination(country=7)]}, "INVALID_DATA"),
        ({"destinations": [destination(), destination()]}, "INVALID_DATA"),
        ({"destinations": []}, "INVALID_DATA"),
    ],
)
def test_create_refuses_invalid_input_with_400(
    api: Api, server: DemoServer, body: dict[str, Any], code: str
) -> None:
    assert refused_create(api, server.state.store.destinations, body) == code


@pytest.mark.parametrize("destination_id", ["1", "kyoto"])
def test_read_one_of_an_unknown_id_is_404(api: Api, destination_id: str) -> None:
    answer = api.get(f"/destinations/{destination_id}")
    assert answer.status_code == 404
    assert error_of(answer) == "NOT_FOUND"


def test_delete_answers_200_and_removes_the_record(api: Api, server: DemoServer) -> None:
    created = api.post(
        "/destinations", json={"destinations": [destination(destination_name="Gone")]}
    )
    new_id = created.json()["details"]["destination_id"]
    answer = api.delete("/destinations", params={"ids": new_id})
    assert answer.status_code == 200
    assert answer.json() == success("Destination Deleted")
    assert new_id not in server.state.store.destinations.snapshot()
    assert api.get(f"/destinations/{new_id}").status_code == 404
    # A trip can no longer go there.
    refused = api.post("/trips", json={"trips": [{"destination": "Gone"}]})
    assert refused.status_code == 400


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({}, 400, "MANDATORY_NOT_FOUND"),
        ({"ids": "1;2"}, 400, "INVALID_DATA"),
        ({"ids": "12345"}, 404, "NOT_FOUND"),
    ],
)
def test_delete_refuses_bad_or_unknown_ids(
    api: Api, params: dict[str, str], status: int, code: str
) -> None:
    answer = api.delete("/destinations", params=params)
    assert answer.status_code == status
    assert error_of(answer) == code
