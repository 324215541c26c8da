"""Input checks, taken one for one from the structures in specs/trips.xml and destinations.xml.

The rules are data (`Rule` tuples) rather than code so a reader can hold them against the spec
line by line: a mismatch between the two is exactly the kind of drift the runner is meant to
catch in other people's services, so it must not exist in the reference one.
A missing required value answers MANDATORY_NOT_FOUND; anything else wrong answers INVALID_DATA.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from apitest.demo.store import JsonObject

INVALID_DATA = "INVALID_DATA"
MANDATORY_NOT_FOUND = "MANDATORY_NOT_FOUND"

# ISO-8601 extended date-time with a mandatory offset, e.g. 2026-03-01T09:30:00+05:30.
_DATETIME = re.compile(
    r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})", re.ASCII
)
_RECORD_ID = re.compile(r"[0-9]{1,19}", re.ASCII)


class InvalidInput(Exception):
    """A request the service refuses with 400; `code` goes into the error body."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Rule:
    """One <property>: its JSON type and the length, range or value list it allows."""

    name: str
    kind: Literal["string", "integer", "datetime", "record_id"]
    low: int | None = None
    high: int | None = None
    values: tuple[str, ...] = ()
    default: str | None = None


TRIP_ID = Rule("trip_id", "record_id")
TRIP_RULES: tuple[Rule, ...] = (
    Rule("trip_name", "string", 1, 100),
    Rule("destination", "string", 1, 60),
    Rule("start_time", "datetime"),
    Rule("end_time", "datetime"),
    Rule("no_of_days", "integer", 1, 365),
    Rule("trip_type", "string", values=("business", "leisure"), default="leisure"),
)
TRIP_REQUIRED = ("trip_name", "destination", "start_time", "end_time")

DESTINATION_RULES: tuple[Rule, ...] = (
    Rule("destination_name", "string", 1, 60),
    Rule("country", "string", 2, 56),
    Rule(
        "climate", "string", values=("tropical", "temperate", "arid", "polar"), default="temperate"
    ),
)
DESTINATION_REQUIRED = ("destination_name", "country")


def records_in(body: object, key: str) -> list[JsonObject]:
    """The records of a `{"<key>": [ {...}, ... ]}` wrapper, or InvalidInput."""
    if not isinstance(body, dict):
        raise InvalidInput(INVALID_DATA, f"the body must be a JSON object holding a '{key}' list")
    if body.get(key) is None:
        raise InvalidInput(MANDATORY_NOT_FOUND, f"'{key}' is required")
    records = body[key]
    if not isinstance(records, list):
        raise InvalidInput(INVALID_DATA, f"'{key}' must be a list of records")
    if not records:
        raise InvalidInput(INVALID_DATA, f"'{key}' must hold at least one record")
    for index, record in enumerate(records):
        if not isinstance(record, dict):
            raise InvalidInput(INVALID_DATA, f"{key}[{index}] must be a JSON object")
    return records


def check_record(
    record: JsonObject,
    rules: Sequence[Rule],
    required: Sequence[str],
    where: str,
    *,
    defaults: bool,
) -> JsonObject:
    """The record's known fields, checked; unknown fields are ignored, as Zoho APIs do."""
    for name in required:
        if record.get(name) is None:
            raise InvalidInput(MANDATORY_NOT_FOUND, f"{where}.{name} is required")
    clean: JsonObject = {}
    for rule in rules:
        if rule.name in record:
            clean[rule.name] = check_value(rule, record[rule.name], f"{where}.{rule.name}")
        elif defaults and rule.default is not None:
            clean[rule.name] = rule.default
    return clean


def check_order(record: JsonObject, where: str) -> None:
    """A trip ends after it starts: the rule an honest API keeps and a spec reader assumes
    (end_time after start_time), so the runner's generated data must keep it too (issue 18,
    item 7). Values are checked one by one first; this compares two valid ones."""
    start, end = record.get("start_time"), record.get("end_time")
    if not (isinstance(start, str) and isinstance(end, str)):
        return
    valid = _is_datetime(start) and _is_datetime(end)
    if valid and datetime.fromisoformat(end) < datetime.fromisoformat(start):
        raise InvalidInput(INVALID_DATA, f"{where}.end_time {end} is before its start_time {start}")


def copy_known(record: JsonObject, rules: Sequence[Rule]) -> JsonObject:
    """The record's known fields as sent, unchecked (the `accepts-invalid` defect)."""
    return {rule.name: record[rule.name] for rule in rules if rule.name in record}


def check_value(rule: Rule, value: Any, where: str) -> Any:
    """`value` if it satisfies `rule`, else InvalidInput naming `where`."""
    if value is None:
        raise InvalidInput(INVALID_DATA, f"{where} must not be null")
    if rule.kind == "integer":
        if not isinstance(value, int) or isinstance(value, bool):
            raise InvalidInput(INVALID_DATA, f"{where} must be an integer")
        _check_bounds(value, rule, where, "")
        return value
    if not isinstance(value, str):
        raise InvalidInput(INVALID_DATA, f"{where} must be a string")
    if rule.kind == "record_id" and not _RECORD_ID.fullmatch(value):
        raise InvalidInput(INVALID_DATA, f"{where} must be 1 to 19 digits")
    if rule.kind == "datetime" and not _is_datetime(value):
        raise InvalidInput(
            INVALID_DATA,
            f"{where} must be an ISO-8601 date-time with an offset, e.g. 2026-03-01T09:30:00+05:30",
        )
    if rule.values and value not in rule.values:
        raise InvalidInput(INVALID_DATA, f"{where} must be one of {', '.join(rule.values)}")
    _check_bounds(len(value), rule, where, " characters long")
    return value


def parse_ids(text: str | None) -> list[str]:
    """The ids of an `ids=1,2,3` query parameter, in order, without repeats."""
    if text is None or not text.strip():
        raise InvalidInput(MANDATORY_NOT_FOUND, "the query parameter 'ids' is required")
    ids: list[str] = []
    for part in text.split(","):
        part = part.strip()
        if not _RECORD_ID.fullmatch(part):
            raise InvalidInput(
                INVALID_DATA, f"'ids' must be comma-separated ids of 1 to 19 digits, got {part!r}"
            )
        if part not in ids:
            ids.append(part)
    return ids


def _check_bounds(number: int, rule: Rule, where: str, unit: str) -> None:
    if rule.low is None or rule.high is None:
        return
    if not rule.low <= number <= rule.high:
        raise InvalidInput(
            INVALID_DATA, f"{where} must be between {rule.low} and {rule.high}{unit}, got {number}"
        )


def _is_datetime(text: str) -> bool:
    if not _DATETIME.fullmatch(text):
        return False
    try:
        datetime.fromisoformat(text)
    except ValueError:  # e.g. 2026-02-30 or 25:00
        return False
    return True
