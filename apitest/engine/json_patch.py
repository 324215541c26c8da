"""What a JSON Patch write sets, so that its callback read can check it.

A JSON Patch (RFC 6902) sends no record: it sends operations, `{"op": "replace", "path":
"/description", "value": "..."}`, as the whole body (`application/json-patch+json`, as
Kubernetes, Azure and ASP.NET take it) or as the one list of them in an object (API Gateway's
`{"patchOperations": [...]}`). Read as a record, its envelope (`patchOperations`) was either
compared with the stored record (a false red for every honest write) or nothing was compared
(a PATCH that changed nothing passed). The values it adds or replaces, at their JSON Pointers
(RFC 6901), are what the record must show afterwards; that partial record is compared.

Left out, since the read cannot be held to them without knowing the record before: `remove`,
`move`, `copy` and `test`, and array positions (`/tags/0`, `/tags/-`).
"""

from __future__ import annotations

from typing import Any

JsonObject = dict[str, Any]
OPERATIONS = frozenset({"add", "remove", "replace", "move", "copy", "test"})
"""RFC 6902 section 4: the six operations a patch document may hold."""


def patch_operations(body: Any) -> list[JsonObject] | None:
    """The operations of the JSON Patch `body` is, or holds as the only list of operations
    among its values; None when it is no patch (a record, or an envelope around one)."""
    if _is_patch(body):
        return list(body)
    if isinstance(body, dict):
        found = [value for value in body.values() if _is_patch(value)]
        if len(found) == 1:
            return list(found[0])
    return None


def patched_fields(operations: list[JsonObject]) -> JsonObject:
    """The fields the operations leave set, nested as the pointers nest them: later operations
    win, and a `remove` (or the source of a `move`) takes back what an earlier one set there."""
    record: JsonObject = {}
    for operation in operations:
        kind = operation["op"]
        if kind in ("remove", "move"):
            steps = _steps(operation["path"] if kind == "remove" else operation.get("from"))
            if steps:
                _unset(record, steps)
            continue
        steps = _steps(operation["path"])
        if kind in ("add", "replace") and steps and "value" in operation:
            _set(record, steps, operation["value"])
    return record


def _is_patch(value: Any) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(
            isinstance(item, dict)
            and item.get("op") in OPERATIONS
            and isinstance(item.get("path"), str)
            and item["path"].startswith("/")
            for item in value
        )
    )


def _steps(pointer: Any) -> list[str] | None:
    """The object keys a JSON Pointer walks (RFC 6901 escapes undone); None when it is not one,
    or walks into an array (a numeric or `-` step: a position, not a name)."""
    if not isinstance(pointer, str) or not pointer.startswith("/"):
        return None
    steps = [step.replace("~1", "/").replace("~0", "~") for step in pointer[1:].split("/")]
    if any(not step or step == "-" or step.isdigit() for step in steps):
        return None
    return steps


def _set(record: JsonObject, steps: list[str], value: Any) -> None:
    target = record
    for step in steps[:-1]:
        inner = target.get(step)
        if not isinstance(inner, dict):
            inner = target[step] = {}
        target = inner
    target[steps[-1]] = value


def _unset(record: JsonObject, steps: list[str]) -> None:
    target: Any = record
    for step in steps[:-1]:
        target = target.get(step) if isinstance(target, dict) else None
    if isinstance(target, dict):
        target.pop(steps[-1], None)
