"""ZEST's argument cases and attributes: `style`, `delimiter`, `length` (a count of values),
`concurrent` and `non-concurrent` are read, checked, drive the ArgMaxLength / ArgMinLength /
Concurrent / Non Concurrent cases with ZEST's meaning, and shape the requests that are sent."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from apitest.case_kinds import NEGATIVE_KINDS
from apitest.engine.http.client import Request
from apitest.engine.request import NotApplicable, build_request
from apitest.plan.bad_values import bad_value
from apitest.plan.cases import negative_cases
from apitest.plan.data import DataGenerator
from apitest.plan.model import Violation
from apitest.zspec.loader import load
from apitest.zspec.model import Argument, Operation, Resource

HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<resource specification="1.0.0" name="things" product="p" pre-loaded="false" file-version="1.0.0">
  <info title="Things" version="1.0.0"/>
  <server name="local" dc="US" url="http://127.0.0.1/api/v1"/>
  <url path="/things/{thing_id}">
    <operation method="get" name="GET things" category="read" auto-sync="true">
      <argument name="thing_id" location="variable" required="true">
        <content><structure><property type="long_string" example-value="9"/></structure></content>
      </argument>
"""
TAIL = """      <response status="200"/>
      <response status="400"/>
    </operation>
  </url>
</resource>
"""


def arg(name: str, attrs: str = "", prop: str = '<property type="string"/>') -> str:
    return (
        f'<argument name="{name}" location="param" {attrs}>'
        f"<content><structure>{prop}</structure></content></argument>\n"
    )


def load_op(tmp_path: Path, arguments: str) -> tuple[Operation, list[str]]:
    spec = tmp_path / "things.xml"
    spec.write_text(HEAD + arguments + TAIL, encoding="utf-8")
    result = load([spec])
    problems = [f"{d.severity}: {d.message}" for d in result.diagnostics]
    assert result.resources, problems
    op = result.resources[0].operation("GET things")
    assert op is not None
    return op, problems


def names(op: Operation) -> list[str]:
    return [case.name for case in negative_cases(op, None)]


def by_name(op: Operation, name: str) -> Argument:
    return next(each for each in op.arguments if each.name == name)


# --- reading the attributes ----------------------------------------------------------------------


def test_the_argument_attributes_are_read_in_zest_s_form(tmp_path: Path) -> None:
    op, problems = load_op(
        tmp_path,
        arg("ids", 'style="delimiter" delimiter=";" length="2,5" concurrent="a, b"')
        + arg("a", 'non-concurrent="b"')
        + arg("b")
        + arg("plain"),
    )
    assert problems == []
    ids = by_name(op, "ids")
    assert (ids.style, ids.delimiter, ids.is_delimited) == ("delimiter", ";", True)
    assert ids.length is not None and (ids.length.min, ids.length.max) == (2, 5)
    assert ids.concurrent == ("a", "b") and by_name(op, "a").non_concurrent == ("b",)
    plain = by_name(op, "plain")
    assert (plain.style, plain.delimiter, plain.length, plain.concurrent) == (
        "standard", ",", None, ()
    )  # fmt: skip
    only_max = load_op(tmp_path, arg("ids", 'style="DELIMITER" length="4"'))[0].arguments[1]
    assert only_max.length is not None and (only_max.length.min, only_max.length.max) == (None, 4)


@pytest.mark.parametrize(
    ("attrs", "expected"),
    [
        ('style="list"', "error: 'style' must be one of standard, delimiter, not 'list'"),
        ('style="delimiter" delimiter=""', "error: 'delimiter' must not be empty"),
        ('delimiter=";"', "warning: 'delimiter' has no effect on an argument of style standard"),
        (
            'style="delimiter" length="1.5"',
            "error: 'length' of an argument counts values: whole numbers from 0 up",
        ),
        ('style="delimiter" length="5,2"', "error: 'length' has min 5 above max 2"),
        (
            'concurrent="nope"',
            "warning: concurrent of argument 'x' names 'nope', which is no argument of this "
            "operation",
        ),
        ('non-concurrent="x"', "warning: non-concurrent of argument 'x' names the argument itself"),
        (
            'concurrent="thing_id"',
            "warning: concurrent of argument 'x' names 'thing_id', but a URL variable is always "
            "sent: ignored",
        ),
        (
            'concurrent="y" non-concurrent="y"',
            "warning: argument 'x' names 'y' as both concurrent and non-concurrent",
        ),
        (
            'required="true" non-concurrent="z"',
            "warning: required arguments 'x' and 'z' are non-concurrent: no valid call",
        ),
    ],
)
def test_a_mistake_in_the_attributes_is_said_once(
    tmp_path: Path, attrs: str, expected: str
) -> None:
    others = arg("y") + arg("z", 'required="true"')
    _op, problems = load_op(tmp_path, arg("x", attrs) + others)
    assert problems == [expected]


# --- which cases ---------------------------------------------------------------------------------


def test_arg_max_and_min_length_count_delimited_values(tmp_path: Path) -> None:
    op, _ = load_op(
        tmp_path,
        arg("ids", 'style="delimiter" length="2,5"')
        + arg("tags", 'style="delimiter" length="0,3"')
        + arg("few", 'style="delimiter" length="1"')
        + arg("open", 'style="delimiter"')
        + arg("counted", 'length="1,3"'),  # standard style: ZEST makes no count case
    )
    found = [name for name in names(op) if name.startswith("Arg")]
    assert found == [
        "ArgMaxLength ids (6 values, max 5)",
        "ArgMinLength ids (1 value, min 2)",
        "ArgMaxLength tags (4 values, max 3)",  # min 0: nothing is too few
        "ArgMaxLength few (2 values, max 1)",
    ]


def test_a_delimited_url_variable_gets_count_cases_too(tmp_path: Path) -> None:
    spec = (HEAD + TAIL).replace(
        'location="variable" required="true"',
        'location="variable" required="true" style="delimiter" length="1,2"',
    )
    path = tmp_path / "v.xml"
    path.write_text(spec, encoding="utf-8")
    op = next(iter(load([path]).resources[0].operations))
    assert "ArgMaxLength thing_id (3 values, max 2)" in names(op)
    assert "InvalidValueInURLPath thing_id" in names(op)


def test_concurrent_and_non_concurrent_cases(tmp_path: Path) -> None:
    op, _ = load_op(
        tmp_path,
        arg("from", 'concurrent="to,zone"')
        + arg("to", 'concurrent="from" non-concurrent="ids,name"')
        + arg("zone")
        + arg("ids", 'non-concurrent="to"')  # the pair to/ids is one case
        + arg("name", 'non-concurrent="ghost,thing_id"'),  # names no param: no case
    )
    found = [name for name in names(op) if "Concurrent" in name]
    assert found == [
        "Concurrent from (without to, zone)",
        "Concurrent to (without from)",
        "Non Concurrent to (with ids)",
        "Non Concurrent to (with name)",
    ]
    concurrent = next(c for c in negative_cases(op, None) if c.kind == "Concurrent")
    where = (concurrent.location, concurrent.mode, concurrent.value)
    assert where == ("param", "without", "to,zone")


def test_apitest_s_own_cases_keep_names_of_their_own(tmp_path: Path) -> None:
    op, _ = load_op(tmp_path, arg("name", prop='<property type="string" length="1,20"/>'))
    found = names(op)
    assert "Parallel Calls" in found and "Sequential Calls" in found  # auto-sync="true"
    assert "Length Violation name (over max)" in found  # characters of the value: not ZEST's
    assert not any(n.startswith(("Concurrent", "Non Concurrent", "Arg")) for n in found)
    sync = [c for c in negative_cases(op, None) if c.location == "call"]
    assert [(c.kind, c.value) for c in sync] == [
        ("Parallel Calls", "at once"), ("Sequential Calls", "in turn")
    ]  # fmt: skip
    assert {"Parallel Calls", "Sequential Calls", "Concurrent"} <= set(NEGATIVE_KINDS)


def test_auto_skip_cases_names_zest_s_kinds(tmp_path: Path) -> None:
    op, _ = load_op(tmp_path, arg("a", 'concurrent="b"') + arg("b"))
    from dataclasses import replace

    muted = replace(op, auto_skip_cases=("Concurrent",))
    found = names(muted)
    assert not any(n.startswith("Concurrent") for n in found)
    assert "Parallel Calls" in found


# --- values and requests -------------------------------------------------------------------------

NO_RECORDS: Any = lambda path: []  # noqa: E731


def test_delimited_values_are_within_length_and_from_what_the_spec_gives(tmp_path: Path) -> None:
    op, _ = load_op(
        tmp_path,
        arg("ids", 'style="delimiter" delimiter="|" length="1,3"',
            '<property type="long_string" regex="[1-9][0-9]{2}"/>')
        + arg("three", 'style="delimiter" length="3,4"', '<property type="integer"/>')
        + arg("picked", 'style="delimiter"', '<property type="string" values="a,b,c"/>')
        + arg("given", 'style="delimiter" delimiter=";"',
              '<property type="string" example-value="x;y"/>')
        + arg("one", 'style="delimiter" length="1,1"', '<property type="string" values="a,b"/>'),
    )  # fmt: skip
    gen = DataGenerator(7, "case")

    def value(name: str) -> str:
        found = gen.child(name).argument_value(by_name(op, name), lookup=NO_RECORDS)
        assert isinstance(found, str)
        return found

    ids = value("ids").split("|")
    assert len(ids) == 2 and all(len(each) == 3 and each.isdigit() for each in ids)
    assert len(value("three").split(",")) == 3
    assert value("picked") == "a,b"
    assert value("given") == "x;y"
    assert value("one") == "a"
    assert value("ids") == DataGenerator(7, "case").child("ids").argument_value(
        by_name(op, "ids"), lookup=NO_RECORDS
    )  # seeded


def test_delimited_values_come_from_records_when_the_spec_names_them(tmp_path: Path) -> None:
    op, _ = load_op(
        tmp_path,
        arg("ids", 'style="delimiter" length="1,2"',
            '<property type="long_string" path="things:$.id"/>'),
    )  # fmt: skip
    records: Any = lambda path: ["11", "12", "13"]  # noqa: E731
    ids = by_name(op, "ids")
    assert DataGenerator(1).argument_value(ids, lookup=records) == "11,12"
    violation = next(c for c in negative_cases(op, None) if c.kind == "ArgMaxLength")
    assert bad_value(violation, DataGenerator(1), records) == "11,12,13"  # valid ids, 3 of them
    lonely: Any = lambda path: ["11"]  # noqa: E731
    assert DataGenerator(1).argument_value(ids, lookup=lonely) == "11"  # no duplicates to fill


def test_bad_counts_break_the_count_only(tmp_path: Path) -> None:
    op, _ = load_op(
        tmp_path,
        arg("ids", 'style="delimiter" delimiter="|" length="2,4"',
            '<property type="long_string" regex="[1-9][0-9]{2}"/>'),
    )  # fmt: skip
    cases = {c.kind: c for c in negative_cases(op, None)}
    many = bad_value(cases["ArgMaxLength"], DataGenerator(3))
    few = bad_value(cases["ArgMinLength"], DataGenerator(3))
    assert len(many.split("|")) == 5 and len(few.split("|")) == 1
    assert all(len(each) == 3 and each.isdigit() for each in many.split("|") + few.split("|"))


def _request(op: Operation, violation: Violation | None = None) -> Request:
    resource = Resource(op.loc, "things")  # build_request reads no operation of it
    built = build_request(
        resource, op, DataGenerator(5), NO_RECORDS, keys=None, violation=violation
    )
    return built.request


def test_requests_keep_the_partner_rules_that_the_cases_break(tmp_path: Path) -> None:
    given = '<property type="string" example-value="v"/>'
    op, _ = load_op(
        tmp_path,
        arg("from", 'concurrent="to"', given)
        + arg("to")  # no value of its own: sent because from is
        + arg("ids", 'non-concurrent="name"', given)
        + arg("name", "", given)  # dropped from the positive call: ids is sent
        + arg("zone", 'required="true" non-concurrent="city"')
        + arg("city", "", given),  # optional beside a required non-concurrent one: dropped
    )
    positive = _request(op)
    assert set(positive.params) == {"from", "to", "ids", "zone"}
    cases = {c.name: c for c in negative_cases(op, None)}
    lonely = _request(op, cases["Concurrent from (without to)"])
    assert "from" in lonely.params and "to" not in lonely.params
    pair = _request(op, cases["Non Concurrent ids (with name)"])
    assert pair.params["ids"] == "v" and pair.params["name"] == "v"
    assert "zone" in pair.params  # the rest of the call stays valid
    empty_name = _request(op, cases["Empty Param name"])
    assert empty_name.params["name"] == "" and "ids" not in empty_name.params


def test_a_partner_of_a_broken_argument_rides_along(tmp_path: Path) -> None:
    op, _ = load_op(tmp_path, arg("from", 'concurrent="to"') + arg("to"))
    invalid = next(c for c in negative_cases(op, None) if c.name == "Empty Param from")
    sent = _request(op, invalid)
    assert sent.params["from"] == "" and "to" in sent.params  # refused for the empty value only


# --- argument condition --------------------------------------------------------------------------


def test_an_argument_is_sent_only_where_its_condition_holds(tmp_path: Path) -> None:
    """ZEST's argument `condition`: "the condition which needs to be true in order to accept the
    argument". Leaving one argument out can fail the next one's condition."""
    given = '<property type="string" example-value="v"/>'
    op, problems = load_op(
        tmp_path,
        arg("sort", "", given)
        + arg("per_page", "", '<property type="string"/>')  # no value: not sent
        + arg("order", "condition=\"REQUEST:$.params.sort == 'v'\"", given)  # holds: sent
        + arg("page", 'required="true" condition="REQUEST:$.params.per_page"', given)  # no
        + arg("cursor", 'condition="REQUEST:$.params.page"', given)  # page is gone: no
        + arg("X-Mode", 'condition="REQUEST:$.headers.X-Missing"', given).replace(
            'location="param"', 'location="header"'
        ),
    )
    assert problems == []
    positive = _request(op)
    assert set(positive.params) == {"sort", "order"} and "X-Mode" not in positive.headers
    cases = names(op)
    assert "Mandatory Param sort" not in cases  # (sort is optional anyway)
    assert "Mandatory Param page" not in cases  # required only where its condition holds
    assert "Empty Param page" in cases and "Empty Param order" in cases


def test_a_case_breaking_an_argument_whose_condition_fails_is_not_built(tmp_path: Path) -> None:
    """The API would refuse `page` whatever its value, so an Empty Param page case that passed
    would have tested nothing: it is skipped, saying why. Where the condition holds the case is
    built as usual."""
    given = '<property type="string" example-value="v"/>'
    op, _ = load_op(
        tmp_path,
        arg("per_page", "", '<property type="string"/>')  # no value: not sent
        + arg("page", 'condition="REQUEST:$.params.per_page"', given)
        + arg("sort", "", given)
        + arg("order", 'condition="REQUEST:$.params.sort"', given),
    )
    cases = {c.name: c for c in negative_cases(op, None)}
    with pytest.raises(NotApplicable) as refused:
        _request(op, cases["Empty Param page"])
    assert str(refused.value) == (
        "param page is accepted only where its condition (REQUEST:$.params.per_page) holds, "
        "and it does not on this call"
    )
    empty_order = _request(op, cases["Empty Param order"])
    assert empty_order.params == {"sort": "v", "order": ""}


def test_a_condition_on_a_url_variable_is_said_to_do_nothing(tmp_path: Path) -> None:
    spec = tmp_path / "things.xml"
    variable = 'location="variable" required="true"'
    spec.write_text((HEAD + TAIL).replace(variable, variable + ' condition="$.x"'), "utf-8")
    result = load([spec])
    assert [(d.severity, d.message, d.hint) for d in result.diagnostics] == [(
        "warning",
        "'condition' has no effect on a URL path variable: the URL needs it on every call",
        "put the condition on a param or header argument, or remove it",
    )]  # fmt: skip


def test_a_typed_param_outside_its_range_or_values_is_an_invalid_param_case(
    tmp_path: Path,
) -> None:
    """Each bound of a range, and a value outside the values, of the right type: the value a
    case sends breaks that rule alone (Platformatic's limit of 0..100 sent as 101)."""
    op, problems = load_op(
        tmp_path,
        arg("limit", prop='<property type="integer" range="0,100"/>')
        + arg("offset", prop='<property type="integer" range="0,"/>')
        + arg("level", prop='<property type="integer" values="1,2,3" extra-value="deny"/>')
        + arg(
            "page",
            prop='<property type="integer" range="1,9" invalid-value="map-default" '
            'default-value="1"/>',
        ),
    )
    assert not problems
    cases = {case.name: case for case in negative_cases(op, None)}
    ranged = sorted(name for name in cases if name.endswith(("range)", "values)")))
    assert ranged == [
        "Invalid Param level (outside values)",
        "Invalid Param limit (above range)",
        "Invalid Param limit (below range)",
        "Invalid Param offset (below range)",
    ]  # none for page: its server answers a value out of range with its default
    generator = DataGenerator(1, "t")
    sent = {name: bad_value(cases[name], generator) for name in ranged}
    assert sent["Invalid Param limit (above range)"] == 101
    assert sent["Invalid Param limit (below range)"] == -1
    assert sent["Invalid Param offset (below range)"] == -1
    assert sent["Invalid Param level (outside values)"] not in (1, 2, 3, "1", "2", "3")
