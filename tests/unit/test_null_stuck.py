"""Which member a Null Allowed update is read back for (engine/null_stuck.py): the record's
own member it sent null; not a null inside a nested object, nor another case's."""

from __future__ import annotations

from apitest.case_kinds import NegativeKind
from apitest.engine.null_stuck import cleared_member
from apitest.plan.model import Violation


def violation(kind: NegativeKind, *path: str | int) -> Violation:
    return Violation(kind, ".".join(map(str, path)), "body", "set", "null", path)


def test_the_member_sent_null_is_the_one_read_back() -> None:
    sent = [{"name": "Dune", "note": None}]
    assert cleared_member(violation("Null Allowed", "note"), sent) == "note"
    assert cleared_member(violation("Null Allowed", "trips", 0, "note"), sent) == "note"


def test_a_nested_null_another_kind_or_no_record_is_not_read_back() -> None:
    nested = [{"name": "Dune", "maker": {"note": None}}]
    assert cleared_member(violation("Null Allowed", "maker", "note"), nested) is None
    shown = [{"name": "Dune", "note": "kept"}]  # the record the body holds shows no null there
    assert cleared_member(violation("Null Allowed", "note"), shown) is None
    assert cleared_member(violation("Null Value", "note"), [{"note": None}]) is None
    assert cleared_member(violation("Null Allowed", "note"), []) is None
