"""Tests for the ZSPEC condition language (ZSPEC.md section 5)."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apitest.zspec.conditions import (
    MAX_DEPTH,
    MAX_TEXT,
    AllOf,
    AnyOf,
    Comparison,
    Condition,
    ConditionSyntaxError,
    DataPath,
    EvalContext,
    LiteralValue,
    Negation,
    null_tests,
    parse_condition,
    parse_data_path,
)
from apitest.zspec.loader import load

from ..support import read_url, write_resource

BODY: dict[str, Any] = {
    "n": 5,
    "one": 1,
    "half": 0.5,
    "code": "503",
    "name": "Alice",
    "flag": True,
    "off": False,
    "nothing": None,
    "tags": ["red", "green"],
    "nums": [1, 2, 3],
    "threes": [3, 3],
    "empty": [],
    "obj": {"k": [1, {"z": None}]},
    "a b": 7,
    "trips": [
        {"id": "t1", "a": "x y", "b": 1, "price": 12},
        {"id": "t2", "a": "z", "b": 2, "price": 8},
    ],
    "items": [{"name": "pen"}, {"name": "ink"}],
    "pattern": "^A",
    "bad_pattern": "(",
}
RECORDS: dict[str, list[Any]] = {
    "trips": [{"trip_id": "a1"}, {"trip_id": "b2"}, {"other": 1}],
    "users": [],
}
CTX = EvalContext(
    response_body=BODY,
    request_body={"user": {"email": "a@b.c"}, "ids": [10, 20]},
    headers={"Content-Type": "application/json", "X-Count": "3"},
    params={"q": "shoes", "ids": ["1", "2"]},
    status=503,
    records=lambda name: RECORDS.get(name, ()),
)


def holds(text: str, ctx: EvalContext = CTX) -> bool:
    return parse_condition(text).evaluate(ctx)


def syntax_error(text: str) -> ConditionSyntaxError:
    with pytest.raises(ConditionSyntaxError) as info:
        parse_condition(text)
    return info.value


# Each operator, holding and not.
OPERATORS: list[tuple[str, bool]] = [
    ("$.n == 5", True),
    ("$.n == 6", False),
    ("$.n != 6", True),
    ("$.n != 5", False),
    ("$.n > 4", True),
    ("$.n > 5", False),
    ("$.n >= 5", True),
    ("$.n >= 5.5", False),
    ("$.n < 6", True),
    ("$.n < 5", False),
    ("$.n <= 5", True),
    ("$.n <= 4.9", False),
    ("$.name =~ '^Al'", True),
    ("$.name =~ 'ice$'", True),
    ("$.name =~ '^ice'", False),
    (r"$.code =~ '^\d+$'", True),
    ("$.name !~ '^Bo'", True),
    ("$.name !~ 'lic'", False),
    ("$.n in [1, 5, 9]", True),
    ("$.n in [1, 9]", False),
    ("$.name in 'Alice and Bob'", True),
    ("$.name in 'Bob'", False),
    ("$.n not in [1, 9]", True),
    ("$.n not in [5]", False),
    ("$.tags contains 'red'", True),
    ("$.tags contains 'blue'", False),
    ("$.name contains 'lic'", True),
    ("$.name contains 'Bob'", False),
    ("$.nums contains 2", True),
    ('$.name == "Alice"', True),
    ("$.half == 0.5", True),
    ("$.n == -5", False),
    ("$.n > -1e3", True),
    ("$.nothing == null", True),
    ("$.flag == true", True),
    ("$.off == false", True),
]


# Types are strict: no coercion between strings, numbers and booleans.
STRICT_TYPES: list[tuple[str, bool]] = [
    ("$.code != 503", True),  # '503' is a string
    ("$.code == 503", False),
    ("$.code == '503'", True),
    ("STATUS == '503'", False),
    ("$.flag == 1", False),  # a bool never equals an int
    ("$.flag != 1", True),
    ("$.one == true", False),
    ("$.off == 0", False),
    ("$.one == 1.0", True),  # int and float compare as numbers
    ("$.one in [true, '1']", False),
    ("$.flag in [1]", False),
    ("$.flag in [true]", True),
    ("$.nums contains '2'", False),
    ("$.one > true", False),  # ordering never involves bools
    ("$.flag >= false", False),
    ("$.code > 100", False),  # ordering compares strings with strings only
    ("$.code < 'a'", True),
    ("$.name > 'Aa'", True),
    ("$.nothing == 0", False),
    ("$.nothing == false", False),
    ("$.n =~ '5'", False),  # only strings match a regex
    ("$.n !~ '5'", True),
    ("$.nums == [1, 2, 3]", True),
    ("$.nums == [1, 2, 3.0]", True),
    ("$.nums == [1, 2]", False),
    ("$.tags == ['red', 'green']", True),
    ("$.obj == $.obj", True),
]


# A path with many matches holds when any match does; no match is false, except for the negated
# operators.
ANY_MATCH_AND_NO_MATCH: list[tuple[str, bool]] = [
    ("$.nums[*] == 3", True),  # any match satisfying is enough
    ("$.nums[*] > 2", True),
    ("$.nums[*] > 3", False),
    ("$.nums[*] != 3", True),  # 1 != 3 already holds
    ("$.threes[*] != 3", False),  # no value differs
    ("$.trips[*].id == 't2'", True),
    ("$.trips[*].price < 10", True),
    ("$.nums[*] == $.threes[*]", True),  # any pair of values
    ("$.nums[*] == $.trips[*].price", False),
    # no match: false, except for the negated operators
    ("$.missing == 1", False),
    ("$.missing > 1", False),
    ("$.missing =~ 'x'", False),
    ("$.missing in [1]", False),
    ("$.missing contains 1", False),
    ("$.missing == null", False),
    ("$.missing != 1", True),
    ("$.missing !~ 'x'", True),
    ("$.missing not in [1]", True),
    ("$.empty[*] != 1", True),
    ("$.n == $.missing", False),  # a path on the right with no match
    ("$.n != $.missing", True),
    ("'red' in $.tags", True),
    ("'x' not in $.missing", True),
]


# A lone data path means: it exists and is not null.
LONE_PATH: list[tuple[str, bool]] = [
    ("$.n", True),
    ("$.off", True),  # false is a value, not an absence
    ("$.empty", True),
    ("$.nothing", False),  # null counts as absent
    ("$.missing", False),
    ("$.obj.k[1].z", False),
    ("$..z", False),
    ("$..id", True),
    ("!$.missing", True),
    ("not $.n", False),
]


# RESPONSE:, REQUEST:, STATUS and resource prefixes read their own source.
PREFIXES: list[tuple[str, bool]] = [
    ("RESPONSE:$.n == 5", True),
    ("REQUEST:$.user.email == 'a@b.c'", True),
    ("REQUEST:$.n", False),  # the request body has no n
    ("REQUEST:$.ids[*] > 15", True),
    ("RESPONSE:$.headers.Content-Type == 'application/json'", True),
    ("RESPONSE:$.headers.content-type =~ 'json$'", True),  # header names are case-insensitive
    ("RESPONSE:$.headers.X-COUNT == '3'", True),
    ("RESPONSE:$.headers.X-Count == 3", True),  # wire text: see WIRE_TEXT
    ("RESPONSE:$.headers.X-Missing", False),
    ("RESPONSE:$.headers.X-Missing != 'x'", True),
    ("RESPONSE:$.headers.X-Count!='4'", True),  # != ends the header name
    ("REQUEST:$.params.q == 'shoes'", True),
    ("REQUEST:$.params.ids == '2'", True),  # a multi-valued parameter: any value
    ("REQUEST:$.params.ids in ['2', '7']", True),
    ("REQUEST:$.params.Q", False),  # parameter names are case-sensitive
    ("STATUS == 503", True),
    ("STATUS >= 500 && STATUS < 600", True),
    ("STATUS in [200, 201]", False),
    ("trips:$.trip_id == 'b2'", True),  # any record of the resource
    ("trips:$.trip_id == 'a1'", True),
    ("trips:$.trip_id == 'c3'", False),
    ("trips:$.other", True),
    ("users:$.id", False),  # a resource with no records
    ("nobody:$.id != 1", True),
]


def test_status_without_a_status_matches_nothing() -> None:
    ctx = EvalContext()
    assert holds("STATUS == 200", ctx) is False
    assert holds("STATUS != 200", ctx) is True
    assert holds("STATUS", ctx) is False


def test_data_path_find_per_source() -> None:
    paths = {
        text: parse_data_path(text)
        for text in ("trips:$.trip_id", "REQUEST:$.params.ids", "STATUS")
    }
    assert paths["trips:$.trip_id"].find(CTX) == ["a1", "b2"]
    assert paths["REQUEST:$.params.ids"].find(CTX) == ["1", "2"]
    assert paths["STATUS"].find(CTX) == [503]
    assert parse_data_path("$.items[*].name").find(CTX) == ["pen", "ink"]
    assert parse_data_path("RESPONSE:$.headers.x-count").find(CTX) == ["3"]


def test_resource_path_runs_over_every_record_it_is_given() -> None:
    asked: list[str] = []

    def records(name: str) -> list[Any]:
        asked.append(name)
        return [{"id": 1, "tags": ["a"]}, {"id": 2, "tags": ["b", "c"]}, {"id": None}]

    ctx = EvalContext(records=records)
    assert parse_data_path("orders:$.tags[*]").find(ctx) == ["a", "b", "c"]
    assert holds("orders:$.id == 2", ctx) is True
    assert holds("orders:$.tags contains 'c'", ctx) is True
    assert holds("orders:$.id > 2", ctx) is False
    assert set(asked) == {"orders"}


# List literals: empty, mixed types, either quote.
LIST_LITERALS: list[tuple[str, bool]] = [
    ("$.n in []", False),
    ("$.n not in []", True),
    ("$.code in ['503', 503]", True),
    ("$.nothing in [null]", True),
    ("$.half in [1, 0.5, 'x', true, null]", True),
    ("$.name in [\"Bob\", 'Alice']", True),
    ("$.n in [ 4 , 6 ]", False),
]


T, F = "$.n == 5", "$.n == 0"


# `!` binds tightest, then `&&`, then `||`; brackets group.
PRECEDENCE: list[tuple[str, bool]] = [
    (f"{F} && {F} || {T}", True),  # (F && F) || T
    (f"{T} || {T} && {F}", True),  # T || (T && F)
    (f"({T} || {T}) && {F}", False),
    (f"{F} and ({F} or {T})", False),
    (f"!{F} && {F}", False),  # (!F) && F
    (f"!({F} && {F})", True),
    (f"not {T} or {T}", True),
    (f"not ({T} or {T})", False),
    (f"!!{T}", True),
    (f"not not not {T}", False),
    (f"(({T}))", True),
    (f"{T} && {T} && {T} && {F}", False),
    (f"{F} || {F} || {F} || {T}", True),
    ("!$.n == 6", True),  # ! covers the whole comparison
]


# A header's or parameter's value is text on the wire: against a number or a flag it is read as
# one where it reads as one; against text it stays text; never a bool against a number.
WIRE_TEXT: list[tuple[str, bool]] = [
    ("RESPONSE:$.headers.X-Count == 3", True),
    ("RESPONSE:$.headers.X-Count > 2", True),
    ("RESPONSE:$.headers.X-Count >= 4", False),
    ("RESPONSE:$.headers.X-Count == 3.0", True),
    ("RESPONSE:$.headers.X-Count == '3'", True),  # text with text, as before
    ("RESPONSE:$.headers.X-Count == true", False),
    ("RESPONSE:$.headers.X-Count in [1, 3]", True),
    ("RESPONSE:$.n == RESPONSE:$.headers.X-Count", False),  # 5 against 3
    ("REQUEST:$.params.ids == 2", True),  # any value of a multi-valued parameter
    ("REQUEST:$.params.ids contains 2", False),  # a value is no list
    ("REQUEST:$.params.q == 0", False),  # text that is no number equals none
    ("REQUEST:$.params.q > 0", False),
    ("REQUEST:$.params.ids < 'a'", True),  # against text, the text's order
    ("$.code != 503", True),  # body text is not wire text: types stay strict
]


HOLDS_BY_RULE = {
    "operator": OPERATORS,
    "strict-types": STRICT_TYPES,
    "wire-text": WIRE_TEXT,
    "any-match-or-no-match": ANY_MATCH_AND_NO_MATCH,
    "lone-path-is-exists-and-not-null": LONE_PATH,
    "prefix": PREFIXES,
    "list-literal": LIST_LITERALS,
    "precedence": PRECEDENCE,
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(text, expected, id=f"{rule}: {text} -> {expected}")
        for rule, table in HOLDS_BY_RULE.items()
        for text, expected in table
    ],
)
def test_condition_holds_as_its_rule_says(text: str, expected: bool) -> None:
    """One check over every rule's table: each id names the rule, the condition and its truth."""
    assert holds(text) is expected


def test_and_binds_tighter_than_or_in_the_tree() -> None:
    root = parse_condition("$.a || $.b && $.c").root
    assert isinstance(root, AnyOf)
    assert len(root.items) == 2
    assert isinstance(root.items[1], AllOf)
    assert isinstance(parse_condition("!$.a && $.b").root, AllOf)
    assert isinstance(parse_condition("!($.a && $.b)").root, Negation)


@pytest.mark.parametrize(
    "text",
    [
        "$.n IN [5]",
        "$.n In [5]",
        "$.n NOT IN [1]",
        "$.n NoT iN [1]",
        "$.tags CONTAINS 'red'",
        "$.flag == TRUE",
        "$.off == False",
        "$.nothing == NULL",
        "$.n == 5 AND $.one == 1",
        "$.n == 0 OR $.one == 1",
        "NOT $.missing",
        "Not($.missing)",
    ],
)
def test_keywords_are_case_insensitive(text: str) -> None:
    assert holds(text) is True


@pytest.mark.parametrize(
    ("text", "path", "expected"),
    [
        ("$.trips[?(@.a == 'x y')].b == 1", "$.trips[?(@.a == 'x y')].b", True),
        ("$.trips[?(@.a == 'x y')].b==2", "$.trips[?(@.a == 'x y')].b", False),
        ('$.trips[?(@.a == "z")].id == "t2"', '$.trips[?(@.a == "z")].id', True),
        ("$.trips[?(@.price > 10)].id == 't1'", "$.trips[?(@.price > 10)].id", True),
        ("$.trips[?(@.a != 'x y')].id == 't2'", "$.trips[?(@.a != 'x y')].id", True),
        ("$.trips[?(@.a == 'a ] b')].id", "$.trips[?(@.a == 'a ] b')].id", False),
        ("$.items[*].name == 'ink'", "$.items[*].name", True),
        ("$['a b'] == 7", "$['a b']", True),
        ('$["a b"] >= 7', '$["a b"]', True),
        ("$..id contains 't'", "$..id", True),
        ("$.trips[0].id=='t1'", "$.trips[0].id", True),
        ("($.trips[-1:].id=='t2')", "$.trips[-1:].id", True),
        ("$.nums[*]!=1&&$.n", "$.nums[*]", True),
    ],
)
def test_tricky_json_paths_split_where_they_should(text: str, path: str, expected: bool) -> None:
    condition = parse_condition(text)
    assert condition.data_paths()[0].text == path
    assert condition.evaluate(CTX) is expected


def test_data_paths_lists_every_distinct_path_in_order() -> None:
    condition = parse_condition(
        "trips:$.trip_id == $.id && (RESPONSE:$.headers.X-A || !users:$.name)"
        " || STATUS == 1 || $.id"
    )
    assert [str(path) for path in condition.data_paths()] == [
        "trips:$.trip_id",
        "$.id",
        "RESPONSE:$.headers.X-A",
        "users:$.name",
        "STATUS",
    ]
    resources = [path.name for path in condition.data_paths() if path.source == "resource"]
    assert resources == ["trips", "users"]


@pytest.mark.parametrize(
    ("text", "source", "name", "path_text", "written"),
    [
        ("$.a.b", "response", None, "$.a.b", "$.a.b"),
        ("RESPONSE:$.a", "response", None, "$.a", "$.a"),
        ("REQUEST:$.a[0]", "request", None, "$.a[0]", "REQUEST:$.body.a[0]"),
        (
            "RESPONSE:$.headers.X-Rate-Limit",
            "header",
            "X-Rate-Limit",
            "",
            "RESPONSE:$.headers.X-Rate-Limit",
        ),
        ("REQUEST:$.params.page", "param", "page", "", "REQUEST:$.params.page"),
        ("STATUS", "status", None, "", "STATUS"),
        ("trips:$.trip_id", "resource", "trips", "$.trip_id", "trips:$.trip_id"),
        ("  my-res.v2:$..id\n", "resource", "my-res.v2", "$..id", "my-res.v2:$..id"),
    ],
)
def test_parse_data_path_and_round_trip(
    text: str, source: str, name: str | None, path_text: str, written: str
) -> None:
    path = parse_data_path(text)
    assert (path.source, path.name, path.text) == (source, name, path_text)
    assert str(path) == written
    assert parse_data_path(str(path)) == path


@pytest.mark.parametrize(
    ("text", "fragment", "position"),
    [
        ("", "expected a data path such as 'trips:$.trip_id' but found end of condition", 0),
        ("$.a == 1", "expected end of data path but found '=='", 4),
        ("'trips'", "expected a data path", 0),
        ("trips:$.", "expected a valid JSON path but found '$.'", 6),
    ],
)
def test_parse_data_path_rejects_anything_but_one_path(
    text: str, fragment: str, position: int
) -> None:
    with pytest.raises(ConditionSyntaxError) as info:
        parse_data_path(text)
    assert fragment in info.value.message
    assert info.value.position == position


def test_data_path_built_by_hand_compiles_and_checks_itself() -> None:
    path = DataPath("resource", "trips", "$.trip_id")
    assert path == parse_data_path("trips:$.trip_id")
    assert path.find(CTX) == ["a1", "b2"]
    with pytest.raises(ValueError, match="inconsistent"):
        DataPath("header", None, "")
    with pytest.raises(ConditionSyntaxError, match="valid JSON path"):
        DataPath("response", None, "$[")


# Malformed conditions: what the parser says, and the character it points at (from 0).
MALFORMED_CONDITIONS: list[tuple[str, str, int]] = [
    ("", "expected an operand but found end of condition", 0),
    ("$.a ==", "expected an operand after '==' but found end of condition", 6),
    ("$.a == == 1", "expected an operand after '==' but found '=='", 7),
    ("$.a = 1", "found '='; compare with '=='", 4),
    ("$.a & $.b", "found '&'; use '&&'", 4),
    ("(($.a)", "expected ')' to close the '(' at character 1 but found end of condition", 6),
    ("$.a == 1)", "expected '&&', '||' or end of condition but found ')'", 8),
    ("$.a == 1 2", "expected '&&', '||' or end of condition but found '2'", 9),
    ("foo == 1", "expected an operand but found 'foo'; quote text as 'text'", 0),
    ("status == 200", "the status code is written STATUS", 0),
    ("'x'", "expected an operator after 'x' but found end of condition", 3),
    ("$.a == 'abc", "expected a closing ' for the string opened here", 7),
    ("$.a[?(@.b == 'x)] == 1", "expected a closing '", 13),
    ("$.a[", "expected a valid JSON path but found '$.a['", 0),
    ("$.a == 1 && $.b..", "expected a valid JSON path but found '$.b..'", 12),
    ("$.a =~ '('", "expected a valid regex after '=~' but found '('", 7),
    ("$.a =~ 5", "expected a regex string after '=~' but found '5'", 7),
    ("$.a in 5", "expected a list or a string after 'in' but found '5'", 7),
    ("$.a not 5", "expected 'in' after 'not' but found '5'", 8),
    ("$.a in [1, ]", "expected a string, number, true, false or null in the list", 11),
    ("$.a in [1 2]", "expected ',' or ']' in the list opened at character 8", 10),
    ("$.a in [[1]]", "in the list but found '['", 8),
    ("x:y == 1", "expected a JSON path starting with '$' after 'x:' but found 'y'", 2),
    ("RESPONSE:a", "after 'RESPONSE:' but found 'a'", 9),
    ("HEADER: == 'x'", "expected a header name after 'HEADER:' but found ' '", 7),
    ("HEADER:$.a", "HEADER: takes a name only", 7),
    ("PARAM:", "expected a query parameter name after 'PARAM:'", 6),
    ("STATUS:$.a == 1", "STATUS takes no JSON path", 6),
    ("$.n == 12abc", "expected a number but found '12a'", 7),
    ("$.n == " + "9" * 5000, "expected a number of reasonable size", 7),
    ("$.n == 1e999", "expected a number of reasonable size", 7),
    ("$.a == 1 && ", "expected an operand but found end of condition", 12),
    ("!", "expected an operand but found end of condition", 1),
    ("()", "expected an operand but found ')'", 1),
    ("$.a == 1 # note", "expected an operand or operator but found '#'", 9),
]


@pytest.mark.parametrize("opener", ["(", "!", "not ", "NOT(", "!("])
def test_nesting_over_the_limit_fails(opener: str) -> None:
    levels = MAX_DEPTH // (2 if "(" in opener and len(opener) > 1 else 1)
    closers = ")" if "(" in opener else ""
    at_limit = opener * levels + "$.n" + closers * levels
    assert holds(at_limit) is True  # an even number of negations, or none
    over = opener * levels + "!$.n" + closers * levels
    error = syntax_error(over)
    assert error.message == (
        f"expected at most {MAX_DEPTH} levels of nesting but found '!' nested deeper"
    )
    assert error.position == len(opener) * levels


def test_deep_nesting_fails_fast_without_recursion_error() -> None:
    started = time.perf_counter()
    error = syntax_error("(" * 4000 + "$.a" + ")" * 4000)
    assert error.position == MAX_DEPTH
    assert time.perf_counter() - started < 1.0


def test_brackets_nested_too_deep_inside_a_json_path_fail() -> None:
    error = syntax_error("$" + "[" * (MAX_DEPTH + 1) + "0" + "]" * (MAX_DEPTH + 1))
    assert "levels of brackets in a JSON path" in error.message
    assert error.position == MAX_DEPTH + 1


def test_text_over_the_limit_fails_before_scanning() -> None:
    fits = "$.name == '" + "x" * (MAX_TEXT - 12) + "'"
    assert len(fits) == MAX_TEXT
    assert holds(fits) is False
    error = syntax_error(fits + " ")
    assert error.message == f"expected at most {MAX_TEXT} characters but found {MAX_TEXT + 1}"
    assert error.position == MAX_TEXT
    started = time.perf_counter()
    with pytest.raises(ConditionSyntaxError, match="characters"):
        parse_condition("(" * 5_000_000)
    with pytest.raises(ConditionSyntaxError, match="characters"):
        parse_data_path("$" + ".a" * MAX_TEXT)
    assert time.perf_counter() - started < 0.5


def test_strings_keep_backslashes_except_before_the_quote() -> None:
    assert holds(r"$.name == 'Al\'ice'") is False
    assert holds(r"$.code =~ '^\d{3}$'") is True
    assert holds(r'RESPONSE:$.headers.Content-Type == "application\/json"') is False
    root = parse_condition(r"$.a == 'it\'s \\ ok'").root
    assert isinstance(root, Comparison)
    assert root.right == LiteralValue("it's \\ ok")


def test_regex_operands_from_data_are_compiled_when_evaluated() -> None:
    assert holds("$.name =~ $.pattern") is True
    assert holds("$.code =~ $.pattern") is False
    assert holds("$.name =~ $.bad_pattern") is False  # an invalid regex from data matches nothing
    assert holds("$.name =~ $.n") is False


def test_evaluation_never_raises_on_odd_data() -> None:
    deep: Any = 1
    for _ in range(5000):
        deep = [deep]
    odd_bodies: list[Any] = [None, "text", 42, [1, 2], {"a": None}, deep]
    conditions = ["$.a == 1", "$..a", "$[0] != 2", "$.a[?(@.b > 1)] == 1", "$" + ".a" * 2000]
    for body in odd_bodies:
        for text in conditions:
            result = parse_condition(text).evaluate(EvalContext(response_body=body))
            assert isinstance(result, bool)
    assert holds("$[0][0][0] == $[0][0][0]", EvalContext(response_body=deep)) is True


def test_condition_is_a_frozen_value() -> None:
    first, second = parse_condition("$.a == 1"), parse_condition("$.a == 1")
    assert isinstance(first, Condition)
    assert first == second
    assert hash(first) == hash(second)
    assert first.text == "$.a == 1"
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.text = "x"  # type: ignore[misc]


def _parses_or_raises_syntax_error(text: str) -> None:
    try:
        condition = parse_condition(text)
    except ConditionSyntaxError as error:
        assert 0 <= error.position <= len(text)
        assert error.message.startswith("expected ")
        return
    assert condition.text == text
    assert isinstance(condition.evaluate(CTX), bool)


@settings(max_examples=300, deadline=None, database=None)
@given(st.text(max_size=80))
def test_only_condition_syntax_errors_escape_for_arbitrary_text(text: str) -> None:
    _parses_or_raises_syntax_error(text)


_PIECES = [
    "$.n", "$.tags[*]", "$..id", "$['a b']", "$[?(@.a == 'x y')]", "trips:$.trip_id",
    "HEADER:X-Count", "PARAM:ids", "STATUS", "RESPONSE:", "REQUEST:$", "==", "!=", ">", ">=",
    "<", "<=", "=~", "!~", "in", "not", "contains", "&&", "||", "and", "or", "!", "(", ")",
    "[", "]", ",", "'x'", '"y"', "'(", "5", "-1.5", "true", "false", "null", "'^a'", " ", "$",
    ":", "[?(", "@", "'",
]  # fmt: skip


@settings(max_examples=300, deadline=None, database=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=12).map(" ".join))
def test_only_condition_syntax_errors_escape_for_token_soup(text: str) -> None:
    _parses_or_raises_syntax_error(text)


def _path_or_syntax_error(text: str) -> DataPath | None:
    """The data path `text` parses to, which must survive a round trip through its own text; or
    None when it is malformed, which only a ConditionSyntaxError pointing inside `text` may say."""
    try:
        path = parse_data_path(text)
    except ConditionSyntaxError as error:
        assert 0 <= error.position <= len(text)
        return None
    assert parse_data_path(str(path)) == path
    return path


@settings(max_examples=100, deadline=None, database=None)
@given(st.text(max_size=40))
def test_parse_data_path_only_raises_condition_syntax_error(text: str) -> None:
    _path_or_syntax_error(text)


# --- plain member chains take a short cut past jsonpath-ng: it must find the same -------------
MEMBERS = ("a", "b", "id", "x-y")
JSON_DOCS = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 3) | st.sampled_from(("", "s")),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(MEMBERS), inner),
    max_leaves=12,
)


def _path_text(names: list[str]) -> str:
    return "$" + "".join(f".{n}" if n.isidentifier() else f"['{n}']" for n in names)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(MEMBERS), max_size=3), JSON_DOCS)
def test_a_member_chain_finds_what_jsonpath_ng_finds(names: list[str], doc: Any) -> None:
    path = parse_data_path(_path_text(names))
    assert path.fields == tuple(names)  # the short cut is taken
    by_jsonpath = [match.value for match in path.compiled.find(doc)]
    assert path.find(EvalContext(response_body=doc)) == by_jsonpath


@pytest.mark.parametrize("text", ["$.a[0]", "$.a[*]", "$..a", "$.*", "$.a[?(@.b == 1)]"])
def test_other_paths_are_left_to_jsonpath_ng(text: str) -> None:
    path = parse_data_path(text)
    assert path.fields is None
    doc = {"a": [{"b": 1}, {"b": 2}]}
    assert path.find(EvalContext(response_body=doc)) == [m.value for m in path.compiled.find(doc)]


# --- official data-path steps: `{condition}` filters and `[start - n]` ranges ------------------
# (`/en/zest/help/zest-specification-file/data-path`: a `{condition}` applies to the preceding
# property, or to the whole data when none precedes it; `[start_index - n]` takes n items.)
TRIPS_DOC: dict[str, Any] = {
    "status": "error",
    "trips": [
        {"trip_id": "t1", "trip_type": "business", "days": 2, "tags": ["a"], "owner": "u1"},
        {"trip_id": "t2", "trip_type": "leisure", "days": 10, "tags": [], "owner": "u2"},
        {"trip_id": "t3", "trip_type": "business", "days": 5, "tags": ["b"], "owner": None},
    ],
    "nums": [10, 20, 30, 40],
    "groups": [{"members": [{"n": 1}, {"n": 2}]}, {"members": [{"n": 3}]}],
}
PATH_CTX = EvalContext(
    response_body=TRIPS_DOC,
    request_body={"trip_id": "t2", "headers": "in the body"},
    headers={"Content-Type": "application/json", "X-Request-Id": "r-1"},
    request_headers={"Accept": "application/json"},
    params={"page": "2", "ids": ["1", "2"]},
    url="http://127.0.0.1:1/trips",
    status=400,
    records=lambda name: [{"user_id": "u1"}, {"user_id": "u2"}] if name == "users" else [],
)


def found(text: str, ctx: EvalContext = PATH_CTX) -> list[Any]:
    return parse_data_path(text).find(ctx)


# What `{condition}` filters and `[start - n]` ranges keep.
FILTERS_AND_RANGES: list[tuple[str, list[Any]]] = [
    # the inner condition addresses the item tested as `$.x`, `@.x` or a bare `x`
    ("$.trips{$.trip_type == 'business'}.trip_id", ["t1", "t3"]),
    ("$.trips{@.trip_type == 'business'}.trip_id", ["t1", "t3"]),
    ("$.trips{trip_type == 'business'}.trip_id", ["t1", "t3"]),
    ("$.trips{trip_type != 'business'}.trip_id", ["t2"]),
    ("$.trips{days > 2}.trip_id", ["t2", "t3"]),
    ("$.trips{days >= 5 && days < 10}.trip_id", ["t3"]),
    ("$.trips{days <= 2 || trip_id == 't2'}.trip_id", ["t1", "t2"]),
    ("$.trips{!(trip_type == 'business')}.trip_id", ["t2"]),
    ("$.trips{trip_id =~ '[23]$'}.trip_id", ["t2", "t3"]),
    ("$.trips{trip_id !~ '1'}.trip_id", ["t2", "t3"]),
    ("$.trips{trip_id in ['t1', 't9']}.trip_id", ["t1"]),
    ("$.trips{trip_id not in ['t1']}.trip_id", ["t2", "t3"]),
    ("$.trips{tags contains 'b'}.trip_id", ["t3"]),
    ("$.trips{owner}.trip_id", ["t1", "t2"]),  # a lone path: present and not null
    ("$.trips{days == '2'}.trip_id", []),  # types stay strict
    ("$.trips{nothing == 1}.trip_id", []),
    ("$.trips{$.trip_type == 'business'}", [TRIPS_DOC["trips"][0], TRIPS_DOC["trips"][2]]),
    # outside the braces, prefixed paths read the call and the Data Manager as usual
    ("$.trips{trip_id == REQUEST:$.body.trip_id}.days", [10]),
    ("$.trips{owner == users:$.user_id}.trip_id", ["t1", "t2"]),
    ("$.trips{STATUS == 400 && days == 2}.trip_id", ["t1"]),
    # no property before the braces: the condition applies to the whole data
    ("${$.status == 'error'}.status", ["error"]),
    ("${status == 'ok'}.status", []),
    ("$.nums{$ > 15}", [20, 30, 40]),  # `$` alone is the item itself
    ("$.groups[*].members{n >= 2}.n", [2, 3]),
    ("$.groups{members{n == 3}}.members[0].n", [3]),  # filters nest
    # an index or range right after a filter picks among the items kept
    ("$.trips{trip_type == 'business'}[0].trip_id", ["t1"]),
    ("$.trips{trip_type == 'business'}[1].trip_id", ["t3"]),
    ("$.trips{days > 0}[1 - 2].trip_id", ["t2", "t3"]),
    # `[start_index - n]`: n items from start_index
    ("$.nums[1 - 2]", [20, 30]),
    ("$.nums[0 - 1]", [10]),
    ("$.nums[3 - 5]", [40]),
    ("$.nums[9 - 2]", []),
    ("$.nums[2]", [30]),
    ("$.trips[0 - 2].trip_id", ["t1", "t2"]),
]


def test_a_filter_on_odd_data_finds_nothing_and_never_raises() -> None:
    for body in (None, 5, "text", [], {}, [None, 1, "x", [1]], {"trips": "no"}):
        ctx = EvalContext(response_body=body)
        assert found("$.trips{trip_type == 'business'}.trip_id", ctx) == []
    assert found("${$ == 5}", EvalContext(response_body=5)) == [5]


def test_filters_in_conditions_and_their_dependencies() -> None:
    condition = parse_condition("$.trips{owner == users:$.user_id}.trip_id contains 't'")
    paths = [str(path) for path in condition.data_paths()]
    assert paths == ["$.trips{owner == users:$.user_id}.trip_id", "users:$.user_id"]
    assert holds("$.trips{trip_type == 'business'}.days == 5", PATH_CTX) is True
    assert holds("$.trips{trip_type == 'business'}.days == 10", PATH_CTX) is False
    assert holds("trips:$.trips{x == 1}", PATH_CTX) is False


def test_range_in_a_path_built_by_hand_is_the_same_slice() -> None:
    assert DataPath("response", None, "$.nums[1 - 2]") == parse_data_path("$.nums[1 - 2]")
    assert DataPath("response", None, "$.nums[1 - 2]").find(PATH_CTX) == [20, 30]
    assert parse_data_path("$.nums[ 1-2 ]").find(PATH_CTX) == [20, 30]


# --- REQUEST:/RESPONSE: sections (url, headers, params, body / headers, body) ----------------
# What each REQUEST:/RESPONSE: section reads.
SECTIONS: list[tuple[str, list[Any]]] = [
    ("RESPONSE:$.body.status", ["error"]),
    ("RESPONSE:$.status", ["error"]),  # the content/error page's form: the body
    ("RESPONSE:$['body'].status", ["error"]),
    ("RESPONSE:$.body", [TRIPS_DOC]),
    ("RESPONSE:$.body.trips{days == 2}.trip_id", ["t1"]),
    ("RESPONSE:$.headers.X-Request-Id", ["r-1"]),
    ("RESPONSE:$.headers.x-request-id", ["r-1"]),  # header names are case-insensitive
    ("RESPONSE:$.headers['content-type']", ["application/json"]),
    ("RESPONSE:$.headers.X-Missing", []),
    ("RESPONSE:$.url", []),  # RESPONSE has no url section: the body's `url`
    ("RESPONSE:$.params", []),
    ("REQUEST:$.headers.accept", ["application/json"]),
    ("REQUEST:$.headers.Content-Type", []),  # the request's headers, not the answer's
    ("REQUEST:$.url", ["http://127.0.0.1:1/trips"]),
    ("REQUEST:$.params.page", ["2"]),
    ("REQUEST:$.params.ids", ["1", "2"]),
    ("REQUEST:$.params.PAGE", []),  # parameter names are case-sensitive
    ("REQUEST:$.body.trip_id", ["t2"]),
    ("REQUEST:$.trip_id", ["t2"]),  # no section named: the body
    ("REQUEST:$.body.headers", ["in the body"]),  # a body member called `headers`
    ("$.headers", []),  # no prefix: always the response body, never a section
    ("$.status", ["error"]),
]


@pytest.mark.parametrize(
    ("official", "own"),
    [
        ("RESPONSE:$.headers.X-A", "HEADER:X-A"),
        ("REQUEST:$.params.page", "PARAM:page"),
        ("RESPONSE:$.body.a", "$.a"),
        ("RESPONSE:$.body.a", "RESPONSE:$.a"),
        ("REQUEST:$.body.a", "REQUEST:$.a"),
    ],
)
def test_official_and_own_forms_are_one_path(official: str, own: str) -> None:
    assert parse_data_path(official) == parse_data_path(own)
    assert str(parse_data_path(own)) == official.replace("RESPONSE:$.body", "$")


def test_only_the_own_header_and_param_forms_are_marked_legacy() -> None:
    assert parse_data_path("HEADER:X-A").legacy and parse_data_path("PARAM:p").legacy
    assert not parse_data_path("RESPONSE:$.headers.X-A").legacy
    assert not parse_data_path("REQUEST:$.params.p").legacy
    assert not parse_data_path("STATUS").legacy  # ZEST has no data path for the status code


def test_request_section_paths_round_trip() -> None:
    for text in (
        "REQUEST:$.url",
        "REQUEST:$.headers.X-Trace",
        "REQUEST:$.headers['a b']",
        'RESPONSE:$.headers["it\'s"]',
        "REQUEST:$.body.url",  # a body member named like a section keeps its `body` step
        "REQUEST:$.body{x == 1}.y",
    ):
        path = parse_data_path(text)
        assert str(path) == text
        assert parse_data_path(str(path)) == path


def test_error_conditions_written_with_sections_hold() -> None:
    condition = "RESPONSE:$.body.status == 'error' && RESPONSE:$.headers.x-request-id == 'r-1'"
    assert holds(condition, PATH_CTX) is True
    assert holds("RESPONSE:$.body.status == 'ok'", PATH_CTX) is False


# Malformed official data paths (sections, filters) inside a condition.
MALFORMED_OFFICIAL_PATHS: list[tuple[str, str, int]] = [
    ("RESPONSE:$.headers", "expected one header name after 'RESPONSE:$.headers'", 18),
    ("RESPONSE:$.headers.a.b == 1", "but found '.a.b'", 18),
    ("REQUEST:$.params == 1", "expected one query parameter name", 16),
    ("REQUEST:$.url.host", "expected the end of the path after 'REQUEST:$.url'", 13),
    ("$.a{ == 1", "expected '}' to close the '{'", 3),
    ("$.a{} == 1", "expected a condition inside '{}'", 3),
    ("$.a{b ==} == 1", "expected an operand after '=='", 8),
    ("$.a{b = 1} == 1", "compare with '=='", 6),
    ("x == 1", "quote text as 'text'", 0),  # bare names are members only inside braces
    ("$.a{$.b{c = 1}} == 1", "compare with '=='", 10),
]


@pytest.mark.parametrize(
    ("text", "fragment", "position"),
    [
        pytest.param(*case, id=f"{kind}: {case[0]}")
        for kind, table in (
            ("condition", MALFORMED_CONDITIONS),
            ("official-path", MALFORMED_OFFICIAL_PATHS),
        )
        for case in table
    ],
)
def test_malformed_conditions_say_what_and_where(text: str, fragment: str, position: int) -> None:
    error = syntax_error(text)
    assert fragment in error.message
    assert error.position == position
    assert isinstance(error, ValueError)
    assert str(error).endswith(f"(at character {position + 1})")  # for people: from 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(*case, id=f"{kind}: {case[0]}")
        for kind, table in (("filter-or-range", FILTERS_AND_RANGES), ("section", SECTIONS))
        for case in table
    ],
)
def test_data_path_finds_what_its_steps_select(text: str, expected: list[Any]) -> None:
    assert found(text) == expected


# the filter keeps what jsonpath-ng's `[?(...)]` keeps, for lists of objects (jsonpath-ng
# coerces '1' == 1, conditions do not, and gives up on a whole list holding a null, so neither
# numeric strings nor nulls here)
FILTER_ITEMS = st.lists(
    st.dictionaries(st.sampled_from(("b", "c")), st.integers(0, 2) | st.just("x")),
    max_size=5,
)


@settings(max_examples=200, deadline=None)
@given(FILTER_ITEMS)
def test_a_filter_keeps_what_jsonpath_ng_filter_keeps(items: list[dict[str, Any]]) -> None:
    doc = {"a": items}
    ours = parse_data_path("$.a{@.b == 1}").find(EvalContext(response_body=doc))
    theirs = parse_data_path("$.a[?(@.b == 1)]").find(EvalContext(response_body=doc))
    assert ours == theirs


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(MEMBERS), max_size=3), JSON_DOCS)
def test_a_sectioned_member_chain_takes_the_short_cut(names: list[str], doc: Any) -> None:
    text = _path_text(names)
    path = parse_data_path("RESPONSE:$.body" + text[1:])
    assert path.fields == tuple(names)
    assert path.find(EvalContext(response_body=doc)) == [m.value for m in path.compiled.find(doc)]


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 6), st.integers(0, 6), st.lists(st.integers(), max_size=8))
def test_a_range_is_the_slice_of_n_items(start: int, count: int, items: list[int]) -> None:
    path = parse_data_path(f"$.a[{start} - {count}]")
    assert path.find(EvalContext(response_body={"a": items})) == items[start : start + count]


_PATH_PIECES = [
    "$", "$.a", ".b", "{", "}", "{$.b == 1}", "{b", "@.b", " == ", "'x'", "1", "[0]", "[1 - 2]",
    "[", "]", "RESPONSE:$.body", "RESPONSE:$.headers", "REQUEST:$.url", "REQUEST:$.params",
    ".x-id", "['h']", "trips:", "&&", " ", "'", "-", "{{", "}}", "$.c{$.d{e != 2}}",
]  # fmt: skip


@settings(max_examples=400, deadline=None, database=None)
@given(st.lists(st.sampled_from(_PATH_PIECES), max_size=10).map("".join))
def test_only_condition_syntax_errors_escape_for_path_soup(text: str) -> None:
    _parses_or_raises_syntax_error(text)
    path = _path_or_syntax_error(text)
    assert path is None or isinstance(path.find(PATH_CTX), list)


def test_null_tests_are_found_wherever_they_stand() -> None:
    """Lint warns on these (zspec/builder.py): read strictly, `x != null` also holds where x is
    absent, and `x == null` does not."""
    condition = parse_condition(
        "REQUEST:$.params.a != null && !(null == $.b || $.c == 1) || $.d != 'null'"
    )
    assert [(str(path), op) for path, op in null_tests(condition)] == [
        ("REQUEST:$.params.a", "!="),
        ("$.b", "=="),
    ]
    assert list(null_tests(parse_condition("$.a && $.b == 0"))) == []


def test_lint_names_the_form_a_null_test_likely_meant(tmp_path: Path) -> None:
    error = '<error condition="RESPONSE:$.error != null"/>\n      '
    url = read_url().replace("<response", error + "<response")
    spec = write_resource(tmp_path, "things", "", url)
    found = [(d.severity, d.line, d.message, d.hint) for d in load([spec]).diagnostics]
    assert found == [(
        "warning", 4, "in 'condition': '$.error != null' also holds where $.error is absent",
        "to ask whether it is given, write the path alone: $.error",
    )]  # fmt: skip


def test_wire_text_reads_as_a_flag_only_against_a_flag() -> None:
    ctx = EvalContext(headers={"X-Beta": "TRUE"}, response_body={"beta": True, "one": 1})
    assert holds("RESPONSE:$.headers.X-Beta == RESPONSE:$.body.beta", ctx)
    assert not holds("RESPONSE:$.headers.X-Beta == RESPONSE:$.body.one", ctx)
    assert not holds("RESPONSE:$.headers.X-Beta == 'true'", ctx)  # text against text
