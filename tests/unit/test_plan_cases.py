"""Negative cases: which the planner derives from the declarations, and the values that
break them."""

from __future__ import annotations

import re
import shutil
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from apitest.case_kinds import NEGATIVE_KINDS
from apitest.engine.request import NotApplicable, break_body
from apitest.plan.bad_values import LENGTH_CAP, bad_value, unbreakable
from apitest.plan.cases import _property_cases, _structure_cases, format_path, negative_cases
from apitest.plan.data import DataGenerator
from apitest.plan.graph import PlanOptions, build_plan
from apitest.plan.model import NOMINAL_CALL_MS, Plan, Violation, parallel_groups
from apitest.verify.verdict import pick_content
from apitest.zspec.conditions import parse_data_path
from apitest.zspec.loader import load_catalog
from apitest.zspec.model import (
    Argument,
    ArgumentLocation,
    Bounds,
    Catalog,
    Content,
    Property,
    RequestBody,
    Response,
    Structure,
)
from apitest.zspec.scopes import parse_scopes

from ..support import DATA, LOC, REPO

S3_OBJECTS = DATA / "thirdparty" / "s3" / "objects.xml"


@pytest.fixture(scope="module")
def negative_plan(catalog: Catalog) -> Plan:
    return build_plan(catalog, PlanOptions(cases="negative"))


def test_trips_gets_every_applicable_kind_in_the_counts_its_declarations_give(
    negative_plan: Plan,
) -> None:
    kinds = Counter(
        step.violation.kind
        for step in negative_plan.steps
        if step.violation is not None and step.resource == "trips"
    )
    # Derived by hand from specs/trips.xml: POST and PUT bodies (trips + the record's
    # properties included for create / update), the DELETE ids param, the GET trip URL
    # variable, and the two token cases of each of the five operations.
    assert kinds == {
        # create: trips, trip_name, destination, start/end; update: trips, trip_id
        "Mandatory Property": 7,
        # 15, start/end_time as text no moment reads and no_of_days as a fraction, twice
        "Invalid Type": 21,
        "Null Value": 15,
        "Invalid Value": 6,  # trip_type outside values, no_of_days above/below range, twice
        "Length Violation": 8,  # trip_name and destination, over max and under min, twice
        "Regex Mismatch": 1,  # trip_id, update only
        "Mandatory Param": 1,
        "Invalid Param": 1,
        "Empty Param": 1,  # ids; destination is declared emptiable for reads
        "InvalidValueInURLPath": 1,
        "Unknown Key": 1,  # GET trip's trip_id, a long_string that names the record
        "Missing Token": 5,
        "Invalid Token": 5,
    }
    assert set(kinds) <= set(NEGATIVE_KINDS)


def test_cases_are_named_after_what_they_break(negative_plan: Plan) -> None:
    names = {step.name for step in negative_plan.steps if step.violation is not None}
    assert "POST trips / Mandatory Property trips[0].trip_name" in names
    assert "PUT trips / Regex Mismatch trips[0].trip_id" in names
    assert "DELETE trips / Mandatory Param ids" in names
    assert "GET trip / InvalidValueInURLPath trip_id" in names
    assert "GET trip / Unknown Key trip_id" in names
    assert "POST trips / Length Violation trips[0].trip_name (over max)" in names


def test_negative_chain_prepares_a_record_after_the_create_cases(negative_plan: Plan) -> None:
    chain = next(chain for chain in negative_plan.chains if chain.id == "trips.1")
    kinds = [(step.kind, step.operation.name) for step in chain.steps]
    assert chain.purpose == "negative cases"
    assert kinds[0] == ("data preparation", "GET destinations")
    prepare = kinds.index(("data preparation", "POST trips"))
    assert prepare > 1  # there are create cases before it (else the next line holds of none)
    assert all(op == "POST trips" for _kind, op in kinds[1:prepare])
    assert kinds[-1] == ("cleanup", "DELETE trips")
    # a negative case is not a write the next step must wait for
    assert not any(step.is_write for step in chain.steps if step.violation is not None)


def test_negative_cases_of_one_operation_go_out_together_except_a_delete_s(
    negative_plan: Plan,
) -> None:
    chain = next(chain for chain in negative_plan.chains if chain.id == "trips.1")
    groups = parallel_groups(chain.steps)
    sizes = {group[0].operation.name: len(group) for group in groups if len(group) > 1}
    assert sizes == {"POST trips": 31, "GET trips": 2, "GET trip": 4, "PUT trips": 31}
    deletes = [group for group in groups if group[0].operation.name == "DELETE trips"]
    assert all(len(group) == 1 for group in deletes) and len(deletes) == 6  # 5 cases + cleanup
    # the estimate charges a group once, so it is far below one call per case
    assert chain.estimate_ms() < len(chain.steps) * NOMINAL_CALL_MS


def test_an_update_sending_its_record_s_etag_has_its_cases_go_one_at_a_time(
    negative_plan: Plan,
) -> None:
    """Eve's If-Match: a case the API wrongly accepts moves the etag on, and the cases sent
    beside it with the old one were refused 412 before their own fault was looked at."""
    from dataclasses import replace

    chain = next(chain for chain in negative_plan.chains if chain.id == "trips.1")
    etag = Property(LOC, "string", path=parse_data_path("trips:$._etag"))
    if_match = Argument(LOC, "If-Match", "header", required=True, content=Content(
        LOC, structure=Structure(LOC, properties=(etag,))
    ))  # fmt: skip
    put = next(step.operation for step in chain.steps if step.operation.name == "PUT trips")
    guarded = replace(put, arguments=(*put.arguments, if_match))
    steps = tuple(
        replace(step, operation=guarded) if step.operation is put else step for step in chain.steps
    )
    groups = parallel_groups(steps)
    sizes = {group[0].operation.name: len(group) for group in groups if len(group) > 1}
    assert sizes == {"POST trips": 31, "GET trips": 2, "GET trip": 4}  # PUT's: one at a time
    assert len([group for group in groups if group[0].operation is guarded]) == 31


def test_an_update_whose_body_can_rename_its_record_has_its_cases_go_one_at_a_time(
    negative_plan: Plan,
) -> None:
    """JupyterHub's `PATCH /users/{name}` with `{"name"}`: a case the API wrongly accepts
    renames the record, and the cases sent beside it met 404 at the old name, which passed
    them. A body that does not send the member the URL names the record by keeps its group."""
    from dataclasses import replace

    chain = next(chain for chain in negative_plan.chains if chain.id == "trips.1")
    put = next(step.operation for step in chain.steps if step.operation.name == "PUT trips")
    key = Property(LOC, "string", path=parse_data_path("trips:$.trip_id"))
    in_url = Argument(LOC, "trip_id", "variable", required=True, content=Content(
        LOC, structure=Structure(LOC, properties=(key,))
    ))  # fmt: skip

    def sizes_with_a_body_of(member: str) -> dict[str, int]:
        sent = Structure(LOC, properties=(Property(LOC, "string", name=member),))
        body = RequestBody(LOC, contents=(Content(LOC, structure=sent),))
        changed = replace(put, arguments=(*put.arguments, in_url), request_body=body)
        steps = tuple(
            replace(step, operation=changed) if step.operation is put else step
            for step in chain.steps
        )
        groups = parallel_groups(steps)
        return {group[0].operation.name: len(group) for group in groups if len(group) > 1}

    assert sizes_with_a_body_of("trip_id") == {"POST trips": 31, "GET trips": 2, "GET trip": 4}
    assert sizes_with_a_body_of("note")["PUT trips"] == 31


def test_an_argument_the_token_goes_in_gets_the_token_cases_not_its_own(catalog: Catalog) -> None:
    """A spec that declares the `Authorization` header (or the token's param) as an argument:
    the run sends the token there whatever the argument says, so Mandatory Header and Empty
    Header Authorization went with the token, the reference service rightly answered 200, and
    two cases failed a correct API. Missing Token and Invalid Token are that header's cases."""
    trips = catalog.resource("trips")
    get = trips.operation("GET trips") if trips else None
    assert trips is not None and get is not None and trips.authentication is not None
    text = Content(LOC, structure=Structure(LOC, (Property(LOC, "string", example_value="t"),)))
    header = Argument(LOC, "authorization", "header", required=True, content=text)
    declared = replace(get, arguments=(*get.arguments, header))
    names = [case.name for case in negative_cases(declared, trips.authentication)]
    assert not [name for name in names if "authorization" in name.lower()], names
    assert {"Missing Token", "Invalid Token"} <= set(names)
    unauthenticated = [case.name for case in negative_cases(declared, None)]
    assert {"Mandatory Header authorization", "Empty Header authorization"} <= set(unauthenticated)
    in_param = replace(trips.authentication, location="param", name="access_token")
    param = replace(header, name="access_token", location="param")
    names = [c.name for c in negative_cases(replace(get, arguments=(param,)), in_param)]
    assert not [name for name in names if "access_token" in name], names
    assert "Mandatory Param access_token" in [  # a header of that name is another argument
        c.name for c in negative_cases(replace(get, arguments=(param,)), trips.authentication)
    ]


def test_a_whole_number_param_or_header_gets_a_fraction_within_its_range(
    catalog: Catalog,
) -> None:
    """`limit=1.5`: an API that truncates it (colander's default Integer reads Kinto's
    `_limit=0.5` as 0) took a value the spec's type refuses, and every case passed. An integer
    or long param or header gets `Invalid Param <name> (fraction)` beside its text case, inside
    its range; a text or number param gets none."""
    trips = catalog.resource("trips")
    get = trips.operation("GET trips") if trips else None
    assert trips is not None and get is not None

    def typed(name: str, kind: str, where: ArgumentLocation = "param") -> Argument:
        prop = Property(LOC, kind, range=Bounds(1, 100), example_value="2")
        content = Content(LOC, structure=Structure(LOC, (prop,)))
        return Argument(LOC, name, where, content=content)

    arguments = (typed("limit", "integer"), typed("size", "long", "header"), typed("q", "double"))
    made = {c.name: c for c in negative_cases(replace(get, arguments=arguments), None)}
    assert {"Invalid Param limit (fraction)", "Invalid Header size (fraction)"} <= set(made)
    assert "Invalid Param q (fraction)" not in made
    assert bad_value(made["Invalid Param limit (fraction)"], DataGenerator(5, "case")) == 1.5


def test_auto_skip_cases_drops_named_kinds_and_names(catalog: Catalog) -> None:
    trips = catalog.resource("trips")
    assert trips is not None
    post = trips.operation("POST trips")
    assert post is not None
    from dataclasses import replace

    muted = replace(post, auto_skip_cases=("Null Value", "Invalid Type trips[0].trip_name"))
    kinds = [case.name for case in negative_cases(muted, trips.authentication)]
    assert not any(name.startswith("Null Value") for name in kinds)
    assert "Invalid Type trips[0].trip_name" not in kinds
    assert "Invalid Type trips[0].destination" in kinds


SHARED_SPEC = """<?xml version="1.0" encoding="UTF-8"?>
<resource specification="1.0.0" name="pets">
  <components>
    <structure ref-name="pet">
      <property name="id" type="long_string"
                include-for="Request[update],Response[read,create,update]"/>
      <property name="name" type="string" required-for="Request[create]"/>
    </structure>
  </components>
  <url path="/pets">
    <operation method="post" name="POST pets" category="create">
      <request-body><content><encode type="application/json"/>
        <structure-ref name="pet"/></content></request-body>
      <response status="201"/>
    </operation>
    <operation method="put" name="PUT pets" category="update">
      <request-body><content><encode type="application/json"/>
        <structure-ref name="pet"/></content></request-body>
      <response status="200"/>
    </operation>
    <operation method="post" name="POST pets again" category="create">
      <request-body><content><encode type="application/json"/>
        <structure-ref name="pet"/></content></request-body>
      <response status="201"/>
    </operation>
  </url>
</resource>
"""


def test_operations_sharing_a_structure_get_the_cases_of_their_own_category(
    tmp_path: Path,
) -> None:
    """Body cases are derived once per structure and category, never handed across."""
    spec = tmp_path / "pets.xml"
    spec.write_text(SHARED_SPEC, encoding="utf-8")
    pets = load_catalog([spec]).resource("pets")
    assert pets is not None

    def body_cases(name: str) -> list[str]:
        op = pets.operation(name)
        assert op is not None
        return [case.name for case in negative_cases(op, None) if case.location == "body"]

    create, update = body_cases("POST pets"), body_cases("PUT pets")
    assert "Mandatory Property name" in create and "Mandatory Property name" not in update
    assert not any(name.endswith(" id") for name in create)  # id is not sent on a create
    assert "Invalid Type id" in update
    assert body_cases("POST pets again") == create  # the same structure, the same category


def _customer_cases(folder: Path, encode: str) -> dict[str, Violation]:
    text = (DATA / "forms" / "customers.xml").read_text(encoding="utf-8")
    spec = folder / f"customers-{encode.replace('/', '-')}.xml"
    spec.write_text(text.replace("application/x-www-form-urlencoded", encode), encoding="utf-8")
    customers = load_catalog([spec]).resource("customers")
    assert customers is not None
    op = customers.operation("POST customers")
    assert op is not None
    return {case.name: case for case in negative_cases(op, None)}


@pytest.mark.parametrize("encode", ["application/x-www-form-urlencoded", "multipart/form-data"])
def test_a_forms_fields_are_text_with_no_null_as_query_parameters_are(
    tmp_path: Path, encode: str
) -> None:
    """Stripe's customers (localstripe): `name=14614944` is a good string, and a form has no
    null (apitest sent the text `null`, a good string too), so every such case failed a
    correct API. A form field of another type gets text it cannot parse, digits never (a
    good long_string); an object's own fields, sent as JSON text in the form, are JSON's."""
    cases = _customer_cases(tmp_path, encode)
    assert set(cases) == {
        "Mandatory Property name",
        "Invalid Type balance",
        "Invalid Type ref",
        "Invalid Type address.city",
        "Null Value address.city",
    }
    gen = DataGenerator(5, "case")
    for name in ("balance", "ref"):
        value = bad_value(cases[f"Invalid Type {name}"], gen)
        assert isinstance(value, str) and not value.isdigit()
    assert isinstance(bad_value(cases["Invalid Type address.city"], gen), int)
    as_json = _customer_cases(tmp_path, "application/json")
    assert {"Invalid Type name", "Null Value name", "Null Value balance"} <= set(as_json)


@pytest.mark.parametrize("type_name", ["datetime", "date"])
def test_a_moment_gets_text_no_moment_reads_beside_a_number(type_name: str) -> None:
    """A number is a JSON type a moment is not, but lax frameworks read it as seconds since the
    epoch; and an API that took any text for a moment passed every case (Litestar's hunt stored
    "next tuesday"). So a moment gets both: the number, and text no moment reads. A form's
    field gets its one text case, as before."""
    moment = Property(LOC, type_name, name="at")
    cases = {case.name: case for case in _property_cases(moment, "create", ("at",))}
    assert {"Invalid Type at", "Invalid Type at (text)"} <= set(cases)
    gen = DataGenerator(5, "case")
    assert isinstance(bad_value(cases["Invalid Type at"], gen), int)
    text = bad_value(cases["Invalid Type at (text)"], gen)
    assert isinstance(text, str) and text.startswith("apitest-")
    in_form = [case.name for case in _property_cases(moment, "create", ("at",), form=True)]
    assert in_form.count("Invalid Type at") == 1 and "Invalid Type at (text)" not in in_form
    plain = Property(LOC, "string", name="s")
    assert [c.name for c in _property_cases(plain, "create", ("s",))] == [
        "Invalid Type s", "Null Value s"
    ]  # fmt: skip


def test_the_first_item_of_a_list_its_content_types_type_gets_the_items_cases() -> None:
    """`content-types="string"` with `values`: each item is one of them, so a list holding an
    item of another type, a null, or a word outside them must be refused, as a structured
    list's item is (an API that never checked its items passed). Several content types, or an
    unknown one, make no item case: an item of another type may be one the list takes."""
    tags = Property(LOC, "collections", name="tags", content_types=("string",), values=("a", "b"))

    def cases(prop: Property) -> dict[str, Violation]:
        body = Structure(LOC, properties=(prop,))
        return {case.name: case for case in _structure_cases(body, "create", (), 0)}

    made = cases(tags)
    assert {"Invalid Type tags[0]", "Null Value tags[0]", "Invalid Value tags[0]"} <= set(made)
    assert bad_value(made["Invalid Value tags[0]"], DataGenerator(5, "case")) not in ("a", "b")
    for kinds in (("string", "integer"), ("object",)):
        assert not [name for name in cases(replace(tags, content_types=kinds)) if "[0]" in name]


def _prop(**kwargs: object) -> Property:
    return Property(LOC, **kwargs)  # type: ignore[arg-type]


def _violation(kind: str, value: str, prop: Property) -> Violation:
    return Violation(kind, "x", "body", "set", value, ("x",), prop)


def test_bad_values_break_what_they_say() -> None:
    gen = DataGenerator(5, "case")
    regex = _prop(type="string", name="x", regex="[0-9]{1,19}")
    assert not re.fullmatch("[0-9]{1,19}", bad_value(_violation("Regex", "regex", regex), gen))
    sized = _prop(type="string", name="x", length=Bounds(2, 5))
    assert len(bad_value(_violation("Length", "too long", sized), gen)) == 6
    assert len(bad_value(_violation("Length", "too short", sized), gen)) == 1
    ranged = _prop(type="integer", name="x", range=Bounds(1, 365))
    assert bad_value(_violation("Invalid Value", "above range", ranged), gen) == 366
    assert bad_value(_violation("Invalid Value", "below range", ranged), gen) == 0
    listed = _prop(type="string", name="x", values=("a", "b"))
    assert bad_value(_violation("Invalid Value", "outside values", listed), gen) not in ("a", "b")
    long_id = _prop(type="long_string", name="x")
    assert isinstance(bad_value(_violation("Invalid Type", "type", long_id), gen), int)
    number = _prop(type="integer", name="x")
    assert isinstance(bad_value(_violation("Invalid Type", "type", number), gen), str)
    assert bad_value(_violation("Null Value", "null", number), gen) is None
    again = DataGenerator(5, "case")
    assert bad_value(_violation("Regex", "regex", regex), again) == bad_value(
        _violation("Regex", "regex", regex), DataGenerator(5, "case")
    )


def test_a_bad_value_breaks_its_one_rule_and_not_the_regex_or_length_beside_it() -> None:
    """A value that broke two rules was refused for the other one by an API that never checked
    the rule its case names, and the case passed it (a false green)."""
    names = "[A-Z][A-Za-z.]*( [A-Z][A-Za-z.]*)*"
    author = _prop(type="string", name="x", regex=names, length=Bounds(1, 60))
    request_id = _prop(type="string", name="x", regex="[a-z0-9-]+", length=Bounds(8, 36))
    for seed in range(20):
        gen = DataGenerator(seed, "case")
        long_name = bad_value(_violation("Length", "too long", author), gen)
        assert len(long_name) > 60 and re.fullmatch(names, long_name), long_name
        long_id = bad_value(_violation("Length", "too long", request_id), gen)
        short_id = bad_value(_violation("Length", "too short", request_id), gen)
        assert len(long_id) > 36 and re.fullmatch("[a-z0-9-]+", long_id), long_id
        assert 0 < len(short_id) < 8 and re.fullmatch("[a-z0-9-]+", short_id), short_id
    short = _prop(type="string", name="x", regex="[a-z]+", length=Bounds(1, 4))
    missed = bad_value(_violation("Regex", "regex", short), DataGenerator(1, "case"))
    assert len(missed) <= 4 and not re.fullmatch("[a-z]+", missed), missed
    fixed = _prop(type="string", name="x", regex="97[89][0-9]{10}", length=Bounds(13, 13))
    assert len(bad_value(_violation("Length", "too long", fixed), DataGenerator(1))) == 14


def test_break_body_omits_or_replaces_at_the_path_and_leaves_the_original() -> None:
    body = {"trips": [{"trip_name": "a", "no_of_days": 4}]}
    prop = _prop(type="integer", name="no_of_days")
    omit = Violation("Mandatory Property", "t", "body", "omit", "", ("trips", 0, "trip_name"), prop)
    broken, said = break_body(body, omit, DataGenerator(1))
    assert broken == {"trips": [{"no_of_days": 4}]} and said == "a body without trips[0].trip_name"
    assert body["trips"][0]["trip_name"] == "a"
    null = Violation("Null Value", "t", "body", "set", "null", ("trips", 0, "no_of_days"), prop)
    assert break_body(body, null, DataGenerator(1))[0] == {
        "trips": [{"trip_name": "a", "no_of_days": None}]
    }
    deep = Violation("Null Value", "t", "body", "set", "null", ("nope", 0, "x"), prop)
    with pytest.raises(NotApplicable, match="no nope"):
        break_body(body, deep, DataGenerator(1))


def test_the_first_item_of_a_list_of_scalars_gets_the_cases_of_its_rules() -> None:
    """Connexion's books: a tag keeps length 1..20. An API that never checked a tag passed,
    since no case sent a bad one; the first item now gets the cases of its rules (never one
    that leaves it out), and the body's first item is replaced by the bad value."""
    catalog = load_catalog([DATA / "thirdparty" / "connexion" / "books.xml"])
    books = catalog.resource("books")
    assert books is not None
    create = books.operation("create book")
    assert create is not None
    items = {c.name: c for c in negative_cases(create, None) if c.target == "tags[0]"}
    assert sorted(items) == [
        "Invalid Type tags[0]", "Length Violation tags[0] (over max)",
        "Length Violation tags[0] (under min)", "Null Value tags[0]",
    ]  # fmt: skip
    assert {case.mode for case in items.values()} == {"set"}
    body = {"title": "T", "tags": ["a", "b"]}
    broken, said = break_body(body, items["Null Value tags[0]"], DataGenerator(1))
    assert broken == {"title": "T", "tags": [None, "b"]} and said.startswith("tags[0] = null")
    long_tag = break_body(body, items["Length Violation tags[0] (over max)"], DataGenerator(1))
    assert len(long_tag[0]["tags"][0]) > 20 and long_tag[0]["tags"][1] == "b"
    with pytest.raises(NotApplicable, match="holds no item"):
        break_body({"tags": []}, items["Null Value tags[0]"], DataGenerator(1))


def test_a_body_of_one_text_value_is_broken_as_a_whole() -> None:
    """S3's PutObject sends the object's text (`text/plain`, one nameless string of 1..200):
    its cases are a form field's (no Null Value, no Invalid Type for a string), and each
    sends the whole body broken, or none."""
    catalog = load_catalog([DATA / "thirdparty" / "s3" / "buckets.xml", S3_OBJECTS])
    objects = catalog.resource("objects")
    assert objects is not None
    put = objects.operation("PutObject")
    assert put is not None
    body_cases = [v for v in negative_cases(put, objects.authentication) if v.location == "body"]
    assert [v.name for v in body_cases] == [
        "Length Violation (over max)", "Length Violation (under min)"
    ]  # fmt: skip
    over, under = body_cases
    broken, said = break_body("hello", over, DataGenerator(1))
    assert isinstance(broken, str) and len(broken) == 201, broken
    assert said == "a body of 201 characters (Length Violation)"
    assert break_body("hello", under, DataGenerator(1)) == ("", 'a body of "" (Length Violation)')
    required = Violation("Mandatory Property", "", "body", "omit", "", (), over.prop)
    assert break_body("hello", required, DataGenerator(1)) == (None, "a call without its body")


def test_format_path() -> None:
    assert format_path(("trips", 0, "trip_name")) == "trips[0].trip_name"
    assert format_path(("a",)) == "a"


def test_structure_at_cases_binds_an_error_structure_to_its_cases() -> None:
    general = Content(LOC, "application/json", Structure(LOC, (_prop(type="string", name="a"),)))
    bound = Content(
        LOC,
        "application/json",
        Structure(LOC, (_prop(type="string", name="b"),), cases=("Mandatory Property",)),
    )
    response = Response(LOC, 400, contents=(bound, general))
    assert pick_content(response, "application/json", "Mandatory Property") is bound
    assert pick_content(response, "application/json", "Invalid Type") is general
    assert pick_content(response, "application/json") is general


def test_a_too_long_text_never_ends_in_a_space_an_api_would_trim() -> None:
    """DRF's CharField trims text, as many APIs do: "... e477b1 " at max + 1 became a valid
    value, rightly taken, and the Length Violation case failed a correct API."""
    prop = Property(LOC, "string", name="title", length=Bounds(1, 40))
    texts = [
        bad_value(
            Violation("Length Violation", "title", "body", "set", "too long", prop=prop),
            DataGenerator(n),
        )
        for n in range(200)
    ]
    assert all(len(text) == 41 and text == text.strip() for text in texts)


@pytest.mark.parametrize("kind", ["string", "long_string", "collections"])
def test_a_long_value_breaks_its_bound_at_once(kind: str) -> None:
    """Up to the cap, a value one past the bound, made in linear time: built piece by piece,
    a million characters held the event loop five seconds, and a call beside it timed out."""
    prop = _prop(type=kind, name="x", length=Bounds(0, LENGTH_CAP - 1))
    too_long = _violation("Length Violation", "too long", prop)
    assert unbreakable(too_long) is None
    value = bad_value(too_long, DataGenerator(3, "case"))
    assert len(value) == LENGTH_CAP
    if kind != "collections":
        assert value == value.strip() and (kind == "string" or value.isdigit())


def test_what_no_value_can_break_is_skipped_saying_why() -> None:
    """A bound past the cap, or a regex every candidate matches: the value sent kept the rule,
    and a correct API that rightly took it failed the case."""
    huge = _prop(type="string", name="x", length=Bounds(0, 100_000_000))
    assert "100,000,000 characters is more than a test sends (at most 1,000,000)" in (
        unbreakable(_violation("Length Violation", "too long", huge)) or ""
    )
    assert unbreakable(_violation("Length Violation", "too short", huge)) is None
    for pattern in (r"[\s\S]*", r"^(?:.|\n)*$"):
        anything = _prop(type="string", name="x", regex=pattern)
        assert "no value breaks it" in (unbreakable(_violation("Regex", "regex", anything)) or "")
    dotted = _prop(type="string", name="x", regex=".*")
    assert unbreakable(_violation("Regex", "regex", dotted)) is None
    assert not re.fullmatch(".*", bad_value(_violation("Regex", "regex", dotted), DataGenerator(1)))


def test_a_plan_skips_the_cases_it_cannot_make(tmp_path: Path) -> None:
    folder = tmp_path / "specs"
    shutil.copytree(REPO / "specs", folder)
    trips = folder / "trips.xml"
    text = trips.read_text(encoding="utf-8")
    trips.write_text(text.replace('length="1,100"', 'length="1,100000000"'), encoding="utf-8")
    plan = build_plan(load_catalog([folder]), PlanOptions(cases="negative"))
    lengths = [s for s in plan.steps if s.case.startswith("Length Violation trips[0].trip_name")]
    over = [s for s in lengths if s.case.endswith("(over max)")]
    assert over and all("cannot be broken" in (s.skip_reason or "") for s in over)
    assert all(not s.skip_reason for s in lengths if s not in over)  # under min: sent


@pytest.mark.parametrize(
    ("kind", "bounds", "above", "below"),
    [
        ("double", Bounds(-1e308, 1e308), 1.0000000000000002e308, -1.0000000000000002e308),
        ("long", Bounds(-(2**63), 2**63 - 1), 2**63, -(2**63) - 1),
        ("integer", Bounds(0.5, 10.5), 11, 0),
        ("double", Bounds(1, 365), 366.0, 0.0),
    ],
)  # fmt: skip
def test_a_value_outside_the_range_is_outside_it(
    kind: str, bounds: Bounds, above: float, below: float
) -> None:
    """1e308 + 1 is 1e308, and -2**63 read as a float less one is -2**63 again: each case
    sent the range's own edge, which a correct API rightly took."""
    prop = _prop(type=kind, name="x", range=bounds)
    gen = DataGenerator(2, "case")
    assert bad_value(_violation("Invalid Value", "above range", prop), gen) == above
    assert bad_value(_violation("Invalid Value", "below range", prop), gen) == below
    assert not bounds.contains(above) and not bounds.contains(below)
    endless = _prop(type="double", name="x", range=Bounds(0, float("inf")))
    assert "no finite number lies above" in (
        unbreakable(_violation("Invalid Value", "above range", endless)) or ""
    )


def test_a_long_range_is_read_exactly(tmp_path: Path) -> None:
    """As written, not through a float, which holds -2**63 - 1 as -2**63."""
    folder = tmp_path / "specs"
    shutil.copytree(REPO / "specs", folder)
    trips = folder / "trips.xml"
    text = trips.read_text(encoding="utf-8")
    edges = 'range="-9223372036854775808,9223372036854775807"'
    trips.write_text(re.sub(r'range="[^"]*"', edges, text, count=1), encoding="utf-8")
    ranged = [
        prop
        for resource in load_catalog([folder]).resources
        for structure in resource.components.structures.values()
        for prop in structure.properties
        if prop.range is not None
    ]
    assert ranged[0].range == Bounds(-(2**63), 2**63 - 1)
    assert isinstance(ranged[0].range.min, int)


def test_a_null_the_spec_allows_is_a_case_the_api_must_take() -> None:
    """Null Value sends null where `nullable-for` does not allow it, to be refused; where it
    does, Null Allowed sends it and the API must take it: an API that refused the null its
    spec allows passed every case (the Litestar and APIFlask hunts). A form sends neither (it
    has no null)."""
    note = Property(LOC, "string", name="note", nullable_for=parse_scopes("Request[update]"))
    made = {c.name: c for c in _property_cases(note, "update", ("note",))}
    assert "Null Allowed note" in made and "Null Value note" not in made
    assert made["Null Allowed note"].must_be_taken
    assert bad_value(made["Null Allowed note"], DataGenerator(5, "case")) is None
    on_create = {c.name: c for c in _property_cases(note, "create", ("note",))}
    assert "Null Value note" in on_create and not on_create["Null Value note"].must_be_taken
    assert "Null Allowed note" not in on_create
    in_form = [c.name for c in _property_cases(note, "update", ("note",), form=True)]
    assert not [name for name in in_form if name.startswith("Null")]


def test_a_whole_number_gets_a_fraction_within_its_range_beside_text() -> None:
    """Text is a JSON type an integer is not, but an API that truncates a fraction
    (marshmallow's `Integer` stores 5 for 5.5) passed every case: an integer or a long in a
    JSON body gets `Invalid Type <name> (fraction)` too, a number with a fractional part
    inside its `range`, so that the type is all it breaks. A form's field gets its one text
    case, as before."""
    weight = Property(LOC, "integer", name="weight", range=Bounds(1, 5000))
    made = {c.name: c for c in _property_cases(weight, "create", ("weight",))}
    assert {"Invalid Type weight", "Invalid Type weight (fraction)"} <= set(made)
    gen = DataGenerator(5, "case")
    fraction = bad_value(made["Invalid Type weight (fraction)"], gen)
    assert fraction == 1.5
    assert bad_value(made["Invalid Type weight"], gen) != fraction
    negative = Property(LOC, "long", name="n", range=Bounds(-10, -3))
    (case,) = [c for c in _property_cases(negative, "create", ("n",)) if c.detail == "fraction"]
    assert bad_value(case, gen) == -9.5
    narrow = Property(LOC, "integer", name="n", range=Bounds(None, -3))
    (case,) = [c for c in _property_cases(narrow, "create", ("n",)) if c.detail == "fraction"]
    assert bad_value(case, gen) == -3.5
    in_form = [c.name for c in _property_cases(weight, "create", ("weight",), form=True)]
    assert "Invalid Type weight (fraction)" not in in_form
    text = Property(LOC, "string", name="s")
    assert not [c for c in _property_cases(text, "create", ("s",)) if c.detail == "fraction"]
