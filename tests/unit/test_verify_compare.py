"""Record comparison (verify/compare.py): what an operation validation reads back is judged
against what was sent, value by value, by each property's declared type."""

from __future__ import annotations

from apitest.spec.model import Resource
from apitest.verify.compare import compare_record, held_values, same_value


def test_compare_record_reports_changed_and_missing_values(trips: Resource) -> None:
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


def test_held_values_keep_inside_objects_only_what_was_sent() -> None:
    """A replay holds its read to the write: the read's value of each key sent, never a key
    the server added inside an object (JSON:API's attributes.created) or a list's items; where
    the read differs, the value sent."""
    sent = {"type": "articles", "attributes": {"title": "t", "n": 4}}
    read = {
        "type": "articles",
        "id": "1",
        "attributes": {"title": "t", "n": 4.0, "created": "now"},
        "tags": [{"name": "a", "n": 1}],
    }
    assert held_values({**sent, "tags": [{"name": "a"}]}, read, None) == {
        "type": "articles",
        "attributes": {"title": "t", "n": 4.0},
        "tags": [{"name": "a"}],
    }
    assert held_values(sent, {**read, "attributes": {"title": "u"}}, None)["attributes"] == {
        "title": "t",
        "n": 4,
    }
