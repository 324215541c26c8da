"""Where the values a call took from the Data Manager came from (engine/provenance.py): the
facts a replay script needs to read them again from its own answers."""

from __future__ import annotations

from typing import Any

from apitest.engine.provenance import Origin, Seen, uses_of
from apitest.engine.records import DataManager, Record
from apitest.results import ValueUse
from apitest.zspec.conditions import parse_data_path

LISTING: dict[str, Any] = {
    "status": "7",
    "trips": [
        {"trip_id": "5", "name": "seven", "days": 7},
        {"trip_id": "7", "name": "Bali", "days": 4, "meta": {"ref": "x-7"}},
    ],
}


def test_a_value_is_found_inside_its_record_at_its_place_in_the_answer() -> None:
    origin = Origin("t.1.1", 0, LISTING, LISTING["trips"][1])
    assert origin.path_of("7") == ["trips", 1, "trip_id"]  # not the envelope's "7"
    assert origin.path_of("x-7") == ["trips", 1, "meta", "ref"]
    assert origin.path_of(4) == ["trips", 1, "days"]
    assert origin.path_of("4") is None  # types are strict: the answer holds 4, not "4"
    assert origin.path_of("sent, never answered") is None
    outside = Origin("t.1.1", 0, LISTING, {"copy": True})  # an item not in the body itself
    assert outside.path_of("seven") == ["trips", 0, "name"]


def record(data: dict[str, Any], origin: Origin | None, chain: str = "t.1") -> Record:
    return Record("trips", data, {"trip_id": data["trip_id"]}, chain, True, 0, origin=origin)


def test_uses_name_each_value_once_and_skip_what_no_answer_gave() -> None:
    item = LISTING["trips"][1]
    found = record(item, Origin("t.1.2", 1, LISTING, item))
    sent_only = record({"trip_id": "9"}, None)
    seen: Seen = [("7", found), ("7", found), ("Bali", found), (True, found), ("9", sent_only)]
    assert uses_of(seen, "t.1") == [
        ValueUse("7", "t.1.2", 1, ["trips", 1, "trip_id"]),
        ValueUse("Bali", "t.1.2", 1, ["trips", 1, "name"]),
    ]


def test_a_chain_that_read_a_record_again_takes_its_values_from_its_own_read() -> None:
    data = DataManager()
    first = {"trip_id": "7", "name": "Bali"}
    again = {"trip_id": "7", "name": "Bali"}
    one = {"trips": [first]}
    two = {"trips": [{"trip_id": "5"}, again]}
    rec = data.add("trips", first, {"trip_id": "7"}, chain="a.1", created=False,
                   origin=Origin("a.1.1", 0, one, first))  # fmt: skip
    data.add("trips", again, {"trip_id": "7"}, chain="b.1", created=False,
             origin=Origin("b.1.4", 0, two, again))  # fmt: skip
    assert uses_of([("7", rec)], "b.1") == [ValueUse("7", "b.1.4", 0, ["trips", 1, "trip_id"])]
    assert uses_of([("7", rec)], "a.1") == [ValueUse("7", "a.1.1", 0, ["trips", 0, "trip_id"])]


def test_a_lookup_notes_each_value_it_hands_out_with_its_record() -> None:
    data = DataManager()
    rec = data.add("trips", {"trip_id": "7", "name": "Bali"}, {"trip_id": "7"}, chain="a.1",
                   created=True)  # fmt: skip
    seen: Seen = []
    lookup = data.lookup("a.1", seen)
    assert lookup(parse_data_path("trips:$.name")) == ["Bali"]
    assert lookup(parse_data_path("trips:$.missing")) == []
    assert seen == [("Bali", rec)]
    assert data.lookup("a.1")(parse_data_path("trips:$.trip_id")) == ["7"]  # seen is optional
