"""Defect modes: each changes the service's behaviour the way its name says."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from apitest.demo import KNOWN_BUGS, DemoConfig

from ._api import Api, destination, trip

MakeApi = Callable[..., Api]


def test_unknown_bug_names_raise_a_value_error_listing_the_known_ones() -> None:
    with pytest.raises(ValueError, match="no-such-bug") as caught:
        DemoConfig(bugs=frozenset({"no-such-bug"}))
    for name in KNOWN_BUGS:
        assert name in str(caught.value)


def test_wrong_type_reads_no_of_days_as_a_string(make_api: MakeApi) -> None:
    api = make_api(bugs={"wrong-type"})
    trip_id = api.create_trip(no_of_days=4)
    assert api.get(f"/trips/{trip_id}").json()["trips"][0]["no_of_days"] == "4"
    assert api.get("/trips").json()["trips"][0]["no_of_days"] == "4"
    assert api.server.state.store.trips.snapshot()[trip_id]["no_of_days"] == 4


def test_lost_update_answers_200_but_changes_nothing(make_api: MakeApi) -> None:
    api = make_api(bugs={"lost-update"})
    trip_id = api.create_trip(trip_name="original")
    answer = api.put("/trips", json={"trips": [{"trip_id": trip_id, "trip_name": "changed"}]})
    assert answer.status_code == 200
    assert api.get(f"/trips/{trip_id}").json()["trips"][0]["trip_name"] == "original"


def test_delete_noop_answers_200_but_keeps_the_records(make_api: MakeApi) -> None:
    api = make_api(bugs={"delete-noop"})
    trip_id = api.create_trip()
    assert api.delete("/trips", params={"ids": trip_id}).status_code == 200
    assert api.get(f"/trips/{trip_id}").status_code == 200
    created = api.post("/destinations", json={"destinations": [destination()]})
    new_id = created.json()["details"]["destination_id"]
    assert api.delete("/destinations", params={"ids": new_id}).status_code == 200
    assert new_id in api.server.state.store.destinations.snapshot()


def test_missing_field_reads_omit_trip_name(make_api: MakeApi) -> None:
    api = make_api(bugs={"missing-field"})
    trip_id = api.create_trip()
    assert "trip_name" not in api.get(f"/trips/{trip_id}").json()["trips"][0]
    assert "trip_name" not in api.get("/trips").json()["trips"][0]


def test_error_200_answers_every_error_with_status_200(make_api: MakeApi) -> None:
    api = make_api(bugs={"error-200"})
    anonymous = Api(api.http, api.server, None)
    cases = [
        (anonymous.get("/trips"), "INVALID_TOKEN"),
        (api.get("/trips/1"), "NOT_FOUND"),
        (api.post("/trips", json={"trips": [trip(no_of_days=0)]}), "INVALID_DATA"),
    ]
    for answer, code in cases:
        assert answer.status_code == 200
        assert answer.json() == {
            "code": code,
            "message": answer.json()["message"],
            "status": "error",
        }


def test_accepts_invalid_stores_what_validation_would_refuse(make_api: MakeApi) -> None:
    api = make_api(bugs={"accepts-invalid"})
    bad = trip(no_of_days=1000, trip_type="cruise", destination="Atlantis", trip_name=None)
    created = api.post("/trips", json={"trips": [bad]})
    assert created.status_code == 201
    trip_id = created.json()["details"]["trip_id"]
    stored = api.server.state.store.trips.snapshot()[trip_id]
    assert (stored["no_of_days"], stored["trip_type"]) == (1000, "cruise")
    update = {"trips": [{"trip_id": trip_id, "start_time": "yesterday"}]}
    assert api.put("/trips", json=update).status_code == 200
    assert api.get(f"/trips/{trip_id}").json()["trips"][0]["start_time"] == "yesterday"
    assert api.post("/destinations", json={"destinations": [{"country": "X"}]}).status_code == 201


def test_undeclared_status_creates_answer_202(make_api: MakeApi) -> None:
    api = make_api(bugs={"undeclared-status"})
    assert api.post("/trips", json={"trips": [trip()]}).status_code == 202
    assert api.post("/destinations", json={"destinations": [destination()]}).status_code == 202


def test_no_auth_needs_no_token(make_api: MakeApi) -> None:
    api = make_api(bugs={"no-auth"})
    assert api.headers == {}
    assert api.get("/trips").status_code == 200
    assert api.post("/trips", json={"trips": [trip()]}).status_code == 201
    bogus = {"Authorization": "Zoho-oauthtoken 1000.bogus"}
    assert api.get("/destinations", headers=bogus).status_code == 200


def test_without_bugs_the_same_calls_behave(api: Api) -> None:
    assert api.server.config.bugs == frozenset()
    trip_id = api.create_trip(no_of_days=4)
    assert api.get(f"/trips/{trip_id}").json()["trips"][0]["no_of_days"] == 4
    assert api.post("/trips", json={"trips": [trip(no_of_days=0)]}).status_code == 400


def test_unknown_id_empty_answers_a_well_formed_unknown_id_with_no_trips(make_api: MakeApi) -> None:
    api = make_api(bugs={"unknown-id-empty"})
    trip_id = api.create_trip()
    assert api.get(f"/trips/{trip_id}").json()["trips"][0]["trip_id"] == trip_id
    unknown = api.get("/trips/435159532201919785")
    assert (unknown.status_code, unknown.json()) == (200, {"trips": []})
    assert api.get("/trips/apitest-invalid-3bf60c06").status_code == 404  # malformed: refused
