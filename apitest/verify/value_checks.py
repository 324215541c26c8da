"""Per-type and per-constraint checks of one value (ZSPEC.md sections 3 and 4).

Pure helpers for `shape`: each check answers with what was expected when the value fails (or
None), and `describe` says what came, so the shape checker only adds the JSON path.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from apitest.errors import clip
from apitest.verify.regex_budget import untimed_length
from apitest.zspec.formats import in_order, java_pattern
from apitest.zspec.model import Bounds, Property
from apitest.zspec.scopes import Direction
from apitest.zspec.values import DIGITS, INT32, INT64, REGEX_TIMEOUT_S, runtime_regex

Problem = tuple[str, str]
"""(expected, actual) of one failed rule, before the path is known."""

CLIP = 60
REGEX_LIMIT = 10_000
STRING_TYPES = frozenset({"string", "long_string", "datetime", "date"})
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
ISO_DATETIME = "ISO-8601 date-time"


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}" + ("" if count == 1 else "s")


def describe(value: Any) -> str:
    """What came, as a message shows it: `'4' (string)`, `4 (integer)`, `null`, `an object`."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"{str(value).lower()} (boolean)"
    if isinstance(value, int):
        return f"{clip(str(value), CLIP)} (integer)"
    if isinstance(value, float):
        return f"{value!r} (number)"
    if isinstance(value, str):
        return f"'{clip(value, CLIP)}' (string)"
    if isinstance(value, list):
        return f"an array of {_plural(len(value), 'item')}"
    if isinstance(value, dict):
        return "an object"
    return clip(type(value).__name__, CLIP)


def describe_length(value: str | list[Any]) -> str:
    if isinstance(value, str):
        return f"'{clip(value, CLIP)}' ({_plural(len(value), 'character')})"
    return describe(value)


def _num(bound: float) -> str:
    return str(int(bound)) if float(bound).is_integer() else str(bound)


def bounds_text(bounds: Bounds) -> str:
    """`1..100`, `at least 1` or `at most 100`."""
    if bounds.min is not None and bounds.max is not None:
        return f"{_num(bounds.min)}..{_num(bounds.max)}"
    if bounds.min is not None:
        return f"at least {_num(bounds.min)}"
    return f"at most {_num(bounds.max)}" if bounds.max is not None else "any"


# --- types -------------------------------------------------------------------------------------
def _string(value: Any, prop: Property, direction: Direction) -> str | None:
    return None if isinstance(value, str) else "string"


def _long_string(value: Any, prop: Property, direction: Direction) -> str | None:
    expected = "long_string (a string of digits)"
    if isinstance(value, str):
        return None if DIGITS.fullmatch(value) else expected
    if is_int(value) and direction == "response":
        return None  # accepted in answers; the caller notes it
    return expected


def _integer(value: Any, prop: Property, direction: Direction) -> str | None:
    if not is_int(value):
        return "integer"
    return None if INT32[0] <= value <= INT32[1] else "integer (32-bit)"


def _long(value: Any, prop: Property, direction: Direction) -> str | None:
    if not is_int(value):
        return "long (an integer)"
    return None if INT64[0] <= value <= INT64[1] else "long (64-bit integer)"


def _double(value: Any, prop: Property, direction: Direction) -> str | None:
    return None if is_number(value) else "double (a number)"


def _boolean(value: Any, prop: Property, direction: Direction) -> str | None:
    return None if isinstance(value, bool) else "boolean"


def _formatted(value: Any, fmt: str, what: str) -> str | None:
    """A value written by a Java `format` (a datetime's or a date's)."""
    expected = f"a {what} in format {clip(fmt, CLIP)}"
    if not isinstance(value, str):
        return expected
    return None if java_pattern(fmt).fullmatch(value) else expected


def _datetime(value: Any, prop: Property, direction: Direction) -> str | None:
    if prop.format:
        return _formatted(value, prop.format, "date-time")
    if not isinstance(value, str) or len(value) < 16 or value[10] != "T":
        return ISO_DATETIME  # (`fromisoformat` alone also takes a bare date or "20231113T17")
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return ISO_DATETIME
    return None  # with or without an offset: ZEST's own examples write "2023-11-13T17:30:00"


def _date(value: Any, prop: Property, direction: Direction) -> str | None:
    if prop.format:  # as the generator writes it, and as an API declaring it answers
        return _formatted(value, prop.format, "date")
    expected = "a date yyyy-MM-dd"
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        return expected
    try:
        date.fromisoformat(value)
    except ValueError:
        return "a real date yyyy-MM-dd"
    return None


def _collections(value: Any, prop: Property, direction: Direction) -> str | None:
    return None if isinstance(value, list) else "an array (collections)"


def _map(value: Any, prop: Property, direction: Direction) -> str | None:
    return None if isinstance(value, dict) else "an object (map)"


def _anything(value: Any, prop: Property, direction: Direction) -> str | None:
    return None


TYPE_CHECKS: dict[str, Callable[[Any, Property, Direction], str | None]] = {
    "string": _string, "long_string": _long_string, "integer": _integer, "long": _long,
    "double": _double, "boolean": _boolean, "datetime": _datetime, "date": _date,
    "collections": _collections, "map": _map, "any": _anything, "file": _anything,
}  # fmt: skip
TYPE_CHECKS["object"] = _anything  # ZEST's extend-property sample: any value, narrowed per call


def type_problem(value: Any, prop: Property, direction: Direction) -> str | None:
    """What the type wanted when `value` (not null) is not of it; unknown types pass."""
    check = TYPE_CHECKS.get(prop.type)
    return None if check is None else check(value, prop, direction)


def scalar_item_props(prop: Property) -> list[Property]:
    """Per item of a collection of scalars: the item rules, one per known `content-types` type."""
    return [
        replace(prop, type=kind, length=None, structure=None, structure_group=None)
        for kind in prop.content_types
        if kind in TYPE_CHECKS and kind not in ("collections", "map")
    ]


# --- constraints -------------------------------------------------------------------------------
@functools.lru_cache(maxsize=1024)
def value_set(values: tuple[str, ...]) -> frozenset[str]:
    return frozenset(value.strip() for value in values)


def _same(value: Any, text: str, prop_type: str) -> bool:
    """Whether a body value equals a `values`/`default-value` entry, compared in the type."""
    text = text.strip()
    try:
        if prop_type in ("integer", "long") and is_int(value):
            return bool(int(text) == value)
        if prop_type == "double" and is_number(value):
            return bool(float(text) == value)
    except ValueError:
        return False
    if isinstance(value, bool):
        return text.lower() == str(value).lower()
    if isinstance(value, str):
        return value == text
    return is_int(value) and str(value) == text


def values_problem(value: Any, prop: Property, direction: Direction) -> Problem | None:
    if not prop.values or prop.extra_value == "allow" or isinstance(value, list | dict):
        return None
    if isinstance(value, str) and value in value_set(prop.values):
        return None  # the common case, without converting each allowed value
    if any(_same(value, allowed, prop.type) for allowed in prop.values):
        return None
    listed = clip(", ".join(prop.values), 200)
    if prop.extra_value == "map-default":
        if direction == "request":
            return None
        if prop.default_value is not None:
            if _same(value, prop.default_value, prop.type):
                return None
            default = clip(prop.default_value, CLIP)
            return f"one of {listed}, or the default '{default}'", describe(value)
    return f"one of {listed}", describe(value)


def regex_problem(value: Any, prop: Property) -> Problem | None:
    """Full match of `regex` on a string (a long_string sent as an integer, as its digits).
    The caller skips values over `REGEX_LIMIT` characters."""
    if prop.regex is None:
        return None
    text = str(value) if prop.type == "long_string" and is_int(value) else value
    if not isinstance(text, str):
        return None
    pattern = runtime_regex(prop.regex)
    if pattern is None:
        return None  # the loader reports a bad pattern
    if len(text) <= untimed_length(prop.regex):
        # no timeout argument at all: the regex engine charges 0.7 us for even timeout=None
        matched = pattern.fullmatch(text) is not None
    else:
        try:
            matched = pattern.fullmatch(text, timeout=REGEX_TIMEOUT_S) is not None
        except TimeoutError:
            return (
                f"a match of {clip(prop.regex, CLIP)} (it ran over {REGEX_TIMEOUT_S:g} s on "
                "this value, so it could not be checked: a pattern that backtracks badly?)",
                describe(value),
            )
    return None if matched else (f"a match of {clip(prop.regex, CLIP)}", describe(value))


def length_problem(value: Any, prop: Property) -> Problem | None:
    if prop.length is None or not isinstance(value, str | list):
        return None
    if prop.length.contains(len(value)):
        return None
    return f"length {bounds_text(prop.length)}", describe_length(value)


def number_problems(value: Any, prop: Property) -> list[Problem]:
    """`range` on numbers, `decimal-place` on doubles."""
    if not is_number(value):
        return []
    problems: list[Problem] = []
    if prop.range is not None and not prop.range.contains(value):
        problems.append((f"a value in range {bounds_text(prop.range)}", describe(value)))
    if prop.decimal_place is not None and prop.type == "double":
        places = decimal_places(value)
        if places > prop.decimal_place:
            problems.append(
                (
                    f"at most {_plural(prop.decimal_place, 'digit')} after the decimal point",
                    f"{describe(value)} with {places} after the point",
                )
            )
    return problems


def decimal_places(value: float) -> int:
    """Digits after the point of a JSON number, as its value has them: the shortest repr of a
    float, less trailing zeros. Jackson writes a Java double of 573 as `573.0`, and Python's
    json a float so too; counted as written, a correct answer with decimal-place="0" failed
    "with 1 after the point"."""
    if isinstance(value, float) and not math.isfinite(value):
        return 0
    try:
        exponent = Decimal(repr(value)).normalize().as_tuple().exponent
    except InvalidOperation:
        return 0
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


# --- value-condition ---------------------------------------------------------------------------
def order_problem(
    value: Any, op: str, other: Any, text: str, fmt: str | None = None
) -> Problem | None:
    """`value op other` (a `value-condition`; moments read by the property's `fmt`), judged
    only when both sides are comparable."""
    if in_order(value, op, other, fmt) is not False:
        return None
    wanted = f"a value {op} {clip(str(other), CLIP)} (value-condition {clip(text, CLIP)})"
    return wanted, describe(value)


def name_problem(key: str, pattern: str) -> Problem | None:
    """A map key against `name-regex` (full match, with the regex budget of values)."""
    compiled = runtime_regex(pattern)
    if compiled is None or len(key) > REGEX_LIMIT:
        return None
    try:
        matched = compiled.fullmatch(key, timeout=REGEX_TIMEOUT_S) is not None
    except TimeoutError:
        return None
    if matched:
        return None
    return f"a key matching {clip(pattern, CLIP)}", f"key '{clip(key, CLIP)}'"


def names_ok(value: dict[Any, Any], pattern: str) -> bool:
    """Every key of a map matches `name-regex` (the walk's rule, without the messages)."""
    return all(name_problem(str(key), pattern) is None for key in value)


def extra_property_for(key: str, extras: Iterable[Property]) -> Property | None:
    """The first `<extra-property>` whose `name-regex` takes `key` (as `name_problem` judges a
    name), else None: the key is then undeclared."""
    for extra in extras:
        if extra.name_regex is not None and name_problem(key, extra.name_regex) is None:
            return extra
    return None


def is_mapped_default(value: Any, prop: Property) -> bool:
    """`invalid-value="map-default"`: the server answers a value that breaks the rules with
    `default-value`, so that value passes the rules it would otherwise break."""
    return (
        prop.invalid_value == "map-default"
        and prop.default_value is not None
        and _same(value, prop.default_value, prop.type)
    )


_NUMBERS: dict[str, Callable[[str], int | float]] = {"integer": int, "long": int, "double": float}


def text_problems(text: str, prop: Property) -> list[Problem]:
    """What a value that travels as text (a header, a text/plain body) breaks of `prop`: a
    number type must read as one, then its `values` and bounds; any other its `values`,
    `regex` and `length`, as text."""
    kind = _NUMBERS.get(prop.type)
    if kind is not None:
        try:
            number = kind(text.strip())
        except ValueError:
            return [(prop.type, describe(text))]
        found = [values_problem(number, prop, "response"), *number_problems(number, prop)]
    else:
        found = [
            values_problem(text, prop, "response"),
            regex_problem(text, prop),
            length_problem(text, prop),
        ]
    return [problem for problem in found if problem is not None]
