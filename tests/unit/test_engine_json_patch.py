"""engine/json_patch.py: a JSON Patch (RFC 6902) is told from a record, and what it sets is
the partial record its callback read must show."""

from __future__ import annotations

from typing import Any

import pytest

from apitest.engine.json_patch import patch_operations, patched_fields

REPLACE = {"op": "replace", "path": "/description", "value": "new"}


@pytest.mark.parametrize(
    ("body", "operations"),
    [
        ([REPLACE], [REPLACE]),  # application/json-patch+json: the body is the patch
        ({"patchOperations": [REPLACE]}, [REPLACE]),  # API Gateway: one list of them
        ({"patchOperations": [REPLACE], "dryRun": False}, [REPLACE]),
    ],
)
def test_a_patch_is_found_as_the_body_or_its_one_list_of_operations(
    body: Any, operations: list[dict[str, Any]]
) -> None:
    assert patch_operations(body) == operations


@pytest.mark.parametrize(
    "body",
    [
        {"op": "replace", "path": "/a", "value": 1},  # a record that happens to have such keys
        [],
        [{"op": "rename", "path": "/a"}],  # no RFC 6902 operation
        [{"op": "add", "path": "a", "value": 1}],  # not a JSON Pointer
        [REPLACE, {"name": "x"}],  # a list of which not every item is an operation
        {"first": [REPLACE], "second": [REPLACE]},  # two lists: which one is the patch?
        "replace /description",
        None,
    ],
)
def test_anything_else_is_no_patch(body: Any) -> None:
    assert patch_operations(body) is None


def test_what_adds_and_replaces_set_is_the_record_nested_as_the_pointers_are() -> None:
    operations = [
        {"op": "add", "path": "/name", "value": "first"},
        {"op": "replace", "path": "/name", "value": "last"},  # later operations win
        {"op": "replace", "path": "/limits/burst", "value": 5},
        {"op": "add", "path": "/a~1b~0c", "value": True},  # RFC 6901 escapes
        {"op": "test", "path": "/version", "value": "V1"},  # asserts, sets nothing
    ]
    assert patched_fields(operations) == {
        "name": "last",
        "limits": {"burst": 5},
        "a/b~c": True,
    }


def test_removes_moves_and_array_positions_set_nothing_a_read_is_held_to() -> None:
    operations = [
        {"op": "add", "path": "/kept", "value": 1},
        {"op": "add", "path": "/gone", "value": 2},
        {"op": "remove", "path": "/gone"},
        {"op": "add", "path": "/moved", "value": 3},
        {"op": "move", "from": "/moved", "path": "/elsewhere"},
        {"op": "add", "path": "/tags/-", "value": "x"},
        {"op": "replace", "path": "/tags/0", "value": "y"},
        {"op": "copy", "from": "/kept", "path": "/copied"},
        {"op": "replace", "path": "/no-value"},
    ]
    assert patched_fields(operations) == {"kept": 1}
