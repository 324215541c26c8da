"""Record comparison (verify/compare.py): what an operation validation reads back is judged
against what was sent, value by value, by each property's declared type."""

from __future__ import annotations

from apitest.spec.model import Resource
from apitest.verify.compare import compare_record, same_value


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
